"""Topics by class over time: documents per topic, per class (CPC section or subclass,
or a label) and per time bin, the three-way table behind "which topics grew in section
G, and when".

A document with several classes counts once in each (as in `topics_by_class`); an
undated or unclassified document is counted apart. Only the (topic, class) pairs that
have documents get a series.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELDS, ClassField, pick_class_field
from corpusmap.topics.views import Interval, bin_range, time_bin


@dataclass(frozen=True)
class ClassSeries:
    """One topic's documents of one class per time bin (aligned with the bins)."""

    topic: int
    class_name: str
    counts: list[int]


@dataclass(frozen=True)
class TopicsByClassOverTime:
    """Documents per topic x class x time bin; classes most documents first."""

    field: ClassField
    interval: Interval
    bins: list[str]
    classes: list[str]
    undated: int = 0
    unclassified: int = 0
    series: list[ClassSeries] = dataclasses.field(default_factory=list)


def topics_by_class_over_time(
    rows: Iterable[dict[str, Any]],
    class_field: ClassField,
    interval: Interval,
    topics: Sequence[int] = (),
) -> TopicsByClassOverTime:
    """Count documents (one row each, with `date`, `topic` and `class_field`) per topic,
    class and bin; series ordered by `topics` (then topic id), then class."""
    if class_field not in CLASS_FIELDS:
        raise ValueError(f"unknown class field {class_field!r}; use one of {CLASS_FIELDS}")
    cells: Counter[tuple[int, str, str]] = Counter()
    undated = unclassified = 0
    for row in rows:
        key = time_bin(int(row["date"]), interval)
        values = {str(v) for v in row.get(class_field) or []}
        undated += key is None
        unclassified += not values
        if key is not None:
            cells.update((int(row["topic"]), v, key) for v in values)
    per_class: Counter[str] = Counter()
    for (_, name, _), n in cells.items():
        per_class[name] += n
    classes = sorted(per_class, key=lambda c: (-per_class[c], c))
    seen = sorted({b for _, _, b in cells})
    bins = bin_range(seen[0], seen[-1], interval) if seen else []
    order = list(dict.fromkeys([*topics, *sorted({t for t, _, _ in cells})]))
    pairs = {(t, c) for t, c, _ in cells}
    series = [
        ClassSeries(t, c, [cells[t, c, b] for b in bins])
        for t in order
        for c in classes
        if (t, c) in pairs
    ]
    return TopicsByClassOverTime(
        class_field, interval, bins, classes, undated, unclassified, series
    )


def topics_by_class_over_time_of(
    store: MilvusStore,
    collection: str,
    class_field: ClassField | None = None,
    interval: Interval = "year",
) -> tuple[TopicsByClassOverTime, list[TopicSummary]]:
    """The same for a stored collection, with its topics (largest first); `class_field`
    None picks the first class field in use (`pick_class_field`)."""
    summaries = TopicStore(store).list_topics(collection)  # 404s first
    fields = ["date", "topic", *CLASS_FIELDS]
    rows = [
        r for batch in store.iter_rows(collection, fields, expression="passage == 0") for r in batch
    ]
    chosen = class_field or pick_class_field(rows)
    order = [t.topic_id for t in summaries]
    return topics_by_class_over_time(rows, chosen, interval, order), summaries
