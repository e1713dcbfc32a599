"""The query-latency anchor: query encoding plus exact numpy top-10 over the same vectors.

A document's score is its best passage's cosine (as corpusmap's search ranks
documents), so the exact search is one matrix-vector product over every passage
vector, a max per document and a partial sort.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench.common import SHARED_DATA
from bench.synthetic import Corpus
from corpusmap.embedding.embedder import Embedder

QUERY_SETS = ("msmarco_5k", "dbpedia_5k")


def load_queries() -> list[str]:
    """The 100 real search queries of the shared BEIR subsets."""
    queries: list[str] = []
    for name in QUERY_SETS:
        path = SHARED_DATA / "retrieval" / name / "queries.jsonl"
        with open(path, encoding="utf-8") as f:
            queries.extend(json.loads(line)["text"] for line in f if line.strip())
    return queries


def exact_top_k(corpus: Corpus, query: npt.NDArray[np.float32], k: int = 10) -> list[int]:
    """Indices of the k best documents by their best passage, best first."""
    scores = np.maximum.reduceat(corpus.vectors @ query, corpus.offsets[:-1])
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top], kind="stable")].tolist()


@dataclass
class Baseline:
    """Per-query timings of the anchor, in ms, and each query's exact top-10 ids."""

    encode_ms: list[float]
    search_ms: list[float]
    exact_ids: list[list[str]]

    def p50(self) -> float:
        """Median over queries of encode + exact search."""
        return statistics.median(e + s for e, s in zip(self.encode_ms, self.search_ms, strict=True))

    def summary(self) -> dict[str, float]:
        """Medians of the parts and of the sum."""
        return {
            "encode_p50_ms": round(statistics.median(self.encode_ms), 2),
            "exact_top10_p50_ms": round(statistics.median(self.search_ms), 2),
            "p50_ms": round(self.p50(), 2),
        }


def measure_baseline(embedder: Embedder, corpus: Corpus, queries: list[str]) -> Baseline:
    """Encode each query and search it exactly, timing both (after one warm-up)."""
    exact_top_k(corpus, embedder.embed_query(queries[0]))
    encode, search, ids = [], [], []
    for query in queries:
        started = time.perf_counter()
        vector = embedder.embed_query(query)
        encoded = time.perf_counter()
        top = exact_top_k(corpus, vector)
        searched = time.perf_counter()
        encode.append(1000 * (encoded - started))
        search.append(1000 * (searched - encoded))
        ids.append([corpus.docs[i].id for i in top])
    return Baseline(encode, search, ids)


def recall_at_10(found: list[list[str]], exact: list[list[str]]) -> float:
    """Mean share of the exact top-10 that a search found."""
    shares = [len(set(f[:10]) & set(e)) / len(e) for f, e in zip(found, exact, strict=True)]
    return round(float(np.mean(shares)), 4)
