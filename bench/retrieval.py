"""Retrieval quality on the three shared BEIR sets: dense, keyword and hybrid search.

Every figure is computed over the same cached candidate lists (`bench.candidates`:
each judged query's dense and BM25 top 200 from the real store, MiniLM, passages on),
so the halves and every fusion see the same candidates. Per set and mode: nDCG@10,
Recall@100 and MRR@10 with per-query standard errors. `hybrid` is the default fusion
(adaptive) with its constants fitted on the other two sets (leave one set out, over
`bench.fusion_fit.ADAPTIVE_GRID`); `hybrid_agreement` is the previous default. The
sweep gives every fusion's nDCG@10 minus the better half's, at both candidate depths
hybrid search fuses (200 per list for a top-100 search, 100 for top 50 or fewer).
`check_sets` holds the same figures on sets no constant was fitted on (see
`bench.patent_titles`); `cpc_agreement` the CPC agreement of more-like-this on patent
claims per mode (`bench.patent_cpc`). `--real-path` also runs `corpusmap eval` (exact search and
each mode through the real search path, default settings) on the three sets, into
bench/results/retrieval_real_path.json.

Run: `.venv/bin/python -m bench.retrieval [--real-path]`; writes bench/results/retrieval.json.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from bench import candidates, patent_cpc
from bench.common import write_result
from bench.fusion_fit import (
    ADAPTIVE_GRID,
    Judged,
    Scorer,
    adaptive,
    leave_one_out,
    paired,
    per_query,
    ranker,
    run_of,
    summary,
)
from corpusmap.config.defaults import ADAPTIVE_PIVOT, ADAPTIVE_SLOPE, DEFAULT_FUSION
from corpusmap.search.fusion import Fusion
from indexer.cli.commands import run_eval

OLD_DEFAULT = Fusion("agreement")
SWEEP = [
    *(Fusion("convex", alpha=a) for a in (0.5, 0.6, 0.7, 0.8, 0.9)),
    Fusion("rrf"),
    *(Fusion("agreement", keyword_weight=w) for w in (0.5, 0.7)),
    *(adaptive(p, s) for p, s in ADAPTIVE_GRID),
]
#: What the target of the fusion issue asks of the default on each set (nDCG@10 at
#: most this far below the better half) and on average (at least this far above).
TARGET_PER_SET = -0.005
TARGET_MEAN = 0.01


def label(fusion: Fusion) -> str:
    """A short name of a fusion and the parameters it uses."""
    if fusion.method == "convex":
        return f"convex alpha={fusion.alpha}"
    if fusion.method == "agreement":
        return f"agreement keyword_weight={fusion.keyword_weight}"
    if fusion.method == "adaptive":
        return f"adaptive pivot={fusion.pivot} slope={fusion.slope}"
    return str(fusion.method)


def judged(name: str) -> Judged:
    """A set's cached lists (fetched first if missing), judgments and query texts."""
    queries, qrels = candidates.judged_queries(name)
    return Judged(name, candidates.load(name), qrels, queries)


def set_figures(judged_set: Judged, fusion: Fusion) -> dict[str, Any]:
    """Every mode's measures on one set; `hybrid` is `fusion`, compared with both halves."""
    values = {
        "dense": per_query(judged_set, run_of(judged_set, ranker(None, "dense"))),
        "keyword": per_query(judged_set, run_of(judged_set, ranker(None, "keyword"))),
        "hybrid": per_query(judged_set, run_of(judged_set, ranker(fusion))),
        "hybrid_agreement": per_query(judged_set, run_of(judged_set, ranker(OLD_DEFAULT))),
    }
    figures: dict[str, Any] = {mode: summary(v) for mode, v in values.items()}
    better = max(("dense", "keyword"), key=lambda m: float(values[m]["ndcg@10"].mean()))
    figures["queries"] = len(judged_set.lists)
    figures["better_half"] = better
    figures["hybrid_minus_better_half_ndcg@10"] = paired(
        values["hybrid"]["ndcg@10"], values[better]["ndcg@10"]
    )
    return figures


