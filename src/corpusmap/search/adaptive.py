"""Adaptive fusion: dense and BM25 weighted per query by how much lexical evidence BM25 has.

The signal is BM25's *evidence per query term*: the best BM25 score of the query divided
by its number of content words (stop words left out, as the keyword analyzer drops
them). A BM25 score is a sum over the query's words of IDF times a saturating term
frequency, so this is the IDF-weighted share of the query the best lexical match covers,
in BM25 points per word. It is high for a short query of rare words that a document
matches (a name, a drug, a part number) and low for a question whose words are common
or unmatched ("which countries have ..."). It needs no labels and no extra call: it
reads the keyword ranking and the query text. It is a post-retrieval form of the
average-IDF predictor of query performance (He and Ounis, 2004, "Inferring query
performance using pre-retrieval predictors") and of the score-magnitude predictors
(Tao and Wu, 2014, "Query performance prediction by considering score magnitude and
variance together").

Both rankings are min-max normalised over their first `FUSION_DEPTH` candidates (a
candidate below that, or missing from a ranking, scores 0 there), so the fused order of
a top-10 search and of a top-100 one agree; then dense weighs
`1 / (1 + exp(-slope * (pivot - evidence)))` and BM25 the rest. At `pivot` BM25 points
per word both weigh the same; below it dense leads, above it BM25 does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from corpusmap.config.defaults import (
    ADAPTIVE_PIVOT,
    ADAPTIVE_SLOPE,
    FUSION_DEPTH,
    KEYWORD_STOP_WORDS,
)
from corpusmap.documents import Hit

_WORD = re.compile(r"\w+")


def query_terms(text: str) -> int:
    """Distinct content words of a query (at least 1): lower-cased, stop words left out."""
    words = {w for w in _WORD.findall(text.lower()) if w not in KEYWORD_STOP_WORDS}
    return max(1, len(words))


def lexical_evidence(keyword: Sequence[Hit], query: str) -> float:
    """BM25 points per query term of the best keyword match (0 when nothing matched)."""
    if not keyword:
        return 0.0
    return max(h.score for h in keyword) / query_terms(query)


def dense_weight(
    evidence: float, pivot: float = ADAPTIVE_PIVOT, slope: float = ADAPTIVE_SLOPE
) -> float:
    """The weight of dense scores for a query with this lexical evidence (BM25: the rest)."""
    return 1.0 / (1.0 + math.exp(-slope * (pivot - evidence)))


def normalised(hits: Sequence[Hit], depth: int = FUSION_DEPTH) -> dict[str, float]:
    """Scores min-max normalised over the first `depth` hits; hits below them score 0."""
    if not hits:
        return {}
    head = [h.score for h in hits[:depth]]
    high, low = max(head), min(head)
    span = high - low
    if span <= 0:
        return {h.fields["id"]: 1.0 for h in hits[:depth]}
    return {h.fields["id"]: max(0.0, (h.score - low) / span) for h in hits}


def _best_ranks(rankings: Sequence[Sequence[Hit]]) -> dict[str, int]:
    best: dict[str, int] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking):
            doc = hit.fields["id"]
            best[doc] = min(rank, best.get(doc, rank))
    return best


def adaptive_fusion(
    dense: Sequence[Hit],
    keyword: Sequence[Hit],
    top_k: int,
    query: str | None,
    pivot: float = ADAPTIVE_PIVOT,
    slope: float = ADAPTIVE_SLOPE,
) -> list[Hit]:
    """The union of both rankings ranked by their per-query weighted normalised scores.

    Without the query text the evidence is taken to be `pivot` (equal weights). Ties
    (candidates below both heads) keep the better of their two ranks. A document keeps
    the stored fields of its dense hit if it has one.
    """
    evidence = pivot if query is None else lexical_evidence(keyword, query)
    weight = dense_weight(evidence, pivot, slope)
    dense_scores, keyword_scores = normalised(dense), normalised(keyword)
    fields = {h.fields["id"]: h.fields for h in [*keyword, *dense]}  # dense wins
    scores = {
        doc: weight * dense_scores.get(doc, 0.0) + (1 - weight) * keyword_scores.get(doc, 0.0)
        for doc in fields
    }
    ranks = _best_ranks([dense, keyword])
    ranked = sorted(scores, key=lambda d: (-scores[d], ranks[d], d))[:top_k]
    return [Hit(scores[d], fields[d]) for d in ranked]
