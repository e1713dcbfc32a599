"""Facets of a search: counts of topics, CPC sections and subclasses and years over the
search's best `MAX_SEARCH_DEPTH` candidates (not only the page shown), and which
filters a collection can satisfy at all.

One ranking serves a page and its facets: the candidates carry only the few fields
facets count, and the page's hits get their full rows afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from corpusmap.config import MAX_SEARCH_DEPTH, SCORE_KINDS, SearchMode
from corpusmap.documents import Hit
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import SearchHit, check_depth, query_ranking, to_hit, topic_labels
from corpusmap.search.fusion import Fusion
from corpusmap.store.filters import SearchFilters
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import MIXTURE_FIELDS, row_mixture

#: What facets count, plus what finds a candidate's row (a collection made before
#: topic mixtures is searched without `MIXTURE_FIELDS`).
FACET_FIELDS = ["doc_id", "passage", "topic", "cpc", "cpc_sections", "date", *MIXTURE_FIELDS]


@dataclass(frozen=True)
class FacetValue:
    """How many candidates have one value (a topic id, a CPC code, a year)."""

    value: str
    label: str | None
    count: int


@dataclass(frozen=True)
class Facets:
    """Facet counts over the `counted` best candidates of a search (at most `depth`)."""

    depth: int
    counted: int
    topics: list[FacetValue]
    cpc_sections: list[FacetValue]
    cpc_subclasses: list[FacetValue]
    years: list[FacetValue]
    topic_mixtures: Annotated[
        list[FacetValue],
        Field(
            description="Like `topics`, but a candidate counts under each topic of its topic "
            "mixture (up to 3), not only its first; a collection indexed before mixtures "
            "counts each candidate under its one topic."
        ),
    ] = field(default_factory=list)


@dataclass(frozen=True)
class SearchPage:
    """One page of hits and the facets of the whole ranking."""

    hits: list[SearchHit]
    facets: Facets
    offset: int
    top_k: int


def _counted(values: Iterable[str], labels: dict[str, str] | None = None) -> list[FacetValue]:
    counts = Counter(values)
    ranked = sorted(counts, key=lambda v: (-counts[v], v))
    return [FacetValue(v, (labels or {}).get(v), counts[v]) for v in ranked]


def count_facets(candidates: Sequence[Hit], labels: dict[int, str], depth: int) -> Facets:
    """The facets of candidates holding `FACET_FIELDS`."""
    rows = [h.fields for h in candidates]
    return Facets(
        depth=depth,
        counted=len(rows),
        topics=_counted(
            (str(int(r["topic"])) for r in rows), {str(k): v for k, v in labels.items()}
        ),
        cpc_sections=_counted(code for r in rows for code in r["cpc_sections"]),
        cpc_subclasses=_counted(code for r in rows for code in r["cpc"]),
        years=_counted(str(int(r["date"]) // 10000) for r in rows if int(r["date"]) > 0),
        topic_mixtures=_counted(
            (str(t) for r in rows for t, _ in row_mixture(r)),
            {str(k): v for k, v in labels.items()},
        ),
    )


def search_page(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    query: str,
    *,
    top_k: int = 20,
    offset: int = 0,
    filters: SearchFilters | None = None,
    mode: str = SearchMode.HYBRID,
    fusion: Fusion | None = None,
    depth: int = MAX_SEARCH_DEPTH,
) -> SearchPage:
    """Hits `offset` to `offset + top_k` of a search and the facets of its best `depth`."""
    check_depth(offset, top_k)
    candidates = query_ranking(
        store,
        embedders,
        collection,
        query,
        max(depth, offset + top_k),
        mode=mode,
        filters=filters,
        fusion=fusion,
        fields=FACET_FIELDS,
    )
    labels = topic_labels(store, collection)
    page = store.passage_hits(collection, candidates[offset : offset + top_k])
    kind = SCORE_KINDS[SearchMode(mode)]
    return SearchPage(
        hits=[to_hit(h.fields, h.score, labels, kind, query) for h in page],
        facets=count_facets(candidates[:depth], labels, depth),
        offset=offset,
        top_k=top_k,
    )
