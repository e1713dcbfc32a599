"""Plotly charts of the topic report, as `Markup` for the templates; plotly.js local.

No chart fetches anything from elsewhere: the templates inline the plotly.js bundle
that ships with the plotly package (`plotly_bundle`, the one-page report) or load the
same bundle from a path beside the pages (the report folder, the API), and each chart
is a div plus the call that draws it, from plotly's `to_html(full_html=False)`.
Corpus strings are HTML-escaped before they reach a chart, because plotly reads
text as a small subset of HTML (a class named "<b>x</b>" would otherwise turn bold).
The two maps carry a URL per point in `customdata` (a bubble: its topic's page or
section; a document point: its document's page), which `static/report.js` opens on
a click.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from corpusmap.reports.templating import with_id
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES, TopicsByClass
from corpusmap.topics.document_map import DocumentMap
from corpusmap.topics.views import TopicsOverTime

#: Series drawn at first in the trend chart; the others start hidden (click the legend).
VISIBLE_TRENDS = 8
#: Most classes shown in the class heatmap (the tables list them all).
MAX_CLASSES = 30
_CONFIG = {"displaylogo": False, "responsive": True}
_OUTLIER_COLOUR = "#bbbbbb"
_COLOUR = "#4c78a8"


@functools.cache
def plotly_bundle() -> str:
    """The minified plotly.js bundle of the installed plotly package."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def warm_up() -> None:
    """Load what a first chart loads (plotly's validators of every trace type the report
    draws: a second or more on a busy machine), so a server's first report is not slow."""
    import plotly.graph_objects as go

    for trace in (go.Bar(x=[1]), go.Heatmap(z=[[1]]), go.Scatter(x=[1]), go.Scattergl(x=[1])):
        go.Figure(trace).update_layout(template="plotly_white").to_json()


def plotly_version() -> str:
    """The version of the bundled plotly.js (changes only with the plotly package)."""
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def topic_name(topic: TopicSummary, width: int = 40) -> str:
    """'id: label', cut to `width` characters, escaped for plotly's text markup."""
    name = f"{topic.topic_id}: {topic.label}"
    return html.escape(name if len(name) <= width else name[: width - 1] + "…")


def chart_div(figure: Any, div_id: str, height: int) -> Markup:
    """The chart's div and script, from plotly (which escapes the data it embeds).

    `figure` is a plotly `Figure`, or the plain dict of one: a chart of thousands of
    points is built as a dict and not validated, which plotly does slowly (a second
    for the document map's 5,000 points), since its traces are written here."""
    import plotly.io as pio

    layout = {"height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}}
    if isinstance(figure, dict):
        white = pio.templates["plotly_white"].to_plotly_json()
        figure["layout"] = {**figure.get("layout", {}), **layout, "template": white}
    else:
        figure.update_layout(template="plotly_white", **layout)
    page = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=_CONFIG,
        validate=not isinstance(figure, dict),
    )
    return Markup(page)


def sizes_chart(topics: Sequence[TopicSummary]) -> Markup:
    """Documents per topic, largest on top, the outlier topic in grey."""
    import plotly.graph_objects as go

    bars = go.Bar(
        x=[t.size for t in topics],
        y=[topic_name(t) for t in topics],
        orientation="h",
        marker_color=[_OUTLIER_COLOUR if t.topic_id == OUTLIER_TOPIC else _COLOUR for t in topics],
        hovertemplate="%{y}<br>%{x} documents<extra></extra>",
    )
    figure = go.Figure(bars)
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(title_text="documents")
    return chart_div(figure, "chart-sizes", max(300, 22 * len(topics) + 80))


def trends_chart(view: TopicsOverTime, topics: Sequence[TopicSummary]) -> Markup:
    """Documents per topic per time bin, one line per topic (the largest shown first)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for rank, topic in enumerate(t for t in topics if t.topic_id in view.counts):
        figure.add_trace(
            go.Scatter(
                x=view.bins,
                y=view.counts[topic.topic_id],
                mode="lines+markers",
                name=topic_name(topic, 30),
                visible=True if rank < VISIBLE_TRENDS else "legendonly",
            )
        )
    figure.update_xaxes(type="category", title_text=view.interval)
    figure.update_yaxes(title_text="documents", rangemode="tozero")
    return chart_div(figure, "chart-trends", 420)


def classes_chart(by_class: TopicsByClass, topics: Sequence[TopicSummary]) -> Markup:
    """Heatmap of each topic's share of documents in each class (the most used classes)."""
    import plotly.graph_objects as go

    rows = [t for t in topics if t.topic_id in by_class.counts]
    classes = by_class.classes[:MAX_CLASSES]
    counts = [by_class.counts[t.topic_id][: len(classes)] for t in rows]
    shares = [
        [n / t.size if t.size else 0.0 for n in row] for t, row in zip(rows, counts, strict=True)
    ]
    heatmap = go.Heatmap(
        z=shares,
        x=[html.escape(c) for c in classes],
        y=[topic_name(t) for t in rows],
        text=counts,
        texttemplate="%{text}",
        colorscale="Blues",
        zmin=0,
        zmax=1,
        colorbar={"title": {"text": "share"}, "tickformat": ".0%"},
        hovertemplate="%{y}<br>%{x}: %{text} documents (%{z:.0%} of the topic)<extra></extra>",
    )
    figure = go.Figure(heatmap)
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(type="category", title_text=CLASS_FIELD_NAMES[by_class.field], side="top")
    return chart_div(figure, "chart-classes", max(320, 24 * len(rows) + 120))


