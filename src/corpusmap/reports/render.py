"""The HTML topic report as one self-contained page that works offline, and the parts
it shares with the report folder of a page per topic (`report_pages`).

An overview (topic table with trend sparklines, topic sizes, the intertopic map,
the document map, topics over time, topics per class, the hierarchy) and a section
per topic (keywords with weights, words per time bin, class mix, nearest topics,
representative documents linked to the document view). Charts are plotly with
plotly.js inlined (`report_charts`); each has a table or list beside it
(`report_tables`), so the page still reads with scripts off.
Every value from the corpus is HTML-escaped: titles and texts are user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from corpusmap.reports import charts
from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.tables import (
    TopicHref,
    bin_words_table,
    class_mix,
    classes_table,
    e,
    hierarchy_list,
    neighbour_list,
    section_href,
    sparkline,
    trends_table,
)
from corpusmap.search.engine import snippet
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.breakdowns import CLASS_FIELD_NAMES
from corpusmap.topics.document_map import MAX_POINTS

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;
vertical-align:top;text-align:left}th{background:#f4f4f4}.bar{background:#4c78a8;height:.6rem}
.kw{color:#555}.doc{margin:.3rem 0}.muted{color:#888}section{margin-top:2.5rem}
nav a{margin-right:1rem}.wide{overflow-x:auto}details{margin:.5rem 0}summary{cursor:pointer}
.topic{border-top:2px solid #eee;padding-top:.5rem}.cols{display:flex;gap:2rem;flex-wrap:wrap}
.cols>div{flex:1 1 20rem}.chart{min-height:300px}
"""
OVERVIEW_NAV = (
    "<a href='#overview'>Overview</a><a href='#sizes'>Sizes</a><a href='#map'>Map</a>"
    "<a href='#docmap'>Documents</a><a href='#trends'>Over time</a>"
    "<a href='#classes'>Classes</a><a href='#hierarchy'>Hierarchy</a>"
)
NOSCRIPT = (
    "<noscript><p class='muted'>Charts need JavaScript; the tables below do not.</p></noscript>"
)


def page(title: str, head: str, body: str) -> str:
    """A whole HTML page: `title` is escaped, `head` and `body` are HTML already."""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'>"
        f"<title>{e(title)}</title><style>{STYLE}</style>{head}</head><body>{body}</body></html>"
    )


def trend(data: ReportData, topic_id: int) -> list[int]:
    """A topic's documents per time bin (empty without dates)."""
    return data.over_time.counts.get(topic_id, []) if data.over_time else []


def _topic_row(topic: TopicSummary, total: int, data: ReportData, href: TopicHref) -> str:
    share = topic.size / total if total else 0.0
    keywords = ", ".join(w for w, _ in topic.keywords)
    target = href(topic.topic_id)
    cell = f'<a href="{e(target)}">{topic.topic_id}</a>' if target else str(topic.topic_id)
    return (
        f'<tr id="row-{topic.topic_id}"><td>{cell}'
        f"</td><td>{e(topic.label)}</td><td>{topic.size}</td><td>{share:.1%}"
        f'<div class="bar" style="width:{100 * share:.1f}%"></div></td>'
        f"<td>{sparkline(trend(data, topic.topic_id))}</td>"
        f'<td class="kw">{e(keywords)}</td></tr>'
    )


def summary_line(data: ReportData) -> str:
    """'N documents, K topics, O outliers (share).' as a paragraph."""
    total = sum(t.size for t in data.topics)
    fitted = sum(1 for t in data.topics if t.topic_id != OUTLIER_TOPIC)
    outliers = sum(t.size for t in data.topics if t.topic_id == OUTLIER_TOPIC)
    share = outliers / total if total else 0
    return f"<p>{total} documents, {fitted} topics, {outliers} outliers ({share:.1%}).</p>"


def topic_table(data: ReportData, href: TopicHref) -> str:
    """Every topic: id (linked by `href`), label, size, share, trend and keywords."""
    total = sum(t.size for t in data.topics)
    rows = "".join(_topic_row(t, total, data, href) for t in data.topics)
    return (
        f"<table><thead><tr><th>id</th><th>label</th><th>size</th><th>share</th><th>trend</th>"
        f"<th>keywords</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def documents_list(
    topic: TopicSummary, documents: Mapping[str, Mapping[str, Any]], document_url: str
) -> str:
    """A topic's representative documents, linked by `document_url` ({id} filled in)."""
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


def topic_details(
    topic: TopicSummary, data: ReportData, document_url: str, href: TopicHref, level: int = 3
) -> str:
    """What the report says of one topic, under headings of `level`: keywords with
    weights, class mix, nearest topics (linked by `href`), words per time bin and
    representative documents."""
    h = f"h{level}"
    weights = "".join(
        f"<li>{e(w)} <span class='muted'>{s:.3f}</span></li>" for w, s in topic.keywords
    )
    by_id = {t.topic_id: t for t in data.topics}
    mix = class_mix(data.by_class, topic) if data.by_class else ""
    near = neighbour_list(data.neighbours.get(topic.topic_id, []), by_id, href)
    side = (f"<{h}>Classes</{h}>{mix}" if mix else "") + (
        f"<{h}>Nearest topics</{h}>{near}" if near else ""
    )
    words = bin_words_table(data.words_by_bin.get(topic.topic_id, []))
    return (
        f"<div class='cols'><div><{h}>Keywords</{h}><ul>{weights}</ul></div><div>{side}</div>"
        f"</div><{h}>Words per time bin</{h}>{words}<{h}>Representative documents</{h}>"
        f"{documents_list(topic, data.documents, document_url)}"
    )


