"""The HTML topic report: one self-contained page, no scripts, works offline.

Every value from the corpus is HTML-escaped: titles and texts are user data.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from corpusmap.search import snippet
from corpusmap.store import MilvusStore
from corpusmap.topic_store import OUTLIER_TOPIC, TopicStore, TopicSummary

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;
vertical-align:top;text-align:left}th{background:#f4f4f4}.bar{background:#4c78a8;height:.6rem}
.kw{color:#555}.doc{margin:.2rem 0}.muted{color:#888}section{margin-top:2rem}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _topic_row(topic: TopicSummary, total: int) -> str:
    share = topic.size / total if total else 0.0
    keywords = ", ".join(w for w, _ in topic.keywords)
    return (
        f'<tr id="row-{topic.topic_id}"><td><a href="#topic-{topic.topic_id}">{topic.topic_id}</a>'
        f"</td><td>{_e(topic.label)}</td><td>{topic.size}</td><td>{share:.1%}"
        f'<div class="bar" style="width:{100 * share:.1f}%"></div></td>'
        f'<td class="kw">{_e(keywords)}</td></tr>'
    )


def _topic_section(
    topic: TopicSummary, documents: Mapping[str, Mapping[str, Any]], document_url: str
) -> str:
    weights = "".join(
        f"<li>{_e(w)} <span class='muted'>{s:.3f}</span></li>" for w, s in topic.keywords
    )
    docs = []
    for doc_id in topic.representative_ids:
        doc = documents.get(doc_id)
        if doc is None:
            continue
        title = doc.get("title") or doc_id
        href = _e(document_url.format(id=doc_id))
        docs.append(
            f'<p class="doc"><a href="{href}">{_e(title)}</a> '
            f'<span class="muted">{_e(snippet(str(doc.get("text", "")), 240))}</span></p>'
        )
    return (
        f'<section id="topic-{topic.topic_id}"><h2>Topic {topic.topic_id}: {_e(topic.label)}</h2>'
        f"<p>{topic.size} documents</p><h3>Keywords</h3><ul>{weights}</ul>"
        f"<h3>Representative documents</h3>{''.join(docs)}</section>"
    )


def render_topic_report(
    collection: str,
    topics: Sequence[TopicSummary],
    documents: Mapping[str, Mapping[str, Any]],
    *,
    document_url: str = "documents/{id}",
) -> str:
    """The report page for a collection's topics (`document_url` links documents)."""
    total = sum(t.size for t in topics)
    fitted = [t for t in topics if t.topic_id != OUTLIER_TOPIC]
    outliers = total - sum(t.size for t in fitted)
    rows = "".join(_topic_row(t, total) for t in topics)
    sections = "".join(_topic_section(t, documents, document_url) for t in fitted)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Topics of {_e(collection)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Topics of {_e(collection)}</h1><p>{total} documents, {len(fitted)} topics, "
        f"{outliers} outliers ({(outliers / total if total else 0):.1%}).</p>"
        f"<table><thead><tr><th>id</th><th>label</th><th>size</th><th>share</th>"
        f"<th>keywords</th></tr></thead><tbody>{rows}</tbody></table>{sections}</body></html>"
    )


def build_topic_report(
    store: MilvusStore, collection: str, *, document_url: str = "documents/{id}"
) -> str:
    """Render the report of a stored collection, pulling representative documents from Milvus."""
    topics = TopicStore(store).list_topics(collection)
    ids = [i for t in topics for i in t.representative_ids]
    documents = {row["id"]: row for row in store.get_documents(collection, ids)}
    return render_topic_report(collection, topics, documents, document_url=document_url)
