"""The HTML topic report: every topic listed, every view charted and tabled, documents
linked, corpus values escaped, nothing fetched from elsewhere."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from corpusmap.reports.charts import dendrogram_lines
from corpusmap.reports.data import ReportData, choose_interval, nearest_topics, topic_map
from corpusmap.reports.render import render_report, render_topic_report
from corpusmap.reports.templating import SCRIPT, static_text
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicSummary
from corpusmap.topics.breakdowns import BinWords, TopicsByClass
from corpusmap.topics.class_time import ClassSeries, TopicsByClassOverTime
from corpusmap.topics.document_map import (
    FLOOR_PARTS,
    MAX_POINTS,
    DocumentMap,
    allocate,
    build_document_map,
    choose_sample,
)
from corpusmap.topics.map_layout import UMAP_LAYOUT
from corpusmap.topics.views import TopicsOverTime, topic_hierarchy
from tests.conftest import ClaimsIndex

TOPICS = [
    TopicSummary(0, "<b>bold</b> label", 3, [("x<y", 0.5)], ["d1"]),
    TopicSummary(1, "battery, electrode", 2, [("battery", 0.4)], []),
    TopicSummary(-1, "outliers", 1, [], []),
]
DOCS = {"d1": {"title": "<script>alert(1)</script>", "text": "a & b"}}


def _script_free(page: str) -> str:
    """The page with its script elements cut out (plotly.js has '<' in it)."""
    return re.sub(r"<script.*?</script>", "", page, flags=re.S)


def test_corpus_values_are_escaped_and_documents_linked():
    page = render_topic_report("c", TOPICS[::2], DOCS, document_url="/docs/{id}")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; label" in page and "x&lt;y" in page
    assert 'href="/docs/d1"' in page and "a &amp; b" in page
    assert "4 documents, 1 topics, 1 outliers (25.0%)" in page


def _full_data() -> ReportData:
    vectors = np.array([[1, 0, 0], [0.6, 0.8, 0]], dtype=np.float32)
    over_time = TopicsOverTime("year", 1, ["2015", "2016"], {0: [1, 2], 1: [2, 0], -1: [0, 0]})
    by_class = TopicsByClass("labels", ["<img src=x>", "World"], 0, {0: [3, 1], 1: [0, 2]})
    return ReportData(
        collection="c",
        topics=TOPICS,
        documents=DOCS,
        over_time=over_time,
        words_by_bin={0: [BinWords("2015", 1, [("golf", 0.5)]), BinWords("2016", 2, [])]},
        by_class=by_class,
        by_class_over_time=TopicsByClassOverTime(
            "labels",
            "year",
            ["2015", "2016"],
            ["<img src=x>", "World"],
            series=[ClassSeries(0, "<img src=x>", [1, 2]), ClassSeries(1, "World", [2, 0])],
        ),
        hierarchy=topic_hierarchy(TOPICS[:2], vectors),
        topic_map={0: (0.0, 1.0), 1: (1.0, 0.0)},
        neighbours=nearest_topics([0, 1], vectors),
        document_map=DocumentMap(
            total=4,
            layout="their first two principal axes",
            ids=["d1", "d2", "d3"],
            titles=["<i>t</i>", "d2", "d3"],
            topics=[0, 1, -1],
            xs=[0.0, 1.0, 0.5],
            ys=[1.0, 0.0, 0.5],
        ),
    )


def chart_traces(page: str, div_id: str) -> list[dict[str, Any]]:
    """The traces a page hands plotly for one chart (parsed from its newPlot call)."""
    call = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(div_id) + r'",\s*', page)
    assert call is not None, div_id
    traces, _ = json.JSONDecoder().raw_decode(page, call.end())
    return list(traces)


def test_the_page_charts_every_view_and_fetches_nothing():
    page = render_report(_full_data(), document_url="/docs/{id}")
    scripts = re.findall(r"<script[^>]*>", page)
    assert all("src=" not in s for s in scripts)  # everything inline, no CDN
    # plotly.js itself names its CDN (for map tiles no chart here uses): the browser test
    # checks that nothing is fetched; here, no element of the page points anywhere.
    assert page.count("Plotly.newPlot") == 7 and "http" not in _script_free(page)
    from plotly.offline import get_plotlyjs_version

    assert page.count(f"plotly.js v{get_plotlyjs_version()}") == 1  # the bundle, once
    for chart in ["sizes", "map", "docmap", "trends", "classes", "hierarchy"]:
        assert f'id="chart-{chart}"' in page and f"id='{chart}'" in page
    traces = chart_traces(page, "chart-docmap")
    assert [t["type"] for t in traces] == ["scattergl"] * 3  # one per topic, WebGL
    assert traces[0]["hovertext"] == [
        "&lt;i&gt;t&lt;/i&gt;<br>id d1<br>0: &lt;b&gt;bold&lt;/b&gt; label"
    ]
    # A click opens a point's document, a bubble's topic section (static/report.js).
    assert [t["customdata"] for t in traces] == [["/docs/d1"], ["/docs/d2"], ["/docs/d3"]]
    assert chart_traces(page, "chart-map")[0]["customdata"] == ["#topic-0", "#topic-1"]
    assert static_text(SCRIPT) in page and "placed by their first two principal" in page


def test_without_scripts_the_tables_carry_every_view():
    text = _script_free(render_report(_full_data()))
    assert "<img src=x>" not in text and "&lt;img src=x&gt;" in text
    assert "3 of 4 documents" in text and 'href="#topic--1"' not in text
    assert "<td>2015</td><td>1</td><td>golf</td>" in text  # words per time bin
    assert "2 topics merged at distance" in text and 'href="#topic-1"' in text  # hierarchy
    assert "Documents per topic per year (table)" in text and "per label (table)" in text
    assert text.count('<svg class="spark"') == 3 + 2  # each table row, each topic section
    assert "cosine 0.60" in text  # topic 0's nearest topic
    assert text.count('class="topic"') == 2  # one section per fitted topic


def test_dendrogram_lines_place_leaves_in_tree_order():
    tree = {
        "id": 4,
        "topics": [1, 2, 3],
        "distance": 0.5,
        "children": [
            {"topic": 3, "label": "c", "size": 1},
            {
                "id": 3,
                "topics": [1, 2],
                "distance": 0.2,
                "children": [
                    {"topic": 1, "label": "a", "size": 1},
                    {"topic": 2, "label": "b", "size": 1},
                ],
            },
        ],
    }
    xs, ys, leaves = dendrogram_lines(tree)
    assert leaves == [3, 1, 2]
    assert len(xs) == len(ys) == 3 * (2 + 1) * 2  # per merge: 2 arms and a spine, 3 points each
    assert max(x for x in xs if x is not None) == 0.5
    assert (0.2, 0.2) in itertools.pairwise(xs)  # the inner merge's spine
    assert ys[-3:-1] == [0.0, 1.5]  # root spine: from leaf 3 to the middle of leaves 1 and 2


def test_interval_map_and_neighbours():
    assert choose_interval([20130101, 20170101]) == "year"
    assert choose_interval([20160101, 20170601, 0]) == "month"
    assert choose_interval([0]) == "year"
    vectors = np.eye(4, dtype=np.float32)[:3]
    coords = topic_map(vectors)
    assert coords.shape == (3, 2)
    distances = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    assert np.allclose(distances[~np.eye(3, dtype=bool)], np.sqrt(2))  # 3 points: a plane
    assert topic_map(vectors[:1]).shape == (1, 2)
    near = nearest_topics([5, 6, 7], np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32))
    assert near[5] == [(6, 0.8), (7, 0.0)] and near[7][0] == (6, 0.6)


def test_index_writes_the_report_and_the_api_serves_it(claims_index: ClaimsIndex):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.routes.reports import BUNDLE_CACHE

    written = Path(claims_index.summary["topics"]["report"]).read_text()
    base = "/collections/claims/report"
    with TestClient(create_app(claims_index.settings)) as client:
        served = client.get(base)
        topics = client.get("/collections/claims/topics").json()
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
        for topic in topics:
            assert f'<tr id="row-{topic["id"]}"><td><a href="{base}/topics/{topic["id"]}">' in (
                served.text
            )
        bundle, script = re.findall(r"<script[^>]*src=\"([^\"]+)\"", served.text)
        assert bundle.startswith(f"{base}/plotly.min.js?v=") and script == "/static/report.js"
        assert client.get(script).headers["content-type"].startswith("text/javascript")
        script = client.get(bundle)
        assert script.status_code == 200 and script.headers["cache-control"] == BUNDLE_CACHE
        assert script.headers["content-type"].startswith("text/javascript")
        assert client.get("/collections/nope/report").status_code == 404
        emerging = client.get("/collections/claims/topics/emerging").json()
    section = served.text.split("<section id='emerging'>")[1].split("</section>")[0]
    rising = [t for t in emerging["topics"] if t["emerging"]][:10]
    rows = re.findall(r'<a href="[^"]+/topics/(-?\d+)">', section)
    assert [int(r) for r in rows] == [t["topic"] for t in rising]  # the API's ranking
    assert ("No topic grew significantly" in section) == (not rising)
    assert "/ui/collections/claims/documents/" in written  # the app's page, not raw JSON
    fitted = sum(1 for t in topics if t["id"] != -1)
    assert written.count('class="topic"') == fitted and "Words per time bin" in written
    assert re.findall(r"<script[^>]*src=", written) == []  # the one page inlines plotly.js
    for page in (written, served.text):
        assert page.count("Plotly.newPlot") == 7  # every view: the claims have dates and CPC
        assert "per CPC section (table)" in page and "1100 of 1100 documents" in page


def test_the_api_serves_a_page_per_topic(claims_index: ClaimsIndex):
    from fastapi.testclient import TestClient

    from api.main import create_app

    base = "/collections/claims/report/topics"
    with TestClient(create_app(claims_index.settings)) as client:
        topics = {t["id"] for t in client.get("/collections/claims/topics").json()}
        for topic_id in topics:
            page = client.get(f"{base}/{topic_id}")
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert f"Topic {topic_id}: " in page.text and "Representative documents" in page.text
            assert "href='/collections/claims/report'>All topics" in page.text
            linked = {int(i) for i in re.findall(rf"href=[\"']{base}/(-?\d+)[\"']", page.text)}
            assert linked and linked <= topics - {topic_id}  # neighbours, previous, next
            assert "chart-trend" in page.text and "CPC section" in page.text  # trend, classes
            assert ("Nearest topics" in page.text) == (topic_id != -1)
        doc_link = page.text.split('<p class="doc"><a href="')[1].split('"')[0]
        app_page = "/ui/collections/claims/documents/"  # the app's document page
        assert doc_link.startswith(app_page)
        doc_id = doc_link.removeprefix(app_page)
        assert client.get(f"/collections/claims/documents/{doc_id}").json()["topic"] == topic_id
        missing = client.get(f"{base}/9999")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "collection 'claims' has no topic 9999"
        assert client.get(f"{base}/-2").status_code == 422
        assert client.get("/collections/nope/report/topics/0").status_code == 404


def test_the_map_sample_has_a_floor_per_topic_and_keeps_to_the_cap():
    sizes = {0: 60_000, 1: 30_000, 2: 9_990, 3: 10}
    counts = allocate(sizes, MAX_POINTS)
    assert sum(counts.values()) == MAX_POINTS and counts[3] == 10  # a small topic shows
    assert counts[0] > counts[1] > counts[2] > counts[3]
    floor = MAX_POINTS // (FLOOR_PARTS * len(sizes))
    assert abs((counts[0] - floor) / (counts[1] - floor) - 2) < 0.02  # the rest by size
    assert allocate({0: 3, 1: 2}, 10) == {0: 3, 1: 2}  # under the cap: every document
    assert allocate({t: 5 for t in range(8)}, 4) == {0: 1, 1: 1, 2: 1, 3: 1}
    docs = [(f"doc{i}", i % 7 - 1) for i in range(20_000)]
    chosen = choose_sample(docs, 700)
    assert len(chosen) == 700 and {t for _, t in chosen} == set(range(-1, 6))
    assert sorted(choose_sample(docs[::-1], 700)) == sorted(chosen)  # by id, not by order


def test_the_document_map_of_a_stored_collection(claims_store: MilvusStore):
    fields = ["doc_id", "topic"]
    rows = [
        r for b in claims_store.iter_rows("claims", fields, expression="passage == 0") for r in b
    ]
    doc_topics = [(r["doc_id"], r["topic"]) for r in rows]
    points = build_document_map(claims_store, "claims", doc_topics, cap=300)
    assert points is not None and points.total == 1100 and len(points.ids) == 300
    assert set(points.topics) == {t for _, t in doc_topics}  # every topic, outliers too
    assert points.layout == UMAP_LAYOUT and len(set(points.ids)) == 300
    by_id = dict(doc_topics)
    assert all(by_id[i] == t for i, t in zip(points.ids, points.topics, strict=True))
    again = build_document_map(claims_store, "claims", doc_topics[::-1], cap=300)
    assert again is not None and (again.ids, again.xs, again.ys) == (
        points.ids,
        points.xs,
        points.ys,
    )


def _links(page: str) -> list[str]:
    return re.findall(r"""(?:href|src)=["']([^"'#]+)""", _script_free(page)) + re.findall(
        r"<script[^>]*src=[\"']([^\"']+)", page
    )


