"""Search hits and how rankings of them are fused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corpusmap.config import FusionMethod, Settings
from corpusmap.config.defaults import (
    ADAPTIVE_PIVOT,
    ADAPTIVE_SLOPE,
    DEFAULT_FUSION,
    DEFAULT_HYBRID_ALPHA,
)
from corpusmap.documents import Hit
from corpusmap.search.adaptive import adaptive_fusion

RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al.)
#: Ranks compared by rank-biased overlap; at persistence 0.9 the ranks below carry
#: 0.9**50 (0.5%) of its weight, and every hybrid search fetches at least 100 per list.
RBO_DEPTH = 50


@dataclass(frozen=True)
class Fusion:
    """How hybrid search combines its dense and keyword rankings.

    `adaptive` (the default): normalised scores weighted per query by BM25's lexical
    evidence, its best score per query term, equal at `pivot` points per term (see
    `corpusmap.search.adaptive`); `agreement`: convex fusion whose keyword weight is
    `keyword_weight * RBO(dense, keyword)`, rank-biased overlap at `persistence` (see
    `agreement_fusion`); `convex`: the fixed weights `alpha * dense + (1 - alpha) *
    keyword` over min-max normalised scores (Bruch et al., 2022); `rrf`: reciprocal
    rank fusion. `pivot` and `slope` were fitted leave-one-set-out on the shared BEIR
    sets; the sweep of every fusion is in bench/results/retrieval.json.
    """

    method: str = DEFAULT_FUSION
    alpha: float = DEFAULT_HYBRID_ALPHA
    keyword_weight: float = 0.5
    persistence: float = 0.9
    pivot: float = ADAPTIVE_PIVOT
    slope: float = ADAPTIVE_SLOPE

    def __post_init__(self) -> None:
        if self.method not in FusionMethod.__members__.values():
            raise ValueError(
                f"unknown fusion {self.method!r}; use one of {', '.join(FusionMethod)}"
            )
        object.__setattr__(self, "method", FusionMethod(self.method))

    def fuse(
        self, dense: Sequence[Hit], keyword: Sequence[Hit], top_k: int, query: str | None = None
    ) -> list[Hit]:
        """The fused ranking of two rankings of the same documents for `query` (its text:
        adaptive fusion counts its terms; without it, adaptive weighs both halves alike)."""
        if self.method == "adaptive":
            return adaptive_fusion(dense, keyword, top_k, query, self.pivot, self.slope)
        if self.method == "agreement":
            return agreement_fusion(dense, keyword, top_k, self.keyword_weight, self.persistence)
        if self.method == "convex":
            return convex_fusion(dense, keyword, top_k, self.alpha)
        if self.method == "rrf":
            return reciprocal_rank_fusion([dense, keyword], top_k)
        raise ValueError(f"unknown fusion {self.method!r}; use one of {', '.join(FusionMethod)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> Fusion:
        """The hybrid search fusion `settings` ask for."""
        return cls(method=settings.hybrid_fusion, alpha=settings.hybrid_alpha)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hit]], top_k: int) -> list[Hit]:
    """Documents ranked by the sum of 1 / (RRF_K + rank) over the rankings they appear in.

    A document keeps the stored fields (and so the passage) of its best-ranked hit.
    """
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, Hit]] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            doc_id = hit.fields["id"]
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
            if doc_id not in best or rank < best[doc_id][0]:
                best[doc_id] = (rank, hit)
    ranked = sorted(scores, key=lambda d: (-scores[d], best[d][0], d))[:top_k]
    return [Hit(scores[d], best[d][1].fields) for d in ranked]


def _min_max(hits: Sequence[Hit]) -> dict[str, float]:
    if not hits:
        return {}
    high, low = max(h.score for h in hits), min(h.score for h in hits)
    span = high - low
    return {h.fields["id"]: (h.score - low) / span if span > 0 else 1.0 for h in hits}


def convex_fusion(
    dense: Sequence[Hit], keyword: Sequence[Hit], top_k: int, alpha: float
) -> list[Hit]:
    """Documents ranked by alpha * normalised dense + (1 - alpha) * normalised keyword score.

    Each list's scores are min-max normalised over the list; a document missing from a
    list scores 0 there. A document keeps the stored fields of its dense hit if it has one.
    """
    dense_scores, keyword_scores = _min_max(dense), _min_max(keyword)
    fields = {h.fields["id"]: h.fields for h in [*keyword, *dense]}  # dense wins
    scores = {
        doc: alpha * dense_scores.get(doc, 0.0) + (1 - alpha) * keyword_scores.get(doc, 0.0)
        for doc in fields
    }
    ranked = sorted(scores, key=lambda d: (-scores[d], d))[:top_k]
    return [Hit(scores[d], fields[d]) for d in ranked]


def rank_biased_overlap(
    first: Sequence[str], second: Sequence[str], persistence: float, depth: int = RBO_DEPTH
) -> float:
    """How much two rankings agree, top-weighted: 1 for the same order, 0 for disjoint.

    Rank-biased overlap (Webber, Moffat and Zobel, 2010) truncated at `depth`, or at
    the shorter ranking (a BM25 search that matches only a few documents is judged on
    those), and rescaled so that identical rankings score 1: the share of the first d
    ranks the two have in common, averaged over d with weights persistence**(d - 1).
    """
    depth = min(depth, len(first), len(second))
    seen_first: set[str] = set()
    seen_second: set[str] = set()
    common = 0
    total = norm = 0.0
    for d in range(1, depth + 1):
        for ranked, mine, other in (
            (first, seen_first, seen_second),
            (second, seen_second, seen_first),
        ):
            if ranked[d - 1] not in mine:
                mine.add(ranked[d - 1])
                common += ranked[d - 1] in other
        weight = persistence ** (d - 1)
        total += weight * common / d
        norm += weight
    return total / norm if norm else 0.0


def agreement_fusion(
    dense: Sequence[Hit],
    keyword: Sequence[Hit],
    top_k: int,
    keyword_weight: float = 0.5,
    persistence: float = 0.9,
) -> list[Hit]:
    """Convex fusion where BM25's weight is earned per query by agreeing with dense search.

    The keyword weight is `keyword_weight * RBO(dense, keyword)`: BM25 re-orders the
    dense results as much as an equal partner when the two rankings agree, and not at
    all when it finds other documents (a query whose words are common or ambiguous).
    Dense search leads because it is the better ranker on every measured set.
    """
    agreement = rank_biased_overlap(
        [h.fields["id"] for h in dense], [h.fields["id"] for h in keyword], persistence
    )
    return convex_fusion(dense, keyword, top_k, 1.0 - keyword_weight * agreement)
