"""The dense and BM25 candidate lists of every judged query of the shared BEIR sets,
fetched once through the real store and cached on disk, so that fusions can be
compared (and their constants fitted) in pure Python over the same lists.

`load(dataset)` indexes the set if needed (MiniLM, passages on, the index kept under
bench/.cache/data), runs each judged query's dense and keyword search at
`CANDIDATES_CACHED` per list, and writes bench/.cache/<dataset>.lists.json; later
calls read that file. Run `.venv/bin/python -m bench.candidates` to fill the cache.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import patent_cpc, patent_titles
from bench.common import ROOT, SHARED_DATA
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.documents import Hit
from corpusmap.embedding.embedder import EmbedderPool
from indexer.cli.commands import IndexOptions, default_collection_name, run_index
from indexer.evaluation.retrieval import load_qrels, load_queries

DATASETS = ["msmarco_5k", "dbpedia_5k", "nfcorpus"]
#: Check sets built here from shared data, used to check fusions, never to fit them.
CHECK_SETS = ["patent_titles"]
#: More-like-this on patent claims, judged by shared CPC subclasses (bench.patent_cpc).
CPC_SET = "patent_cpc"
CACHE = ROOT / "bench" / ".cache"
#: Per list: what the store fetches for a top-100 search (2 * top_k).
CANDIDATES_CACHED = 200
#: Query id -> (dense, keyword), each a ranked list of (doc id, score).
Lists = dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]]
Qrels = dict[str, dict[str, int]]


def folder(dataset: str) -> Path:
    """The BEIR folder of a data set: shared, or a check set built under the cache."""
    if dataset in CHECK_SETS:
        return patent_titles.write(CACHE / "beir" / dataset)
    if dataset == CPC_SET:
        return patent_cpc.write(CACHE / "beir" / dataset)
    return SHARED_DATA / "retrieval" / dataset


def bench_settings() -> Settings:
    """The settings every retrieval benchmark indexes and searches with."""
    return Settings(data_dir=CACHE / "data", milvus_uri="", model="minilm")


def judged_queries(dataset: str) -> tuple[dict[str, str], Qrels]:
    """The queries of a set that have judgments, and the judgments."""
    qrels = load_qrels(folder(dataset))
    queries = {q: t for q, t in load_queries(folder(dataset)).items() if q in qrels}
    return queries, {q: qrels[q] for q in queries}


def ensure_index(settings: Settings, dataset: str) -> str:
    """The collection of a set, indexed from its corpus.jsonl if not yet built."""
    name = default_collection_name(f"beir_{dataset}", settings.model)
    if BuildRegistry(settings.data_dir).current_id(name) is None:
        options = IndexOptions(
            sources=[str(folder(dataset) / "corpus.jsonl")],
            preset="beir",
            collection=name,
            fit_topics=False,
        )
        run_index(settings, options)
    return name


def _pairs(hits: list[Hit]) -> list[tuple[str, float]]:
    return [(str(h.fields["id"]), float(h.score)) for h in hits]


def fetch(dataset: str) -> Lists:
    """Each judged query's dense and keyword ranking from the store, at the cached depth."""
    settings = bench_settings()
    name = ensure_index(settings, dataset)
    queries, _ = judged_queries(dataset)
    pool = EmbedderPool(
        device=settings.device, batch_size=settings.batch_size, backend=settings.backend
    )
    lists: Lists = {}
    with open_published(settings, name) as (store, physical):
        embedder = pool.get(store.meta(physical).model)
        for query_id, text in queries.items():
            vector = embedder.embed_query(text)
            dense, keyword = (
                store.search(physical, vector=vector, text=text, mode=m, top_k=CANDIDATES_CACHED)
                for m in ("dense", "keyword")
            )
            lists[query_id] = (_pairs(dense), _pairs(keyword))
    return lists


def load(dataset: str) -> Lists:
    """The cached candidate lists of a set, fetched (and cached) first if missing."""
    path = CACHE / f"{dataset}.lists.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(fetch(dataset)))
    raw = json.loads(path.read_text())
    return {
        q: ([(d, s) for d, s in dense], [(d, s) for d, s in keyword])
        for q, (dense, keyword) in raw.items()
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or DATASETS:
        print(name, len(load(name)), "queries cached", flush=True)
