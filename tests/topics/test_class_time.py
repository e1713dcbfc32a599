"""Topics by class over time: counts per topic x class x bin that add up to the per-class
and per-bin views, in the core and over the API on the real claims index."""

from __future__ import annotations

from fastapi.testclient import TestClient

from corpusmap.topics.class_time import ClassSeries, topics_by_class_over_time


def test_counts_per_topic_class_and_bin_with_several_classes_and_gaps():
    rows = [
        {"date": 20100105, "topic": 1, "labels": ["A", "G"]},
        {"date": 20120301, "topic": 1, "labels": ["G"]},
        {"date": 20120302, "topic": 0, "labels": ["G"]},
        {"date": 0, "topic": 0, "labels": ["A"]},
        {"date": 20120302, "topic": 0, "labels": []},
    ]
    view = topics_by_class_over_time(rows, "labels", "year", topics=[0, 1])
    assert view.bins == ["2010", "2011", "2012"] and view.classes == ["G", "A"]
    assert (view.undated, view.unclassified) == (1, 1)
    assert view.series == [
        ClassSeries(0, "G", [0, 0, 1]),
        ClassSeries(1, "G", [1, 0, 1]),
        ClassSeries(1, "A", [1, 0, 0]),
    ]


def test_the_api_adds_up_to_the_per_class_view(client: TestClient):
    response = client.get("/collections/claims/topics/by-class-over-time")
    assert response.status_code == 200, response.text
    view = response.json()
    by_class = client.get("/collections/claims/topics/by-class").json()
    over_time = client.get("/collections/claims/topics/over-time").json()
    assert view["field"] == by_class["field"] == "cpc_sections" and view["undated"] == 0
    assert view["classes"] == by_class["classes"] and view["bins"] == over_time["bins"]
    totals = {(s["topic"], s["class_name"]): sum(s["counts"]) for s in view["series"]}
    for row in by_class["series"]:
        for name, count in zip(by_class["classes"], row["counts"], strict=True):
            assert totals.get((row["topic"], name), 0) == count
    bad = client.get("/collections/claims/topics/by-class-over-time", params={"field": "x"})
    assert bad.status_code == 422
