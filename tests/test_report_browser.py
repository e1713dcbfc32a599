"""The topic report in a real headless Chromium (Debian's `chromium`, driven by
Playwright): the charts render with every request off the page's own origin
refused, no script error is raised, and a reader clicks from a topic to a document.

Skipped, saying why, when no Chromium binary is found (`.ci/run` installs Debian's
`chromium`; set CORPUSMAP_CHROMIUM to use another binary).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from corpusmap.report_charts import VISIBLE_TRENDS
from tests.conftest import ClaimsIndex

CHART_IDS = ["chart-sizes", "chart-map", "chart-trends", "chart-classes", "chart-hierarchy"]
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
    import uvicorn

    from api.main import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(claims_index.settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@dataclass
class Watched:
    """What a page did: script errors, and requests it made or was refused."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def open_page(browser: Any, allowed_prefix: str) -> tuple[Any, Watched]:
    """A new page that refuses (and records) every request not starting with the prefix."""
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
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5")
    for chart in CHART_IDS:
        assert page.locator(f"#{chart}.js-plotly-plot svg.main-svg").count() >= 1, chart
    assert page.locator("#chart-sizes .bars .point").count() == len(topics)
    assert page.locator("#chart-map .scatterlayer .point").count() == len(fitted)
    assert page.locator("#chart-trends .legend .traces").count() == len(topics)
    shown = min(VISIBLE_TRENDS, len(topics))  # the rest wait, hidden, in the legend
    assert page.locator("#chart-trends .scatterlayer .trace").count() == shown
    assert page.locator("#chart-classes .hm image").count() == 1
    assert page.locator("#chart-hierarchy .ytick").count() == len(fitted)
    ticks = page.locator("#chart-sizes .ytick text").all_text_contents()
    assert sorted(int(t.split(":")[0]) for t in ticks) == sorted(t["id"] for t in topics)


def test_served_report_renders_offline_and_links_topics_to_documents(
    browser: Any, server: str
) -> None:
    import httpx

    topics = httpx.get(f"{server}/collections/claims/topics").json()
    page, seen = open_page(browser, server)
    response = page.goto(f"{server}/collections/claims/report", wait_until="load")
    assert response is not None and response.status == 200
    assert_charts_rendered(page, topics)
    assert not [u for u in seen.requests if u.endswith(".js")]  # plotly.js is inlined

    topic = topics[0]["id"]
    page.click(f"#row-{topic} a")
    assert page.url.endswith(f"#topic-{topic}")
    section = page.locator(f"#topic-{topic}")
    assert section.is_visible() and section.bounding_box()["y"] < 100  # scrolled to it
    link = section.locator("p.doc a").first
    doc_id = link.get_attribute("href").rsplit("/", 1)[1]
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    document = navigation.value.json()
    assert document["id"] == doc_id and document["topic"] == topic
    assert seen.errors == [] and seen.refused == []
    page.close()


def test_written_report_file_renders_with_no_network(browser: Any, claims_index: ClaimsIndex):
    path = Path(claims_index.summary["topics"]["report"])
    page, seen = open_page(browser, "file://")
    page.goto(path.as_uri(), wait_until="load")
    rows = page.locator("tbody tr[id^='row-']")
    topics = [{"id": int(r.get_attribute("id")[4:])} for r in rows.all()]
    assert len(topics) >= 5
    assert_charts_rendered(page, topics)
    assert seen.errors == [] and seen.refused == [] and seen.requests == [path.as_uri()]
    page.close()
