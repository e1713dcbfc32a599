"""The HTML topic report as one self-contained page that works offline, and the parts
it shares with the report of a page per topic (`corpusmap.reports.pages`).

An overview (topic table with trend sparklines, topic sizes, the intertopic map,
the document map, topics over time, topics per class, the hierarchy) and a section
per topic (keywords with weights, words per time bin, class mix, nearest topics,
representative documents linked to the document view). Charts are plotly with
plotly.js inlined (`charts`); each has a table or list beside it (`tables`), so the
page still reads with scripts off. The pages are Jinja2 templates (`templating`,
`templates/report.html`, `partials/`), which escape every corpus value: titles and
texts are user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from corpusmap.reports import charts
from corpusmap.reports.class_time_chart import class_time_chart
from corpusmap.reports.data import ReportData
from corpusmap.reports.tables import TopicHref, section_href, summary, topic_view
from corpusmap.reports.templating import NavLink, render, script, stylesheet
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES
from corpusmap.topics.document_map import MAX_POINTS
from corpusmap.topics.emerging import EmergingTopics, emerging_topics

#: The overview's own links: its sections.
OVERVIEW_NAV = [
    NavLink("#overview", "Overview"),
    NavLink("#sizes", "Sizes"),
    NavLink("#map", "Map"),
    NavLink("#docmap", "Documents"),
    NavLink("#trends", "Over time"),
    NavLink("#emerging", "Emerging"),
    NavLink("#classes", "Classes"),
    NavLink("#class-time", "Classes over time"),
    NavLink("#hierarchy", "Hierarchy"),
]


def overview_charts(data: ReportData, href: TopicHref, document_url: str) -> dict[str, Markup]:
    """The overview's charts by section (sizes, map, docmap, trends, classes,
    hierarchy), each left out when its view has nothing to show; a click on a map's
    bubble opens its topic (`href`), on a point its document (`document_url`)."""
    topics = data.topics
    drawn = {"sizes": charts.sizes_chart(topics)}
    if data.topic_map:
        drawn["map"] = charts.map_chart(topics, data.topic_map, href)
    if data.document_map:
        drawn["docmap"] = charts.document_map_chart(data.document_map, topics, document_url)
    if data.over_time and data.over_time.bins:
        drawn["trends"] = charts.trends_chart(data.over_time, topics)
    if data.by_class and data.by_class.classes:
        drawn["classes"] = charts.classes_chart(data.by_class, topics)
    over_time = data.by_class_over_time
    if over_time and over_time.series and len(over_time.bins) > 1:
        drawn["class_time"] = class_time_chart(over_time, topics)
    if data.hierarchy:
        drawn["hierarchy"] = charts.hierarchy_chart(data.hierarchy, topics)
    return drawn


def report_emerging(data: ReportData) -> EmergingTopics | None:
    """The emerging topics of a report's counts over time (None without two bins)."""
    if not data.over_time or len(data.over_time.bins) < 2:
        return None
    return emerging_topics(data.over_time, {t.topic_id: t.label for t in data.topics})


def overview_context(data: ReportData, href: TopicHref, document_url: str) -> dict[str, Any]:
    """What `partials/overview.html` shows; topics link by `href`, documents to
    `document_url` ({id} filled in)."""
    return {
        "data": data,
        "href": href,
        "charts": overview_charts(data, href, document_url),
        "summary": summary(data.topics),
        "trends": data.over_time.counts if data.over_time else {},
        "emerging": report_emerging(data),
        "max_points": MAX_POINTS,
        "class_field": CLASS_FIELD_NAMES[data.by_class.field] if data.by_class else "",
    }


def render_report(data: ReportData, *, document_url: str = "documents/{id}") -> str:
    """The whole report as one page, stylesheet, plotly.js and report.js inlined
    (`document_url` links documents, `{id}` filled in, percent-encoded)."""
    fitted = [t for t in data.topics if t.topic_id != OUTLIER_TOPIC]
    return render(
        "report.html",
        **overview_context(data, section_href, document_url),
        views=[topic_view(t, data) for t in fitted],
        document_url=document_url,
        nav_links=[*OVERVIEW_NAV, NavLink("#topics", "Topics")],
        inline_css=stylesheet(),
        plotly_js=Markup(charts.plotly_bundle()),
        report_js=script(),
    )


def render_topic_report(
    collection: str,
    topics: Sequence[TopicSummary],
    documents: Mapping[str, Mapping[str, Any]],
    *,
    document_url: str = "documents/{id}",
) -> str:
    """The report of topics alone (no trends, classes or hierarchy)."""
    data = ReportData(collection, list(topics), {k: dict(v) for k, v in documents.items()})
    return render_report(data, document_url=document_url)
