"""Documents related to a document: prior art (similar and dated before it), and which
filters a collection can satisfy at all."""

from __future__ import annotations

from dataclasses import dataclass

from corpusmap.documents import date_to_int, int_to_date
from corpusmap.errors import DocumentNotFoundError
from corpusmap.search.engine import SearchHit, similar_documents
from corpusmap.store.filters import SearchFilters, all_of, compared, string_list_literal
from corpusmap.store.milvus import MilvusStore


@dataclass(frozen=True)
class PriorArt:
    """The documents most like one, among those dated before it (`note` says why none)."""

    id: str
    date: str | None
    hits: list[SearchHit]
    note: str | None = None


def prior_art(
    store: MilvusStore,
    collection: str,
    doc_id: str,
    *,
    top_k: int = 10,
    filters: SearchFilters | None = None,
) -> PriorArt:
    """More-like-this restricted to documents dated strictly before `doc_id`."""
    rows = store.get_documents(collection, [doc_id])
    if not rows:
        raise DocumentNotFoundError(f"collection {collection!r} has no document {doc_id[:80]!r}")
    day = int_to_date(int(rows[0]["date"]))
    if day is None:
        return PriorArt(doc_id, None, [], "the document has no date, so nothing is before it")
    before = all_of("date > 0", compared("date", "<", date_to_int(day)))
    hits = similar_documents(store, collection, doc_id, top_k=top_k, filters=filters, extra=before)
    note = None if hits else f"no document of the collection is dated before {day}"
    return PriorArt(doc_id, day.isoformat(), hits, note)


#: Every CPC section letter: a document with any CPC code has one of these sections.
CPC_SECTIONS = tuple("ABCDEFGHY")


def _has_cpc(store: MilvusStore, collection: str) -> bool:
    sections = f"array_contains_any(cpc_sections, {string_list_literal(CPC_SECTIONS)})"
    return store.count_where(collection, sections) > 0


def _has_dates(store: MilvusStore, collection: str) -> bool:
    return store.count_where(collection, "date > 0") > 0


def _has_labels(store: MilvusStore, collection: str) -> bool:
    # Milvus Lite 2.5 has no array_length(): scan, stopping at the first labelled row.
    return any(row["labels"] for rows in store.iter_rows(collection, ["labels"]) for row in rows)


_CHECKS = {"cpc": _has_cpc, "dates": _has_dates, "labels": _has_labels}


def collection_has(store: MilvusStore, collection: str, what: str) -> bool:
    """Whether any document has CPC codes, dates or labels (cached until a write)."""
    return store.cached(("has", what, collection), lambda: _CHECKS[what](store, collection))


def filter_notes(store: MilvusStore, collection: str, filters: SearchFilters) -> list[str]:
    """Why a search's filters match nothing, when the collection cannot satisfy them
    (each fact checked only when a filter needs it)."""
    asked = {
        "cpc": bool(filters.cpc),
        "dates": bool(filters.date_from or filters.date_to),
        "labels": bool(filters.labels),
    }
    return [
        f"this collection has no {'CPC codes' if what == 'cpc' else what}: "
        f"a {what if what != 'dates' else 'date'} filter matches no document"
        for what, wanted in asked.items()
        if wanted and not collection_has(store, collection, what)
    ]
