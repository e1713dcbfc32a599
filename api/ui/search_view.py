"""The search page's context: the form's values, one page of grouped hits, facets that
narrow the search when clicked, paging and export links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from api.request_models import SearchRequest
from api.ui import links
from corpusmap.config import MAX_SEARCH_DEPTH, SCORE_KINDS, SearchMode
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.duplicates import group_duplicates
from corpusmap.search.engine import SearchHit
from corpusmap.search.facets import FacetValue, search_page
from corpusmap.search.fusion import Fusion
from corpusmap.search.related import collection_has, filter_notes
from corpusmap.store.milvus import MilvusStore

#: Hits on one page of the app.
PAGE_SIZE = 20
#: Query parameters of the search page, as the form names them.
SINGLE = ("q", "mode", "date_from", "date_to", "topic", "offset")
MULTI = ("cpc", "labels")
SCORE_WORDS = {"cosine": "cosine similarity", "bm25": "BM25 score", "fused": "fused score"}


@dataclass(frozen=True)
class FacetLink:
    """A facet value and the search narrowed to it."""

    value: str
    label: str | None
    count: int
    href: str


def form_values(request: Request) -> dict[str, Any]:
    """The page's query parameters (empty ones dropped; cpc and labels may repeat)."""
    params = request.query_params
    values: dict[str, Any] = {k: params[k].strip() for k in SINGLE if params.get(k, "").strip()}
    for key in MULTI:
        if found := [v.strip() for v in params.getlist(key) if v.strip()]:
            values[key] = found
    return values


def _number(value: Any) -> Any:
    """A form's number as an int (the request model takes JSON numbers only); anything
    else as it is, for the model to refuse with its message."""
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        return value


def search_request(values: dict[str, Any]) -> SearchRequest:
    """The API's validated request for these values (a `ValidationError` if bad)."""
    return SearchRequest.model_validate(
        {
            "query": values.get("q", ""),
            "mode": values.get("mode", SearchMode.HYBRID),
            "top_k": PAGE_SIZE,
            "offset": _number(values.get("offset", 0)),
            "date_from": values.get("date_from"),
            "date_to": values.get("date_to"),
            "topic": _number(values.get("topic")),
            "cpc": values.get("cpc", []),
            "labels": values.get("labels", []),
        }
    )


def _narrowed(collection: str, values: dict[str, Any], **change: Any) -> str:
    merged = {k: v for k, v in values.items() if k != "offset"}
    for key, value in change.items():
        merged[key] = [*merged.get(key, []), value] if key in MULTI else value
    return links.search_url(collection, merged)


def _facet_links(
    collection: str, values: dict[str, Any], facet: list[FacetValue], key: str
) -> list[FacetLink]:
    result = []
    for item in facet:
        if key == "year":
            href = _narrowed(
                collection, values, date_from=f"{item.value}-01-01", date_to=f"{item.value}-12-31"
            )
        else:
            href = _narrowed(collection, values, **{key: item.value})
        result.append(FacetLink(item.value, item.label, item.count, href))
    return result


def _by_value(facet: list[FacetValue]) -> list[FacetValue]:
    return sorted(facet, key=lambda f: f.value)


def active_filters(collection: str, values: dict[str, Any]) -> list[FacetLink]:
    """Each filter in force, with the search without it."""
    active = []
    for key in ("topic", "date_from", "date_to"):
        if key in values:
            rest = {k: v for k, v in values.items() if k not in (key, "offset")}
            active.append(FacetLink(key, values[key], 0, links.search_url(collection, rest)))
    for key in MULTI:
        for value in values.get(key, []):
            kept = [v for v in values[key] if v != value]
            rest = {k: v for k, v in values.items() if k not in (key, "offset")} | {key: kept}
            active.append(FacetLink(key, value, 0, links.search_url(collection, rest)))
    return active


def segments(hit: SearchHit) -> list[tuple[str, bool]]:
    """A hit's snippet as (text, marked) pieces, for the template's <mark>s."""
    pieces, position = [], 0
    for start, end in hit.snippet_marks:
        pieces += [(hit.snippet[position:start], False), (hit.snippet[start:end], True)]
        position = end
    pieces.append((hit.snippet[position:], False))
    return [(text, marked) for text, marked in pieces if text]


def offered(store: MilvusStore, collection: str) -> dict[str, bool]:
    """Which filters the form offers: only those the collection can satisfy."""
    return {what: collection_has(store, collection, what) for what in ("cpc", "dates", "labels")}


def _pager(
    collection: str, values: dict[str, Any], offset: int, shown: int, counted: int
) -> dict[str, str | None]:
    base = {k: v for k, v in values.items() if k != "offset"}
    previous = max(0, offset - PAGE_SIZE)
    last = min(counted, MAX_SEARCH_DEPTH - 100)  # the API's deepest offset (top_k <= 100)
    has_next = shown == PAGE_SIZE and offset + PAGE_SIZE < last
    return {
        "previous": links.search_url(collection, {**base, "offset": str(previous)})
        if offset > 0
        else None,
        "next": links.search_url(collection, {**base, "offset": str(offset + PAGE_SIZE)})
        if has_next
        else None,
    }


def search_context(
    store: MilvusStore,
    embedders: EmbedderPool,
    fusion: Fusion,
    collection: str,
    values: dict[str, Any],
) -> dict[str, Any]:
    """Everything search.html shows for a valid search."""
    request = search_request(values)
    page = search_page(
        store,
        embedders,
        collection,
        request.query,
        top_k=request.top_k,
        offset=request.offset,
        filters=request.filters(),
        mode=request.mode,
        fusion=fusion,
    )
    facets = page.facets
    export_values = {k: v for k, v in values.items() if k != "offset"} | {
        "top_k": str(MAX_SEARCH_DEPTH)
    }
    export_values["q"] = export_values.pop("q", "")
    return {
        "groups": [(g, segments(g.hit), g.more) for g in group_duplicates(page.hits)],
        "offset": request.offset,
        "score_kind": SCORE_WORDS[SCORE_KINDS[request.mode]],
        "facets": {
            "Topics": _facet_links(collection, values, facets.topics, "topic"),
            "CPC sections": _facet_links(collection, values, facets.cpc_sections, "cpc"),
            "CPC subclasses": _facet_links(collection, values, facets.cpc_subclasses[:15], "cpc"),
            "Years": _facet_links(
                collection, values, sorted(facets.years, key=lambda f: f.value), "year"
            ),
        },
        "counted": facets.counted,
        "depth": facets.depth,
        "pager": _pager(collection, values, request.offset, len(page.hits), facets.counted),
        "exports": {
            kind: links.export_url(collection, export_values, kind) for kind in ("csv", "jsonl")
        },
        "notes": filter_notes(store, collection, request.filters()),
    }
