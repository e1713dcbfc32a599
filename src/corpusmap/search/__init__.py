"""Search: dense, keyword and hybrid (rankings fused per document), more-like-this and
the hits shown to users.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.search.adaptive import adaptive_fusion
from corpusmap.search.engine import (
    SearchHit,
    TopicFacet,
    search_collection,
    similar_documents,
    topic_facets,
    topic_labels,
)
from corpusmap.search.fusion import (
    Fusion,
    agreement_fusion,
    convex_fusion,
    rank_biased_overlap,
    reciprocal_rank_fusion,
)
from corpusmap.search.hybrid import ranked_search

__all__ = [
    "Fusion",
    "SearchHit",
    "TopicFacet",
    "adaptive_fusion",
    "agreement_fusion",
    "convex_fusion",
    "rank_biased_overlap",
    "ranked_search",
    "reciprocal_rank_fusion",
    "search_collection",
    "similar_documents",
    "topic_facets",
    "topic_labels",
]
