"""`corpusmap eval`: retrieval quality on a BEIR-format folder, through the real search path.

The folder holds `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv` (with or
without a header line). Metrics come from ir-measures (pytrec_eval, the
implementation BEIR itself uses): nDCG@10, Recall@100, MRR@10, each with its
per-query standard error. The exact baseline is brute-force numpy over the same
stored passage vectors (a document scores its best passage, as the search does), so
the index's cost is visible. Hybrid is measured with each fusion asked for: the first
(the settings' fusion, adaptive by default) as `hybrid`, any other as `hybrid_<name>`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ir_measures
import numpy as np
from ir_measures import RR, R, nDCG

from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.errors import CorpusError
from corpusmap.search.engine import search_collection
from corpusmap.search.fusion import Fusion
from corpusmap.store.milvus import MilvusStore

log = logging.getLogger(__name__)

MEASURES = {"ndcg@10": nDCG @ 10, "recall@100": R @ 100, "mrr@10": RR @ 10}
DEPTH = 100

Run = dict[str, dict[str, float]]


def load_queries(folder: Path) -> dict[str, str]:
    """Query id -> text from `queries.jsonl`."""
    path = folder / "queries.jsonl"
    if not path.exists():
        raise CorpusError(f"{path} not found: a BEIR folder has corpus.jsonl and queries.jsonl")
    queries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries[str(row["_id"])] = str(row["text"])
    return queries


def load_qrels(folder: Path, split: str = "test") -> dict[str, dict[str, int]]:
    """Judgments from `qrels/<split>.tsv`; a header line is detected and skipped."""
    path = folder / "qrels" / f"{split}.tsv"
    if not path.exists():
        raise CorpusError(f"{path} not found")
    qrels: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) < 3 or not fields[2].strip().lstrip("-").isdigit():
            continue  # the header ("query-id corpus-id score") or a blank line
        qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    return qrels


def per_query_scores(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, np.ndarray]:
    """Each measure for every judged query, in the order of `qrels`; a query the run
    misses, or that a measure leaves out (reciprocal rank: no relevant hit), scores 0."""
    names = {str(measure): name for name, measure in MEASURES.items()}
    values: dict[str, dict[str, float]] = {name: {} for name in MEASURES}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        values[names[str(metric.measure)]][metric.query_id] = metric.value
    return {name: np.array([v.get(q, 0.0) for q in qrels]) for name, v in values.items()}


def score_run(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, float]:
    """The measures of a run, averaged over every judged query."""
    scores = per_query_scores(qrels, run)
    return {name: round(float(v.mean()), 4) if len(v) else 0.0 for name, v in scores.items()}


def standard_errors(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, float]:
    """Each measure's standard error over the judged queries."""
    errors = {}
    for name, v in per_query_scores(qrels, run).items():
        spread = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
        errors[name] = round(float(spread), 4)
    return errors


def search_run(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    queries: dict[str, str],
    mode: str,
    fusion: Fusion | None = None,
) -> Run:
    """The top-100 documents of each query through the real search path."""
    run: Run = {}
    for query_id, text in queries.items():
        hits = search_collection(
            store, embedders, collection, text, top_k=DEPTH, mode=mode, fusion=fusion
        )
        run[query_id] = {h.id: h.score for h in hits}
    return run


#: Depth of the recall of dense search against exact search.
RECALL_K = 10


def exact_run(
    store: MilvusStore, embedders: EmbedderPool, collection: str, queries: dict[str, str]
) -> Run:
    """Brute-force cosine over every stored passage vector; a document takes its best."""
    doc_ids: list[str] = []
    vectors: list[list[float]] = []
    for batch in store.iter_rows(collection, ["doc_id", "vector"]):
        doc_ids.extend(r["doc_id"] for r in batch)
        vectors.extend(r["vector"] for r in batch)
    matrix = np.asarray(vectors, dtype=np.float32)
    embedder = embedders.get(store.meta(collection).model)
    run: Run = {}
    for query_id, text in queries.items():
        scores = matrix @ embedder.embed_query(text)
        best: dict[str, float] = {}
        for index in np.argsort(-scores):
            doc = doc_ids[index]
            if doc not in best:
                best[doc] = float(scores[index])
                if len(best) == DEPTH:
                    break
        run[query_id] = best
    return run


def evaluate(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    folder: Path,
    *,
    modes: Sequence[str],
    split: str = "test",
    fusions: Sequence[Fusion] = (),
) -> dict[str, Any]:
    """Metrics of each mode (hybrid once per fusion, default `Fusion()`) and of exact
    search for the judged queries of a BEIR folder."""
    qrels = load_qrels(folder, split)
    queries = {q: t for q, t in load_queries(folder).items() if q in qrels}
    if not queries:
        raise CorpusError(f"no query of {folder} has judgments in qrels/{split}.tsv")
    qrels = {q: qrels[q] for q in queries}
    log.info("evaluating %d queries on %s", len(queries), collection)
    results: dict[str, Any] = {"queries": len(queries), "documents": store.count(collection)}
    runs = {"exact": exact_run(store, embedders, collection, queries)}
    for key, mode, fusion in _measured(modes, fusions or [Fusion()]):
        runs[key] = search_run(store, embedders, collection, queries, mode, fusion)
        if key == "hybrid" and fusion is not None:
            results["fusion"] = str(fusion.method)
    for key, run in runs.items():
        results[key] = score_run(qrels, run)
    results["standard_error"] = {key: standard_errors(qrels, run) for key, run in runs.items()}
    if "dense" in runs:
        results["index"] = index_recall(store, collection, runs["dense"], runs["exact"])
    return results


def recall_against(run: Run, exact: Run, k: int = RECALL_K) -> float:
    """Mean share of each query's exact top `k` documents that `run` also has in its top `k`."""
    shares = []
    for query_id, best in exact.items():
        truth = list(best)[:k]
        found = set(list(run.get(query_id, {}))[:k])
        shares.append(len(found.intersection(truth)) / len(truth) if truth else 1.0)
    return float(np.mean(shares)) if shares else 1.0


def index_recall(store: MilvusStore, collection: str, dense: Run, exact: Run) -> dict[str, Any]:
    """The collection's vector index and the recall@10 of its dense search against exact
    search (1.0 for FLAT; what an approximate index's parameters cost)."""
    index = store.meta(collection).index
    return {
        "type": index.index_type if index else "unrecorded",
        "build": index.build if index else {},
        "search": index.search if index else {},
        f"recall@{RECALL_K}_vs_exact": round(recall_against(dense, exact), 4),
    }


def _measured(
    modes: Sequence[str], fusions: Sequence[Fusion]
) -> list[tuple[str, str, Fusion | None]]:
    """(result key, mode, fusion) of every run: hybrid once per fusion."""
    runs: list[tuple[str, str, Fusion | None]] = []
    for mode in modes:
        if mode != "hybrid":
            runs.append((mode, mode, None))
            continue
        for index, fusion in enumerate(fusions):
            runs.append(("hybrid" if index == 0 else f"hybrid_{fusion.method}", mode, fusion))
    return runs
