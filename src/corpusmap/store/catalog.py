"""What a store holds: each collection's size, model and topics."""

from __future__ import annotations

from dataclasses import dataclass

from corpusmap.documents import int_to_date
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


def date_range(store: MilvusStore, name: str) -> tuple[str, str] | None:
    """The earliest and latest document date (ISO), None when no document is dated;
    read once per build (Milvus has no min/max), cached until the next write."""

    def read() -> tuple[str, str] | None:
        dates = [
            int(row["date"])
            for rows in store.iter_rows(name, ["date"], expression="date > 0")
            for row in rows
        ]
        if not dates:
            return None
        first, last = int_to_date(min(dates)), int_to_date(max(dates))
        return (first.isoformat(), last.isoformat()) if first and last else None

    return store.cached(("date_range", name), read)
