"""The read-only commands `search` and `info`: from the published build's store, or,
while the API serves the collection (and so holds its Milvus Lite file), from the API
(`indexer.cli.remote`); `info` falls back on the build's own files."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import DEFAULT_MODE, Settings
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.errors import ConfigError, InvalidQueryError, StoreLockedError
from corpusmap.search.engine import SearchHit, search_collection, similar_documents
from corpusmap.search.fusion import Fusion
from corpusmap.store.catalog import summarize_collection
from corpusmap.store.filters import SearchFilters
from indexer.cli.remote import SearchParams, served_search, served_summary


def parse_date(value: str | None, name: str) -> dt.date | None:
    """A YYYY-MM-DD option value as a date, or a clear error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def run_search(
    settings: Settings,
    collection: str,
    query: str | None,
    *,
    like: str | None = None,
    mode: str = DEFAULT_MODE,
    top_k: int,
    topic: int | None,
    date_from: str | None,
    date_to: str | None,
    cpc: list[str],
    labels: list[str] | None = None,
) -> list[SearchHit]:
    """Search by text, or by a stored document's vector with `like`, the filters applied."""
    if (query is None) == (like is None):
        raise ConfigError("give either a query or --like DOCUMENT_ID")
    filters = SearchFilters(
        topic=topic,
        date_from=parse_date(date_from, "--date-from"),
        date_to=parse_date(date_to, "--date-to"),
        cpc=tuple(cpc),
        labels=tuple(labels or ()),
    )
    try:
        with open_published(settings, collection) as (store, name):
            if like is not None:
                return similar_documents(store, name, like, top_k=top_k, filters=filters)
            assert query is not None
            pool = EmbedderPool.from_settings(settings)
            fusion = Fusion.from_settings(settings)
            return search_collection(
                store, pool, name, query, top_k=top_k, filters=filters, mode=mode, fusion=fusion
            )
    except StoreLockedError as locked:  # the API serves it: it answers
        search = SearchParams(query, like, mode, top_k, filters)
        return served_search(settings, collection, locked, search)


def run_info(settings: Settings, collection: str | None) -> dict[str, Any]:
    """Where the store is and what each collection holds."""
    registry = BuildRegistry(settings.data_dir)
    names = [collection] if collection else registry.collections()
    summaries = []
    for name in names:
        try:
            with open_published(settings, name) as (store, physical):
                summary = asdict(summarize_collection(store, physical)) | {"source": "the store"}
        except StoreLockedError as locked:  # the API serves it: it answers, or the build does
            summary = served_summary(settings, name, locked)
        summaries.append({**summary, "name": name, "build": registry.current_id(name)})
    return {
        "milvus_uri": settings.milvus_uri or "(Milvus Lite, one file per build)",
        "data_dir": str(settings.data_dir),
        "collections": summaries,
    }