def target(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Whether the hybrid figures meet the issue's target, set by set and on average."""
    gains = {
        name: round(f["hybrid"]["ndcg@10"] - max(f["dense"]["ndcg@10"], f["keyword"]["ndcg@10"]), 4)
        for name, f in figures.items()
    }
    recall = {
        name: f["hybrid"]["recall@100"] >= max(f["dense"]["recall@100"], f["keyword"]["recall@100"])
        for name, f in figures.items()
    }
    mean = round(float(np.mean(list(gains.values()))), 4)
    return {
        "ndcg@10_minus_better_half": gains,
        "mean": mean,
        "recall@100_at_least_both_halves": recall,
        "met": min(gains.values()) >= TARGET_PER_SET
        and mean >= TARGET_MEAN
        and all(recall.values()),
    }


def sweep(scorer: Scorer, names: list[str]) -> dict[str, Any]:
    """nDCG@10 minus the better half of every swept fusion, per set, at both depths."""
    depths = (candidates.CANDIDATES_CACHED, candidates.CANDIDATES_CACHED // 2)
    rows = {}
    for fusion in SWEEP:
        cells = {n: [round(scorer.gain(n, fusion, c), 4) for c in depths] for n in names}
        rows[label(fusion)] = {**cells, "worst": min(min(v) for v in cells.values())}
    return {
        "measure": "ndcg@10 minus the better half",
        "candidates_per_list": depths,
        "fusions": rows,
    }


def cpc_agreement(fusion: Fusion) -> dict[str, Any]:
    """More-like-this on the patent claims: CPC precision@10 and kNN F1 of each mode."""
    claims = judged(candidates.CPC_SET)
    rankers = {
        "dense": ranker(None, "dense"),
        "keyword": ranker(None, "keyword"),
        "hybrid": ranker(fusion),
        "hybrid_agreement": ranker(OLD_DEFAULT),
    }
    results = {}
    for mode, rank in rankers.items():
        run = run_of(claims, rank)
        ranked = {q: sorted(docs, key=lambda d: -docs[d]) for q, docs in run.items()}
        results[mode] = patent_cpc.agreement(ranked)
    return results


def real_path() -> dict[str, Any]:
    """`corpusmap eval` on each shared set with the default settings: the real search path."""
    settings = candidates.bench_settings()
    modes = ["dense", "keyword", "hybrid"]
    results = {}
    for name in candidates.DATASETS:
        result = run_eval(settings, candidates.folder(name), collection=None, modes=modes)
        results[name] = {key: result[key] for key in ("exact", *modes)}
    return results


def main() -> None:
    """Score every set and fusion, fit adaptive fusion leave-one-out, write the results."""
    shared = [judged(n) for n in candidates.DATASETS]
    checks = [judged(n) for n in candidates.CHECK_SETS]
    scorer = Scorer(shared + checks)
    names = [s.name for s in shared]
    folds = leave_one_out(scorer, names)
    shipped = adaptive(ADAPTIVE_PIVOT, ADAPTIVE_SLOPE)
    figures = {
        s.name: set_figures(s, adaptive(folds[s.name]["pivot"], folds[s.name]["slope"]))
        for s in shared
    }
    result: dict[str, Any] = dict(figures)
    result["target"] = target(figures)
    result["fusion"] = {
        "default": str(DEFAULT_FUSION),
        "shipped": {"pivot": ADAPTIVE_PIVOT, "slope": ADAPTIVE_SLOPE},
        "fitted_on_all_three": dict(
            zip(
                ("pivot", "slope"),
                max(ADAPTIVE_GRID, key=lambda p: scorer.objective(names, adaptive(*p))),
                strict=True,
            )
        ),
        "leave_one_out": folds,
        "grid": ADAPTIVE_GRID,
    }
    result["check_sets"] = {s.name: set_figures(s, shipped) for s in checks}
    result["fusion_sweep"] = sweep(scorer, names + [s.name for s in checks])
    result["cpc_agreement"] = cpc_agreement(shipped)
    write_result("retrieval", result)
    if "--real-path" in sys.argv:
        write_result("retrieval_real_path", real_path())


if __name__ == "__main__":
    main()
