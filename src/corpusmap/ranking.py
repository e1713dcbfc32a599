"""Search hits and how rankings of them are fused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Search modes: embeddings, BM25 over the text, or both fused by reciprocal rank.
SEARCH_MODES = ("dense", "keyword", "hybrid")
RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al.)


@dataclass(frozen=True)
class Hit:
    """One document found: its best passage's stored fields and the search's score.

    The score is a cosine similarity (dense), a BM25 score (keyword) or a
    reciprocal-rank-fusion score (hybrid).
    """

    score: float
    fields: dict[str, Any]


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


@dataclass(frozen=True)
class Fusion:
    """How hybrid search combines its dense and keyword rankings.

    `convex` (the default): alpha * dense + (1 - alpha) * keyword, each score min-max
    normalised over its list, a document missing from a list scoring 0 there
    (Bruch et al., 2022, found this beats RRF); `rrf`: reciprocal rank fusion.
    alpha = 0.8 was measured on the shared BEIR subsets (bench/results/retrieval.json).
    """

    method: str = "convex"
    alpha: float = 0.8

    def fuse(self, dense: Sequence[Hit], keyword: Sequence[Hit], top_k: int) -> list[Hit]:
        """The fused ranking of two rankings of the same documents."""
        if self.method == "rrf":
            return reciprocal_rank_fusion([dense, keyword], top_k)
        return convex_fusion(dense, keyword, top_k, self.alpha)


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

    A document keeps the stored fields of its dense hit when it has one.
    """
    dense_scores, keyword_scores = _min_max(dense), _min_max(keyword)
    fields = {h.fields["id"]: h.fields for h in [*keyword, *dense]}  # dense wins
    scores = {
        doc: alpha * dense_scores.get(doc, 0.0) + (1 - alpha) * keyword_scores.get(doc, 0.0)
        for doc in fields
    }
    ranked = sorted(scores, key=lambda d: (-scores[d], d))[:top_k]
    return [Hit(scores[d], fields[d]) for d in ranked]
