"""Search over a collection: embed the query, search Milvus, attach topics and snippets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field

from corpusmap.config import (
    DEFAULT_MODE,
    MAX_SEARCH_DEPTH,
    SCORE_KINDS,
    SIMILAR_SCORE_KIND,
    SearchMode,
)
from corpusmap.config.defaults import ScoreKind
from corpusmap.documents import Hit, int_to_date
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.errors import DocumentNotFoundError, InvalidQueryError
from corpusmap.search.fusion import Fusion
from corpusmap.search.highlight import SNIPPET_CHARS, highlight
from corpusmap.search.hybrid import ranked_search
from corpusmap.store.filters import Filter, SearchFilters, all_of, compared
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import DOCUMENT_FIELDS, row_mixture
from corpusmap.store.topic_store import TopicStore


@dataclass(frozen=True)
class TopicFacet:
    """How many of a search's hits fall in one topic."""

    topic: int
    label: str | None
    count: int


@dataclass(frozen=True)
class DocumentTopic:
    """One topic of a document's topic mixture (`corpusmap.topics.mixture`)."""

    topic: int
    label: str | None
    weight: Annotated[
        float,
        Field(description="Share of the document in this topic; a document's weights sum to 1."),
    ]


def document_topics(row: dict[str, Any], labels: dict[int, str]) -> list[DocumentTopic]:
    """A stored document's topics, heaviest first, its assigned topic first: its topic
    mixture, or (a collection indexed before mixtures) its one topic, weight 1."""
    return [DocumentTopic(t, labels.get(t), w) for t, w in row_mixture(row)]


