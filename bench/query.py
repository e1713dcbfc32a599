"""Query latency of the live API at 10k and 100k documents versus exact search.

For each N, a corpus of N documents (bench.synthetic: the 10,000 real BEIR
documents, copies with noised vectors beyond that) is indexed through
corpusmap's build path and served by `corpusmap serve` in its own process.
Client threads POST the 100 real BEIR queries to `/collections/{name}/search`
(top 10) with 1 and 8 concurrent clients, in dense mode (the fair comparison
with exact search) and in the default hybrid mode. The anchor, measured in the
same run before and after the API runs (their mean): query encoding with the
same model plus an exact numpy top-10 over the same vectors, with the queries encoded
by sentence-transformers on torch (the plain anchor) and by the project's ONNX Runtime
fp32 encoder (the fair limit: the fastest encoder of the same vectors, then exact
search, with nothing between them). recall@10 compares
the API's dense hits with that exact top-10. `engines` compares Milvus Lite's
index types on the same build (bench.engines), at the largest size only.

    python -m bench.query [--sizes 10000,100000]  ->  bench/results/query.json

BENCH_DATA_DIR keeps the builds and the embedding cache between runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.common import write_result
from bench.engines import compare_engines
from bench.exact import Baseline, load_queries, measure_baseline, recall_at_10
from bench.load import LoadStats, served
from bench.synthetic import (
    Corpus,
    build_folder_mb,
    collection_name,
    iter_sizes,
    make_corpus,
    publish_corpus,
)
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.embedding.embedder import Embedder

CLIENTS = (1, 8)
PASSES = 2  # each client count sends the queries this many times over


def _client(base: str, path: str, queries: list[str], mode: str, stats: LoadStats,
            found: dict[int, list[str]] | None, start: int, count: int) -> None:  # fmt: skip
    """One client: `count` searches, starting at query `start`."""
    with httpx.Client(base_url=base, timeout=60) as http:
        for n in range(start, start + count):
            index = n % len(queries)
            began = time.perf_counter()
            try:
                response = http.post(
                    path, json={"query": queries[index], "top_k": 10, "mode": mode}
                )
                error = None if response.status_code == 200 else str(response.status_code)
            except httpx.HTTPError as exc:
                error, response = type(exc).__name__, None
            stats.record(1000 * (time.perf_counter() - began), error)
            if found is not None and response is not None and not error:
                found[index] = [hit["id"] for hit in response.json()["hits"]]


def run_clients(
    base: str, collection: str, queries: list[str], mode: str, clients: int
) -> tuple[LoadStats, dict[int, list[str]]]:
    """`clients` threads sending the queries PASSES times in all; stats and hit ids."""
    stats, found = LoadStats(), dict[int, list[str]]()
    path = f"/collections/{collection}/search"
    per_client = PASSES * len(queries) // clients
    threads = [
        threading.Thread(
            target=_client,
            args=(base, path, queries, mode, stats, found, c * per_client, per_client),
        )
        for c in range(clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.seconds = time.monotonic() - began
    return stats, found


def _latency(stats: LoadStats) -> dict[str, Any]:
    return {
        "p50_ms": round(stats.percentile(0.5), 1),
        "p99_ms": round(stats.percentile(0.99), 1),
        "requests": len(stats.latencies_ms),
        "queries_per_s": round(len(stats.latencies_ms) / max(stats.seconds, 1e-9), 1),
        "errors": len(stats.errors),
    }


def measure_api(base: str, collection: str, queries: list[str]) -> dict[str, Any]:
    """Latency per mode and client count, errors, and the dense hits of each query."""
    run_clients(base, collection, queries[:10], "hybrid", 2)  # warm-up: model, caches
    figures: dict[str, Any] = {}
    for mode in ("dense", "hybrid"):
        figures[mode] = {}
        for clients in CLIENTS:
            stats, found = run_clients(base, collection, queries, mode, clients)
            figures[mode][str(clients)] = _latency(stats)
            if mode == "dense" and clients == 1:
                figures["dense_hits"] = [found.get(i, []) for i in range(len(queries))]
    return figures


def serving_rss_mb() -> float:
    """Resident memory of this process's descendants (the API and its Milvus Lite), MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    family, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in family} - family
        family |= found
        grew = bool(found)
    return sum(_rss_kb(pid) for pid in family - {os.getpid()}) / 1024


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


def _ensure_published(settings: Settings, embedder: Embedder, corpus: Corpus) -> dict[str, Any]:
    """Publish the corpus unless its build (same documents) is already published."""
    name = collection_name(corpus.size)
    current = BuildRegistry(settings.data_dir).current_id(name)
    if current:
        info = BuildRegistry(settings.data_dir).get(name, current)
        if info and info.documents == corpus.size and info.summary.get("from_cache") == corpus.size:
            return dict(info.summary)
    return publish_corpus(settings, embedder, corpus)


def _ratio(p50: float, baseline: float) -> float:
    return round(p50 / baseline, 3) if baseline else 0.0


