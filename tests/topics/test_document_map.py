"""The document map's layout: a seeded 2-D UMAP guided by the topics, which keeps a
real fitted corpus's topics apart better than the principal axes of the topic
centroids did, and gives the same coordinates for the same input."""

from __future__ import annotations

import numpy as np

from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore
from corpusmap.topics.document_map import MAX_POINTS, read_sample
from corpusmap.topics.fit import distinct_documents, duplicate_key
from corpusmap.topics.map_layout import (
    IN_TOPIC_NEIGHBOURS,
    LAYOUT_NEIGHBOURS,
    MIN_LAYOUT_POINTS,
    OVERALL_NEIGHBOURS,
    PCA_LAYOUT,
    UMAP_LAYOUT,
    centroid_layout,
    layout_graph,
    layout_points,
    separation,
    umap_layout,
)


def _number(value: float | int | None) -> float:
    assert value is not None
    return float(value)


def test_the_layout_separates_topics_better_than_centroid_axes(claims_store: MilvusStore):
    batches = claims_store.iter_rows("claims", ["doc_id", "topic"], expression="passage == 0")
    doc_topics = [(str(r["doc_id"]), int(r["topic"])) for b in batches for r in b]
    sample = read_sample(claims_store, "claims", doc_topics, MAX_POINTS)
    assert sample is not None and len(sample.ids) == 1100
    _, centroids = TopicStore(claims_store).topic_vectors("claims")
    old = separation(centroid_layout(sample.vectors, centroids), sample.topics)
    coords, layout = layout_points(sample.vectors, sample.topics)
    new = separation(coords, sample.topics)
    assert layout == UMAP_LAYOUT and coords.shape == (1100, 2)
    assert old["points"] == new["points"] == sum(t != -1 for t in sample.topics)
    for score in ("silhouette", "knn10_agreement"):
        assert _number(new[score]) > _number(old[score]) + 0.1, (old, new)
    again = umap_layout(sample.vectors.copy(), list(sample.topics))  # a fresh run: same map
    assert np.array_equal(again, coords)


def test_small_samples_use_their_principal_axes():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(MIN_LAYOUT_POINTS - 1, 8))
    coords, layout = layout_points(vectors, [0] * len(vectors))
    assert layout == PCA_LAYOUT and coords.shape == (MIN_LAYOUT_POINTS - 1, 2)
    assert np.allclose(coords.mean(axis=0), 0, atol=1e-3)
    assert layout_points(vectors[:1], [0])[0].shape == (1, 2)


def test_separation_scores_apart_and_mixed_layouts_and_leaves_outliers_out():
    rng = np.random.default_rng(2)
    topics = [0] * 30 + [1] * 30 + [-1] * 30
    apart = np.vstack([rng.normal(0, 0.1, (30, 2)), rng.normal(5, 0.1, (30, 2))])
    apart = np.vstack([apart, rng.normal(2.5, 3, (30, 2))])  # outliers anywhere
    scores = separation(apart, topics)
    assert scores["points"] == 60 and scores["knn10_agreement"] == 1.0
    assert scores["silhouette"] is not None and scores["silhouette"] > 0.9
    mixed = separation(rng.normal(size=(90, 2)), topics)
    assert mixed["silhouette"] is not None and abs(mixed["silhouette"]) < 0.1
    assert mixed["knn10_agreement"] is not None and mixed["knn10_agreement"] < 0.7
    assert separation(apart[:30], topics[:30])["silhouette"] is None  # one topic


def test_representatives_are_distinct_by_id_and_normalised_text():
    ids = ["a", "b", "c", "d", "e", "f", "g"]
    texts = [
        "Sports analysis and testing system. A bat.",
        "sports  analysis, and testing system: a BAT",  # a re-filing of a
        "Golf club head",
        "",
        "Neural network",
        "",
        "Golf club head.",
    ]
    assert distinct_documents(range(7), ids, texts, count=5) == ["a", "c", "d", "e", "f"]
    assert distinct_documents([2, 6, 2, 0], ids, texts) == ["c", "a"]
    assert duplicate_key("A title", "Its  text!") == duplicate_key("a TITLE its text")


def test_the_layout_graph_joins_nearest_neighbours_and_nearest_in_the_topic():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(80, 6)).astype(np.float32)
    topics = [i % 4 - 1 for i in range(80)]  # topics -1 (outliers), 0, 1, 2: 20 each
    indices, distances, _ = layout_graph(vectors, topics)
    assert indices.shape == distances.shape == (80, LAYOUT_NEIGHBOURS + 1)
    plain = layout_graph(vectors)[0]  # no topics: nearest neighbours only
    for row in range(80):
        assert indices[row, 0] == row and distances[row, 0] == 0
        assert len(set(indices[row].tolist())) == LAYOUT_NEIGHBOURS + 1
        assert np.all(np.diff(distances[row]) >= 0)  # sorted by distance
        nearest = set(plain[row, 1 : OVERALL_NEIGHBOURS + 1].tolist())
        assert nearest <= set(indices[row].tolist())  # the nearest overall stay
        same = sum(topics[j] == topics[row] for j in indices[row, 1:])
        if topics[row] == -1:
            assert np.array_equal(indices[row], plain[row])  # outliers: nearest only
        else:
            assert same >= IN_TOPIC_NEIGHBOURS
    assert np.array_equal(layout_graph(vectors, topics)[0], indices)  # repeatable
