"""Everything the topic report shows, read from the store in two passes over the rows.

The first pass reads each document's id, date, topic and classes (no text); the second
reads the texts, keeping only term counts per topic and time bin, so memory grows
with the vocabulary and the number of documents' small fields, never with the texts.
The document map then reads the vectors of a fixed-size sample (`document_map`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.breakdowns import (
    CLASS_FIELDS,
    BinWords,
    TopicsByClass,
    count_bin_terms,
    pick_class_field,
    topics_by_class,
    words_over_time,
)
from corpusmap.topics.class_time import TopicsByClassOverTime, topics_by_class_over_time
from corpusmap.topics.document_map import DocumentMap, build_document_map
from corpusmap.topics.map_layout import principal_axes, project
from corpusmap.topics.views import Interval, TopicsOverTime, topic_hierarchy, topics_over_time

#: Fewer calendar years than this between the first and last dated document: bin by month.
MIN_YEARS_FOR_YEARLY_BINS = 3
NEIGHBOURS = 3


@dataclass
class ReportData:
    """A collection's topics and the views of them that the report draws."""

    collection: str
    topics: list[TopicSummary]
    documents: dict[str, dict[str, Any]]
    over_time: TopicsOverTime | None = None
    words_by_bin: dict[int, list[BinWords]] = field(default_factory=dict)
    by_class: TopicsByClass | None = None
    hierarchy: dict[str, Any] | None = None
    #: Topic id -> (x, y): the first two principal components of the topic centroids.
    topic_map: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: Topic id -> nearest other topics by centroid cosine, best first.
    neighbours: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    #: A sample of the documents in 2-D (`document_map.layout_points`).
    document_map: DocumentMap | None = None
    #: Documents per topic x class x time bin (`topics.class_time`).
    by_class_over_time: TopicsByClassOverTime | None = None


def choose_interval(dates: Sequence[int]) -> Interval:
    """'year' when dated documents (yyyymmdd, 0 undated) span enough years, else 'month'."""
    years = [d // 10000 for d in dates if d > 0]
    if years and max(years) - min(years) + 1 < MIN_YEARS_FOR_YEARLY_BINS:
        return "month"
    return "year"


def topic_map(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """2-D coordinates of topic centroids: their first two principal components."""
    return project(vectors, principal_axes(vectors))


def nearest_topics(
    ids: Sequence[int], vectors: npt.NDArray[np.float32], k: int = NEIGHBOURS
) -> dict[int, list[tuple[int, float]]]:
    """For each topic, the `k` other topics with the most similar unit centroids."""
    sims = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    np.fill_diagonal(sims, -np.inf)
    result = {}
    for row, topic in enumerate(ids):
        order = np.argsort(-sims[row], kind="stable")[: min(k, len(ids) - 1)]
        result[topic] = [(ids[j], round(float(sims[row, j]), 4)) for j in order]
    return result


def collect_report_data(store: MilvusStore, collection: str) -> ReportData:
    """Read a stored collection's topics and compute every view the report shows."""
    topic_store = TopicStore(store)
    topics = topic_store.list_topics(collection)
    ids = [i for t in topics for i in t.representative_ids]
    documents = {row["id"]: row for row in store.get_documents(collection, ids)}
    data = ReportData(collection, topics, documents)
    order = [t.topic_id for t in topics]
    docs = [
        row
        for batch in store.iter_rows(
            collection, ["doc_id", "date", "topic", *CLASS_FIELDS], expression="passage == 0"
        )
        for row in batch
    ]
    interval = choose_interval([int(r["date"]) for r in docs])
    data.over_time = topics_over_time(docs, interval, order)
    data.by_class = topics_by_class(docs, pick_class_field(docs), order)
    data.by_class_over_time = topics_by_class_over_time(docs, data.by_class.field, interval, order)
    texts = store.iter_rows(collection, ["text", "date", "topic", "passage"])
    counts = count_bin_terms((row for batch in texts for row in batch), interval)
    data.words_by_bin = {t: words_over_time(counts, t) for t in order}
    fitted, vectors = topic_store.topic_vectors(collection)
    _add_centroid_views(data, fitted, vectors)
    doc_topics = [(str(r["doc_id"]), int(r["topic"])) for r in docs]
    data.document_map = build_document_map(store, collection, doc_topics)
    return data


def _add_centroid_views(
    data: ReportData, fitted: list[TopicSummary], vectors: npt.NDArray[np.float32]
) -> None:
    """The hierarchy, topic map and neighbours, all from the topic centroids."""
    if not fitted:
        return
    ids = [t.topic_id for t in fitted]  # outliers are never among them
    data.hierarchy = topic_hierarchy(fitted, vectors)
    coords = topic_map(vectors)
    data.topic_map = {t: (float(x), float(y)) for t, (x, y) in zip(ids, coords, strict=True)}
    data.neighbours = nearest_topics(ids, vectors)
