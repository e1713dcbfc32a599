"""Topics over time, the topic hierarchy and topic assignment: pure logic and HTTP."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from corpusmap.store.topic_store import TopicSummary
from corpusmap.topics.views import (
    ASSIGN_MIN_SIMILARITY,
    assigned_topic,
    time_bin,
    topic_hierarchy,
    topics_over_time,
)
from tests.conftest import CLAIM_FILES

# -- pure functions ----------------------------------------------------------------------
ROWS = [
    {"date": 20130105, "topic": 0},
    {"date": 20130320, "topic": 1},
    {"date": 20130330, "topic": 1},
    {"date": 20150101, "topic": 0},
    {"date": 20151231, "topic": -1},
    {"date": 0, "topic": 1},
    {"date": 0, "topic": 0},
]


def test_time_bins():
    assert time_bin(20160315, "year") == "2016"
    assert time_bin(20160315, "month") == "2016-03"
    assert time_bin(0, "year") is None and time_bin(0, "month") is None


def test_topics_over_time_by_year_fills_gaps_and_counts_undated():
    view = topics_over_time(ROWS, "year", topics=[1, 0, -1, 7])
    assert view.interval == "year" and view.undated == 2
    assert view.bins == ["2013", "2014", "2015"]
    assert view.counts == {1: [2, 0, 0], 0: [1, 0, 1], -1: [0, 0, 1], 7: [0, 0, 0]}


def test_topics_over_time_by_month_crosses_years():
    view = topics_over_time(ROWS[:5], "month")
    assert view.undated == 0
    assert view.bins[0] == "2013-01" and view.bins[-1] == "2015-12" and len(view.bins) == 36
    assert "2013-12" in view.bins and "2014-01" in view.bins
    assert view.counts[1][2] == 2 and sum(view.counts[1]) == 2
    assert list(view.counts) == [-1, 0, 1]  # topics seen only in rows: by id
    assert sum(map(sum, view.counts.values())) == 5


def test_topics_over_time_of_nothing_dated():
    view = topics_over_time([{"date": 0, "topic": 0}], "year", topics=[0])
    assert view.bins == [] and view.counts == {0: []} and view.undated == 1
    with pytest.raises(ValueError):
        topics_over_time([], "week")  # type: ignore[arg-type]


def _summary(topic_id: int) -> TopicSummary:
    return TopicSummary(topic_id=topic_id, label=f"t{topic_id}", size=10 + topic_id)


def test_hierarchy_merges_the_nearest_centroids_first():
    vectors = np.array([[1, 0, 0], [0.99, 0.14, 0], [0, 0, 1], [0, 0.1, 0.99]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    root = topic_hierarchy([_summary(i) for i in (3, 5, 8, 9)], vectors)
    assert root["id"] == 6 and root["topics"] == [3, 5, 8, 9]
    pairs = sorted(sorted(_leaves(c)) for c in root["children"])
    assert pairs == [[3, 5], [8, 9]]
    assert all(c["distance"] <= root["distance"] for c in root["children"])
    assert root["children"][0]["children"][0] in [
        {"topic": 3, "label": "t3", "size": 13},
        {"topic": 5, "label": "t5", "size": 15},
        {"topic": 8, "label": "t8", "size": 18},
        {"topic": 9, "label": "t9", "size": 19},
    ]


def test_hierarchy_of_one_topic_is_a_leaf():
    leaf = topic_hierarchy([_summary(2)], np.ones((1, 3), dtype=np.float32))
    assert leaf == {"topic": 2, "label": "t2", "size": 12}
    with pytest.raises(ValueError):
        topic_hierarchy([], np.zeros((0, 3), dtype=np.float32))


def test_assigned_topic_threshold():
    near = [(_summary(4), 0.61), (_summary(1), 0.4)]
    assert assigned_topic(near) == 4
    assert assigned_topic([(_summary(4), ASSIGN_MIN_SIMILARITY - 0.01)]) == -1
    assert assigned_topic([]) == -1


def _leaves(node: dict[str, Any]) -> list[int]:
    if "topic" in node:
        return [node["topic"]]
    return [t for c in node["children"] for t in _leaves(c)]


# -- HTTP over the real claims index ---------------------------------------------------------
@pytest.fixture(scope="module")
def topics(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/collections/claims/topics").json()


@pytest.mark.parametrize("interval", ["year", "month"])
def test_over_time_counts_add_up(client: TestClient, topics: list[dict], interval: str):
    response = client.get("/collections/claims/topics/over-time", params={"interval": interval})
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["interval"] == interval
    documents = client.get("/collections/claims").json()["documents"]
    assert sum(sum(s["counts"]) for s in view["series"]) + view["undated"] == documents
    assert view["undated"] == 0  # every claim is dated, so each topic's documents all count
    sizes = {t["id"]: t["size"] for t in topics}
    assert [s["topic"] for s in view["series"]] == [t["id"] for t in topics]
    for series in view["series"]:
        assert len(series["counts"]) == len(view["bins"])
        assert sum(series["counts"]) == sizes[series["topic"]]
    if interval == "year":
        assert view["bins"][0] >= "2013" and view["bins"][-1] <= "2017"


def test_over_time_defaults_to_year_and_rejects_other_intervals(client: TestClient):
    assert client.get("/collections/claims/topics/over-time").json()["interval"] == "year"
    bad = client.get("/collections/claims/topics/over-time", params={"interval": "week"})
    assert bad.status_code == 422


def test_emerging_ranks_every_topic_from_the_counts_over_time(
    client: TestClient, topics: list[dict]
):
    view = client.get("/collections/claims/topics/over-time").json()
    response = client.get("/collections/claims/topics/emerging", params={"window": 1})
    assert response.status_code == 200, response.text
    ranked = response.json()
    assert ranked["window"] == view["bins"][-1:] and ranked["history"][0] == view["bins"][0]
    assert sorted(t["topic"] for t in ranked["topics"]) == sorted(
        t["id"] for t in topics if t["id"] != -1
    )
    counts = {s["topic"]: s["counts"] for s in view["series"]}
    for row in ranked["topics"]:
        assert row["recent"] == counts[row["topic"]][-1]
        assert row["history"] == sum(counts[row["topic"]][:-1])
        assert row["emerging"] == (
            row["p_value"] < 0.01 / len(ranked["topics"]) and row["growth"] > 1
        )
    flags = [row["emerging"] for row in ranked["topics"]]
    assert flags == sorted(flags, reverse=True)  # the emerging ones first
    too_wide = client.get("/collections/claims/topics/emerging", params={"window": 100})
    assert too_wide.status_code == 200 and too_wide.json()["topics"] == []
    assert client.get("/collections/claims/topics/emerging?window=0").status_code == 422


def test_hierarchy_leaves_are_the_topics(client: TestClient, topics: list[dict]):
    response = client.get("/collections/claims/topics/hierarchy")
    assert response.status_code == 200, response.text
    root = response.json()
    expected = sorted(t["id"] for t in topics if t["id"] != -1)
    assert sorted(_leaves(root)) == expected and root["topics"] == expected
    sizes = {t["id"]: t["size"] for t in topics}

    def check(node: dict) -> None:
        if "topic" in node:
            assert node["size"] == sizes[node["topic"]] and node["label"]
            return
        assert len(node["children"]) == 2
        assert node["topics"] == sorted(_leaves(node))
        for child in node["children"]:
            assert child.get("distance", 0.0) <= node["distance"] + 1e-9
            check(child)

    check(root)


def test_assign_a_representative_document_to_its_topic(client: TestClient, topics: list[dict]):
    biggest = topics[0]
    detail = client.get(f"/collections/claims/topics/{biggest['id']}").json()
    rep_id = detail["representative_documents"][0]["id"]
    text = client.get(f"/collections/claims/documents/{rep_id}").json()["text"]
    response = client.post("/collections/claims/topics/assign", json={"text": text, "top_k": 4})
    assert response.status_code == 200, response.text
    assigned = response.json()
    assert assigned["topic"] == biggest["id"] and assigned["label"] == biggest["label"]
    assert len(assigned["topics"]) == 4 and assigned["topics"][0]["id"] == biggest["id"]
    assert assigned["topics"][0]["score"] >= assigned["threshold"]
    scores = [t["score"] for t in assigned["topics"]]
    assert scores == sorted(scores, reverse=True)


def test_assign_a_held_out_claim_returns_three_topics(client: TestClient):
    claim = pd.read_csv(CLAIM_FILES[1], dtype={"id": str}).iloc[3]
    assigned = client.post("/collections/claims/topics/assign", json={"text": claim["text"]})
    assert assigned.status_code == 200 and len(assigned.json()["topics"]) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 20_001},
        {"text": "x", "top_k": 0},
        {"text": "x", "top_k": 11},
        {"text": "x", "top_k": "3"},
        {"text": "x", "top_k": True},
        {"text": "x", "extra": 1},
        {"top_k": 3},
    ],
)
def test_bad_assign_bodies_are_422(client: TestClient, body: dict):
    response = client.post("/collections/claims/topics/assign", json=body)
    assert response.status_code == 422, response.text


def test_assign_takes_post_only(client: TestClient):
    # GET used to reach /topics/{topic_id} and fail there as a bad topic id (422).
    for method in ("GET", "PUT", "DELETE"):
        response = client.request(method, "/collections/claims/topics/assign")
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/collections/nope/topics/over-time"),
        ("get", "/collections/nope/topics/hierarchy"),
        ("post", "/collections/nope/topics/assign"),
        ("get", "/collections/claims__topics/topics/hierarchy"),
    ],
)
def test_unknown_collection_is_404(client: TestClient, method: str, path: str):
    kwargs: dict[str, Any] = {"json": {"text": "battery"}} if method == "post" else {}
    response = client.request(method.upper(), path, **kwargs)
    assert response.status_code == 404, response.text
