"""What the report's tables and lists show, as plain data for the templates
(`templates/partials/topics.html`, `macros.html`): every chart in the report has a
table or list beside it, so the page still reads with scripts off. Nothing here is
HTML: the templates escape every corpus value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from corpusmap.reports.data import ReportData
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES, BinWords, TopicsByClass
from corpusmap.topics.fit import duplicate_key

CLASS_MIX = 8
#: Where a link to a topic points: its section of the page, or its own page ("": none).
TopicHref = Callable[[int], str]


def section_href(topic_id: int) -> str:
    """The anchor of a topic's section in the one-page report (outliers have none)."""
    return "" if topic_id == OUTLIER_TOPIC else f"#topic-{topic_id}"


@dataclass(frozen=True)
class Summary:
    """'N documents, K topics, O outliers (share).'"""

    total: int
    fitted: int
    outliers: int
    share: float


def summary(topics: list[TopicSummary]) -> Summary:
    """The counts of the overview's first line."""
    total = sum(t.size for t in topics)
    fitted = sum(1 for t in topics if t.topic_id != OUTLIER_TOPIC)
    outliers = sum(t.size for t in topics if t.topic_id == OUTLIER_TOPIC)
    return Summary(total, fitted, outliers, outliers / total if total else 0.0)


@dataclass(frozen=True)
class TopicView:
    """What the report shows of one topic beside its keywords."""

    topic: TopicSummary
    #: Documents per time bin (empty without dates).
    trend: list[int] = field(default_factory=list)
    #: The class field's name and the topic's most frequent classes: (class, documents, share).
    class_field: str = ""
    mix: list[tuple[str, int, float]] = field(default_factory=list)
    #: The nearest other topics with their centroid cosine similarity, best first.
    near: list[tuple[TopicSummary, float]] = field(default_factory=list)
    words: list[BinWords] = field(default_factory=list)
    #: Representative documents that are stored: {"id", "title" (the id if none), "text"}.
    documents: list[dict[str, str]] = field(default_factory=list)


def trend(data: ReportData, topic_id: int) -> list[int]:
    """A topic's documents per time bin (empty without dates)."""
    return list(data.over_time.counts.get(topic_id, [])) if data.over_time else []


def class_mix(by_class: TopicsByClass, topic: TopicSummary) -> list[tuple[str, int, float]]:
    """A topic's most frequent classes, with the share of its documents in each (none
    for a topic without counts)."""
    counts = by_class.counts.get(topic.topic_id) or [0] * len(by_class.classes)
    ranked = sorted(
        ((n, c) for n, c in zip(counts, by_class.classes, strict=True) if n),
        key=lambda pair: (-pair[0], pair[1]),
    )[:CLASS_MIX]
    size = max(topic.size, 1)
    return [(name, n, n / size) for n, name in ranked]


def representative_documents(
    topic: TopicSummary, documents: dict[str, dict[str, Any]]
) -> list[dict[str, str]]:
    """A topic's representative documents that are stored, in order, each once: a
    repeated id, or a title and text that repeat an earlier one's (`duplicate_key`:
    a re-filing), is left out."""
    found = []
    seen: set[str] = set()
    for doc_id in dict.fromkeys(topic.representative_ids):
        doc = documents.get(doc_id)
        if doc is None:
            continue
        title, text = str(doc.get("title") or ""), str(doc.get("text", ""))
        key = duplicate_key(title, text) or f"id {doc_id}"
        if key not in seen:
            seen.add(key)
            found.append({"id": doc_id, "title": title or doc_id, "text": text})
    return found


def topic_view(topic: TopicSummary, data: ReportData) -> TopicView:
    """Everything the report shows of `topic` (see `TopicView`)."""
    by_id = {t.topic_id: t for t in data.topics}
    near = [(by_id[t], s) for t, s in data.neighbours.get(topic.topic_id, []) if t in by_id]
    by_class = data.by_class
    return TopicView(
        topic=topic,
        trend=trend(data, topic.topic_id),
        class_field=CLASS_FIELD_NAMES[by_class.field] if by_class else "",
        mix=class_mix(by_class, topic) if by_class else [],
        near=near,
        words=data.words_by_bin.get(topic.topic_id, []),
        documents=representative_documents(topic, data.documents),
    )
