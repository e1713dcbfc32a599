"""Dense search over a collection: embed the query, search Milvus, attach topic labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corpusmap.config import DEFAULT_MODE
from corpusmap.documents import int_to_date
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.errors import DocumentNotFoundError
from corpusmap.search.fusion import Fusion
from corpusmap.search.hybrid import ranked_search
from corpusmap.store.filters import SearchFilters, string_literal
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore

SNIPPET_CHARS = 300


@dataclass(frozen=True)
class TopicFacet:
    """How many of a search's hits fall in one topic."""

    topic: int
    label: str | None
    count: int


@dataclass(frozen=True)
class SearchHit:
    """A document found by a search, as shown to a user."""

    id: str
    score: float
    title: str
    snippet: str
    date: str | None
    cpc: list[str]
    labels: list[str]
    topic: int
    topic_label: str | None


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a text, cut at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def topic_labels(store: MilvusStore, collection: str) -> dict[int, str]:
    """Topic id to label for a collection ({} when no topics were fitted); cached by
    the store until topics (or anything) are written to it. Do not modify the dict."""
    return store.cached(("topic_labels", collection), lambda: _read_labels(store, collection))


def _read_labels(store: MilvusStore, collection: str) -> dict[int, str]:
    topics = TopicStore(store)
    if not topics.has_topics(collection):
        return {}
    return {t.topic_id: t.label for t in topics.list_topics(collection)}


def to_hit(fields: dict[str, Any], score: float, labels: dict[int, str]) -> SearchHit:
    """A user-facing hit from the stored fields of a document."""
    day = int_to_date(int(fields["date"]))
    topic = int(fields["topic"])
    return SearchHit(
        id=str(fields["id"]),
        score=round(score, 6),
        title=str(fields["title"]),
        snippet=snippet(str(fields["text"])),
        date=day.isoformat() if day else None,
        cpc=list(fields["cpc"]),
        labels=list(fields["labels"]),
        topic=topic,
        topic_label=labels.get(topic),
    )


def search_collection(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    query: str,
    *,
    top_k: int = 10,
    filters: SearchFilters | None = None,
    mode: str = DEFAULT_MODE,
    fusion: Fusion | None = None,
) -> list[SearchHit]:
    """The `top_k` best documents for a free-text query, filters applied in the search.

    `mode` is dense (embeddings), keyword (BM25) or hybrid (both, fused per document
    as `fusion` says; by default adaptive fusion, see `Fusion`).
    """
    meta = store.meta(collection)
    vector = None if mode == "keyword" else embedders.get(meta.model).embed_query(query)
    expression = (filters or SearchFilters()).expression()
    hits = ranked_search(
        store,
        collection,
        vector=vector,
        text=query,
        mode=mode,
        top_k=top_k,
        expression=expression,
        fusion=fusion,
    )
    labels = topic_labels(store, collection)
    return [to_hit(h.fields, h.score, labels) for h in hits]


def similar_documents(
    store: MilvusStore,
    collection: str,
    doc_id: str,
    *,
    top_k: int = 10,
    filters: SearchFilters | None = None,
) -> list[SearchHit]:
    """More-like-this: the documents nearest to a stored document, itself excluded."""
    vector = store.get_vector(collection, doc_id)
    if vector is None:
        raise DocumentNotFoundError(f"collection {collection!r} has no document {doc_id[:80]!r}")
    clauses = [f"doc_id != {string_literal(doc_id)}", (filters or SearchFilters()).expression()]
    expression = " and ".join(c for c in clauses if c)
    hits = store.search(collection, vector=vector, top_k=top_k, expression=expression)
    labels = topic_labels(store, collection)
    return [to_hit(h.fields, h.score, labels) for h in hits]


def topic_facets(hits: list[SearchHit]) -> list[TopicFacet]:
    """The topic distribution of a search's hits, largest first."""
    counts: dict[int, int] = {}
    labels: dict[int, str | None] = {}
    for hit in hits:
        counts[hit.topic] = counts.get(hit.topic, 0) + 1
        labels[hit.topic] = hit.topic_label
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return [TopicFacet(topic=t, label=labels[t], count=counts[t]) for t in ranked]
