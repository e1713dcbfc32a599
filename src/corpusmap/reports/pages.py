"""The topic report as pages: an overview and a page per topic, sharing one plotly.js.

`write_report_folder` writes them as a folder that works from disk with no network:

    index.html          the overview; its topic table links to topics/<id>.html
    topics/<id>.html    a page per topic (the outlier topic -1 included)
    plotly.min.js       the plotly.js bundle of the installed plotly package, once

Pages load plotly.js with a relative `<script src>`, so the folder can be moved or
zipped whole. The API serves the same pages (`served_links`): the overview at
`/collections/{name}/report`, topic pages under `.../report/topics/{id}` and the
bundle at `.../report/plotly.min.js`, with absolute paths (as its document links
are) so that no page depends on a trailing slash. Only the links differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpusmap.errors import TopicNotFoundError
from corpusmap.reports import charts
from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.render import OVERVIEW_NAV, overview, page, topic_details, trend
from corpusmap.reports.tables import e, sparkline
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicSummary

PLOTLY_FILE = "plotly.min.js"
TOPICS_DIR = "topics"


@dataclass(frozen=True)
class ReportLinks:
    """Where the pages of a report point; `{id}` is filled in by each template."""

    overview: str  # the overview, from a topic page
    topic: str  # a topic page, from the overview
    sibling: str  # a topic page, from another topic page
    plotly_from_overview: str
    plotly_from_topic: str
    document: str  # a document view

    def topic_href(self, topic_id: int) -> str:
        """A topic page's address from the overview."""
        return self.topic.format(id=topic_id)

    def sibling_href(self, topic_id: int) -> str:
        """A topic page's address from another topic page."""
        return self.sibling.format(id=topic_id)


def folder_links(document_url: str) -> ReportLinks:
    """Links between the files of a report folder; documents link to `document_url`."""
    return ReportLinks(
        overview="../index.html",
        topic=f"{TOPICS_DIR}/{{id}}.html",
        sibling="{id}.html",
        plotly_from_overview=PLOTLY_FILE,
        plotly_from_topic=f"../{PLOTLY_FILE}",
        document=document_url,
    )


def served_links(base: str, document_url: str) -> ReportLinks:
    """Links between the pages the API serves under `base` (the overview's path); the
    bundle's address carries the plotly.js version, so it can be cached for good."""
    bundle = f"{base}/{PLOTLY_FILE}?v={charts.plotly_version()}"
    topic = f"{base}/{TOPICS_DIR}/{{id}}"
    return ReportLinks(base, topic, topic, bundle, bundle, document_url)


def cached_report_data(store: MilvusStore, collection: str) -> ReportData:
    """`collect_report_data`, kept on Milvus Lite until the file is written to, so the
    overview and every topic page of one build are computed once."""
    return store.cached(("report data", collection), lambda: collect_report_data(store, collection))


def render_overview_page(data: ReportData, links: ReportLinks) -> str:
    """The overview page: its topic table and tables link to the topic pages."""
    body = f"<nav>{OVERVIEW_NAV}</nav>{overview(data, links.topic_href)}"
    head = charts.plotly_src(links.plotly_from_overview)
    return page(f"Topics of {data.collection}", head, body)


def _topic_nav(data: ReportData, topic: TopicSummary, links: ReportLinks) -> str:
    """Links to the overview and to the topics before and after this one in the table."""
    order = [t.topic_id for t in data.topics]
    at = order.index(topic.topic_id)
    parts = [f"<a href='{e(links.overview)}'>All topics</a>"]
    if at > 0:
        parts.append(f"<a href='{e(links.sibling_href(order[at - 1]))}'>Previous topic</a>")
    if at + 1 < len(order):
        parts.append(f"<a href='{e(links.sibling_href(order[at + 1]))}'>Next topic</a>")
    return f"<nav>{''.join(parts)}</nav>"


def _trend_section(data: ReportData, topic: TopicSummary) -> str:
    view = data.over_time
    if not view or not view.bins:
        return ""
    note = f"Documents of this topic per {view.interval}; undated ones left out."
    return (
        f"<section id='trend'><h2>Trend</h2><p class='muted'>{e(note)}</p>"
        f"<div class='chart'>{charts.topic_trend_chart(view, topic)}</div></section>"
    )


def render_topic_page(data: ReportData, topic_id: int, links: ReportLinks) -> str:
    """A topic's page: keywords with weights, trend, class mix, nearest topics (linked
    to their pages), words per time bin and representative documents."""
    topic = next((t for t in data.topics if t.topic_id == topic_id), None)
    if topic is None:
        raise TopicNotFoundError(f"collection {data.collection!r} has no topic {topic_id}")
    total = sum(t.size for t in data.topics)
    share = topic.size / total if total else 0.0
    body = (
        f"{_topic_nav(data, topic, links)}<h1 id='topic-{topic.topic_id}'>Topic "
        f"{topic.topic_id}: {e(topic.label)}</h1><p>{topic.size} documents ({share:.1%} of "
        f"{e(data.collection)}) {sparkline(trend(data, topic.topic_id))}</p>"
        f"{_trend_section(data, topic)}"
        f"{topic_details(topic, data, links.document, links.sibling_href, level=2)}"
    )
    head = charts.plotly_src(links.plotly_from_topic)
    return page(f"Topic {topic.topic_id}: {topic.label} ({data.collection})", head, body)


def write_report_folder(data: ReportData, folder: Path, *, document_url: str) -> dict[str, Any]:
    """Write the report as a folder (see the module docstring); topic pages left from an
    earlier report in the same folder are removed. Returns what was written."""
    links = folder_links(document_url)
    pages = folder / TOPICS_DIR
    pages.mkdir(parents=True, exist_ok=True)
    (folder / PLOTLY_FILE).write_text(charts.plotly_bundle(), encoding="utf-8")
    written = set()
    for topic in data.topics:
        path = pages / f"{topic.topic_id}.html"
        path.write_text(render_topic_page(data, topic.topic_id, links), encoding="utf-8")
        written.add(path.name)
    for stale in pages.glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    index = folder / "index.html"
    index.write_text(render_overview_page(data, links), encoding="utf-8")
    points = data.document_map
    return {
        "folder": str(folder),
        "index": str(index),
        "topic_pages": len(written),
        "documents": points.total if points else 0,
        "documents_on_map": len(points.ids) if points else 0,
    }
