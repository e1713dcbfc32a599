"""Topic words per time bin and topics per class: pure counting, then HTTP over the
real claims index, checked against the claim files themselves."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from corpusmap.topics.breakdowns import (
    bin_words,
    count_bin_terms,
    pick_class_field,
    topics_by_class,
    words_over_time,
)
from corpusmap.topics.words import analyze, stop_words
from tests.conftest import CLAIM_FILES

# -- words per time bin -------------------------------------------------------------------
ROWS = [
    {"topic": 0, "date": 20130105, "passage": 0, "text": "A golf club head, said housing."},
    {"topic": 0, "date": 20130105, "passage": 1, "text": "The golf club shaft."},
    {"topic": 0, "date": 20130620, "passage": 0, "text": "Golf club grip."},
    {"topic": 0, "date": 20140101, "passage": 0, "text": "Battery electrode housing."},
    {"topic": 0, "date": 20140707, "passage": 0, "text": "Lithium battery electrode."},
    {"topic": 0, "date": 0, "passage": 0, "text": "Undated turbine blade."},
    {"topic": 1, "date": 20130101, "passage": 0, "text": "Antibody binding protein."},
]


def test_each_bins_words_come_from_its_own_documents_only():
    counts = count_bin_terms(ROWS, "year")
    bins = words_over_time(counts, 0)
    assert [(b.bin, b.documents) for b in bins] == [
        ("2013", 2),
        ("2014", 2),
    ]  # passage 1 not counted
    assert counts.undated[0] == 1 and counts.undated[1] == 0
    words = {b.bin: [w for w, _ in b.words] for b in bins}
    assert words["2013"][:3] == ["club", "golf", "golf club"]  # 3 uses each; ties by name
    assert not {"battery", "electrode", "lithium"} & set(words["2013"])
    assert not {"golf", "club", "grip"} & set(words["2014"])
    assert "turbine" not in words["2013"] + words["2014"]  # undated text is in no bin
    assert not stop_words() & {t for w in words.values() for term in w for t in term.split()}
    assert "antibody" not in words["2013"]  # another topic's word, same year


def test_a_word_shared_by_all_bins_ranks_below_a_bin_specific_one():
    # "housing" is used once in 2013 and once in 2014; "grip" once, in 2013 only.
    weights = dict(words_over_time(count_bin_terms(ROWS, "year"), 0, top_n=50)[0].words)
    assert weights["grip"] > weights["housing"] > 0


def test_bin_words_weights_by_hand():
    from collections import Counter

    terms = {"2013": Counter({"a": 3, "b": 1}), "2014": Counter({"a": 1, "c": 3})}
    first, second = bin_words(terms, {"2013": 2, "2014": 1})
    mean = 4.0  # terms per bin
    assert first.words[0] == ("a", round(3 / 4 * math.log(1 + mean / 4), 6))
    assert dict(first.words)["b"] == round(1 / 4 * math.log(1 + mean / 1), 6)
    assert second.words[0][0] == "c" and (second.bin, second.documents) == ("2014", 1)


def test_words_by_month():
    bins = words_over_time(count_bin_terms(ROWS, "month"), 0)
    assert [b.bin for b in bins] == ["2013-01", "2013-06", "2014-01", "2014-07"]
    assert "grip" in dict(bins[1].words) and "grip" not in dict(bins[0].words)


# -- topics per class ---------------------------------------------------------------------
DOCS: list[dict[str, Any]] = [
    {"topic": 0, "cpc_sections": ["A", "G"], "cpc": ["A63B", "G06F"], "labels": []},
    {"topic": 0, "cpc_sections": ["A"], "cpc": ["A63B"], "labels": []},
    {"topic": 1, "cpc_sections": ["G"], "cpc": ["G06F"], "labels": []},
    {"topic": 1, "cpc_sections": [], "cpc": [], "labels": []},
]


def test_topics_by_class_counts_a_document_in_each_of_its_classes():
    view = topics_by_class(DOCS, "cpc_sections", topics=[1, 0, 5])
    assert view.classes == ["A", "G"]  # 2 each: ties by name
    assert view.counts == {1: [0, 1], 0: [2, 1], 5: [0, 0]}
    assert view.unclassified == 1
    by_subclass = topics_by_class(DOCS, "cpc")
    assert by_subclass.classes == ["A63B", "G06F"] and list(by_subclass.counts) == [0, 1]
    with pytest.raises(ValueError):
        topics_by_class(DOCS, "colour")  # type: ignore[arg-type]


def test_pick_class_field_prefers_cpc_sections_then_labels():
    assert pick_class_field(DOCS) == "cpc_sections"
    labelled = [{"topic": 0, "cpc_sections": [], "cpc": [], "labels": ["World"]}]
    assert pick_class_field(labelled) == "labels"
    assert pick_class_field([{"topic": 0}]) == "labels"  # nothing: every document unclassified
    assert topics_by_class([{"topic": 0, "labels": None}], "labels").unclassified == 1


# -- HTTP over the real claims index --------------------------------------------------------
@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    """The claim files as read from disk: id, date, text and CPC sections per claim."""
    frame = pd.concat(pd.read_csv(p, dtype={"id": str}) for p in CLAIM_FILES)
    cpc = [c for c in frame.columns if len(c) == 4 and c[0].isalpha() and c[0].isupper()]
    sections = [
        {c[0] for c, v in zip(cpc, row, strict=True) if v == 1} for row in frame[cpc].to_numpy()
    ]
    claims = frame[["id", "date", "text"]].assign(sections=sections)
    return claims.drop_duplicates("id").set_index("id")


def test_by_class_matches_the_cpc_columns_of_the_claim_files(
    client: TestClient, claims: pd.DataFrame
):
    response = client.get("/collections/claims/topics/by-class")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["field"] == "cpc_sections" and view["unclassified"] == 0
    expected = pd.Series([s for row in claims["sections"] for s in row]).value_counts()
    totals = {c: sum(s["counts"][i] for s in view["series"]) for i, c in enumerate(view["classes"])}
    assert totals == expected.to_dict()
    topics = client.get("/collections/claims/topics").json()
    assert [s["topic"] for s in view["series"]] == [t["id"] for t in topics]
    for series, topic in zip(view["series"], topics, strict=True):
        assert sum(series["counts"]) >= topic["size"]  # every claim has a section, some several


def test_by_class_by_subclass_and_bad_field(client: TestClient):
    view = client.get("/collections/claims/topics/by-class", params={"field": "cpc"}).json()
    assert view["field"] == "cpc" and all(len(c) == 4 for c in view["classes"])
    assert client.get("/collections/claims/topics/by-class?field=colour").status_code == 422
    assert client.get("/collections/nope/topics/by-class").status_code == 404


def _topic_documents(client: TestClient, topic: int) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    while page := client.get(
        f"/collections/claims/topics/{topic}/documents", params={"offset": len(docs), "limit": 100}
    ).json()["documents"]:
        docs.extend(page)
    return docs


def test_words_over_time_come_from_the_documents_of_each_year(
    client: TestClient, claims: pd.DataFrame
):
    topic = client.get("/collections/claims/topics").json()[-2]  # the smallest fitted topic
    response = client.get(f"/collections/claims/topics/{topic['id']}/words-over-time")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["label"] == topic["label"] and view["interval"] == "year"
    per_year: dict[str, set[str]] = {}
    for doc in _topic_documents(client, topic["id"]):
        per_year.setdefault(doc["date"][:4], set()).update(analyze(claims.loc[doc["id"], "text"]))
    assert [b["bin"] for b in view["bins"]] == sorted(per_year)
    assert sum(b["documents"] for b in view["bins"]) + view["undated"] == topic["size"]
    for year in view["bins"]:
        words = [w["word"] for w in year["words"]]
        assert len(words) == 8 and set(words) <= per_year[year["bin"]], year["bin"]
        weights = [w["weight"] for w in year["words"]]
        assert weights == sorted(weights, reverse=True) and weights[-1] > 0


def test_words_over_time_by_month_and_bad_requests(client: TestClient):
    path = "/collections/claims/topics/0/words-over-time"
    view = client.get(path, params={"interval": "month", "top_n": 3}).json()
    assert all(len(b["bin"]) == 7 and len(b["words"]) <= 3 for b in view["bins"])
    assert client.get(path, params={"top_n": 0}).status_code == 422
    assert client.get("/collections/claims/topics/999/words-over-time").status_code == 404
    assert client.get("/collections/nope/topics/0/words-over-time").status_code == 404
