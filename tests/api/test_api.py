"""The HTTP API over the real claims index: answers, 404s and 4xx, never a 500."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.conftest import CLAIM_FILES


@pytest.fixture(scope="module")
def claim() -> pd.Series:
    return pd.read_csv(CLAIM_FILES[1], dtype={"id": str}).iloc[7]


def search(client: TestClient, **body: object):
    return client.post("/collections/claims/search", json=body)


def test_health_and_collections(client: TestClient):
    assert client.get("/health").json()["status"] == "ok"
    (info,) = client.get("/collections").json()
    assert info["name"] == "claims" and info["documents"] == 1100
    assert info["model"] == "minilm" and info["dimension"] == 384 and info["topics"] >= 2
    assert client.get("/collections/claims").json() == info


def test_search_finds_a_claim_by_its_text(client: TestClient, claim: pd.Series):
    response = search(client, query=claim["text"], top_k=5)
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert len(hits) == 5 and hits[0]["id"] == claim["id"]
    first = hits[0]
    assert first["date"] == str(claim["date"])[:10]
    assert first["topic_label"] is not None or first["topic"] == -1
    assert first["snippet"] and first["cpc"]


def test_search_filters(client: TestClient):
    hits = search(
        client,
        query="semiconductor device",
        top_k=30,
        cpc=["h01l"],
        date_from="2016-01-01",
        date_to="2016-12-31",
    ).json()["hits"]
    assert hits
    for hit in hits:
        assert "H01L" in hit["cpc"] and hit["date"].startswith("2016")
    topic = hits[0]["topic"]
    scoped = search(client, query="semiconductor device", top_k=10, topic=topic).json()["hits"]
    assert scoped and all(h["topic"] == topic for h in scoped)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "x", "top_k": 0},
        {"query": "x", "top_k": 101},
        {"query": "x", "top_k": "ten"},
        {"query": "x", "top_k": "10"},
        {"query": "x", "top_k": True},
        {"query": "x", "top_k": 10.5},
        {"query": "x", "topic": "1"},
        {"query": "x", "topic": False},
        {"query": ""},
        {"query": "   "},
        {"top_k": 5},
        {"query": "x", "date_from": "2016-13-45"},
        {"query": "x", "date_from": "2017-01-01", "date_to": "2016-01-01"},
        {"query": "x", "cpc": "G06F16/00"},
        {"query": "x", "cpc": "G06F"},  # a list is an array, as the schema says
        {"query": "x", "labels": "AAA"},
        {"query": "x", "date_from": 20160101},
        {"query": "\u3000\t"},
        {"query": "x", "cpc": ['A61K" or id != "']},
        {"query": "x", "unknown": 1},
        {"query": "x" * 5000},
    ],
)
def test_bad_search_parameters_get_422_with_a_message(client: TestClient, body: dict):
    response = search(client, **body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_malformed_json_is_a_4xx(client: TestClient):
    response = client.post(
        "/collections/claims/search",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_a_body_that_is_not_text_is_400(client: TestClient):
    response = client.post(
        "/collections/claims/search",
        content=b'{"query": "\xff"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/collections/nope",
        "/collections/nope/topics",
        "/collections/bad%20name%22/topics",
        "/collections/claims/topics/9999",
        "/collections/claims/documents/0000000",
        '/collections/claims/documents/x" or id != "',
        "/collections/claims__topics",
    ],
)
def test_unknown_things_are_404(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert response.json()["detail"]


def test_search_unknown_collection_is_404(client: TestClient):
    response = client.post("/collections/nope/search", json={"query": "x"})
    assert response.status_code == 404


def test_topics_list_detail_and_documents(client: TestClient):
    topics = client.get("/collections/claims/topics").json()
    assert sum(t["size"] for t in topics) == 1100
    assert abs(sum(t["share"] for t in topics) - 1.0) < 1e-3
    biggest = topics[0]
    assert biggest["id"] != -1 and biggest["keywords"] and biggest["label"]
    detail = client.get(f"/collections/claims/topics/{biggest['id']}").json()
    assert detail["size"] == biggest["size"] and detail["keyword_weights"]
    reps = detail["representative_documents"]
    assert reps and all(r["topic"] == biggest["id"] for r in reps)
    page = client.get(
        f"/collections/claims/topics/{biggest['id']}/documents", params={"limit": 7, "offset": 2}
    ).json()
    assert page["total"] == biggest["size"] and len(page["documents"]) == min(
        7, biggest["size"] - 2
    )
    assert all(d["topic"] == biggest["id"] for d in page["documents"])
    assert client.get("/collections/claims/topics/0/documents?limit=0").status_code == 422


def test_topics_near_a_query(client: TestClient):
    topics = client.get("/collections/claims/topics").json()
    near = client.get("/collections/claims/topics/search", params={"query": topics[0]["label"]})
    assert near.status_code == 200
    found = near.json()
    assert found and all(t["id"] != -1 for t in found)
    assert found == sorted(found, key=lambda t: -t["score"])
    assert client.get("/collections/claims/topics/search").status_code == 422


def test_document_view(client: TestClient, claim: pd.Series):
    doc = client.get(f"/collections/claims/documents/{claim['id']}").json()
    assert doc["id"] == claim["id"] and doc["text"] == claim["text"].strip()
    assert doc["date"] == str(claim["date"])[:10]
    cpc_columns = [c for c in claim.index if len(c) == 4 and c[1:3].isdigit()]
    assert sorted(doc["cpc"]) == sorted(c for c in cpc_columns if claim[c] == 1)


def test_openapi_docs_are_served(client: TestClient):
    schema = client.get("/openapi.json").json()
    assert "/collections/{name}/search" in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_more_like_this_excludes_itself_and_matches_search_by_its_text(client: TestClient):
    # A short claim is one passage, so its document vector is its text's embedding.
    claims = pd.read_csv(CLAIM_FILES[1], dtype={"id": str})
    claim = claims[claims["text"].str.len() < 600].iloc[0]
    similar = client.get(f"/collections/claims/documents/{claim['id']}/similar?top_k=5")
    assert similar.status_code == 200
    ids = [h["id"] for h in similar.json()]
    assert len(ids) == 5 and claim["id"] not in ids
    dense = search(client, query=claim["text"], top_k=6, mode="dense").json()["hits"]
    by_text = [h["id"] for h in dense]
    assert by_text[0] == claim["id"] and ids == by_text[1:]
    scores = [h["score"] for h in similar.json()]
    assert scores == sorted(scores, reverse=True)


def test_more_like_this_with_filters_and_bad_parameters(client: TestClient, claim: pd.Series):
    url = f"/collections/claims/documents/{claim['id']}/similar"
    hits = client.get(url, params={"top_k": 10, "cpc": ["G", "H"], "date_from": "2016-01-01"})
    assert hits.status_code == 200 and hits.json()
    for hit in hits.json():
        assert hit["date"] >= "2016-01-01" and any(c[0] in "GH" for c in hit["cpc"])
    assert client.get(url, params={"top_k": 0}).status_code == 422
    assert client.get(url, params={"cpc": "nonsense"}).status_code == 422
    assert client.get(url, params={"bogus": 1}).status_code == 422
    assert client.get("/collections/claims/documents/nope/similar").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/collections/claims/topics/99999999999999999999",
        "/collections/claims/topics/-5",
        "/collections/claims/topics/0/documents?offset=99999",
    ],
)
def test_out_of_range_numbers_are_422(client: TestClient, path: str):
    assert client.get(path).status_code == 422


@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_each_search_mode_with_filters_and_topic_facets(client: TestClient, mode: str):
    response = search(client, query="golf ball core", top_k=20, mode=mode, date_from="2014-01-01")
    assert response.status_code == 200, response.text
    body = response.json()
    hits = body["hits"]
    # BM25 only returns documents sharing a term with the query (16 claims here).
    assert body["mode"] == mode and (len(hits) == 20 if mode != "keyword" else 0 < len(hits) <= 20)
    assert all(h["date"] >= "2014-01-01" for h in hits)
    facets = body["topics"]
    assert sum(f["count"] for f in facets) == len(hits)
    counted: dict[int, int] = {}
    for hit in body["hits"]:
        counted[hit["topic"]] = counted.get(hit["topic"], 0) + 1
    assert {f["topic"]: f["count"] for f in facets} == counted
    assert [f["count"] for f in facets] == sorted((f["count"] for f in facets), reverse=True)


def test_keyword_mode_matches_a_rare_exact_term(client: TestClient):
    claims = pd.read_csv(CLAIM_FILES[0], dtype={"id": str})
    with_term = set(claims.loc[claims["text"].str.contains("broadhead", case=False), "id"])
    hits = search(client, query="broadhead", top_k=5, mode="keyword").json()["hits"]
    assert with_term and hits and {h["id"] for h in hits} <= with_term


def test_unknown_mode_is_422(client: TestClient):
    assert search(client, query="x", mode="fuzzy").status_code == 422


def test_label_and_metadata_filters_are_safe_over_http(client: TestClient):
    # The claims carry no labels: any label filter, however crafted, matches nothing.
    for label in ["A61K", 'x" or id != "', "a') or ('1'='1"]:
        response = search(client, query="engine", labels=[label])
        assert response.status_code == 200 and response.json()["hits"] == []
    assert search(client, query="engine", labels=["bell\x07"]).status_code == 422
    # No metadata field is on this server's allowlist.
    refused = search(client, query="engine", metadata={"category": "x"})
    assert refused.status_code == 422 and "CORPUSMAP_METADATA_FILTER_FIELDS" in refused.text
    # The core's refusal has the shape the schema documents for every 422.
    (error,) = refused.json()["detail"]
    assert error["type"] == "invalid_query" and "category" in error["msg"]
    assert refused.json()["error"] == "UnsafeFilterValueError"
