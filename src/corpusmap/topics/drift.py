"""Placing new documents into existing topics, and measuring how many fit none.

"Fits a topic well" is judged by the topics themselves: a new document joins its
nearest topic only if it is at least as close to that topic's centroid as the
typical member is (above the `FIT_QUANTILE` of the members' own similarities to
their centroids). The rest go to the outlier topic, and their share is the drift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary

#: A new document fits a topic if it is closer than the 5% least typical members.
FIT_QUANTILE = 0.05


@dataclass(frozen=True)
class Placement:
    """Where new documents went."""

    assignments: dict[str, int]
    threshold: float

    @property
    def drift(self) -> float:
        """Share of the new documents that fit no existing topic."""
        if not self.assignments:
            return 0.0
        outliers = sum(t == OUTLIER_TOPIC for t in self.assignments.values())
        return outliers / len(self.assignments)


def fit_threshold(
    member_vectors: npt.NDArray[np.float32],
    member_topics: Sequence[int],
    topic_ids: Sequence[int],
) -> float:
    """The similarity a document needs to its nearest centroid to count as fitting.

    Each member is compared with its topic's centroid *without itself* (leave one
    out): a member pulls its own centroid closer, a new document does not, so
    in-sample similarities would set the bar too high for documents of the same kind.
    """
    topics = np.asarray(member_topics)
    similarities: list[npt.NDArray[np.float32]] = []
    for topic in topic_ids:
        members = member_vectors[topics == topic]
        if topic == OUTLIER_TOPIC or len(members) < 2:
            continue
        others = members.sum(axis=0, keepdims=True) - members
        others /= np.linalg.norm(others, axis=1, keepdims=True)
        similarities.append(np.einsum("ij,ij->i", members, others))
    if not similarities:
        return 1.0
    return float(np.quantile(np.concatenate(similarities), FIT_QUANTILE))


def place_documents(
    ids: Sequence[str],
    vectors: npt.NDArray[np.float32],
    topic_ids: Sequence[int],
    topic_vectors: npt.NDArray[np.float32],
    threshold: float,
) -> Placement:
    """Each new document's nearest topic, or the outlier topic below `threshold`."""
    if not len(ids):
        return Placement({}, threshold)
    if not len(topic_ids):
        return Placement(dict.fromkeys(ids, OUTLIER_TOPIC), threshold)
    similarities = vectors @ topic_vectors.T
    best = similarities.argmax(axis=1)
    score = similarities[np.arange(len(ids)), best]
    topics = [
        int(topic_ids[b]) if s >= threshold else OUTLIER_TOPIC
        for b, s in zip(best, score, strict=True)
    ]
    return Placement(dict(zip(ids, topics, strict=True)), threshold)


def resize_topics(
    summaries: Sequence[TopicSummary], assignments: dict[str, int]
) -> list[TopicSummary]:
    """Topic summaries with sizes recounted from a partition (an outlier topic added if needed)."""
    sizes = Counter(assignments.values())
    resized = [replace(s, size=sizes.get(s.topic_id, 0)) for s in summaries]
    if sizes.get(OUTLIER_TOPIC) and all(s.topic_id != OUTLIER_TOPIC for s in summaries):
        resized.append(TopicSummary(OUTLIER_TOPIC, "outliers", sizes[OUTLIER_TOPIC]))
    return resized
