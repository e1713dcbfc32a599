"""The parts of the topic report that need no script: tables, lists and inline SVG
sparklines. Every chart in the report has one of these beside it, so the page
still reads with scripts off. Every corpus value is HTML-escaped (user data).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES, BinWords, TopicsByClass
from corpusmap.topics.views import TopicsOverTime

CLASS_MIX = 8
#: Where a link to a topic points: its section of the page, or its own page.
TopicHref = Callable[[int], str]


def e(value: Any) -> str:
    """`value` as text, escaped for HTML content and attributes."""
    return html.escape(str(value), quote=True)


def section_href(topic_id: int) -> str:
    """The anchor of a topic's section in the one-page report (outliers have none)."""
    return "" if topic_id == OUTLIER_TOPIC else f"#topic-{topic_id}"


def topic_link(topic_id: int, text: str, href: TopicHref = section_href) -> str:
    """A link to a topic (its section of the page by default); plain text where `href`
    gives no address (a topic with no section or page)."""
    target = href(topic_id)
    return f'<a href="{e(target)}">{e(text)}</a>' if target else e(text)


def sparkline(counts: Sequence[int], width: int = 120, height: int = 24) -> str:
    """A tiny inline SVG line of counts (empty with fewer than two points)."""
    if len(counts) < 2:
        return ""
    top = max(max(counts), 1)
    step = width / (len(counts) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 1 - (height - 2) * n / top:.1f}" for i, n in enumerate(counts)
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" role="img" '
        f'aria-label="{e(", ".join(map(str, counts)))}"><polyline points="{points}" '
        f'fill="none" stroke="#4c78a8" stroke-width="1.5"/></svg>'
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table from cells that are already HTML."""
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _details(summary: str, content: str) -> str:
    return f"<details><summary>{e(summary)}</summary><div class='wide'>{content}</div></details>"


def _count_rows(
    counts: Mapping[int, Sequence[int]], topics: Sequence[TopicSummary], href: TopicHref
) -> list[list[str]]:
    """A row per topic that has counts: its link, then each count."""
    return [
        [topic_link(t.topic_id, f"{t.topic_id}: {t.label}", href), *map(str, counts[t.topic_id])]
        for t in topics
        if t.topic_id in counts
    ]


def trends_table(
    view: TopicsOverTime, topics: Sequence[TopicSummary], href: TopicHref = section_href
) -> str:
    """Documents per topic (rows) per time bin (columns), folded away by default."""
    table = _table(["topic", *map(e, view.bins)], _count_rows(view.counts, topics, href))
    return _details(f"Documents per topic per {view.interval} (table)", table)


def classes_table(
    by_class: TopicsByClass, topics: Sequence[TopicSummary], href: TopicHref = section_href
) -> str:
    """Documents per topic (rows) per class (columns), folded away by default."""
    table = _table(["topic", *map(e, by_class.classes)], _count_rows(by_class.counts, topics, href))
    name = CLASS_FIELD_NAMES[by_class.field]
    return _details(f"Documents per topic per {name} (table)", table)


def hierarchy_list(tree: Mapping[str, Any], href: TopicHref = section_href) -> str:
    """The topic tree as nested lists: merges with their distance, topics as links."""
    if "topic" in tree:
        label = f"{tree['topic']}: {tree['label']} ({tree['size']} documents)"
        return f"<li>{topic_link(int(tree['topic']), label, href)}</li>"
    children = "".join(hierarchy_list(child, href) for child in tree["children"])
    return (
        f"<li>{len(tree['topics'])} topics merged at distance {float(tree['distance']):.3f}"
        f"<ul>{children}</ul></li>"
    )


def bin_words_table(bins: Sequence[BinWords]) -> str:
    """A topic's documents and top words per time bin."""
    rows = [
        [e(b.bin), str(b.documents), e(", ".join(w for w, _ in b.words)) or "<i>none</i>"]
        for b in bins
    ]
    return _table(["bin", "documents", "words"], rows) if rows else "<p class='muted'>No dates.</p>"


def class_mix(by_class: TopicsByClass, topic: TopicSummary) -> str:
    """A topic's most frequent classes, with the share of its documents in each."""
    counts = by_class.counts.get(topic.topic_id, [])
    ranked = sorted(
        ((n, c) for n, c in zip(counts, by_class.classes, strict=True) if n),
        key=lambda pair: (-pair[0], pair[1]),
    )[:CLASS_MIX]
    size = max(topic.size, 1)
    rows = [[e(name), str(n), f"{n / size:.0%}{_bar(n / size)}"] for n, name in ranked]
    head = [e(CLASS_FIELD_NAMES[by_class.field]), "documents", "share of the topic"]
    return _table(head, rows) if rows else ""


def _bar(share: float) -> str:
    return f'<div class="bar" style="width:{100 * min(share, 1.0):.1f}%"></div>'


def neighbour_list(
    neighbours: Sequence[tuple[int, float]],
    topics: Mapping[int, TopicSummary],
    href: TopicHref = section_href,
) -> str:
    """Links to the nearest topics, with their centroid cosine similarity."""
    items = [
        f"<li>{topic_link(t, f'{t}: {topics[t].label}', href)} "
        f"<span class='muted'>cosine {score:.2f}</span></li>"
        for t, score in neighbours
        if t in topics
    ]
    return f"<ul>{''.join(items)}</ul>" if items else ""
