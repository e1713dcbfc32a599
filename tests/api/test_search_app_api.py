"""The API behind the app: paging, facets over the best candidates, notes on filters a
collection cannot satisfy, export, prior art, and ids with '/' reachable."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient


def _search(client: TestClient, **body: object) -> dict:
    response = client.post("/collections/claims/search", json={"query": "golf club"} | body)
    assert response.status_code == 200, response.text
    return response.json()


def test_offset_pages_through_one_ranking(client: TestClient):
    whole = [h["id"] for h in _search(client, top_k=30)["hits"]]
    second = _search(client, top_k=10, offset=10)
    assert second["offset"] == 10 and [h["id"] for h in second["hits"]] == whole[10:20]


def test_offset_is_a_json_number_as_the_schema_says(client: TestClient):
    # JSON Schema's integer includes 10.0; text and booleans are not numbers.
    assert _search(client, top_k=10, offset=10.0)["offset"] == 10
    for wrong in ("10", True):
        response = client.post(
            "/collections/claims/search", json={"query": "golf", "offset": wrong}
        )
        assert response.status_code == 422 and "offset" in response.text


def test_paging_past_the_depth_is_a_clear_422(client: TestClient):
    response = client.post(
        "/collections/claims/search", json={"query": "golf", "top_k": 100, "offset": 901}
    )
    assert response.status_code == 422 and "offset" in response.text


def test_facets_count_the_best_candidates_not_only_the_page(client: TestClient):
    found = _search(client, query="a device comprising", top_k=5, facets=True, mode="keyword")
    facets = found["facets"]
    assert facets["depth"] == 1000 and facets["counted"] > 5
    assert sum(f["count"] for f in facets["topics"]) == facets["counted"]
    assert {f["value"] for f in facets["cpc_sections"]} <= set("ABCDEFGHY")


def test_a_filter_the_collection_cannot_satisfy_says_why(client: TestClient):
    found = _search(client, labels=["anything"])
    assert found["hits"] == [] and found["notes"] == [
        "this collection has no labels: a labels filter matches no document"
    ]
    assert _search(client, cpc=["A63B"])["notes"] == []


def test_export_streams_the_search_in_order(client: TestClient):
    expected = [h["id"] for h in _search(client, top_k=50, cpc=["A63B"])["hits"]]
    response = client.get(
        "/collections/claims/export", params={"q": "golf club", "top_k": 50, "cpc": "A63B"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == expected
    lines = client.get(
        "/collections/claims/export", params={"q": "golf club", "top_k": 5, "format": "jsonl"}
    ).text.splitlines()
    assert len(lines) == 5


def test_prior_art_is_similar_and_dated_before(client: TestClient):
    newest = max(_search(client, top_k=20)["hits"], key=lambda h: h["date"] or "")
    art = client.get(f"/collections/claims/documents/{newest['id']}/prior-art").json()
    assert art["date"] == newest["date"] and art["hits"]
    assert all(h["date"] < newest["date"] for h in art["hits"])
    assert all(h["score_kind"] == "cosine" for h in art["hits"])


def test_an_id_with_a_slash_is_reachable_encoded(client: TestClient):
    response = client.get("/collections/claims/documents/no%2Fsuch%2Fid")
    assert response.status_code == 404 and "no/such/id" in response.json()["detail"]
    assert client.get("/collections/claims/documents/no%2Fsuch/similar").status_code == 404


def test_docs_pages_load_their_assets_from_the_app(client: TestClient):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(page).text
        assert f"/docs-assets/{asset}" in html and "cdn" not in html.lower()
        assert client.get(f"/docs-assets/{asset}").status_code == 200


def test_the_landing_page_names_the_emerging_topics(client: TestClient):
    ranked = client.get("/collections/claims/topics/emerging").json()
    rising = [t for t in ranked["topics"] if t["emerging"]][:3]
    page = client.get("/").text
    emerging = page.split("class='emerging'>")[1].split("</p>")[0] if rising else ""
    assert [int(t) for t in re.findall(r"/report/topics/(-?\d+)'", emerging)] == [
        t["topic"] for t in rising
    ]
    assert ("class='emerging'" in page) == bool(rising)


def test_an_app_page_that_cannot_be_shown_is_a_page_with_the_status(client: TestClient):
    missing = client.get("/ui/collections/claims/documents/<b>nope</b>")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in missing.text and "&lt;b&gt;nope&lt;/b&gt;" in missing.text
    assert "<b>nope</b>" not in missing.text  # the id is escaped
    no_collection = client.get("/ui/collections/nope/search", params={"q": "golf"})
    assert no_collection.status_code == 404 and "<h1>Not found</h1>" in no_collection.text
    refused = client.get("/ui/collections/claims/topics/changes", params={"from": "x" * 101})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "<h1>Not understood</h1>" in refused.text and "from: String should have" in refused.text
    api = client.get("/collections/claims/documents/nope")  # the JSON API stays JSON
    assert api.status_code == 404 and api.json()["error"] == "DocumentNotFoundError"
