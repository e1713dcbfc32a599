"""The report's chart of topics by class over time: a heatmap of documents per topic
(rows) and time bin (columns) for one class at a time, chosen from a menu of the
classes with the most documents (one trace per class, the menu shows one)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from markupsafe import Markup

from corpusmap.reports.charts import MAX_CLASSES, chart_div, topic_name
from corpusmap.store.topic_store import TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES
from corpusmap.topics.class_time import TopicsByClassOverTime


def class_time_chart(view: TopicsByClassOverTime, topics: Sequence[TopicSummary]) -> Markup:
    """One heatmap per class (the `MAX_CLASSES` largest), the first shown, a menu to
    switch; a cell is a topic's documents of that class in that bin."""
    import plotly.graph_objects as go

    classes = view.classes[:MAX_CLASSES]
    rows = [t for t in topics if any(s.topic == t.topic_id for s in view.series)]
    cells = {(s.topic, s.class_name): s.counts for s in view.series}
    empty = [0] * len(view.bins)
    figure = go.Figure()
    for at, name in enumerate(classes):
        z = [cells.get((t.topic_id, name), empty) for t in rows]
        figure.add_trace(
            go.Heatmap(
                z=z,
                x=view.bins,
                y=[topic_name(t) for t in rows],
                colorscale="Blues",
                visible=at == 0,
                name=html.escape(name),
                hovertemplate="%{y}<br>%{x}: %{z} documents<extra></extra>",
            )
        )
    label = CLASS_FIELD_NAMES[view.field]
    buttons = [
        {
            "label": html.escape(f"{label} {name}"),
            "method": "update",
            "args": [{"visible": [j == at for j in range(len(classes))]}],
        }
        for at, name in enumerate(classes)
    ]
    figure.update_layout(updatemenus=[{"buttons": buttons, "x": 0, "y": 1.12, "xanchor": "left"}])
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(type="category", title_text=view.interval)
    return chart_div(figure, "chart-class-time", max(360, 24 * len(rows) + 160))