def test_report_folder_pages_link_to_files_that_exist(claims_index: ClaimsIndex, tmp_path: Path):
    from indexer.cli.report import run_report

    folder = tmp_path / "report"
    (folder / "topics").mkdir(parents=True)
    (folder / "topics" / "99.html").write_text("left from an earlier report")
    summary = run_report(claims_index.settings, "claims", folder, "https://x.test/d/{id}")
    index = (folder / "index.html").read_text()
    ids = [int(i) for i in re.findall(r'<tr id="row-(-?\d+)">', index)]
    pages = {p.name for p in (folder / "topics").iterdir()}
    assert pages == {f"{i}.html" for i in ids} and len(ids) == summary["topic_pages"] >= 5
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000
    documents = 0
    for path in [folder / "index.html", *(folder / "topics").iterdir()]:
        page = path.read_text()
        scripts = re.findall(r"<script[^>]*src=[\"']([^\"']+)", page)
        overview = ["plotly.min.js", "report.js"]
        assert scripts == (overview if path.name == "index.html" else ["../plotly.min.js"])
        assert len(page) < 400_000  # the bundle is not inlined
        for link in _links(page):
            if link.startswith("https://x.test/d/"):
                documents += 1
                continue
            if link == "data:,":  # the empty icon: no favicon request
                continue
            assert "://" not in link and (path.parent / link).resolve().is_file(), (path, link)
    assert documents >= 5
    traces = chart_traces(index, "chart-docmap")
    assert sum(len(t["x"]) for t in traces) == min(1100, MAX_POINTS)
    assert len(traces) == len(ids)  # every topic, outliers included
    assert summary["documents_on_map"] == 1100
