"""The document page's context: full text by passages, metadata, its topic and the
topics nearest it, similar documents and prior art (similar, dated before it)."""

from __future__ import annotations

from typing import Any

from api.ui import links
from corpusmap.documents import int_to_date
from corpusmap.errors import DocumentNotFoundError
from corpusmap.search.duplicates import group_duplicates
from corpusmap.search.engine import document_topics, similar_documents, topic_labels
from corpusmap.search.related import prior_art
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore

#: Similar documents and prior art shown on a document page.
RELATED = 10
#: Topics listed as the document's neighbourhood.
NEAR_TOPICS = 5


def _near_topics(store: MilvusStore, collection: str, doc_id: str) -> list[dict[str, Any]]:
    topics = TopicStore(store)
    vector = store.get_vector(collection, doc_id)
    if vector is None or not topics.has_topics(collection):
        return []
    return [
        {
            "id": t.topic_id,
            "label": t.label,
            "score": score,
            "href": links.topic_url(collection, t.topic_id),
        }
        for t, score in topics.nearest_topics(collection, vector, NEAR_TOPICS)
    ]


def _mixture(store: MilvusStore, collection: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's topics with their weights and pages (none for the outlier topic)."""
    return [
        {
            "id": t.topic,
            "label": t.label or ("outliers" if t.topic == OUTLIER_TOPIC else str(t.topic)),
            "weight": t.weight,
            "href": links.topic_url(collection, t.topic) if t.topic != OUTLIER_TOPIC else None,
        }
        for t in document_topics(row, topic_labels(store, collection))
    ]


def document_context(store: MilvusStore, collection: str, doc_id: str) -> dict[str, Any]:
    """Everything document.html shows (`DocumentNotFoundError` for an unknown id)."""
    rows = store.get_documents(collection, [doc_id])
    if not rows:
        raise DocumentNotFoundError(f"collection {collection!r} has no document {doc_id[:80]!r}")
    row = rows[0]
    day = int_to_date(int(row["date"]))
    topic = int(row["topic"])
    earlier = prior_art(store, collection, doc_id, top_k=RELATED)
    return {
        "doc": row,
        "date": day.isoformat() if day else None,
        "passages": store.passage_texts(collection, doc_id),
        "metadata": dict(row["metadata"] or {}),
        "topic": topic,
        "topic_label": topic_labels(store, collection).get(topic),
        "topic_href": links.topic_url(collection, topic) if topic != OUTLIER_TOPIC else None,
        "topics": _mixture(store, collection, row),
        "near_topics": _near_topics(store, collection, doc_id),
        "similar": group_duplicates(similar_documents(store, collection, doc_id, top_k=RELATED)),
        "prior_art": group_duplicates(earlier.hits),
        "prior_art_note": earlier.note,
        "patent_url": links.patent_url(doc_id),
        "search_topic_href": links.search_url(collection, {"topic": str(topic)}),
    }