@dataclass(frozen=True)
class SearchHit:
    """A document found by a search, as shown to a user (and served by the API as is)."""

    id: str
    score: Annotated[
        float,
        Field(
            description="What `score_kind` says: cosine similarity to the query (dense, "
            "more-like-this), a BM25 score (keyword: unbounded, comparable within one "
            "search only) or a fused score (hybrid); higher is better in every mode."
        ),
    ]
    score_kind: Annotated[ScoreKind, Field(description="cosine, bm25, fused or none.")]
    title: str
    snippet: Annotated[
        str,
        Field(
            description="The window of the best passage with the most query words "
            "(cut at words, '…' where cut)."
        ),
    ]
    date: str | None
    cpc: list[str]
    labels: list[str]
    topic: int
    topic_label: str | None
    snippet_marks: Annotated[
        list[tuple[int, int]],
        Field(
            description="[start, end) character offsets in `snippet` of the query's words "
            "(matched as the keyword side matches: lowercase, English stemming)."
        ),
    ] = field(default_factory=list)
    topics: Annotated[
        list[DocumentTopic],
        Field(
            description="The document's topic mixture, up to 3, heaviest first (the first "
            "is `topic`); `topic` alone, weight 1, where the collection has no mixtures."
        ),
    ] = field(default_factory=list)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a text, cut at a word boundary, with an ellipsis when cut."""
    return "".join(s.text for s in highlight(text, "", limit))


def topic_labels(store: MilvusStore, collection: str) -> dict[int, str]:
    """Topic id to label for a collection ({} when no topics were fitted); cached by
    the store until topics (or anything) are written to it. Do not modify the dict."""
    return store.cached(("topic_labels", collection), lambda: _read_labels(store, collection))


def _read_labels(store: MilvusStore, collection: str) -> dict[int, str]:
    topics = TopicStore(store)
    if not topics.has_topics(collection):
        return {}
    return {t.topic_id: t.label for t in topics.list_topics(collection)}


def to_hit(
    fields: dict[str, Any],
    score: float,
    labels: dict[int, str],
    score_kind: ScoreKind,
    query: str = "",
) -> SearchHit:
    """A user-facing hit from the stored fields of a document (its best passage's text
    highlighted for `query`)."""
    day = int_to_date(int(fields["date"]))
    topic = int(fields["topic"])
    text, marks, position = "", [], 0
    for segment in highlight(str(fields["text"]), query):
        if segment.marked:
            marks.append((position, position + len(segment.text)))
        text += segment.text
        position += len(segment.text)
    return SearchHit(
        id=str(fields["id"]),
        score=round(score, 6),
        score_kind=score_kind,
        title=str(fields["title"]),
        snippet=text,
        date=day.isoformat() if day else None,
        cpc=list(fields["cpc"]),
        labels=list(fields["labels"]),
        topic=topic,
        topic_label=labels.get(topic),
        snippet_marks=marks,
        topics=document_topics(fields, labels),
    )


def check_depth(offset: int, top_k: int) -> None:
    """Refuse a page past the deepest hit a search returns (`MAX_SEARCH_DEPTH`)."""
    if offset < 0 or top_k < 1 or offset + top_k > MAX_SEARCH_DEPTH:
        raise InvalidQueryError(
            f"offset + top_k must be at most {MAX_SEARCH_DEPTH} (got offset {offset}, "
            f"top_k {top_k}); narrow the search with filters to see other documents"
        )


def query_ranking(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    query: str,
    depth: int,
    *,
    mode: str,
    filters: SearchFilters | None,
    fusion: Fusion | None,
    fields: Sequence[str] = DOCUMENT_FIELDS,
) -> list[Hit]:
    """The best `depth` hits of a free-text query (each its best passage's `fields`),
    the query embedded with the collection's own model unless the mode is keyword."""
    meta = store.meta(collection)
    vector = None if mode == "keyword" else embedders.get(meta.model).embed_query(query)
    return ranked_search(
        store,
        collection,
        vector=vector,
        text=query,
        mode=mode,
        top_k=depth,
        expression=(filters or SearchFilters()).to_filter(),
        fusion=fusion,
        fields=fields,
    )


def search_collection(
    store: MilvusStore,
    embedders: EmbedderPool,
    collection: str,
    query: str,
    *,
    top_k: int = 10,
    offset: int = 0,
    filters: SearchFilters | None = None,
    mode: str = DEFAULT_MODE,
    fusion: Fusion | None = None,
) -> list[SearchHit]:
    """Hits `offset` to `offset + top_k` of a free-text query, filters applied in the
    search itself.

    `mode` is dense (embeddings), keyword (BM25) or hybrid (both, fused per document
    as `fusion` says; by default adaptive fusion, see `Fusion`).
    """
    check_depth(offset, top_k)
    hits = query_ranking(
        store,
        embedders,
        collection,
        query,
        offset + top_k,
        mode=mode,
        filters=filters,
        fusion=fusion,
    )[offset:]
    labels = topic_labels(store, collection)
    kind = SCORE_KINDS[SearchMode(mode)]
    # Snippets mark what BM25 matched: a compound's other spelling too ("curve ball").
    marked = query if mode == SearchMode.DENSE else store.keyword_query(collection, query) or ""
    return [to_hit(h.fields, h.score, labels, kind, marked) for h in hits]


def similar_documents(
    store: MilvusStore,
    collection: str,
    doc_id: str,
    *,
    top_k: int = 10,
    filters: SearchFilters | None = None,
    extra: Filter | str = "",
) -> list[SearchHit]:
    """More-like-this: the documents nearest to a stored document, itself excluded
    (`extra`: one more filter clause, built by corpusmap, never from user text)."""
    vector = store.get_vector(collection, doc_id)
    if vector is None:
        raise DocumentNotFoundError(f"collection {collection!r} has no document {doc_id[:80]!r}")
    expression = all_of(
        compared("doc_id", "!=", doc_id), (filters or SearchFilters()).to_filter(), extra
    )
    hits = store.search(collection, vector=vector, top_k=top_k, expression=expression)
    labels = topic_labels(store, collection)
    return [to_hit(h.fields, h.score, labels, SIMILAR_SCORE_KIND) for h in hits]


def topic_facets(hits: list[SearchHit]) -> list[TopicFacet]:
    """The topic distribution of a search's hits, largest first."""
    counts: dict[int, int] = {}
    labels: dict[int, str | None] = {}
    for hit in hits:
        counts[hit.topic] = counts.get(hit.topic, 0) + 1
        labels[hit.topic] = hit.topic_label
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return [TopicFacet(topic=t, label=labels[t], count=counts[t]) for t in ranked]