def _topic_section(topic: TopicSummary, data: ReportData, document_url: str) -> str:
    return (
        f'<section class="topic" id="topic-{topic.topic_id}">'
        f"<h2>Topic {topic.topic_id}: {e(topic.label)}</h2>"
        f"<p>{topic.size} documents {sparkline(trend(data, topic.topic_id))} "
        f"<a href='#row-{topic.topic_id}' class='muted'>back to the table</a></p>"
        f"{topic_details(topic, data, document_url, section_href)}</section>"
    )


def _section(anchor: str, title: str, note: str, chart: str, table: str = "") -> str:
    return (
        f"<section id='{anchor}'><h2>{e(title)}</h2><p class='muted'>{e(note)}</p>"
        f"<div class='chart'>{chart}</div>{table}</section>"
    )


def _map_sections(data: ReportData) -> list[str]:
    """Topic sizes, the intertopic map and the document map."""
    topics = data.topics
    parts = [_section("sizes", "Topic sizes", "Documents per topic.", charts.sizes_chart(topics))]
    if data.topic_map:
        note = "Topic centroids on their first two principal axes; area by size."
        parts.append(
            _section("map", "Intertopic map", note, charts.map_chart(topics, data.topic_map))
        )
    points = data.document_map
    if points:
        drawn = len(points.ids)
        note = f"{drawn} of {points.total} documents on the first two principal axes of the "
        note += f"{points.frame}, coloured by topic. "
        if drawn < points.total:
            note += (
                f"At most {MAX_POINTS} are drawn: a sample stratified by topic (a floor per "
                "topic, the rest by size), chosen by a hash of the document id, so the same "
                "collection always gives the same map."
            )
        chart = charts.document_map_chart(points, topics)
        parts.append(_section("docmap", "Document map", note.strip(), chart))
    return parts


def _view_sections(data: ReportData, href: TopicHref) -> list[str]:
    """Topics over time, per class and the hierarchy, each left out when empty."""
    topics, parts = data.topics, []
    if data.over_time and data.over_time.bins:
        view = data.over_time
        note = f"Documents per topic per {view.interval}; {view.undated} undated left out."
        table = trends_table(view, topics, href)
        parts.append(
            _section("trends", "Topics over time", note, charts.trends_chart(view, topics), table)
        )
    if data.by_class and data.by_class.classes:
        by_class = data.by_class
        name = CLASS_FIELD_NAMES[by_class.field]
        note = f"Share of each topic's documents per {name} (a document may have several)"
        note += f"; {by_class.unclassified} documents have none."
        chart, table = charts.classes_chart(by_class, topics), classes_table(by_class, topics, href)
        parts.append(_section("classes", "Topics per class", note, chart, table))
    if data.hierarchy:
        note = "Topics merged by centroid similarity (average linkage, cosine distance)."
        tree = hierarchy_list(data.hierarchy, href)
        tree = f"<details><summary>Hierarchy (list)</summary><ul>{tree}</ul></details>"
        chart = charts.hierarchy_chart(data.hierarchy, topics)
        parts.append(_section("hierarchy", "Topic hierarchy", note, chart, tree))
    return parts


def overview(data: ReportData, href: TopicHref) -> str:
    """The overview: summary, topic table (topics linked by `href`) and every chart
    section with its table; a view with nothing to show (no dates, no classes, one
    topic) is left out."""
    sections = "".join(_map_sections(data) + _view_sections(data, href))
    return (
        f"<h1 id='overview'>Topics of {e(data.collection)}</h1>{summary_line(data)}{NOSCRIPT}"
        f"{topic_table(data, href)}{sections}"
    )


def render_report(data: ReportData, *, document_url: str = "documents/{id}") -> str:
    """The whole report as one page, plotly.js inlined (`document_url` links
    documents, `{id}` filled in)."""
    fitted = [t for t in data.topics if t.topic_id != OUTLIER_TOPIC]
    sections = "".join(_topic_section(t, data, document_url) for t in fitted)
    nav = f"<nav>{OVERVIEW_NAV}<a href='#topics'>Topics</a></nav>"
    body = f"{nav}{overview(data, section_href)}<h2 id='topics'>Topics</h2>{sections}"
    return page(f"Topics of {data.collection}", charts.plotly_script(), body)


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
    """Render the one-page report of a stored collection: topics, representative documents from
    Milvus, and every view of them (see `report_data.collect_report_data`)."""
    return render_report(collect_report_data(store, collection), document_url=document_url)
