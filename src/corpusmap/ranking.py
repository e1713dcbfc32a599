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
