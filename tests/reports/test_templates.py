"""The report's pages come from Jinja2 templates that escape every corpus value, link
ids percent-encoded, and share one stylesheet: copied into a report folder, inlined in
the one-page report, served by the API under /static."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from corpusmap.reports.data import ReportData
from corpusmap.reports.pages import (
    folder_links,
    render_overview_page,
    render_topic_page,
    served_links,
    write_report_folder,
)
from corpusmap.reports.render import render_report
from corpusmap.reports.templating import (
    STYLESHEET,
    NavLink,
    environment,
    render,
    static_text,
    urlquote,
    with_id,
)
from corpusmap.store.topic_store import TopicSummary
from corpusmap.topics.document_map import DocumentMap
from tests.conftest import ClaimsIndex
from tests.reports.test_reports import _full_data, _script_free

ROOT = Path(__file__).resolve().parents[2]
LABEL = "<script>alert(1)</script>"
HOSTILE_ID = 'a/b#c?d%e"f'
IDS = ["a/b", "x#y", "q?z", "100%", "../x", "it's", 'say "hi"', "a b", HOSTILE_ID]
COLLECTION = "<i>c</i>&"
#: Topic 0's representative documents, in order.
REPRESENTATIVE = [HOSTILE_ID, *IDS[:-1]]


def _hostile_data() -> ReportData:
    """The full report data with a hostile topic label, collection name and document ids."""
    data = _full_data()
    first, second, outliers = data.topics
    data.collection = COLLECTION
    data.topics = [
        TopicSummary(0, LABEL, first.size, [(LABEL, 0.5)], REPRESENTATIVE),
        TopicSummary(1, f"1 {LABEL}", second.size, second.keywords, []),
        TopicSummary(-1, f"outliers {LABEL}", outliers.size, [], []),
    ]
    data.documents = {  # distinct texts: representatives that repeat a text are left out
        i: {"title": LABEL if i == HOSTILE_ID else "", "text": f"{LABEL} {n}"}
        for n, i in enumerate(IDS)
    }
    assert data.document_map is not None
    data.document_map = DocumentMap(
        total=4,
        layout="their first two principal axes",
        ids=[HOSTILE_ID, "d2", "d3"],
        titles=[LABEL, "d2", "d3"],
        topics=[0, 1, -1],
        xs=[0.0, 1.0, 0.5],
        ys=[1.0, 0.0, 0.5],
    )
    return data


def _pages(data: ReportData) -> dict[str, str]:
    """Every kind of page: the one-page report, and overview and topic pages both as a
    folder has them and as the API serves them."""
    folder = folder_links("/docs/{id}")
    served = served_links("/collections/c/report", "/collections/c/documents/{id}", "/static")
    pages = {"report": render_report(data, document_url="/docs/{id}")}
    for kind, links in [("folder", folder), ("served", served)]:
        pages[f"{kind} overview"] = render_overview_page(data, links)
        for topic in data.topics:
            pages[f"{kind} topic {topic.topic_id}"] = render_topic_page(data, topic.topic_id, links)
    return pages


def _document_links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<p class="doc"><a href="([^"]+)"', page)]


def test_hostile_labels_names_and_ids_are_escaped_in_every_page():
    for name, page in _pages(_hostile_data()).items():
        assert LABEL not in page, name  # not even in a chart's data
        assert "<i>c</i>" not in page and "&lt;i&gt;c&lt;/i&gt;&amp;" in page, name
        text = _script_free(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, name
        assert HOSTILE_ID not in text and html.escape(HOSTILE_ID) not in text, name
        title = re.search(r"<title>(.*?)</title>", page, flags=re.S)
        assert title is not None and "&lt;" in title.group(1), name


def test_document_links_percent_encode_the_id():
    data = _hostile_data()
    for name, page in _pages(data).items():
        if "topic 0" not in name and name != "report":
            continue
        links = _document_links(page)
        base = "/collections/c/documents/" if name.startswith("served") else "/docs/"
        assert [unquote(link.removeprefix(base)) for link in links] == REPRESENTATIVE, name
        assert all("/" not in link.removeprefix(base) for link in links), name
        assert f'href="{base}a%2Fb%23c%3Fd%25e%22f"' in page, name


@pytest.mark.parametrize("doc_id", IDS)
def test_urlquote_keeps_an_id_one_path_part(doc_id: str):
    quoted = urlquote(doc_id)
    assert unquote(quoted) == doc_id
    assert not set(quoted) & set("/#?\"' ") and quoted.count("%") >= 1
    assert with_id("https://x.test/d/{id}", doc_id) == f"https://x.test/d/{quoted}"


def test_served_collection_names_are_percent_encoded():
    from api.routes.reports import report_links

    links = report_links("a b/c")
    assert links.overview == "/collections/a%20b%2Fc/report"
    assert links.topic_href(-1) == "/collections/a%20b%2Fc/report/topics/-1"
    assert with_id(links.document, "x/y") == "/ui/collections/a%20b%2Fc/documents/x%2Fy"
    assert links.search == "/ui/collections/a%20b%2Fc/search"
    assert with_id(links.topic_documents, -1) == "/collections/a%20b%2Fc/report/topics/-1/documents"
    assert links.stylesheet_from_topic == f"/static/{STYLESHEET}"
    assert links.script_from_overview == "/static/report.js"
    assert [(n.text, n.href) for n in links.app_nav] == [
        ("Collections", "/"),
        ("Search", "/ui/collections/a%20b%2Fc/search"),
        ("Landscape", "/collections/a%20b%2Fc/report"),
        ("API docs", "/docs"),
    ]


def test_templates_autoescape_and_nav_links_come_from_the_context():
    assert environment() is environment()  # cached: one per process
    autoescape = environment().autoescape  # select_autoescape: .html on, by name
    assert callable(autoescape) and autoescape("base.html") and not autoescape("notes.txt")
    page = render("base.html", nav_links=[NavLink("/x?a=1&b='2'", LABEL)], stylesheet_href="s.css")
    assert "<nav><a href='/x?a=1&amp;b=&#39;2&#39;'>&lt;script&gt;" in page
    assert "<link rel='stylesheet' href='s.css'>" in page
    assert "<nav>" not in render("base.html", nav_links=[], stylesheet_href="s.css")
    with pytest.raises(Exception, match="stylesheet_href"):  # undefined names are errors
        render("base.html")


def test_a_written_folder_holds_the_stylesheet_and_its_pages_link_it(tmp_path: Path):
    write_report_folder(_hostile_data(), tmp_path, document_url="/docs/{id}")
    css = tmp_path / STYLESHEET
    assert css.read_text() == static_text(STYLESHEET) and "max-width:72rem" in css.read_text()
    index = (tmp_path / "index.html").read_text()
    assert f"<link rel='stylesheet' href='{STYLESHEET}'>" in index
    for page in (tmp_path / "topics").iterdir():
        assert f"<link rel='stylesheet' href='../{STYLESHEET}'>" in page.read_text()
    assert "<style>" not in index and "<style>" in render_report(_hostile_data())


def test_the_api_serves_the_stylesheet_as_css(tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from corpusmap.config import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path, milvus_uri="")))
    response = client.get(f"/static/{STYLESHEET}")  # no lifespan: static files need no store
    assert response.status_code == 200 and response.text == static_text(STYLESHEET)
    assert response.headers["content-type"].startswith("text/css")
    assert client.get("/static/%2e%2e/templates/base.html").status_code == 404
    assert client.get("/static/nope.css").status_code == 404
    metrics = client.get("/metrics").text  # one series for the mount, not one per path
    assert 'route="/static/{path:path}",status="200"' in metrics and "nope.css" not in metrics


def test_served_pages_link_the_served_stylesheet(claims_index: ClaimsIndex):
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(claims_index.settings)) as client:
        for path in ["/collections/claims/report", "/collections/claims/report/topics/0"]:
            page = client.get(path).text
            (href,) = re.findall(r"<link rel='stylesheet' href='([^']+)'>", page)
            assert href == f"/static/{STYLESHEET}"
            css = client.get(href)
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_no_html_is_built_in_python_f_strings():
    pattern = re.compile(r"""\bf["']<""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("src", "api")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
