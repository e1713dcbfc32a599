"""Topics of a collection, kept in Milvus next to it (`<name>__topics`).

One row per topic (the outlier topic -1 included) with its label, keywords,
size, representative document ids and topic vector. The API serves topics from
here alone, so it needs neither BERTopic nor a shared disk, and "topics near a
query" is a small vector search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.errors import TopicNotFoundError, TopicsNotFittedError
from corpusmap.store.filters import compared
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import TOPICS_SUFFIX, clip_utf8, topic_schema, vector_index
from corpusmap.store.vector_index import FLAT

OUTLIER_TOPIC = -1
_TOPIC_FIELDS = ["topic_id", "label", "size", "keywords", "representative_ids"]


@dataclass(frozen=True)
class TopicSummary:
    """What a user sees of one topic."""

    topic_id: int
    label: str
    size: int
    keywords: list[tuple[str, float]] = field(default_factory=list)
    representative_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TopicSummary:
        """Build from a row of the topics collection."""
        return cls(
            topic_id=int(row["topic_id"]),
            label=str(row["label"]),
            size=int(row["size"]),
            keywords=[(str(w), float(s)) for w, s in row["keywords"]],
            representative_ids=[str(i) for i in row["representative_ids"]],
        )


class TopicStore:
    """Reads and replaces the topics of corpus collections."""

    def __init__(self, store: MilvusStore):
        self.store = store
        self.client = store.client

    def has_topics(self, collection: str) -> bool:
        """Whether topics were fitted for a collection."""
        return bool(self.client.has_collection(collection + TOPICS_SUFFIX))

    def replace(
        self, collection: str, topics: Sequence[TopicSummary], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Replace all topics of a collection (vectors aligned with `topics`)."""
        name = collection + TOPICS_SUFFIX
        if self.client.has_collection(name):
            self.client.drop_collection(name)
        dimension = int(vectors.shape[1])
        self.client.create_collection(
            name,
            schema=topic_schema(dimension),
            index_params=vector_index(FLAT),  # a few hundred topics: exact
            consistency_level="Strong",
        )
        rows = [
            {
                "topic_id": t.topic_id,
                "label": clip_utf8(t.label, 1024),
                "size": t.size,
                "keywords": [[w, s] for w, s in t.keywords],
                "representative_ids": list(t.representative_ids),
                "vector": v.tolist(),
            }
            for t, v in zip(topics, vectors, strict=True)
        ]
        self.client.insert(name, rows)

    def list_topics(self, collection: str) -> list[TopicSummary]:
        """All topics of a collection, largest first, the outlier topic last."""
        rows = self.client.query(
            self._name(collection), filter="topic_id >= -1", output_fields=_TOPIC_FIELDS
        )
        topics = [TopicSummary.from_row(r) for r in rows]
        return sorted(topics, key=lambda t: (t.topic_id == OUTLIER_TOPIC, -t.size, t.topic_id))

    def get_topic(self, collection: str, topic_id: int) -> TopicSummary:
        """One topic, or `TopicNotFoundError`."""
        name = self._name(collection)
        where = self.store.filters(name, compared("topic_id", "==", int(topic_id)))
        rows = self.client.query(name, output_fields=_TOPIC_FIELDS, **where)
        if not rows:
            raise TopicNotFoundError(f"collection {collection!r} has no topic {topic_id}")
        return TopicSummary.from_row(rows[0])

    def topic_vectors(self, collection: str) -> tuple[list[TopicSummary], npt.NDArray[np.float32]]:
        """The non-outlier topics (by id) and their unit-length centroid vectors, aligned."""
        rows = self.client.query(
            self._name(collection),
            filter=f"topic_id != {OUTLIER_TOPIC}",
            output_fields=[*_TOPIC_FIELDS, "vector"],
        )
        rows = sorted(rows, key=lambda r: int(r["topic_id"]))
        summaries = [TopicSummary.from_row(r) for r in rows]
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return summaries, np.asarray([r["vector"] for r in rows], dtype=np.float32)

    def nearest_topics(
        self, collection: str, vector: npt.NDArray[np.float32], top_k: int
    ) -> list[tuple[TopicSummary, float]]:
        """Topics whose vectors are nearest to a query vector (outliers excluded)."""
        result = self.client.search(
            self._name(collection),
            data=[vector.tolist()],
            limit=top_k,
            filter=f"topic_id != {OUTLIER_TOPIC}",
            output_fields=_TOPIC_FIELDS,
            search_params={"metric_type": "COSINE"},
        )
        return [(TopicSummary.from_row(h["entity"]), float(h["distance"])) for h in result[0]]

    def _name(self, collection: str) -> str:
        self.store.meta(collection)  # CollectionNotFoundError first, then topics
        if not self.has_topics(collection):
            raise TopicsNotFittedError(
                f"collection {collection!r} has no topics yet: run `corpusmap topics {collection}`"
            )
        return collection + TOPICS_SUFFIX
