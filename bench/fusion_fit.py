"""Fusions scored over cached candidate lists, and adaptive fusion fitted leave-one-set-out.

Everything here is pure Python over `bench.candidates` lists: a run is the top 100 of a
fusion of the first `candidates` hits of each list, exactly what hybrid search fuses
(it fetches 2 * top_k per half, at least 100), scored with the measures of
`corpusmap eval`. `leave_one_out` fits adaptive fusion's (pivot, slope) on every pair
of the three shared sets over `ADAPTIVE_GRID` and scores it on the third.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.candidates import CANDIDATES_CACHED, Lists, Qrels
from corpusmap.documents import Hit
from corpusmap.search.fusion import Fusion
from indexer.evaluation.retrieval import DEPTH, Run, per_query_scores

#: The (pivot, slope) pairs adaptive fusion is fitted over, fixed before fitting.
ADAPTIVE_GRID = [(p, s) for p in (5.0, 6.0, 7.0, 8.0, 9.0) for s in (0.35, 0.5, 0.75, 1.0)]
#: The loss of the fitting objective below: each nDCG@10 point a fitting set falls
#: under its better half by more than the target's 0.005 costs this many points.
SHORTFALL_PENALTY = 2.0
TARGET_SLACK = 0.005
Ranker = Callable[[list[Hit], list[Hit], str], list[Hit]]


@dataclass(frozen=True)
class Judged:
    """One set: its cached lists, judgments and query texts."""

    name: str
    lists: Lists
    qrels: Qrels
    queries: dict[str, str]


def _hits(pairs: Iterable[tuple[str, float]]) -> list[Hit]:
    return [Hit(score, {"id": doc}) for doc, score in pairs]


def ranker(fusion: Fusion | None, mode: str = "hybrid") -> Ranker:
    """A ranking function of (dense, keyword, query): one half, or the fusion of both."""
    if mode == "dense":
        return lambda dense, keyword, query: dense
    if mode == "keyword":
        return lambda dense, keyword, query: keyword
    assert fusion is not None
    return lambda dense, keyword, query: fusion.fuse(dense, keyword, DEPTH, query=query)


def run_of(judged: Judged, rank: Ranker, candidates: int = CANDIDATES_CACHED) -> Run:
    """The top-100 run of a ranking function over the first `candidates` of each list."""
    run: Run = {}
    for query_id, (dense, keyword) in judged.lists.items():
        hits = rank(
            _hits(dense[:candidates]), _hits(keyword[:candidates]), judged.queries[query_id]
        )
        run[query_id] = {h.fields["id"]: float(DEPTH - i) for i, h in enumerate(hits[:DEPTH])}
    return run


def per_query(judged: Judged, run: Run) -> dict[str, np.ndarray]:
    """Each measure's value for every judged query, as `corpusmap eval` scores them."""
    return per_query_scores(judged.qrels, run)


def summary(values: dict[str, np.ndarray]) -> dict[str, Any]:
    """Mean of each measure and, under `standard_error`, its per-query standard error."""
    means = {name: round(float(v.mean()), 4) for name, v in values.items()}
    errors = {name: round(float(v.std(ddof=1) / np.sqrt(len(v))), 4) for name, v in values.items()}
    return {**means, "standard_error": errors}


def paired(values: np.ndarray, base: np.ndarray) -> dict[str, Any]:
    """Per-query difference of one measure: mean, standard error, wins and losses."""
    diff = values - base
    return {
        "mean": round(float(diff.mean()), 4),
        "standard_error": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4),
        "wins": int((diff > 1e-9).sum()),
        "losses": int((diff < -1e-9).sum()),
    }


class Scorer:
    """nDCG@10 gains over the better half, memoised per (set, fusion, depth)."""

    def __init__(self, sets: list[Judged]):
        self.sets = {s.name: s for s in sets}
        self._halves = {
            s.name: max(
                float(per_query(s, run_of(s, ranker(None, m)))["ndcg@10"].mean())
                for m in ("dense", "keyword")
            )
            for s in sets
        }
        self._memo: dict[tuple[str, Fusion, int], float] = {}

    def gain(self, name: str, fusion: Fusion, candidates: int = CANDIDATES_CACHED) -> float:
        """nDCG@10 of a fusion minus that of the better of dense and keyword search."""
        key = (name, fusion, candidates)
        if key not in self._memo:
            judged = self.sets[name]
            ndcg = per_query(judged, run_of(judged, ranker(fusion), candidates))["ndcg@10"]
            self._memo[key] = float(ndcg.mean()) - self._halves[name]
        return self._memo[key]

    def objective(self, names: list[str], fusion: Fusion) -> float:
        """Mean gain over `names`, less the penalised shortfall below the target's slack."""
        gains = [self.gain(n, fusion) for n in names]
        shortfall = min(0.0, min(gains) + TARGET_SLACK)
        return float(np.mean(gains)) + SHORTFALL_PENALTY * shortfall


def adaptive(pivot: float, slope: float) -> Fusion:
    """Adaptive fusion at the given constants."""
    return Fusion("adaptive", pivot=pivot, slope=slope)


def leave_one_out(scorer: Scorer, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per held-out set: the grid point that fits the other sets best, and its gain there."""
    folds = {}
    for held in names:
        others = [n for n in names if n != held]
        pivot, slope = max(ADAPTIVE_GRID, key=lambda p: scorer.objective(others, adaptive(*p)))
        folds[held] = {
            "fitted_on": others,
            "pivot": pivot,
            "slope": slope,
            "ndcg@10_minus_better_half": round(scorer.gain(held, adaptive(pivot, slope)), 4),
        }
    return folds
