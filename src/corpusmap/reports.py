"""The HTML topic report: one self-contained page that works offline.

An overview (topic table with trend sparklines, topic sizes, the intertopic map,
topics over time, topics per class, the hierarchy) and a section per topic
(keywords with weights, words per time bin, class mix, nearest topics,
representative documents linked to the document view). Charts are plotly with
plotly.js inlined (`report_charts`); each has a table or list beside it
(`report_tables`), so the page still reads with scripts off.
Every value from the corpus is HTML-escaped: titles and texts are user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from corpusmap import report_charts as charts
from corpusmap.report_data import ReportData, collect_report_data
from corpusmap.report_tables import (
    bin_words_table,
    class_mix,
    classes_table,
    e,
    hierarchy_list,
    neighbour_list,
    sparkline,
    trends_table,
)
from corpusmap.search import snippet
from corpusmap.store import MilvusStore
from corpusmap.topic_breakdowns import CLASS_FIELD_NAMES
from corpusmap.topic_store import OUTLIER_TOPIC, TopicSummary

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;
vertical-align:top;text-align:left}th{background:#f4f4f4}.bar{background:#4c78a8;height:.6rem}
.kw{color:#555}.doc{margin:.3rem 0}.muted{color:#888}section{margin-top:2.5rem}
nav a{margin-right:1rem}.wide{overflow-x:auto}details{margin:.5rem 0}summary{cursor:pointer}
.topic{border-top:2px solid #eee;padding-top:.5rem}.cols{display:flex;gap:2rem;flex-wrap:wrap}
.cols>div{flex:1 1 20rem}.chart{min-height:300px}
"""
_NAV = (
    "<nav><a href='#overview'>Overview</a><a href='#sizes'>Sizes</a><a href='#map'>Map</a>"
    "<a href='#trends'>Over time</a><a href='#classes'>Classes</a>"
    "<a href='#hierarchy'>Hierarchy</a><a href='#topics'>Topics</a></nav>"
)
_NOSCRIPT = (
    "<noscript><p class='muted'>Charts need JavaScript; the tables below do not.</p></noscript>"
)


def _trend(data: ReportData, topic_id: int) -> list[int]:
    return data.over_time.counts.get(topic_id, []) if data.over_time else []


def _topic_row(topic: TopicSummary, total: int, data: ReportData) -> str:
    share = topic.size / total if total else 0.0
    keywords = ", ".join(w for w, _ in topic.keywords)
    return (
        f'<tr id="row-{topic.topic_id}"><td><a href="#topic-{topic.topic_id}">{topic.topic_id}</a>'
        f"</td><td>{e(topic.label)}</td><td>{topic.size}</td><td>{share:.1%}"
        f'<div class="bar" style="width:{100 * share:.1f}%"></div></td>'
        f"<td>{sparkline(_trend(data, topic.topic_id))}</td>"
        f'<td class="kw">{e(keywords)}</td></tr>'
    )


def _documents(
    topic: TopicSummary, documents: Mapping[str, Mapping[str, Any]], document_url: str
) -> str:
    docs = []
    for doc_id in topic.representative_ids:
        doc = documents.get(doc_id)
        if doc is None:
            continue
        title = doc.get("title") or doc_id
        href = e(document_url.format(id=doc_id))
        docs.append(
            f'<p class="doc"><a href="{href}">{e(title)}</a> '
            f'<span class="muted">{e(snippet(str(doc.get("text", "")), 240))}</span></p>'
        )
    return "".join(docs) or "<p class='muted'>None stored.</p>"


