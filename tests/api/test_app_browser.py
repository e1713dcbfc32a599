"""The browser app in a real headless Chromium (Playwright driving Debian's chromium),
every request off the app's origin refused: an analyst lands on `/`, searches, sees the
query's words marked, narrows by a facet, pages on, exports CSV, opens a document, its
similar documents and prior art, its topic, and searches within that topic. Hostile
ids and titles round-trip through every link. Screenshots of each step go to
tests/.screenshots/ (git-ignored), so a failure can be looked at.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from corpusmap.config import Settings
from tests.conftest import ClaimsIndex
from tests.helpers.servers import serve
from tests.reports.test_report_browser import browser, open_page

__all__ = ["browser"]  # the fixture, imported to be used here
SHOTS = Path(__file__).resolve().parents[1] / ".screenshots"
HOSTILE_IDS = ["a/b", "x#y", "q?z=1", "100%", "../up", 'it\'s "quoted"', "<b>id</b>"]
HOSTILE_TITLE = "<script>alert('title')</script> golf club"


@pytest.fixture(scope="module")
def app_server(claims_index: ClaimsIndex) -> Iterator[str]:
    with serve(claims_index.settings) as url:
        yield url


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def hit_ids(page: Any) -> list[str]:
    """The ids of the hits shown (near-duplicates folded under them left out)."""
    return page.locator("ol.hits > li.hit > p.muted > span.id").all_text_contents()


def test_an_analyst_searches_narrows_pages_exports_and_follows_documents(
    browser: Any, app_server: str, tmp_path: Path
) -> None:
    page, seen = open_page(browser, app_server)
    page.goto(f"{app_server}/", wait_until="load")
    shot(page, "01-landing")
    page.fill("input[name=q]", "golf club head")
    with page.expect_navigation():
        page.click("form[role=search] button")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["golf club head"]
    shot(page, "02-search")
    marks = [m.lower() for m in page.locator("ol.hits mark").all_text_contents()]
    assert "golf" in marks and "head" in marks
    first_page = hit_ids(page)
    assert len(first_page) >= 10

    narrow_by_facet(page)
    shot(page, "03-facet")
    page_forward(page)
    shot(page, "04-next-page")
    export_matches_the_search(page, app_server, tmp_path)
    follow_a_document(page, app_server)
    assert seen.errors == [] and seen.refused == []
    page.close()


def narrow_by_facet(page: Any) -> None:
    """Click a CPC subclass facet: every hit then has that code, and no more match."""
    facet = page.locator("section.facet", has_text="CPC subclasses").locator("li").first
    code = facet.locator("a").text_content() or ""
    shown = int(facet.locator(".count").text_content() or "0")
    before = _counted(page)
    with page.expect_navigation():
        facet.locator("a").click()
    assert parse_qs(urlsplit(page.url).query)["cpc"] == [code]
    assert shown <= _counted(page) <= before
    for facts in page.locator("ol.hits > li.hit .muted").all_text_contents():
        assert code in facts


def _counted(page: Any) -> int:
    text = page.locator("aside.facets > p").text_content() or ""
    return int(text.split("best ")[1].split(" ")[0].replace(",", ""))


def page_forward(page: Any) -> None:
    """Next shows the hits after the first page, numbered on."""
    first = hit_ids(page)
    with page.expect_navigation():
        page.click("nav.pager a[rel=next]")
    assert parse_qs(urlsplit(page.url).query)["offset"] == ["20"]
    assert page.locator("ol.hits").get_attribute("start") == "21"
    assert not set(hit_ids(page)) & set(first)
    with page.expect_navigation():
        page.click("nav.pager a[rel=prev]")
    assert hit_ids(page) == first


def export_matches_the_search(page: Any, server: str, tmp_path: Path) -> None:
    """The CSV download holds the search's hits in order: the page's first, and as many
    rows as the search has candidates."""
    shown, counted = hit_ids(page), _counted(page)
    with page.expect_download() as download:
        page.click("text=CSV")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == counted
    page_ids = [r["id"] for r in rows][:20]  # a page of 20, duplicates folded on it
    assert [i for i in page_ids if i in shown] == shown
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))


def follow_a_document(page: Any, server: str) -> None:
    """A hit opens its document page; its prior art is all earlier; its topic opens;
    "search within this topic" finds only that topic's documents."""
    with page.expect_navigation():
        page.locator("ol.hits > li.hit h3 a").first.click()
    shot(page, "05-document")
    assert "/ui/collections/claims/documents/" in page.url
    assert page.locator("#similar li").count() >= 1
    date = (page.locator(".facts").text_content() or "").split("·")[1].strip()
    earlier = page.locator("#prior-art ul.related > li .muted").all_text_contents()
    for facts in earlier:
        assert dt.date.fromisoformat(facts.split("·")[1].strip()) < dt.date.fromisoformat(date)
    topic_link = page.locator("text=search within this topic")
    topic = parse_qs(urlsplit(topic_link.get_attribute("href") or "").query)["topic"][0]
    with page.expect_navigation():
        page.click("#similar ul.related > li a >> nth=0")
    shot(page, "06-similar")
    page.go_back()
    with page.expect_navigation():
        topic_link.click()
    page.fill("input[name=q]", "a device")
    with page.expect_navigation():
        page.click("form.search button")
    shot(page, "07-within-topic")
    hits = httpx.post(
        f"{server}/collections/claims/search",
        json={"query": "a device", "topic": int(topic), "top_k": 20, "facets": True},
    ).json()["hits"]
    shown = hit_ids(page)
    assert shown and shown[0] == hits[0]["id"] and set(shown) <= {h["id"] for h in hits}
    assert all(h["topic"] == int(topic) for h in hits)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small collection whose ids and titles hold HTML, quotes and URL characters."""
    from indexer.cli.commands import IndexOptions, run_index

    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "hostile.jsonl"
    lines = [
        {
            "id": i,
            "title": HOSTILE_TITLE,
            "text": f"A golf club head number {n} with a shaft.",
            "date": f"201{n % 10}-01-0{1 + n % 9}",
        }
        for n, i in enumerate(HOSTILE_IDS)
    ]
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    settings = Settings(data_dir=folder / "data", milvus_uri="")
    run_index(
        settings,
        IndexOptions(
            sources=[str(corpus)],
            collection="hostile",
            id_field="id",
            text_fields=["text"],
            date_field="date",
            title_field="title",
            fit_topics=False,
        ),
    )
    with serve(settings) as url:
        yield url


def test_hostile_ids_and_titles_round_trip_through_every_link(
    browser: Any, hostile_server: str
) -> None:
    page, seen = open_page(browser, hostile_server)
    page.on("dialog", lambda dialog: seen.errors.append(f"dialog: {dialog.message}"))
    query = "golf <img src=x onerror=alert(1)>"
    page.goto(f"{hostile_server}/ui/collections/hostile/search?{urlencode({'q': query})}")
    shot(page, "08-hostile-search")
    assert page.input_value("input[name=q]") == query
    assert sorted(hit_ids(page)) == sorted(HOSTILE_IDS)
    for doc_id in HOSTILE_IDS:
        link = page.locator("ol.hits > li.hit", has_text=doc_id).locator("h3 a").first
        with page.expect_navigation():
            link.click()
        assert page.locator(".facts .id").text_content() == doc_id
        assert page.locator("h1").text_content() == HOSTILE_TITLE
        page.go_back()
    assert seen.errors == [] and seen.refused == []
    page.close()
