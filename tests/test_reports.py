"""The HTML topic report: every topic listed, every view charted and tabled, documents
linked, corpus values escaped, nothing fetched from elsewhere."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np

from corpusmap.report_charts import dendrogram_lines
from corpusmap.report_data import ReportData, choose_interval, nearest_topics, topic_map
from corpusmap.reports import render_report, render_topic_report
from corpusmap.topic_breakdowns import BinWords, TopicsByClass
from corpusmap.topic_store import TopicSummary
from corpusmap.topic_views import TopicsOverTime, topic_hierarchy
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
        hierarchy=topic_hierarchy(TOPICS[:2], vectors),
        topic_map={0: (0.0, 1.0), 1: (1.0, 0.0)},
        neighbours=nearest_topics([0, 1], vectors),
    )


def test_the_page_charts_every_view_and_fetches_nothing():
    page = render_report(_full_data(), document_url="/docs/{id}")
    scripts = re.findall(r"<script[^>]*>", page)
    assert all("src=" not in s for s in scripts)  # everything inline, no CDN
    # plotly.js itself names its CDN (for map tiles no chart here uses): the browser test
    # checks that nothing is fetched; here, no element of the page points anywhere.
    assert page.count("Plotly.newPlot") == 5 and "http" not in _script_free(page)
    from plotly.offline import get_plotlyjs_version

    assert page.count(f"plotly.js v{get_plotlyjs_version()}") == 1  # the bundle, once
    for chart in ["sizes", "map", "trends", "classes", "hierarchy"]:
        assert f'id="chart-{chart}"' in page and f"id='{chart}'" in page


def test_without_scripts_the_tables_carry_every_view():
    text = _script_free(render_report(_full_data()))
    assert "<img src=x>" not in text and "&lt;img src=x&gt;" in text
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

    written = Path(claims_index.summary["topics"]["report"]).read_text()
    with TestClient(create_app(claims_index.settings)) as client:
        served = client.get("/collections/claims/report")
        topics = client.get("/collections/claims/topics").json()
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
        for topic in topics:
            assert f'id="row-{topic["id"]}"' in served.text
        doc_link = served.text.split('<p class="doc"><a href="')[1].split('"')[0]
        assert client.get(doc_link).status_code == 200
        assert client.get("/collections/nope/report").status_code == 404
    assert written.count('class="topic"') == sum(1 for t in topics if t["id"] != -1)
    for page in (written, served.text):
        assert page.count("Plotly.newPlot") == 5  # every view: the claims have dates and CPC
        assert "per CPC section (table)" in page and "Words per time bin" in page