def _topic_section(topic: TopicSummary, data: ReportData, document_url: str) -> str:
    weights = "".join(
        f"<li>{e(w)} <span class='muted'>{s:.3f}</span></li>" for w, s in topic.keywords
    )
    by_id = {t.topic_id: t for t in data.topics}
    mix = class_mix(data.by_class, topic) if data.by_class else ""
    near = neighbour_list(data.neighbours.get(topic.topic_id, []), by_id)
    side = (f"<h3>Classes</h3>{mix}" if mix else "") + (
        f"<h3>Nearest topics</h3>{near}" if near else ""
    )
    return (
        f'<section class="topic" id="topic-{topic.topic_id}">'
        f"<h2>Topic {topic.topic_id}: {e(topic.label)}</h2>"
        f"<p>{topic.size} documents {sparkline(_trend(data, topic.topic_id))} "
        f"<a href='#row-{topic.topic_id}' class='muted'>back to the table</a></p>"
        f"<div class='cols'><div><h3>Keywords</h3><ul>{weights}</ul></div><div>{side}</div></div>"
        f"<h3>Words per time bin</h3>{bin_words_table(data.words_by_bin.get(topic.topic_id, []))}"
        f"<h3>Representative documents</h3>{_documents(topic, data.documents, document_url)}"
        "</section>"
    )


def _section(anchor: str, title: str, note: str, chart: str, table: str = "") -> str:
    return (
        f"<section id='{anchor}'><h2>{e(title)}</h2><p class='muted'>{e(note)}</p>"
        f"<div class='chart'>{chart}</div>{table}</section>"
    )


def _overview_charts(data: ReportData) -> str:
    """The chart sections of the overview, each with its table where it has one;
    a view with nothing to show (no dates, no classes, one topic) is left out."""
    topics = data.topics
    parts = [_section("sizes", "Topic sizes", "Documents per topic.", charts.sizes_chart(topics))]
    if data.topic_map:
        note = "Topic centroids on their first two principal axes; area by size."
        parts.append(
            _section("map", "Intertopic map", note, charts.map_chart(topics, data.topic_map))
        )
    if data.over_time and data.over_time.bins:
        view = data.over_time
        note = f"Documents per topic per {view.interval}; {view.undated} undated left out."
        chart = charts.trends_chart(view, topics)
        parts.append(
            _section("trends", "Topics over time", note, chart, trends_table(view, topics))
        )
    if data.by_class and data.by_class.classes:
        by_class = data.by_class
        name = CLASS_FIELD_NAMES[by_class.field]
        note = f"Share of each topic's documents per {name} (a document may have several)"
        note += f"; {by_class.unclassified} documents have none."
        chart, table = charts.classes_chart(by_class, topics), classes_table(by_class, topics)
        parts.append(_section("classes", "Topics per class", note, chart, table))
    if data.hierarchy:
        note = "Topics merged by centroid similarity (average linkage, cosine distance)."
        tree = f"<details><summary>Hierarchy (list)</summary><ul>{hierarchy_list(data.hierarchy)}"
        chart = charts.hierarchy_chart(data.hierarchy, topics)
        parts.append(
            _section("hierarchy", "Topic hierarchy", note, chart, tree + "</ul></details>")
        )
    return "".join(parts)


def render_report(data: ReportData, *, document_url: str = "documents/{id}") -> str:
    """The whole report page (`document_url` links documents, `{id}` filled in)."""
    total = sum(t.size for t in data.topics)
    fitted = [t for t in data.topics if t.topic_id != OUTLIER_TOPIC]
    outliers = total - sum(t.size for t in fitted)
    name = e(data.collection)
    rows = "".join(_topic_row(t, total, data) for t in data.topics)
    sections = "".join(_topic_section(t, data, document_url) for t in fitted)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'>"
        f"<title>Topics of {name}</title><style>{_STYLE}</style>{charts.plotly_script()}</head>"
        f"<body>{_NAV}<h1 id='overview'>Topics of {name}</h1><p>{total} documents, {len(fitted)} "
        f"topics, {outliers} outliers ({(outliers / total if total else 0):.1%}).</p>{_NOSCRIPT}"
        f"<table><thead><tr><th>id</th><th>label</th><th>size</th><th>share</th><th>trend</th>"
        f"<th>keywords</th></tr></thead><tbody>{rows}</tbody></table>"
        f"{_overview_charts(data)}<h2 id='topics'>Topics</h2>{sections}</body></html>"
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


def build_topic_report(
    store: MilvusStore, collection: str, *, document_url: str = "documents/{id}"
) -> str:
    """Render the report of a stored collection: topics, representative documents from
    Milvus, and every view of them (see `report_data.collect_report_data`)."""
    return render_report(collect_report_data(store, collection), document_url=document_url)
