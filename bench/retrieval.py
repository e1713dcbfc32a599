"""Retrieval quality on the shared BEIR subsets: exact vs dense vs keyword vs hybrid.

Indexes each corpus once (MiniLM, passages on), runs the judged queries through the
real search path in each mode and exact numpy search in the same run, then sweeps
the hybrid fusions over the same dense and BM25 candidate lists, and writes
bench/results/retrieval.json. Run: `.venv/bin/python -m bench.retrieval`.

The sweep (`fusion_sweep` in the result) shows every fusion tried, on both datasets,
at both candidate depths hybrid search fuses: 200 per list (a top-100 search, as the
evaluation runs) and 100 (any search for 50 or fewer, as the API's top-10 default).
It is nDCG@10 minus dense search's, per dataset and depth, with its worst cell.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import ir_measures
import numpy as np

from bench.common import SHARED_DATA, write_result
from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.documents import Hit
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.fusion import Fusion
from corpusmap.store.milvus import MilvusStore
from indexer.cli.commands import run_eval
from indexer.evaluation.retrieval import DEPTH, MEASURES, Run, load_qrels, load_queries, score_run

DATASETS = ["msmarco_5k", "dbpedia_5k"]
MODES = ["dense", "keyword", "hybrid"]
CANDIDATES = (200, 100)  # per list: what the store fetches for top_k 100, and for <= 50
SWEEP = [
    *(Fusion("convex", alpha=a) for a in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)),
    Fusion("rrf"),
    *(
        Fusion("agreement", keyword_weight=w, persistence=p)
        for p in (0.8, 0.85, 0.9, 0.95)
        for w in (0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
    ),
]
Lists = dict[str, tuple[list[Hit], list[Hit]]]


def label(fusion: Fusion) -> str:
    """A short name of a fusion and the parameters it uses."""
    if fusion.method == "convex":
        return f"convex alpha={fusion.alpha}"
    if fusion.method == "agreement":
        return f"agreement keyword_weight={fusion.keyword_weight} p={fusion.persistence}"
    return fusion.method


def candidate_lists(
    store: MilvusStore, embedders: EmbedderPool, collection: str, queries: dict[str, str]
) -> Lists:
    """Per query, the dense and the BM25 ranking hybrid search fuses, at the largest depth."""
    embedder = embedders.get(store.meta(collection).model)
    lists: Lists = {}
    for query_id, text in queries.items():
        vector = embedder.embed_query(text)
        dense, keyword = (
            store.search(collection, vector=vector, text=text, mode=m, top_k=max(CANDIDATES))
            for m in ("dense", "keyword")
        )
        lists[query_id] = (dense, keyword)
    return lists


def fused_run(lists: Lists, fusion: Fusion | None, candidates: int) -> Run:
    """The top-100 run of a fusion over the first `candidates` of each list (None: dense)."""
    run: Run = {}
    for query_id, (dense, keyword) in lists.items():
        if fusion is None:
            hits = dense[:DEPTH]
        else:
            hits = fusion.fuse(dense[:candidates], keyword[:candidates], DEPTH)
        run[query_id] = {h.fields["id"]: h.score for h in hits}
    return run


def paired_difference(qrels: dict[str, dict[str, int]], run: Run, base: Run) -> dict[str, Any]:
    """Per-query nDCG@10 of `run` minus `base`: mean, standard error, wins and losses."""
    measure = MEASURES["ndcg@10"]
    values = [
        {m.query_id: m.value for m in ir_measures.iter_calc([measure], qrels, r)}
        for r in (run, base)
    ]
    diff = np.array([values[0].get(q, 0.0) - value for q, value in values[1].items()])
    return {
        "mean": round(float(diff.mean()), 4),
        "standard_error": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4),
        "wins": int((diff > 1e-9).sum()),
        "losses": int((diff < -1e-9).sum()),
    }


def sweep_dataset(settings: Settings, folder: Path, collection: str) -> dict[str, Any]:
    """nDCG@10 gain over dense of every swept fusion at each depth, and the default's
    per-query difference from dense."""
    qrels = load_qrels(folder)
    queries = {q: t for q, t in load_queries(folder).items() if q in qrels}
    pool = EmbedderPool(
        device=settings.device, batch_size=settings.batch_size, backend=settings.backend
    )
    with open_published(settings, collection) as (store, physical):
        lists = candidate_lists(store, pool, physical, queries)
    dense = score_run(qrels, fused_run(lists, None, max(CANDIDATES)))["ndcg@10"]
    gains = {
        label(f): [
            round(score_run(qrels, fused_run(lists, f, c))["ndcg@10"] - dense, 4)
            for c in CANDIDATES
        ]
        for f in SWEEP
    }
    default = fused_run(lists, Fusion.from_settings(settings), max(CANDIDATES))
    paired = paired_difference(qrels, default, fused_run(lists, None, max(CANDIDATES)))
    return {"gains": gains, "hybrid_minus_dense": paired}


def summarize_sweep(per_dataset: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The sweep as one table: per fusion, each dataset's gains and the worst of them."""
    rows = {}
    for name in (label(f) for f in SWEEP):
        cells = {ds: per_dataset[ds]["gains"][name] for ds in per_dataset}
        worst = min(g for gains in cells.values() for g in gains)
        rows[name] = {**cells, "worst": round(worst, 4)}
    return {
        "measure": "ndcg@10 minus dense",
        "candidates_per_list": list(CANDIDATES),
        "fusions": rows,
        "hybrid_minus_dense": {ds: per_dataset[ds]["hybrid_minus_dense"] for ds in per_dataset},
    }


def main() -> None:
    """Evaluate every dataset, sweep the fusions and write the results.

    BENCH_DATA_DIR keeps the indexes there for the next run (default: a temp dir).
    """
    figures: dict[str, Any] = {}
    sweeps: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = os.environ.get("BENCH_DATA_DIR") or scratch
        settings = Settings(data_dir=Path(data_dir), milvus_uri="", model="minilm")
        for dataset in DATASETS:
            started = time.perf_counter()
            folder = SHARED_DATA / "retrieval" / dataset
            result = run_eval(settings, folder, collection=None, modes=MODES)
            figures[dataset] = {
                key: result[key] for key in ("exact", *MODES, "queries", "documents")
            }
            figures[dataset]["seconds"] = round(time.perf_counter() - started, 1)
            figures[dataset]["fusion"] = asdict(Fusion.from_settings(settings))
            figures[dataset]["dense_minus_exact_ndcg@10"] = round(
                result["dense"]["ndcg@10"] - result["exact"]["ndcg@10"], 4
            )
            sweeps[dataset] = sweep_dataset(settings, folder, result["collection"])
    figures["fusion_sweep"] = summarize_sweep(sweeps)
    write_result("retrieval", figures)


if __name__ == "__main__":
    main()
