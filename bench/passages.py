"""Passages on vs off for long documents: known-item search on the patent claims.

A long claim's late text is invisible to a model that truncates at 256 tokens.
For every claim that splits into passages, the query is the start of its last
passage; we measure how often dense search returns that claim (MRR@10,
recall@1, recall@10), indexing the 1,100 claims once with passages and once
truncated, in the same run. Also the hybrid mode with passages.
Run: `.venv/bin/python -m bench.passages`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import SHARED_DATA, write_result
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.passages import PassageSplitter
from indexer.pipeline.load import load_documents
from indexer.reading.sources import PRESETS, ReadReport, read_corpus

FILES = [SHARED_DATA / "patents" / f"patentsberta_claims_{s}.csv" for s in ("train", "test")]
QUERY_CHARS = 300


def known_item_queries(docs: list, splitter: PassageSplitter) -> dict[str, str]:
    """Claim id -> the start of its last passage, for claims of several passages."""
    parts = splitter.split_many([d.text for d in docs])
    return {
        d.id: p[-1].strip()[:QUERY_CHARS] for d, p in zip(docs, parts, strict=True) if len(p) > 1
    }


def measure(
    store: MilvusStore, pool: EmbedderPool, collection: str, queries: dict[str, str], mode: str
) -> dict[str, float]:
    """MRR@10, recall@1 and recall@10 of finding each query's own claim."""
    reciprocal, at1, at10 = 0.0, 0, 0
    for doc_id, text in queries.items():
        ids = [h.id for h in search_collection(store, pool, collection, text, top_k=10, mode=mode)]
        if doc_id in ids:
            rank = ids.index(doc_id) + 1
            reciprocal += 1 / rank
            at1 += rank == 1
            at10 += 1
    n = len(queries)
    return {
        "mrr@10": round(reciprocal / n, 4),
        "recall@1": round(at1 / n, 4),
        "recall@10": round(at10 / n, 4),
    }


def main() -> None:
    """Index with and without passages; write bench/results/passages.json."""
    docs = list(read_corpus([str(p) for p in FILES], PRESETS["patentsberta-claims"], ReadReport()))
    pool = EmbedderPool()
    embedder = pool.get("minilm")
    queries = known_item_queries(docs, PassageSplitter(embedder.tokenizer, embedder.passage_tokens))
    figures: dict[str, object] = {"documents": len(docs), "long_documents": len(queries)}
    with tempfile.TemporaryDirectory() as folder, MilvusStore(str(Path(folder) / "m.db")) as store:
        for name, passages in (("passages", True), ("truncated", False)):
            started = time.perf_counter()
            load_documents(
                docs,
                store=store,
                embedder=embedder,
                collection=name,
                passages=passages,
                progress=False,
            )
            figures[f"{name}_index_seconds"] = round(time.perf_counter() - started, 1)
            figures[f"{name}_rows"] = store.count_where(name, "")
            figures[f"{name}_dense"] = measure(store, pool, name, queries, "dense")
        figures["passages_hybrid"] = measure(store, pool, "passages", queries, "hybrid")
    write_result("passages", figures)


if __name__ == "__main__":
    main()