def map_chart(
    topics: Sequence[TopicSummary],
    coords: Mapping[int, tuple[float, float]],
    href: Callable[[int], str] = lambda topic_id: "",
) -> Markup:
    """Intertopic map: topic centroids on their two principal axes, area by size; each
    bubble carries its topic's address (`href`) for report.js to open on a click."""
    import plotly.graph_objects as go

    shown = [t for t in topics if t.topic_id in coords]
    largest = max((t.size for t in shown), default=1)
    scatter = go.Scatter(
        x=[coords[t.topic_id][0] for t in shown],
        y=[coords[t.topic_id][1] for t in shown],
        mode="markers+text",
        text=[str(t.topic_id) for t in shown],
        hovertext=[f"{topic_name(t, 60)}<br>{t.size} documents" for t in shown],
        hoverinfo="text",
        customdata=[href(t.topic_id) for t in shown],
        marker={
            "size": [8 + 40 * math.sqrt(t.size / largest) for t in shown],
            "color": _COLOUR,
            "opacity": 0.6,
        },
    )
    figure = go.Figure(scatter)
    figure.update_xaxes(title_text="PC 1", zeroline=False)
    figure.update_yaxes(title_text="PC 2", zeroline=False)
    return chart_div(figure, "chart-map", 460)


def dendrogram_lines(
    tree: Mapping[str, Any],
) -> tuple[list[float | None], list[float | None], list[int]]:
    """Line coordinates (x: merge distance, y: leaf position; None breaks a line) of a
    topic tree from `topic_views.topic_hierarchy`, and its leaves' topics from y = 0."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    leaves: list[int] = []

    def place(node: Mapping[str, Any]) -> tuple[float, float]:
        if "topic" in node:
            leaves.append(int(node["topic"]))
            return 0.0, float(len(leaves) - 1)
        points = [place(child) for child in node["children"]]
        distance = float(node["distance"])
        for x, y in points:
            xs.extend([x, distance, None])
            ys.extend([y, y, None])
        xs.extend([distance, distance, None])
        ys.extend([points[0][1], points[-1][1], None])
        return distance, sum(y for _, y in points) / len(points)

    place(tree)
    return xs, ys, leaves


def hierarchy_chart(tree: Mapping[str, Any], topics: Sequence[TopicSummary]) -> Markup:
    """Dendrogram of the topic hierarchy: topics merge left to right by cosine distance."""
    import plotly.graph_objects as go

    names = {t.topic_id: topic_name(t) for t in topics}
    xs, ys, leaves = dendrogram_lines(tree)
    lines = go.Scatter(
        x=xs, y=ys, mode="lines", line={"color": _COLOUR}, hoverinfo="x", connectgaps=False
    )
    figure = go.Figure(lines)
    figure.update_yaxes(
        tickvals=list(range(len(leaves))),
        ticktext=[names.get(t, str(t)) for t in leaves],
        automargin=True,
        showgrid=False,
    )
    figure.update_xaxes(title_text="cosine distance at merge", rangemode="tozero")
    return chart_div(figure, "chart-hierarchy", max(300, 22 * len(leaves) + 80))


def document_map_chart(
    points: DocumentMap, topics: Sequence[TopicSummary], document_url: str = ""
) -> Markup:
    """The sampled documents in 2-D, one WebGL trace per topic (click the legend to hide
    one); hover shows a document's title (its id if untitled), id and topic, and each
    point carries its document's address (`document_url`, `{id}` filled in, quoted)
    for report.js to open on a click."""
    import plotly.colors

    # 50 distinct colours (a corpus of some 60 topics repeats few of them).
    palette = plotly.colors.qualitative.Dark24 + plotly.colors.qualitative.Alphabet
    traces = []
    present = set(points.topics)
    for rank, topic in enumerate(t for t in topics if t.topic_id in present):
        rows = [i for i, t in enumerate(points.topics) if t == topic.topic_id]
        outliers = topic.topic_id == OUTLIER_TOPIC
        trace: dict[str, Any] = {
            "type": "scattergl",
            "x": [points.xs[i] for i in rows],
            "y": [points.ys[i] for i in rows],
            "mode": "markers",
            "name": topic_name(topic, 30),
            "hovertext": [
                f"{html.escape(points.titles[i])}<br>id {html.escape(points.ids[i])}<br>"
                f"{topic_name(topic, 60)}"
                for i in rows
            ],
            "hoverinfo": "text",
            "marker": {
                "size": 5,
                "opacity": 0.5 if outliers else 0.75,
                "color": _OUTLIER_COLOUR if outliers else palette[rank % len(palette)],
            },
        }
        if document_url:
            trace["customdata"] = [with_id(document_url, points.ids[i]) for i in rows]
        traces.append(trace)
    # Only neighbourhoods mean something in the layout, not the axes' values.
    axis = {"zeroline": False, "showticklabels": False}
    figure = {"data": traces, "layout": {"xaxis": axis, "yaxis": axis}}
    return chart_div(figure, "chart-docmap", 560)


def topic_trend_chart(view: TopicsOverTime, topic: TopicSummary) -> Markup:
    """One topic's documents per time bin."""
    import plotly.graph_objects as go

    line = go.Scatter(
        x=view.bins,
        y=view.counts.get(topic.topic_id, [0] * len(view.bins)),
        mode="lines+markers",
        line={"color": _COLOUR},
        hovertemplate="%{x}: %{y} documents<extra></extra>",
    )
    figure = go.Figure(line)
    figure.update_xaxes(type="category", title_text=view.interval)
    figure.update_yaxes(title_text="documents", rangemode="tozero")
    return chart_div(figure, "chart-trend", 320)
