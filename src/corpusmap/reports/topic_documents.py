"""A topic's full document list as pages of the served report.

`GET /collections/{name}/report/topics/{id}/documents?offset=&limit=` (api/routes/
reports.py) reads one page of the topic's documents (ordered by id, as the JSON
`.../topics/{id}/documents` gives them) and renders it from
`templates/topic_documents_page.html`: each document linked to the app's document
page, previous and next links, and the app's navigation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from corpusmap.reports.pages import ReportLinks
from corpusmap.reports.templating import NavLink, render, with_id
from corpusmap.store.filters import compared
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore, TopicSummary

#: Documents per page unless the request asks for another number.
PAGE_SIZE = 20


def format_date(value: Any) -> str:
    """A stored date (yyyymmdd, 0 undated) as yyyy-mm-dd ("" when undated)."""
    number = int(value or 0)
    if number <= 0:
        return ""
    return f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"


def document_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """What the page shows of each stored document: id, title (the id if none), date
    and text (its first passage)."""
    return [
        {
            "id": str(row["id"]),
            "title": str(row.get("title") or row["id"]),
            "date": format_date(row.get("date")),
            "text": str(row.get("text", "")),
        }
        for row in rows
    ]


def page_href(base: str, offset: int, limit: int) -> str:
    """The address of the page at `offset` (the limit left out when it is the default)."""
    query = f"offset={offset}" + (f"&limit={limit}" if limit != PAGE_SIZE else "")
    return f"{base}?{query}"


def read_topic_documents(
    store: MilvusStore, collection: str, topic_id: int, offset: int, limit: int
) -> tuple[TopicSummary, list[dict[str, Any]]]:
    """A topic (`TopicNotFoundError` for none) and a page of its documents by id."""
    topic = TopicStore(store).get_topic(collection, topic_id)
    expression = compared("topic", "==", int(topic_id))
    return topic, store.query_documents(collection, expression, offset=offset, limit=limit)


def render_topic_documents_page(
    collection: str,
    topic: TopicSummary,
    rows: Sequence[Mapping[str, Any]],
    links: ReportLinks,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    max_offset: int | None = None,
) -> str:
    """One page of a topic's documents (`rows`, from `offset`), linked to their pages,
    with links to the previous and next pages (none past `max_offset`)."""
    base = with_id(links.topic_documents, topic.topic_id)
    after = offset + limit
    has_next = after < topic.size and (max_offset is None or after <= max_offset)
    own = [
        NavLink(links.sibling_href(topic.topic_id), f"Topic {topic.topic_id}"),
        NavLink(links.overview, "All topics"),
    ]
    return render(
        "topic_documents_page.html",
        collection=collection,
        topic=topic,
        documents=document_rows(rows),
        first=offset + 1,
        last=offset + len(rows),
        previous_href=page_href(base, max(offset - limit, 0), limit) if offset > 0 else "",
        next_href=page_href(base, after, limit) if has_next else "",
        document_url=links.document,
        **links.nav(own),
        stylesheet_href=links.stylesheet_from_topic,
    )