def measure_size(
    settings: Settings, embedders: tuple[Embedder, Embedder], n: int, port: int, *,
    engines: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Every figure of one corpus size (`engines`: also FLAT versus IVF_FLAT); `embedders`:
    the plain anchor's (torch) and the limit's (ONNX fp32)."""
    embedder, onnx = embedders
    corpus = make_corpus(settings, embedder, n)
    build = {**_ensure_published(settings, embedder, corpus), "passage_rows": len(corpus.vectors)}
    name = collection_name(n)
    queries = load_queries()
    before = [measure_baseline(e, corpus, queries) for e in embedders]
    load_before = os.getloadavg()
    with served(settings.data_dir, port) as base:
        api = measure_api(base, name, queries)
        api["serving_rss_mb"] = round(serving_rss_mb(), 1)
    after = [measure_baseline(e, corpus, queries) for e in embedders]
    baselines = [(b.p50() + a.p50()) / 2 for b, a in zip(before, after, strict=True)]
    vectors = np.stack([embedder.embed_query(q) for q in queries])
    compared = compare_engines(settings, name, vectors, before[0].exact_ids) if engines else {}
    figures = _figures(n, api, baselines[0], before[0], after[0], compared, build, settings,
                       load_before)  # fmt: skip
    figures["onnx_limit"] = _limit(api, baselines[1], before[1], after[1])
    figures["onnx_limit"]["vectors_min_cosine"] = _min_cosine(queries, embedder, onnx)
    return figures


def _limit(api: dict[str, Any], p50: float, before: Baseline, after: Baseline) -> dict[str, Any]:
    """The API's p50s against the fair limit: ONNX fp32 encode + exact numpy top-10."""
    return {
        "p50_ms": round(p50, 2),
        "dense_ratio_p50": _ratio(api["dense"]["1"]["p50_ms"], p50),
        "hybrid_ratio_p50": _ratio(api["hybrid"]["1"]["p50_ms"], p50),
        "before": before.summary(),
        "after": after.summary(),
    }


def _min_cosine(queries: list[str], torch: Embedder, onnx: Embedder) -> float:
    """Least cosine between the two encoders' vectors of the same queries."""
    first = np.stack([torch.embed_query(q) for q in queries])
    second = np.stack([onnx.embed_query(q) for q in queries])
    return round(float(np.min(np.sum(first * second, axis=1))), 6)


def _figures(n: int, api: dict[str, Any], baseline: float, before: Baseline, after: Baseline,
             engines: dict[str, Any], build: dict[str, Any], settings: Settings,
             load_before: tuple[float, ...]) -> dict[str, Any]:  # fmt: skip
    dense, hybrid = api["dense"], api["hybrid"]
    return {
        "clients": dense,
        "baseline_p50_ms": round(baseline, 2),
        "ratio_p50": _ratio(dense["1"]["p50_ms"], baseline),
        "recall@10": recall_at_10(api["dense_hits"], before.exact_ids),
        "errors": sum(c["errors"] for m in (dense, hybrid) for c in m.values()),
        "mode": "dense",
        "ratio_p50_8_clients": _ratio(dense["8"]["p50_ms"], baseline),
        "hybrid": {"clients": hybrid, "ratio_p50": _ratio(hybrid["1"]["p50_ms"], baseline)},
        "baseline": {"before": before.summary(), "after": after.summary()},
        "index_type": "FLAT",
        "engines": engines,
        "documents": n,
        "passage_rows": build.get("passage_rows"),
        "index_docs_per_s": build.get("docs_per_s"),
        "build_folder_mb": round(build_folder_mb(settings, collection_name(n)), 1),
        "serving_rss_mb": api["serving_rss_mb"],
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    """Measure every size and write bench/results/query.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            data_dir=Path(os.environ.get("BENCH_DATA_DIR") or scratch),
            milvus_uri="",
            model="minilm",
        )
        embedders = (Embedder("minilm"), Embedder("minilm", query_backend="onnx"))
        sizes = list(iter_sizes(args.sizes))
        for n in sizes:
            # The engines differ only at the largest size (at 10k both are exact).
            engines = n == max(sizes)
            figures[str(n)] = measure_size(settings, embedders, n, args.port, engines=engines)
            print(n, {k: figures[str(n)][k] for k in ("clients", "ratio_p50", "recall@10")})
    setup = {
        "queries": "the 100 BEIR queries of msmarco_5k and dbpedia_5k, top_k 10",
        "corpus": "bench.synthetic: 10,000 real BEIR documents; beyond that noised copies",
        "passes": PASSES,
        "baseline": "median of (encode + numpy exact top-10) per query, mean of before and after",
        "onnx_limit": "the same with queries encoded by ONNX Runtime fp32 (the API's default "
        "query backend on the CPU)",
        "query_backend": os.environ.get("CORPUSMAP_QUERY_BACKEND", "auto"),
    }
    write_result("query", {**figures, "setup": setup})


if __name__ == "__main__":
    main()
