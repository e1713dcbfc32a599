"""A document's topic mixture over HTTP: the document endpoint, the mixture facet and
the document page."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest
from fastapi.testclient import TestClient

from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, Partition, load_partition
from tests.conftest import ClaimsIndex


@pytest.fixture(scope="module")
def partition(claims_index: ClaimsIndex) -> Partition:
    registry = BuildRegistry(claims_index.settings.data_dir)
    folder = registry.build_dir("claims", registry.current("claims").build_id)
    loaded = load_partition(folder / TOPICS_FILE)
    assert loaded is not None
    return loaded


def _mixed(partition: Partition) -> str:
    """A document with three topics (two where none has three)."""
    ranked = sorted(partition.mixtures, key=lambda d: (-len(partition.mixtures[d]), d))
    assert len(partition.mixtures[ranked[0]]) >= 2
    return ranked[0]


def test_the_document_endpoint_serves_the_mixture(client: TestClient, partition: Partition):
    doc_id = _mixed(partition)
    doc = client.get(f"/collections/claims/documents/{doc_id}").json()
    labels = {s.topic_id: s.label for s in partition.summaries}
    topics = doc["topics"]
    assert [t["topic"] for t in topics] == [t for t, _ in partition.mixtures[doc_id]]
    assert topics[0]["topic"] == doc["topic"] and topics[0]["label"] == doc["topic_label"]
    assert all(t["label"] == labels[t["topic"]] for t in topics)
    assert sum(t["weight"] for t in topics) == pytest.approx(1.0, abs=1e-3)
    assert [t["weight"] for t in topics] == sorted((t["weight"] for t in topics), reverse=True)


def test_the_mixture_facet_counts_each_topic_of_a_candidate(client: TestClient):
    body = {"query": "a device comprising", "top_k": 5, "facets": True, "mode": "keyword"}
    facets = client.post("/collections/claims/search", json=body).json()["facets"]
    single = {f["value"]: f["count"] for f in facets["topics"]}
    mixed = {f["value"]: f["count"] for f in facets["topic_mixtures"]}
    # Every candidate counts under its own topic in both, and under its others too.
    assert all(mixed.get(topic, 0) >= count for topic, count in single.items())
    assert sum(mixed.values()) > sum(single.values()) == facets["counted"]
    assert sum(mixed.values()) <= 3 * facets["counted"]


def test_the_document_page_lists_the_topics_with_weights(client: TestClient, partition: Partition):
    doc_id = _mixed(partition)
    page = client.get(f"/ui/collections/claims/documents/{doc_id}")
    assert page.status_code == 200
    listed = re.search(r"<ol class='topic-mixture'>(.*?)</ol>", page.text, re.S)
    assert listed is not None
    items = re.findall(
        r"<li data-topic='(-?\d+)'><a href='([^']+)'>(.*?)</a> <span class='weight'>(\d+)%",
        listed.group(1),
    )
    labels = {s.topic_id: s.label for s in partition.summaries}
    expected = partition.mixtures[doc_id]
    assert [int(t) for t, *_ in items] == [t for t, _ in expected]
    for (topic, href, label, percent), (_, weight) in zip(items, expected, strict=True):
        assert unescape(label) == labels[int(topic)]
        assert int(percent) == round(100 * weight)
        assert client.get(unescape(href)).status_code == 200  # the topic's page
    assert Counter(href for _, href, *_ in items).most_common(1)[0][1] == 1


def test_search_hits_carry_their_mixture(client: TestClient, partition: Partition):
    body = {"query": "golf club head", "top_k": 10, "mode": "dense"}
    hits = client.post("/collections/claims/search", json=body).json()["hits"]
    assert hits
    for hit in hits:
        assert [t["topic"] for t in hit["topics"]] == [t for t, _ in partition.mixtures[hit["id"]]]
        assert hit["topics"][0]["topic"] == hit["topic"]
        assert sum(t["weight"] for t in hit["topics"]) == pytest.approx(1.0, abs=1e-3)
