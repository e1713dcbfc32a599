"""The topic report in a real headless Chromium (Debian's `chromium`, driven by
Playwright): the charts render with every request off the page's own origin
refused, no script error is raised, and a reader clicks from the overview to a
topic's page and on to a document, and clicks a document-map point to its document
and a topic-map bubble to its topic: as the API serves it, as the one-page
`report.html` of a build, and as the folder `corpusmap report` writes, from disk.
Served, a topic page also leads to its paged document list and searches within the
topic. The app's pages (`/ui/...`, another module's) are answered by a stub here, so
these tests check where the report links, not those pages.

Skipped, saying why, when no Chromium binary is found (`.ci/run` installs Debian's
`chromium`; set CORPUSMAP_CHROMIUM to use another binary).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from corpusmap.reports.charts import VISIBLE_TRENDS
from corpusmap.topics.document_map import MAX_POINTS
from tests.conftest import ClaimsIndex
from tests.helpers.servers import serve

CHART_IDS = [
    "chart-sizes",
    "chart-map",
    "chart-docmap",
    "chart-trends",
    "chart-classes",
    "chart-class-time",
    "chart-hierarchy",
]
# As root Chromium needs --no-sandbox; the rest keeps it from calling Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_binary() -> str | None:
    """The Chromium to drive: $CORPUSMAP_CHROMIUM, else the first on PATH."""
    names = [os.environ.get("CORPUSMAP_CHROMIUM", ""), "chromium", "chromium-browser"]
    return next((found for name in names if name and (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip(
            "no Chromium binary on PATH (apt-get install chromium, or set CORPUSMAP_CHROMIUM)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(claims_index: ClaimsIndex) -> Iterator[str]:
    """The real API over the claims index, served by uvicorn on a free local port."""
    with serve(claims_index.settings) as url:
        yield url


@dataclass
class Watched:
    """What a page did: script errors, and requests it made or was refused."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def open_page(browser: Any, allowed_prefix: str | tuple[str, ...]) -> tuple[Any, Watched]:
    """A new page that refuses (and records) every request not starting with the prefix
    (or one of the prefixes)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = Watched()
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: seen.requests.append(request.url))

    def guard(route: Any) -> None:
        if route.request.url.startswith(allowed_prefix):
            route.continue_()
        else:
            seen.refused.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page, seen


def assert_charts_rendered(page: Any, topics: list[dict[str, Any]]) -> None:
    """Each chart was drawn by plotly.js with the marks its data asks for."""
    fitted = [t for t in topics if t["id"] != -1]
    drawn = f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(CHART_IDS)}"
    page.wait_for_function(drawn)
    for chart in CHART_IDS:
        assert page.locator(f"#{chart}.js-plotly-plot svg.main-svg").count() >= 1, chart
    assert page.locator("#chart-sizes .bars .point").count() == len(topics)
    assert page.locator("#chart-map .scatterlayer .point").count() == len(fitted)
    assert page.locator("#chart-trends .legend .traces").count() == len(topics)
    shown = min(VISIBLE_TRENDS, len(topics))  # the rest wait, hidden, in the legend
    assert page.locator("#chart-trends .scatterlayer .trace").count() == shown
    assert page.locator("#chart-classes .hm image").count() == 1
    assert page.locator("#chart-class-time .hm image").count() == 1  # one class at a time
    assert page.locator("#chart-class-time .updatemenu-container").count() == 1
    assert page.locator("#chart-hierarchy .ytick").count() == len(fitted)
    ticks = page.locator("#chart-sizes .ytick text").all_text_contents()
    assert sorted(int(t.split(":")[0]) for t in ticks) == sorted(t["id"] for t in topics)
    assert_document_map_rendered(page, len(topics))


def assert_document_map_rendered(page: Any, topics: int) -> None:
    """The document map drew its points with WebGL, one legend entry per topic (all of
    them: the claims are under the cap), and hovering a point names its document."""
    assert page.locator("#chart-docmap canvas").count() >= 1
    assert page.locator("#chart-docmap .legend .traces").count() == topics
    points = page.evaluate(
        "document.getElementById('chart-docmap').data.reduce((n, t) => n + t.x.length, 0)"
    )
    assert topics <= points <= MAX_POINTS
    page.locator("#chart-docmap").scroll_into_view_if_needed()
    x, y = page.evaluate(_FIRST_POINT)
    page.mouse.move(x, y)  # WebGL points are picked by position, as a reader's mouse is
    hover = page.locator("#chart-docmap .hoverlayer .hovertext")
    hover.wait_for()
    texts = page.evaluate("document.getElementById('chart-docmap').data.flatMap(t => t.hovertext)")
    shown = hover.text_content() or ""  # that point's, or one drawn over it
    assert any(text.split("<br>")[1] in shown for text in texts), shown


# Where the first point of the document map is on the screen.
_FIRST_POINT = """(() => {
  const gd = document.getElementById('chart-docmap');
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const [x, y] = [gd.data[0].x[0], gd.data[0].y[0]];
  return [box.left + gd._fullLayout.xaxis.l2p(x), box.top + gd._fullLayout.yaxis.l2p(y)];
})()"""
# Where the first bubble of the intertopic map is on the screen.
_FIRST_BUBBLE = _FIRST_POINT.replace("chart-docmap", "chart-map")
# The absolute addresses a chart's points carry (their customdata).
_ADDRESSES = """(id) => document.getElementById(id).data
  .flatMap(t => t.customdata).map(u => new URL(u, location.href).href)"""


def click_chart_point(page: Any, chart: str, where: str) -> list[str]:
    """Hover, then click, the point of `chart` at `where` (a script giving its screen
    position); returns the absolute addresses the chart's points carry."""
    page.wait_for_selector(f"#{chart}.js-plotly-plot svg.main-svg")
    page.locator(f"#{chart}").scroll_into_view_if_needed()
    x, y = page.evaluate(where)
    page.mouse.move(x, y)
    page.locator(f"#{chart} .hoverlayer .hovertext").wait_for()
    addresses = page.evaluate(_ADDRESSES, chart)
    page.mouse.click(x, y)
    return list(addresses)


