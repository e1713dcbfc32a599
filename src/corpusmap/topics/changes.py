"""What changed between two builds' topics: new, gone, grown, shrunk, split, merged.

Topic ids are stable across builds (`corpusmap.topics.matching`), so a topic is the
same topic in both builds when it has the same id. The outlier topic -1 is no topic
here: its sizes are counted apart. Every change lists the documents that moved (the
first `CHANGED_IDS_SHOWN` ids, sorted, and their whole count). The dataclasses are
served by the API as they are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from corpusmap.config.defaults import CHANGED_IDS_SHOWN, TOPIC_SPLIT_SHARE
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.matching import TopicPartition

__all__ = [
    "MovedDocuments",
    "TopicChanges",
    "TopicDelta",
    "TopicPart",
    "TopicRegrouping",
    "topic_changes",
]


@dataclass
class MovedDocuments:
    """Documents that moved: how many, and the first of their ids."""

    count: int
    ids: Annotated[list[str], Field(description=f"The first {CHANGED_IDS_SHOWN} ids, sorted.")]


def _moved(ids: Iterable[str]) -> MovedDocuments:
    every = sorted(ids)
    return MovedDocuments(count=len(every), ids=every[:CHANGED_IDS_SHOWN])


@dataclass
class TopicDelta:
    """One topic in both builds (or in one: size 0 in the other)."""

    topic: int
    label: Annotated[str, Field(description="The label in the later build (gone: the earlier).")]
    size_before: int
    size_after: int
    share_before: Annotated[float, Field(description="Share of the earlier build's documents.")]
    share_after: Annotated[float, Field(description="Share of the later build's documents.")]
    moved_in: Annotated[
        MovedDocuments,
        Field(description="Documents in the topic after, not before (added ones included)."),
    ]
    moved_out: Annotated[
        MovedDocuments,
        Field(description="Documents in the topic before, not after (removed ones included)."),
    ]


@dataclass
class TopicPart:
    """A topic a split went to, or a merge came from, and the documents that did."""

    topic: int
    label: str
    documents: MovedDocuments


@dataclass
class TopicRegrouping:
    """A split (one earlier topic whose documents went to several later ones) or a
    merge (one later topic whose documents came from several earlier ones)."""

    topic: Annotated[int, Field(description="The topic split (earlier) or merged into (later).")]
    label: str
    parts: Annotated[
        list[TopicPart],
        Field(description=f"Each taking (giving) at least {TOPIC_SPLIT_SHARE:.0%} of it."),
    ]


@dataclass
class TopicChanges:
    """How the topics of build `to_build` differ from those of `from_build`."""

    collection: str
    from_build: str
    to_build: str
    documents_before: int
    documents_after: int
    added: Annotated[int, Field(description="Documents in the later build only.")]
    removed: Annotated[int, Field(description="Documents in the earlier build only.")]
    outliers_before: int
    outliers_after: int
    new: list[TopicDelta] = field(default_factory=list)
    gone: list[TopicDelta] = field(default_factory=list)
    grown: list[TopicDelta] = field(default_factory=list)
    shrunk: list[TopicDelta] = field(default_factory=list)
    split: list[TopicRegrouping] = field(default_factory=list)
    merged: list[TopicRegrouping] = field(default_factory=list)
    unchanged: Annotated[int, Field(description="Topics with the very same documents.")] = 0


def _members(assignments: Mapping[str, int]) -> dict[int, set[str]]:
    groups: dict[int, set[str]] = defaultdict(set)
    for doc, topic in assignments.items():
        groups[topic].add(doc)
    return groups


def _labels(*summaries: Sequence[TopicSummary]) -> dict[int, str]:
    return {s.topic_id: s.label for group in summaries for s in group}


def _delta(
    topic: int, label: str, before: set[str], after: set[str], totals: tuple[int, int]
) -> TopicDelta:
    return TopicDelta(
        topic=topic,
        label=label,
        size_before=len(before),
        size_after=len(after),
        share_before=round(len(before) / totals[0], 6) if totals[0] else 0.0,
        share_after=round(len(after) / totals[1], 6) if totals[1] else 0.0,
        moved_in=_moved(after - before),
        moved_out=_moved(before - after),
    )


def _regroupings(
    source: dict[int, set[str]], target: Mapping[str, int], labels: dict[int, str]
) -> list[TopicRegrouping]:
    """The topics of `source` whose documents (those `target` has) went to two or more
    topics of `target`, each taking at least `TOPIC_SPLIT_SHARE` of them."""
    found = []
    for topic, docs in sorted(source.items()):
        present = [d for d in docs if d in target]
        went = Counter(target[d] for d in present if target[d] != OUTLIER_TOPIC)
        big = sorted(t for t, n in went.items() if n >= TOPIC_SPLIT_SHARE * len(present))
        if topic == OUTLIER_TOPIC or len(big) < 2:
            continue
        parts = [
            TopicPart(t, labels.get(t, ""), _moved(d for d in present if target[d] == t))
            for t in big
        ]
        found.append(TopicRegrouping(topic, labels.get(topic, ""), parts))
    return found


def topic_changes(
    before: TopicPartition,
    after: TopicPartition,
    *,
    collection: str = "",
    from_build: str = "",
    to_build: str = "",
) -> TopicChanges:
    """What changed from the topics `before` to the topics `after` (stable ids)."""
    old, new = _members(before.assignments), _members(after.assignments)
    totals = (len(before.assignments), len(after.assignments))
    labels_before, labels_after = _labels(before.summaries), _labels(after.summaries)
    changes = TopicChanges(
        collection=collection,
        from_build=from_build,
        to_build=to_build,
        documents_before=totals[0],
        documents_after=totals[1],
        added=len(after.assignments.keys() - before.assignments.keys()),
        removed=len(before.assignments.keys() - after.assignments.keys()),
        outliers_before=len(old.get(OUTLIER_TOPIC, ())),
        outliers_after=len(new.get(OUTLIER_TOPIC, ())),
    )
    for topic in sorted((old.keys() | new.keys()) - {OUTLIER_TOPIC}):
        was, now = old.get(topic, set()), new.get(topic, set())
        label = labels_after.get(topic) or labels_before.get(topic, "")
        delta = _delta(topic, label, was, now, totals)
        if not was:
            changes.new.append(delta)
        elif not now:
            changes.gone.append(delta)
        elif len(now) > len(was):
            changes.grown.append(delta)
        elif len(now) < len(was):
            changes.shrunk.append(delta)
        elif was == now:
            changes.unchanged += 1
    changes.split = _regroupings(old, after.assignments, labels_after)
    changes.merged = _regroupings(new, before.assignments, labels_before)
    return changes
