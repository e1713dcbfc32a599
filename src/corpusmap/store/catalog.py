"""What a store holds: each collection's size, model and topics."""

from __future__ import annotations

from dataclasses import dataclass

from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore


@dataclass(frozen=True)
class CollectionSummary:
    """Counts, model and topics of one collection (topics None when not fitted)."""

    name: str
    documents: int
    model: str
    dimension: int
    topics: int | None
    outliers: int | None


def summarize_collection(store: MilvusStore, name: str) -> CollectionSummary:
    """Summarise one collection, or `CollectionNotFoundError`."""
    meta = store.meta(name)
    topics: int | None = None
    outliers: int | None = None
    topic_store = TopicStore(store)
    if topic_store.has_topics(name):
        summaries = topic_store.list_topics(name)
        topics = sum(1 for t in summaries if t.topic_id != OUTLIER_TOPIC)
        outliers = sum(t.size for t in summaries if t.topic_id == OUTLIER_TOPIC)
    return CollectionSummary(
        name=name,
        documents=store.count(name),
        model=meta.model,
        dimension=meta.dimension,
        topics=topics,
        outliers=outliers,
    )
