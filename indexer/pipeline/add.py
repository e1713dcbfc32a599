"""`index --add`: the parent build's topics kept, new documents placed into them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from corpusmap.builds.snapshots import Partition
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore
from corpusmap.topics.clustering import normalise
from corpusmap.topics.drift import Placement, fit_threshold, place_documents, resize_topics
from indexer.pipeline.stored import read_stored_passages, stored_mixtures

log = logging.getLogger(__name__)


@dataclass
class PlacedTopics:
    """The partition after an add, and where the new documents went."""

    partition: Partition
    placement: Placement

    def summary(self, drift_threshold: float) -> dict[str, Any]:
        """What the add did to the topics, with the refit advice."""
        drift = self.placement.drift
        refit = drift > drift_threshold
        if refit:
            log.warning(
                "%.1f%% of the added documents fit no topic (threshold %.0f%%): "
                "run `corpusmap topics` to refit",
                100 * drift,
                100 * drift_threshold,
            )
        return {
            "topics": sum(1 for s in self.partition.summaries if s.topic_id != OUTLIER_TOPIC),
            "added": len(self.placement.assignments),
            "drift": round(drift, 4),
            "fit_threshold": round(self.placement.threshold, 4),
            "refit_suggested": refit,
            # The parent's ids, every one kept (as `corpusmap.topics.matching` records).
            "ids": {
                "kept": sorted(
                    s.topic_id for s in self.partition.summaries if s.topic_id != OUTLIER_TOPIC
                ),
                "new": [],
                "retired": [],
                "next_topic_id": self.partition.next_topic_id,
            },
        }


def place_added_documents(
    store: MilvusStore, name: str, parent: Partition, added_ids: set[str], next_topic_id: int = 0
) -> PlacedTopics:
    """Keep the parent's topic of every old document, place the added ones, store it all;
    the ids given stay given (`next_topic_id`, at least the parent's)."""
    stored = read_stored_passages(store, name, progress=False)
    ids, vectors = stored.ids, stored.vectors
    topic_ids = [s.topic_id for s in parent.summaries]
    keep = [i for i, t in enumerate(topic_ids) if t != OUTLIER_TOPIC]
    centres = parent.vectors[keep] if keep else np.zeros((0, vectors.shape[1]), np.float32)
    real_ids = [topic_ids[i] for i in keep]
    old = [i for i, d in enumerate(ids) if d not in added_ids and d in parent.assignments]
    threshold = fit_threshold(vectors[old], [parent.assignments[ids[i]] for i in old], real_ids)
    new = [i for i, d in enumerate(ids) if d in added_ids]
    placement = place_documents([ids[i] for i in new], vectors[new], real_ids, centres, threshold)
    assignments = {ids[i]: parent.assignments[ids[i]] for i in old}
    assignments.update(placement.assignments)
    summaries = resize_topics(parent.summaries, assignments)
    topic_vectors = _aligned_vectors(parent, summaries, ids, vectors, assignments)
    mixtures = stored_mixtures(stored, assignments, summaries, topic_vectors)
    store.set_topics(name, assignments, mixtures)
    TopicStore(store).replace(name, summaries, topic_vectors)
    given = max(parent.next_topic_id, next_topic_id)
    partition = Partition(assignments, summaries, topic_vectors, given, mixtures)
    return PlacedTopics(partition, placement)


def _aligned_vectors(
    parent: Partition,
    summaries: list[Any],
    ids: list[str],
    vectors: np.ndarray,
    assignments: dict[str, int],
) -> np.ndarray:
    """Topic vectors aligned with `summaries`: the parent's, or (for an outlier topic
    the parent lacked) the centroid of its members."""
    known = {s.topic_id: v for s, v in zip(parent.summaries, parent.vectors, strict=True)}
    rows = []
    for summary in summaries:
        if summary.topic_id in known:
            rows.append(known[summary.topic_id])
            continue
        members = [i for i, d in enumerate(ids) if assignments.get(d) == summary.topic_id]
        rows.append(normalise(vectors[members].mean(axis=0, keepdims=True))[0])
    return np.asarray(rows, dtype=np.float32)
