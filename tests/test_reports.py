"""The HTML topic report: every topic listed, documents linked, corpus values escaped."""

from __future__ import annotations

from corpusmap.reports import render_topic_report
from corpusmap.topic_store import TopicSummary
from tests.conftest import ClaimsIndex


def test_corpus_values_are_escaped_and_documents_linked():
    topics = [
        TopicSummary(0, "<b>bold</b> label", 3, [("x<y", 0.5)], ["d1"]),
        TopicSummary(-1, "outliers", 1, [], []),
    ]
    docs = {"d1": {"title": "<script>alert(1)</script>", "text": "a & b"}}
    page = render_topic_report("c", topics, docs, document_url="/docs/{id}")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; label" in page and "x&lt;y" in page
    assert 'href="/docs/d1"' in page and "a &amp; b" in page
    assert "4 documents, 1 topics, 1 outliers (25.0%)" in page


def test_index_writes_the_report_and_the_api_serves_it(claims_index: ClaimsIndex):
    from fastapi.testclient import TestClient

    from api.main import create_app

    written = claims_index.settings.report_path("claims").read_text()
    with TestClient(create_app(claims_index.settings)) as client:
        served = client.get("/collections/claims/report")
        topics = client.get("/collections/claims/topics").json()
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
        for topic in topics:
            assert f'id="row-{topic["id"]}"' in served.text
        doc_link = served.text.split('<p class="doc"><a href="')[1].split('"')[0]
        assert client.get(doc_link).status_code == 200
        assert client.get("/collections/nope/report").status_code == 404
    assert written.count("<section") == sum(1 for t in topics if t["id"] != -1)