def click_to_document(page: Any) -> str:
    """Click the document map's first point: the page opens that point's document
    (or one drawn over it); returns the address opened."""
    with page.expect_navigation() as navigation:
        addresses = click_chart_point(page, "chart-docmap", _FIRST_POINT)
    opened = navigation.value.url
    assert opened in addresses, opened
    return str(opened)


def click_to_topic(page: Any) -> str:
    """Click the intertopic map's first bubble: the page opens a topic's page (in a
    folder or served) or section (the one-page report); returns the address opened."""
    before = page.url
    addresses = click_chart_point(page, "chart-map", _FIRST_BUBBLE)
    page.wait_for_function("(before) => location.href !== before", arg=before)
    assert page.url in addresses, page.url
    return str(page.url)


def stub_app_pages(page: Any, server: str) -> list[str]:
    """Answer the app's pages (`/ui/...`) with a stub; returns the addresses asked for."""
    asked: list[str] = []

    def answer(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><p>app</p>")

    page.route(f"{server}/ui/**", answer)
    return asked


def test_served_report_renders_offline_and_links_topics_to_documents(
    browser: Any, server: str
) -> None:
    import httpx

    topics = httpx.get(f"{server}/collections/claims/topics").json()
    page, seen = open_page(browser, server)
    response = page.goto(f"{server}/collections/claims/report", wait_until="load")
    assert response is not None and response.status == 200
    assert_charts_rendered(page, topics)
    assert_styled(page)
    scripts = [u for u in seen.requests if ".js" in u]
    assert [u.split("?")[0] for u in scripts] == [
        f"{server}/collections/claims/report/plotly.min.js",  # served by the API, once
        f"{server}/static/report.js",  # the click handlers, at the end of the page
    ]
    assert f"{server}/static/corpusmap.css" in seen.requests  # the stylesheet, from the API
    asked = stub_app_pages(page, server)
    opened = click_to_document(page)
    assert opened.startswith(f"{server}/ui/collections/claims/documents/") and asked == [opened]
    assert_document_of(server, opened.rsplit("/", 1)[1])
    page.go_back(wait_until="load")
    topic_page = click_to_topic(page)
    assert topic_page.startswith(f"{server}/collections/claims/report/topics/")
    page.go_back(wait_until="load")
    topic = topics[0]["id"]
    follow_topic_to_document(page, topic, f"{server}/collections/claims/report/topics/", server)
    page.go_back(wait_until="load")
    page_through_topic_documents(page, server, topic)
    assert seen.errors == [] and seen.refused == []
    page.close()


def assert_document_of(server: str, quoted_id: str, topic: int | None = None) -> None:
    """The id (percent-encoded) is a stored document (of `topic`, if given)."""
    import httpx

    document = httpx.get(f"{server}/collections/claims/documents/{quoted_id}").json()
    assert document["id"] == unquote(quoted_id)
    assert topic is None or document["topic"] == topic


def page_through_topic_documents(page: Any, server: str, topic: int) -> None:
    """From a served topic page: its full document list, the next page, a document of
    it (the app's page), then a search within the topic (the app's search page)."""
    with page.expect_navigation():
        page.click("a.all-documents")
    assert page.url == f"{server}/collections/claims/report/topics/{topic}/documents"
    assert_styled(page)
    first = page.locator("li.doc a").all_text_contents()
    assert len(first) == min(20, page.locator("li.doc").count()) and first
    if page.locator("a[rel=next]").count():
        with page.expect_navigation():
            page.click("a[rel=next]")
        assert page.url.endswith("/documents?offset=20")
        assert page.locator("a[rel=prev]").count() == 1
    link = page.locator("li.doc a").first
    with page.expect_navigation():
        link.click()
    assert page.url.startswith(f"{server}/ui/collections/claims/documents/")
    assert_document_of(server, page.url.rsplit("/", 1)[1], topic)
    page.goto(f"{server}/collections/claims/report/topics/{topic}", wait_until="load")
    page.fill("#topic-search", "golf <club>")
    with page.expect_navigation():
        page.press("#topic-search", "Enter")
    assert page.url == (f"{server}/ui/collections/claims/search?q=golf+%3Cclub%3E&topic={topic}")


def assert_styled(page: Any) -> None:
    """The page has corpusmap.css applied (its body is at most 72rem wide)."""
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "1152px"


def follow_topic_to_document(page: Any, topic: int, topic_url: str, server: str) -> None:
    """From the overview, click a topic to its page (trend drawn), then one of its
    representative documents: the app's document page when served (a stub here), the
    API's document view from a folder."""
    with page.expect_navigation():
        page.click(f"#row-{topic} a")
    assert page.url.startswith(topic_url) and page.url.removeprefix(topic_url) in (
        str(topic),
        f"{topic}.html",
    )
    assert page.locator("h1").inner_text().startswith(f"Topic {topic}: ")
    assert_styled(page)
    page.wait_for_selector("#chart-trend.js-plotly-plot svg.main-svg")
    assert page.locator("#chart-trend .scatterlayer .point").count() >= 2
    link = page.locator("p.doc a").first
    doc_id = link.get_attribute("href").rsplit("/", 1)[1]
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    if page.url.startswith(f"{server}/ui/"):
        assert page.url == f"{server}/ui/collections/claims/documents/{doc_id}"
        assert_document_of(server, doc_id, topic)
    else:
        document = navigation.value.json()
        assert document["id"] == unquote(doc_id) and document["topic"] == topic


def test_written_report_file_renders_with_no_network(browser: Any, claims_index: ClaimsIndex):
    path = Path(claims_index.summary["topics"]["report"])
    page, seen = open_page(browser, "file://")
    page.goto(path.as_uri(), wait_until="load")
    rows = page.locator("tbody tr[id^='row-']")
    topics = [{"id": int(r.get_attribute("id")[4:])} for r in rows.all()]
    assert len(topics) >= 5
    assert_charts_rendered(page, topics)
    assert_styled(page)  # the stylesheet is inlined: the page is the only request
    assert click_to_topic(page).startswith(path.as_uri() + "#topic-")  # its section
    assert seen.errors == [] and seen.refused == [] and seen.requests == [path.as_uri()]
    page.close()


def test_report_folder_renders_from_disk_with_no_network(
    browser: Any, server: str, claims_index: ClaimsIndex, tmp_path: Path
) -> None:
    from indexer.cli.report import run_report

    documents = f"{server}/collections/claims/documents/{{id}}"
    run_report(claims_index.settings, "claims", tmp_path, documents)
    index = tmp_path / "index.html"
    page, seen = open_page(browser, ("file://", f"{server}/collections/claims/documents/"))
    page.goto(index.as_uri(), wait_until="load")
    rows = page.locator("tbody tr[id^='row-']")
    topics = [{"id": int(r.get_attribute("id")[4:])} for r in rows.all()]
    assert len(topics) >= 5
    assert_charts_rendered(page, topics)
    assert_styled(page)
    local = [index, tmp_path / "corpusmap.css", tmp_path / "plotly.min.js", tmp_path / "report.js"]
    assert sorted(seen.requests) == sorted(p.as_uri() for p in local)
    opened = click_to_document(page)  # the API's document view, as the folder links it
    assert opened.startswith(f"{server}/collections/claims/documents/")
    assert_document_of(server, opened.rsplit("/", 1)[1])
    page.go_back(wait_until="load")
    assert click_to_topic(page).startswith((tmp_path / "topics").as_uri() + "/")
    page.go_back(wait_until="load")
    topics_url = (tmp_path / "topics").as_uri() + "/"
    follow_topic_to_document(page, topics[1]["id"], topics_url, server)
    assert seen.errors == [] and seen.refused == []
    page.close()
