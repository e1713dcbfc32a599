"""Page budgets of the browser app, each a ratio to the JSON request of the same work.

- Search page p50 over the 100 shared BEIR queries against the JSON search of the same
  request (`POST /search` with `facets: true`: one ranking of the best 1,000 candidates,
  as the page) and against the plain JSON search (`top_k` 20, no facets). Goal: page
  <= 1.3x the JSON search.
- Facets over the best 1,000 candidates (what the page shows) against counting them
  over the whole filtered set with Milvus count queries (one per facet value).
- Report overview: time to first byte of its first request after publishing (nothing
  cached) and of the next one (cached per build). Goal: <= 2 s at 10k documents.

Corpus: bench.synthetic's 10,000 real BEIR documents, topics fitted. Run:
`python -m bench.ui` (BENCH_DATA_DIR keeps the build and the cache between runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import write_result
from bench.exact import load_queries
from bench.load import served
from bench.synthetic import make_corpus
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.embedding.embedder import Embedder
from corpusmap.search.related import CPC_SECTIONS
from corpusmap.store.topic_store import TopicStore
from indexer.pipeline.build import BuildRequest, run_build

COLLECTION = "ui_10k"


def _p50_ms(timings: list[float]) -> float:
    return round(statistics.median(timings) * 1000, 1)


def _timed(call: Any) -> float:
    started = time.perf_counter()
    response = call()
    response.raise_for_status()
    return time.perf_counter() - started


def ensure_build(settings: Settings, size: int) -> None:
    """Publish the corpus with topics unless a build of it is published."""
    if BuildRegistry(settings.data_dir).current_id(COLLECTION):
        return
    embedder = Embedder("minilm")
    corpus = make_corpus(settings, embedder, size)
    run_build(settings, BuildRequest(COLLECTION, "index", iter(corpus.docs)), embedder)


def report_first_byte(client: httpx.Client) -> dict[str, float]:
    """Seconds to the first byte of the report overview: first request, then cached."""
    figures = {}
    for attempt in ("first_s", "cached_s"):
        started = time.perf_counter()
        with client.stream("GET", f"/collections/{COLLECTION}/report") as response:
            next(response.iter_raw())
            figures[attempt] = round(time.perf_counter() - started, 3)
    return figures


def page_and_json(client: httpx.Client, queries: list[str]) -> dict[str, Any]:
    """p50 of the search page, the JSON search with facets and the plain JSON search,
    interleaved per query so that load on the machine falls on all three alike."""
    page, facets, plain = [], [], []
    url = f"/ui/collections/{COLLECTION}/search"
    api = f"/collections/{COLLECTION}/search"
    for query in queries:
        page.append(_timed(lambda q=query: client.get(url, params={"q": q})))
        body = {"query": query, "top_k": 20}
        facets.append(_timed(lambda b=body: client.post(api, json={**b, "facets": True})))
        plain.append(_timed(lambda b=body: client.post(api, json=b)))
    result = {"page_p50_ms": _p50_ms(page), "json_facets_p50_ms": _p50_ms(facets)}
    result["json_plain_p50_ms"] = _p50_ms(plain)
    result["ratio_page_to_json_facets"] = round(
        result["page_p50_ms"] / result["json_facets_p50_ms"], 3
    )
    result["ratio_page_to_json_plain"] = round(
        result["page_p50_ms"] / result["json_plain_p50_ms"], 3
    )
    return result


def whole_set_facets_ms(settings: Settings) -> dict[str, Any]:
    """Counting every facet value over the whole (unfiltered) set with Milvus queries."""
    with open_published(settings, COLLECTION) as (store, name):
        topics = [t.topic_id for t in TopicStore(store).list_topics(name)]
        started = time.perf_counter()
        counts = [store.count_where(name, f"topic == {t}") for t in topics]
        counts += [
            store.count_where(name, f'array_contains(cpc_sections, "{s}")') for s in CPC_SECTIONS
        ]
        seconds = time.perf_counter() - started
    return {"queries": len(counts), "ms": round(seconds * 1000, 1)}


def main() -> None:
    """Measure and write bench/results/ui.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(os.environ.get("BENCH_DATA_DIR") or scratch)
        settings = Settings(data_dir=data_dir, milvus_uri="", model="minilm")
        ensure_build(settings, args.size)
        queries = load_queries()
        whole = whole_set_facets_ms(settings)
        with served(data_dir, args.port) as base, httpx.Client(base_url=base, timeout=120) as c:
            report = report_first_byte(c)
            timings = page_and_json(c, queries)
    figures = {
        str(args.size): {**timings, "report_overview": report, "whole_set_facets": whole},
        "setup": {
            "queries": f"{len(queries)} BEIR queries (msmarco_5k, dbpedia_5k), hybrid, 20 a page",
            "facets_over": "the best 1,000 candidates of each search (the page's ranking)",
        },
    }
    write_result("ui", figures)


if __name__ == "__main__":
    main()
