"""Stable topic ids: a fit's topics matched to the published build's before they are stored.

A fit numbers its topics by size; a refit of a grown corpus would renumber them, and
a client holding topic 9 would get a 404 or another topic. So every fit is matched to
the build it replaces: the Hungarian method pairs old and new topics one to one,
maximising Jaccard overlap (over the documents present in both builds) plus centroid
cosine. A pair is a match when it shares at least `TOPIC_MATCH_MIN_OVERLAP` of those
documents, or, failing that, when its centroids are at least `TOPIC_MATCH_MIN_COSINE`
alike (the same topic over documents with other ids). A matched topic keeps its id;
every other gets a new one from the partition's `next_topic_id`, so an id retired by
any earlier build is never given again. The outlier topic stays -1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from corpusmap.config.defaults import TOPIC_MATCH_MIN_COSINE, TOPIC_MATCH_MIN_OVERLAP
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.clustering import normalise
from corpusmap.topics.fit import TopicFit

__all__ = ["IdMatch", "TopicPartition", "match_topics", "stable_fit"]


class TopicPartition(Protocol):
    """A build's topics (`corpusmap.builds.snapshots.Partition` is one)."""

    @property
    def assignments(self) -> Mapping[str, int]: ...
    @property
    def summaries(self) -> Sequence[TopicSummary]: ...
    @property
    def vectors(self) -> npt.NDArray[np.float32]: ...
    @property
    def next_topic_id(self) -> int: ...


@dataclass
class IdMatch:
    """How a fit's topic ids became stable ids."""

    #: The fit's id -> the stable id, for every topic of the fit (-1 -> -1).
    mapping: dict[int, int]
    #: Stable ids matched to a topic of the build before, new ones, and the build
    #: before's ids that matched nothing (retired: never given again).
    kept: list[int]
    new: list[int]
    retired: list[int]
    next_topic_id: int

    def record(self) -> dict[str, Any]:
        """What a build records of its ids (in `build.json`)."""
        return {
            "kept": self.kept,
            "new": self.new,
            "retired": self.retired,
            "next_topic_id": self.next_topic_id,
            "min_overlap": TOPIC_MATCH_MIN_OVERLAP,
            "min_cosine": TOPIC_MATCH_MIN_COSINE,
        }


def _real(
    summaries: Sequence[TopicSummary], vectors: npt.NDArray[np.float32]
) -> tuple[list[int], npt.NDArray[np.float32]]:
    """The ids of the real topics (not the outlier topic) and their unit centroids."""
    rows = [i for i, s in enumerate(summaries) if s.topic_id != OUTLIER_TOPIC]
    ids = [summaries[i].topic_id for i in rows]
    return ids, normalise(np.asarray(vectors, dtype=np.float32)[rows]) if rows else vectors[:0]


def overlap_matrix(
    before: Mapping[str, int], after: Mapping[str, int], old: list[int], new: list[int]
) -> npt.NDArray[np.float64]:
    """Jaccard overlap of each old topic (rows) with each new one (columns), over the
    documents present in both partitions."""
    common = before.keys() & after.keys()
    pairs = Counter((before[d], after[d]) for d in common)
    old_sizes = Counter(before[d] for d in common)
    new_sizes = Counter(after[d] for d in common)
    jaccard = np.zeros((len(old), len(new)))
    for i, o in enumerate(old):
        for j, n in enumerate(new):
            shared = pairs.get((o, n), 0)
            union = old_sizes[o] + new_sizes[n] - shared
            jaccard[i, j] = shared / union if union else 0.0
    return jaccard


@dataclass
class _NoTopics:
    """No topics, and the ids given before."""

    next_topic_id: int
    dimension: int
    assignments: Mapping[str, int] = field(default_factory=dict)
    summaries: Sequence[TopicSummary] = ()

    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        return np.zeros((0, self.dimension), dtype=np.float32)


def match_topics(
    previous: TopicPartition | None,
    assignments: Mapping[str, int],
    summaries: Sequence[TopicSummary],
    vectors: npt.NDArray[np.float32],
    next_free: int = 0,
) -> IdMatch:
    """Stable ids for a fit's topics (`summaries`, aligned `vectors`), from `previous`;
    new ids start at `next_free` at the least (the first id no build has given)."""
    from scipy.optimize import linear_sum_assignment

    new_ids, new_vectors = _real(summaries, vectors)
    mapping = {OUTLIER_TOPIC: OUTLIER_TOPIC} if len(new_ids) < len(summaries) else {}
    if previous is None and next_free == 0:  # a first build: the fit's ids are stable ones
        mapping.update({t: t for t in new_ids})
        return IdMatch(mapping, [], sorted(new_ids), [], max(new_ids, default=-1) + 1)
    if previous is None:  # topics again after builds without: every topic is new
        previous = _NoTopics(next_free, vectors.shape[1])
    old_ids, old_vectors = _real(previous.summaries, previous.vectors)
    jaccard = overlap_matrix(previous.assignments, assignments, old_ids, new_ids)
    cosine = np.clip(old_vectors @ new_vectors.T, 0.0, 1.0) if old_ids and new_ids else jaccard
    rows, cols = linear_sum_assignment(jaccard + cosine, maximize=True)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if jaccard[i, j] >= TOPIC_MATCH_MIN_OVERLAP or cosine[i, j] >= TOPIC_MATCH_MIN_COSINE:
            mapping[new_ids[j]] = old_ids[i]
    kept = sorted(mapping[t] for t in new_ids if t in mapping)
    sizes = {s.topic_id: s.size for s in summaries}
    unmatched = sorted((t for t in new_ids if t not in mapping), key=lambda t: (-sizes[t], t))
    free = max(next_free, previous.next_topic_id, max(old_ids, default=-1) + 1)
    for offset, topic in enumerate(unmatched):
        mapping[topic] = free + offset
    retired = sorted(set(old_ids) - set(kept))
    return IdMatch(
        mapping,
        kept,
        sorted(free + k for k in range(len(unmatched))),
        retired,
        free + len(unmatched),
    )


def renumber(
    assignments: Mapping[str, int], summaries: Sequence[TopicSummary], mapping: dict[int, int]
) -> tuple[dict[str, int], list[TopicSummary]]:
    """Assignments and summaries with every topic id mapped."""
    renamed = []
    for summary in summaries:
        topic = mapping[summary.topic_id]
        label = f"topic {topic}" if summary.label == f"topic {summary.topic_id}" else summary.label
        renamed.append(replace(summary, topic_id=topic, label=label))
    return {d: mapping[t] for d, t in assignments.items()}, renamed


def stable_fit(
    fit: TopicFit, previous: TopicPartition | None, next_free: int = 0
) -> tuple[TopicFit, IdMatch]:
    """`fit` with stable topic ids (matched to `previous`, new ones from `next_free` at
    the least), and how they were given.

    The fitted model (`fit.model`) keeps its own numbering; `IdMatch.mapping` relates
    the two (saved with the model)."""
    match = match_topics(previous, fit.assignments, fit.summaries, fit.vectors, next_free)
    assignments, summaries = renumber(fit.assignments, fit.summaries, match.mapping)
    return replace(fit, assignments=assignments, summaries=summaries), match
