"""Views over a collection's topics: topics over time, the topic hierarchy, and
assigning a new text to a topic.

The aggregation and tree building are pure functions over rows and vectors (easy to
test by hand); the `*_of` / `assign_*` functions read what they need from the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from corpusmap.errors import TopicNotFoundError
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore, TopicSummary

Interval = Literal["year", "month"]
INTERVALS: tuple[Interval, ...] = ("year", "month")

#: Below this cosine similarity to its nearest topic centroid a text is an outlier (-1).
#: A fixed value: with normalised sentence embeddings (MiniLM and similar), members of a
#: topic sit well above 0.2 from their centroid, while unrelated text falls near or below it.
ASSIGN_MIN_SIMILARITY = 0.2


# -- topics over time ------------------------------------------------------------------
@dataclass(frozen=True)
class TopicsOverTime:
    """Documents per topic per time bin; `counts[topic]` is aligned with `bins`."""

    interval: Interval
    undated: int
    bins: list[str]
    counts: dict[int, list[int]]


def time_bin(date: int, interval: Interval) -> str | None:
    """The bin of a yyyymmdd date ('2016' or '2016-03'), None when undated (0)."""
    if date <= 0:
        return None
    year, month = date // 10000, date // 100 % 100
    return f"{year:04d}" if interval == "year" else f"{year:04d}-{month:02d}"


def bin_range(first: str, last: str, interval: Interval) -> list[str]:
    """Every bin from `first` to `last` inclusive, so gaps show as zeros."""
    if interval == "year":
        return [f"{y:04d}" for y in range(int(first), int(last) + 1)]
    year, month = int(first[:4]), int(first[5:])
    end = (int(last[:4]), int(last[5:]))
    bins = []
    while (year, month) <= end:
        bins.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bins


def topics_over_time(
    rows: Iterable[dict[str, Any]], interval: Interval, topics: Sequence[int] = ()
) -> TopicsOverTime:
    """Count documents (rows with `date` and `topic`, one per document) per topic and bin.

    Bins run without gaps from the earliest to the latest dated document; undated
    documents (date 0) are counted in `undated` only. Every topic in `topics` gets a
    series (zeros if it has no dated document), as does every topic seen in the rows.
    """
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {INTERVALS}")
    per_bin: Counter[tuple[str, int]] = Counter()
    undated = 0
    for row in rows:
        key = time_bin(int(row["date"]), interval)
        if key is None:
            undated += 1
        else:
            per_bin[key, int(row["topic"])] += 1
    seen = sorted({b for b, _ in per_bin})
    bins = bin_range(seen[0], seen[-1], interval) if seen else []
    order = list(dict.fromkeys([*topics, *sorted({t for _, t in per_bin})]))
    counts = {t: [per_bin[b, t] for b in bins] for t in order}
    return TopicsOverTime(interval=interval, undated=undated, bins=bins, counts=counts)


def topics_over_time_of(
    store: MilvusStore, collection: str, interval: Interval
) -> tuple[TopicsOverTime, list[TopicSummary]]:
    """Topics over time of a stored collection, with its topics (largest first)."""
    summaries = TopicStore(store).list_topics(collection)  # 404s first
    rows = (
        row
        for batch in store.iter_rows(collection, ["date", "topic"], expression="passage == 0")
        for row in batch
    )
    view = topics_over_time(rows, interval, [t.topic_id for t in summaries])
    return view, summaries


# -- hierarchy ---------------------------------------------------------------------------
def topic_hierarchy(
    topics: Sequence[TopicSummary], vectors: npt.NDArray[np.float32]
) -> dict[str, Any]:
    """The agglomerative tree (average linkage, cosine distance) over topic centroids.

    Inner nodes: `{"id", "topics", "distance", "children"}` (ids as scipy numbers merges:
    n + step); leaves: `{"topic", "label", "size"}`. One topic is a single leaf.
    """
    if not topics:
        raise ValueError("a hierarchy needs at least one topic")
    if len(topics) != len(vectors):
        raise ValueError("topics and vectors do not line up")
    leaves: list[dict[str, Any]] = [
        {"topic": t.topic_id, "label": t.label, "size": t.size} for t in topics
    ]
    if len(topics) == 1:
        return leaves[0]
    from scipy.cluster.hierarchy import linkage

    merges = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    nodes: list[dict[str, Any]] = list(leaves)
    n = len(topics)
    for step, (left, right, distance, _) in enumerate(merges):
        children = [nodes[int(left)], nodes[int(right)]]
        nodes.append(
            {
                "id": n + step,
                "topics": sorted(t for c in children for t in _topic_ids(c)),
                "distance": round(max(float(distance), 0.0), 6),
                "children": children,
            }
        )
    return nodes[-1]


def _topic_ids(node: dict[str, Any]) -> list[int]:
    return [node["topic"]] if "topic" in node else list(node["topics"])


def topic_hierarchy_of(store: MilvusStore, collection: str) -> dict[str, Any]:
    """The topic hierarchy of a stored collection (outlier topic excluded)."""
    topics, vectors = TopicStore(store).topic_vectors(collection)
    if not topics:
        raise TopicNotFoundError(f"collection {collection!r} has only outlier documents")
    return topic_hierarchy(topics, vectors)


# -- assignment --------------------------------------------------------------------------
def assigned_topic(
    nearest: Sequence[tuple[TopicSummary, float]], threshold: float = ASSIGN_MIN_SIMILARITY
) -> int:
    """The best topic of a text given its nearest topics (best first), or -1 below `threshold`."""
    if not nearest or nearest[0][1] < threshold:
        return OUTLIER_TOPIC
    return nearest[0][0].topic_id
