"""The landscape in the app: served report pages carry the app's navigation, a topic
page links its paged document list and searches within the topic, documents link
to the app's document page; a report folder keeps only its own links; each
representative document is shown once."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from fastapi.testclient import TestClient

from corpusmap.reports.pages import (
    folder_links,
    render_overview_page,
    render_topic_page,
    served_links,
)
from corpusmap.reports.tables import representative_documents
from corpusmap.reports.topic_documents import format_date, render_topic_documents_page
from corpusmap.store.topic_store import TopicSummary
from tests.conftest import ClaimsIndex
from tests.reports.test_templates import IDS, LABEL, _hostile_data, _script_free

SERVED = served_links(
    "/collections/c/report",
    "/ui/collections/c/documents/{id}",
    "/static",
    search="/ui/collections/c/search",
)
APP_NAV = [
    ("/", "Collections"),
    ("/ui/collections/c/search", "Search"),
    ("/collections/c/report", "Landscape"),
    ("/docs", "API docs"),
]


def _nav(page: str) -> list[tuple[str, str]]:
    found = re.search(r"<nav>(.*?)</nav>", page)
    assert found is not None
    return re.findall(r"<a href='([^']+)'>([^<]+)</a>", found.group(1))


def test_served_pages_carry_the_app_navigation_under_which_their_own_links_stay():
    data = _hostile_data()
    overview = render_overview_page(data, SERVED)
    assert _nav(overview) == APP_NAV
    assert "<nav class='page' aria-label='Sections'><a href='#overview'>Overview</a>" in overview
    topic = render_topic_page(data, 0, SERVED)
    assert _nav(topic) == APP_NAV
    assert "<nav class='page' aria-label='Topics'><a href='/collections/c/report'>All" in topic
    documents = "href='/collections/c/report/topics/0/documents' class='all-documents'"
    assert f"<a {documents}>All 3 documents of this topic</a>" in topic


def test_a_topic_page_searches_within_its_topic():
    form = re.search(
        r"<form class='search'.*?</form>", render_topic_page(_hostile_data(), -1, SERVED), re.S
    )
    assert form is not None
    assert "method='get' action='/ui/collections/c/search'" in form.group(0)
    assert "<label for='topic-search'>Search within this topic</label>" in form.group(0)
    assert "<input id='topic-search' type='search' name='q' required>" in form.group(0)
    assert "<input type='hidden' name='topic' value='-1'>" in form.group(0)


def test_a_report_folder_keeps_only_its_own_links():
    data = _hostile_data()
    links = folder_links("/docs/{id}")
    overview = render_overview_page(data, links)
    assert _nav(overview)[0] == ("#overview", "Overview")
    topic = render_topic_page(data, 0, links)
    assert _nav(topic)[0] == ("../index.html", "All topics")
    for page in (overview, topic):
        assert "Collections" not in page and "/ui/" not in page and "<form" not in page
        assert "class='page'" not in page and "all-documents" not in page


def test_representative_documents_are_shown_once():
    topic = TopicSummary(0, "t", 6, [], ["a", "b", "a", "c", "missing", "d", "e"])
    documents = {
        "a": {"title": "Sports analysis and testing system", "text": "A bat."},
        "b": {"title": "Sports analysis and testing system.", "text": "a  BAT"},  # re-filing
        "c": {"title": "", "text": "Golf club"},
        "d": {"title": "", "text": "Golf club"},  # same text, neither titled
        "e": {"title": "Golf club", "text": "A driver."},
    }
    shown = representative_documents(topic, documents)
    assert [d["id"] for d in shown] == ["a", "c", "e"] and shown[1]["title"] == "c"


def test_a_documents_page_escapes_quotes_and_links_its_neighbours():
    topic = TopicSummary(3, LABEL, 45, [], [])
    rows = [{"id": i, "title": LABEL, "text": LABEL, "date": 20150102} for i in IDS]
    page = render_topic_documents_page("<i>c</i>&", topic, rows, SERVED, offset=20, limit=9)
    assert LABEL not in page and "&lt;script&gt;" in page and "&lt;i&gt;c&lt;/i&gt;&amp;" in page
    links = [html.unescape(h) for h in re.findall(r'<li class="doc"><a href="([^"]+)"', page)]
    base = "/ui/collections/c/documents/"
    assert [unquote(link.removeprefix(base)) for link in links] == IDS
    assert all("/" not in link.removeprefix(base) for link in links)
    assert "Documents 21 to 29 of 45" in page and "2015-01-02" in page
    pages = "/collections/c/report/topics/3/documents"
    assert f"<a rel='prev' href='{pages}?offset=11&amp;limit=9'>" in page
    assert f"<a rel='next' href='{pages}?offset=29&amp;limit=9'>" in page
    assert _nav(page) == APP_NAV
    last = render_topic_documents_page("c", topic, rows[:5], SERVED, offset=40)
    assert "rel='next'" not in last and f"href='{pages}?offset=20'>" in last
    assert "No documents here" in render_topic_documents_page("c", topic, [], SERVED, offset=60)
    assert (format_date(20150102), format_date(0), format_date(None)) == ("2015-01-02", "", "")


def test_the_api_pages_through_a_topics_documents(claims_index: ClaimsIndex):
    from api.main import create_app

    with TestClient(create_app(claims_index.settings)) as client:
        topics = client.get("/collections/claims/topics").json()
        topic = max(topics, key=lambda t: t["size"])
        assert topic["size"] > 40
        api = f"/collections/claims/topics/{topic['id']}/documents"
        expected = [
            d["id"]
            for offset in range(0, topic["size"], 100)
            for d in client.get(f"{api}?offset={offset}&limit=100").json()["documents"]
        ]
        base = f"/collections/claims/report/topics/{topic['id']}/documents"
        url: str | None = base
        seen: list[str] = []
        while url:
            page = client.get(url)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            links = re.findall(r'<li class="doc"><a href="([^"]+)"', page.text)
            app = "/ui/collections/claims/documents/"
            assert links and all(link.startswith(app) for link in links)
            seen += [unquote(link.removeprefix(app)) for link in links]
            after = re.search(r"<a rel='next' href='([^']+)'", page.text)
            url = html.unescape(after.group(1)) if after else None
        assert seen == expected and len(seen) == topic["size"]
        first = client.get(base).text
        assert "rel='prev'" not in first and f"Documents 1 to 20 of {topic['size']}" in first
        assert "<a href='/'>Collections</a>" in first and "Topic " in _script_free(first)
        assert (
            f"<a rel='next' href='{base}?offset=7&amp;limit=7'>"
            in client.get(f"{base}?limit=7").text
        )
        assert client.get("/collections/claims/report/topics/9999/documents").status_code == 404
        assert client.get(f"{base}?offset=-1").status_code == 422
        assert client.get("/collections/nope/report/topics/0/documents").status_code == 404
