"""Stable topic ids and topic changes on small hand-made partitions (no model, no Milvus)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from corpusmap.config.defaults import CHANGED_IDS_SHOWN, TOPIC_MATCH_MIN_OVERLAP
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.changes import topic_changes
from corpusmap.topics.matching import match_topics, renumber

_SEEDS = itertools.count()


@dataclass
class Parts:
    """A partition as `TopicPartition` reads one."""

    assignments: dict[str, int]
    vectors: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    next_topic_id: int = 0
    summaries: list[TopicSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        topics = sorted(set(self.assignments.values()))
        sizes = {t: sum(v == t for v in self.assignments.values()) for t in topics}
        self.summaries = [TopicSummary(t, f"topic {t}", sizes[t]) for t in topics]
        if len(self.vectors) != len(topics):  # unrelated directions: only overlap matches
            rng = np.random.default_rng(next(_SEEDS))
            self.vectors = rng.normal(size=(len(topics), 64)).astype(np.float32)
        self.next_topic_id = max(self.next_topic_id, max(topics) + 1)


def _docs(prefix: str, count: int, topic: int) -> dict[str, int]:
    return {f"{prefix}{i}": topic for i in range(count)}


def test_matched_topics_keep_their_ids_and_new_ones_never_reuse_a_retired_id():
    # Ids 0..6 were given before; 3..6 are retired already: the next new id is 7.
    before = Parts(_docs("a", 20, 0) | _docs("b", 20, 1) | _docs("c", 20, 2), next_topic_id=7)
    # The fit numbers its own way: "a" is now 2, "b" is 0, "c" is gone, "z" is new.
    fitted = Parts(_docs("a", 20, 2) | _docs("b", 18, 0) | _docs("z", 30, 1))
    match = match_topics(before, fitted.assignments, fitted.summaries, fitted.vectors)
    assert match.mapping == {2: 0, 0: 1, 1: 7}
    assert (match.kept, match.new, match.retired, match.next_topic_id) == ([0, 1], [7], [2], 8)
    assignments, summaries = renumber(fitted.assignments, fitted.summaries, match.mapping)
    assert assignments["a3"] == 0 and assignments["b3"] == 1 and assignments["z3"] == 7
    assert [s.topic_id for s in summaries] == [1, 7, 0]
    assert [s.label for s in summaries] == ["topic 1", "topic 7", "topic 0"]


def test_too_little_overlap_is_a_new_topic_and_the_outlier_topic_stays():
    shared = int(TOPIC_MATCH_MIN_OVERLAP * 100) - 5  # just under the threshold
    before = Parts(_docs("a", 100, 0) | _docs("o", 5, OUTLIER_TOPIC))
    fitted = Parts(
        {f"a{i}": (0 if i < shared else OUTLIER_TOPIC) for i in range(100)}
        | _docs("n", 100 - shared, 0)
    )
    match = match_topics(before, fitted.assignments, fitted.summaries, fitted.vectors)
    assert match.mapping == {OUTLIER_TOPIC: OUTLIER_TOPIC, 0: 1}
    assert match.retired == [0]


def test_near_identical_centroids_match_without_shared_documents():
    direction = np.eye(4, dtype=np.float32)
    before = Parts(_docs("a", 10, 0) | _docs("b", 10, 1), vectors=direction[:2])
    # Renamed documents; topic 0 of the fit points where the old topic 1 did.
    fitted = Parts(_docs("x", 10, 0) | _docs("y", 10, 1), vectors=direction[[1, 3]])
    match = match_topics(before, fitted.assignments, fitted.summaries, fitted.vectors)
    assert match.mapping == {0: 1, 1: 2}


def test_changes_name_new_gone_grown_shrunk_split_and_merged_with_the_moved_documents():
    before = Parts(
        _docs("s", 40, 0)  # splits into 0 and 5
        | _docs("m", 30, 1)  # merges into 2: gone
        | _docs("k", 20, 2)
        | _docs("g", 10, 3)  # grows
        | _docs("h", 50, 4)  # shrinks, and 9 of its documents are removed
        | _docs("q", 15, 6)  # gone
    )
    after_docs = {f"s{i}": (0 if i < 25 else 5) for i in range(40)}
    after_docs |= {d: 2 for d in _docs("m", 30, 1) | _docs("k", 20, 2)}
    after_docs |= _docs("g", 10, 3) | _docs("new", 45, 3) | _docs("h", 41, 4)
    after_docs |= {f"q{i}": OUTLIER_TOPIC for i in range(15)} | _docs("fresh", 12, 8)
    changes = topic_changes(before, Parts(after_docs), from_build="x", to_build="y")
    assert (changes.added, changes.removed) == (57, 9)
    assert (changes.outliers_before, changes.outliers_after) == (0, 15)
    assert [d.topic for d in changes.new] == [5, 8]
    assert changes.new[0].moved_in.count == 15 and changes.new[1].moved_in.count == 12
    assert [(d.topic, d.size_before, d.size_after, d.moved_out.count) for d in changes.gone] == [
        (1, 30, 0, 30),  # merged into 2
        (6, 15, 0, 15),  # now outliers
    ]
    assert [(d.topic, d.size_before, d.size_after) for d in changes.grown] == [
        (2, 20, 50),
        (3, 10, 55),
    ]
    assert changes.grown[1].moved_in.count == 45
    assert len(changes.grown[1].moved_in.ids) == CHANGED_IDS_SHOWN
    assert changes.grown[1].share_before == round(10 / 165, 6)
    assert [(d.topic, d.moved_out.count) for d in changes.shrunk] == [(0, 15), (4, 9)]
    (split,) = changes.split
    assert split.topic == 0 and [(p.topic, p.documents.count) for p in split.parts] == [
        (0, 25),
        (5, 15),
    ]
    (merged,) = changes.merged
    assert merged.topic == 2 and [(p.topic, p.documents.count) for p in merged.parts] == [
        (1, 30),
        (2, 20),
    ]


def test_an_unchanged_partition_has_no_changes():
    same = Parts(_docs("a", 20, 0) | _docs("b", 20, 1))
    changes = topic_changes(same, same)
    assert changes.unchanged == 2
    assert not (changes.new or changes.gone or changes.grown or changes.shrunk)
    assert not (changes.split or changes.merged)


def test_after_builds_without_topics_new_ids_start_where_the_given_ones_end():
    fitted = Parts(_docs("a", 10, 0) | _docs("b", 30, 1))
    match = match_topics(None, fitted.assignments, fitted.summaries, fitted.vectors, 7)
    assert match.mapping == {1: 7, 0: 8}  # the largest first
    assert (match.new, match.next_topic_id) == ([7, 8], 9)
    outliers_only = Parts(_docs("o", 10, OUTLIER_TOPIC), next_topic_id=4)
    match = match_topics(outliers_only, fitted.assignments, fitted.summaries, fitted.vectors)
    assert match.mapping == {1: 4, 0: 5} and match.retired == []
