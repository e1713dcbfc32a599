"""Clustering and topic words on hand-made data: exact neighbours, outlier cap, labels."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
from sklearn.metrics import adjusted_rand_score

from corpusmap.embedding.batching import Vectors
from corpusmap.topics.clustering import (
    ClusterParams,
    cluster_documents,
    exact_knn,
    normalise,
    reassign_outliers,
    topic_count,
)
from corpusmap.topics.words import analyze, clean_keywords, label_terms


def _blobs(n_blobs: int = 6, per_blob: int = 60, dim: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_blobs, dim)) * 3
    points = np.vstack([c + rng.normal(size=(per_blob, dim)) * 0.4 for c in centres])
    truth = np.repeat(np.arange(n_blobs), per_blob)
    return normalise(points), truth


def test_exact_knn_matches_brute_force():
    vectors, _ = _blobs(n_blobs=3, per_blob=20)
    indices, distances = exact_knn(vectors, 5)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :5]
    assert (indices == expected).all()
    assert np.allclose(distances, 1 - np.take_along_axis(sims, expected, axis=1), atol=1e-5)


def test_blobs_are_found_whatever_the_seed():
    vectors, truth = _blobs()
    fits = [cluster_documents(vectors, ClusterParams(seed=s, min_topic_size=20)) for s in (0, 7)]
    for fit in fits:
        inside = fit.labels != -1
        assert topic_count(fit.labels) == 6
        assert adjusted_rand_score(truth[inside], fit.labels[inside]) == 1.0
        assert np.mean(~inside) <= 0.10
    assert (fits[0].labels == fits[1].labels).all()


def test_outliers_nearest_a_topic_are_reassigned_first_down_to_the_cap():
    vectors = normalise(
        np.array([[1, 0], [1, 0.05], [0, 1], [0.05, 1], [1, 0.2], [1, 0.9], [0.2, 1]], float)
    )
    labels = np.array([0, 0, 1, 1, -1, -1, -1])
    capped = reassign_outliers(vectors, labels, max_share=1 / 7)
    assert capped.tolist() == [0, 0, 1, 1, 0, -1, 1]  # the one between both topics stays out
    assert (reassign_outliers(vectors, labels, 0.0) != -1).all()
    assert (reassign_outliers(vectors, labels, 0.5) == labels).all()  # already under the cap


def test_reassigned_outliers_never_fill_a_topic_to_its_cap():
    vectors = normalise(
        np.array([[1, 0], [1, 0.05], [0, 1], [0.05, 1], [1, 0.1], [1, 0.2], [1, 0.9]], float)
    )
    labels = np.array([0, 0, 1, 1, -1, -1, -1])
    capped = reassign_outliers(vectors, labels, max_share=0.0, max_size=5)
    assert capped.tolist() == [0, 0, 1, 1, 0, 0, 1]  # topic 0 full at 4: the last goes to 1
    assert reassign_outliers(vectors, labels, 0.0).tolist() == [0, 0, 1, 1, 0, 0, 0]
    full = reassign_outliers(vectors, labels, 0.0, max_size=3)  # no room: nearest of all
    assert full.tolist() == [0, 0, 1, 1, 0, 0, 0]


def test_no_topic_of_a_fit_reaches_the_size_cap():
    from corpusmap.topics.clustering import size_cap

    vectors, _ = _with_small_topics(_bridged_blobs()[0])
    params = ClusterParams(seed=0, min_topic_size=10)
    labels = cluster_documents(vectors, params).labels
    assert np.bincount(labels[labels != -1]).max() < size_cap(labels, params)


def test_phrases_never_span_a_removed_stop_word():
    terms = analyze("The end of the shaft, wherein said golf club head 12 is network network")
    assert "golf club" in terms and "club head" in terms and "shaft" in terms
    assert "end shaft" not in terms and "network network" not in terms
    assert not {"the", "of", "wherein", "said", "12"} & set(terms)


def test_clean_keywords_drops_stop_words_duplicates_and_empties():
    words = [("Engine", 0.5), ("", 0.4), ("the valve", 0.3), ("engine", 0.2), ("piston", 0.1)]
    assert clean_keywords(words) == [("engine", 0.5), ("piston", 0.1)]


_WORD_VECTORS = {
    "car": [1.0, 0.0, 0.0],
    "vehicle": [0.95, 0.3, 0.0],
    "car engine": [0.9, 0.1, 0.4],
    "banana": [0.0, 0.0, 1.0],
}


class _FakeEmbedder:
    """Word vectors made by hand: 'car' and 'vehicle' near the topic, 'banana' far."""

    def embed_documents(self, texts) -> npt.NDArray[np.float32]:
        return normalise(np.array([_WORD_VECTORS[t] for t in texts], dtype=np.float32))


def test_labels_pick_relevant_distinct_terms():
    centroid = normalise(np.array([[1.0, 0.1, 0.0]], dtype=np.float32))
    candidates = [["banana", "car engine", "car", "vehicle"]]
    (picked,) = label_terms(candidates, centroid, _FakeEmbedder(), n=2)
    assert picked[0] == "car" and "car engine" not in picked and "banana" not in picked
    (plain,) = label_terms(candidates, centroid, None, n=3)
    assert plain == ["banana", "car engine", "vehicle"]  # c-TF-IDF order, no shared words


def _topics_of(labels: npt.NDArray[np.int64]) -> list[set[int]]:
    return [set(np.flatnonzero(labels == t).tolist()) for t in sorted(set(labels.tolist()))]


def _bridged_blobs(seed: int = 3) -> tuple[Vectors, npt.NDArray[np.int64]]:
    """Three close blobs of 60, joined by bridges of 15 points: one piece of the k-NN
    graph. Truth: the blob of each point, -1 on the bridges."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=24) * 3
    parts = [centre + rng.normal(size=24) * 1.5 for _ in range(3)]
    blobs = [p + rng.normal(size=(60, 24)) * 0.2 for p in parts]
    steps = np.linspace(0, 1, 17)[1:-1, None]
    bridges = [a + steps * (b - a) for a, b in itertools.pairwise(parts)]
    truth = np.concatenate([np.repeat(np.arange(3), 60), np.full(30, -1)])
    return normalise(np.vstack([*blobs, *bridges])), truth


def test_each_piece_of_the_graph_is_clustered_on_its_own():
    from corpusmap.topics.clustering import embed_pieces, label_pieces
    from corpusmap.topics.spectral import graph_pieces, knn_graph

    # One piece of three blobs, a piece of 15 (one topic: too small for two), one of 8.
    large, truth = _bridged_blobs()
    rng = np.random.default_rng(1)
    far = [rng.normal(size=24) * 30 for _ in range(2)]
    middle = normalise(far[0] + rng.normal(size=(15, 24)) * 0.01)
    tiny = normalise(far[1] + rng.normal(size=(8, 24)) * 0.01)
    vectors = np.vstack([large, middle, tiny])
    params = ClusterParams(seed=0, min_topic_size=10, min_topics=2)
    graph = knn_graph(vectors, params)
    assert [len(p) for p in graph_pieces(graph)] == [210, 15, 8]
    labels, _ = label_pieces(embed_pieces(graph, params), len(vectors), params, 100, 2)
    blob = truth != -1
    assert adjusted_rand_score(truth[blob], labels[:210][blob]) == 1.0
    assert len(set(labels[210:225].tolist())) == 1 and labels[210] not in labels[:210]
    assert (labels[225:] == -1).all()


def _with_small_topics(big: Vectors) -> tuple[Vectors, npt.NDArray[np.int64]]:
    """`big` as topic 0 beside eight distinct topics of 40 (topics 1-8)."""
    others, _ = _blobs(n_blobs=8, per_blob=40, seed=5)
    labels = np.concatenate([np.zeros(len(big), dtype=np.int64), 1 + np.repeat(np.arange(8), 40)])
    return np.vstack([big, others]), labels


def test_an_oversized_topic_is_clustered_again_into_its_parts():
    from corpusmap.topics.clustering import split_large_topics

    big, truth = _bridged_blobs()
    vectors, labels = _with_small_topics(big)
    for seed in (0, 7):
        split = split_large_topics(vectors, labels, ClusterParams(seed=seed, min_topic_size=10))
        blob = truth != -1
        assert adjusted_rand_score(truth[blob], split[: len(big)][blob]) == 1.0
        assert _topics_of(split)[1:9] == _topics_of(labels)[1:]  # the others kept


def test_a_topic_without_clusters_is_cut_in_two_along_its_fiedler_vector():
    from corpusmap.topics.clustering import split_large_topics

    rng = np.random.default_rng(4)
    vectors, labels = _with_small_topics(normalise(rng.normal(size=24) + rng.normal(size=(90, 24))))
    cuts = [
        split_large_topics(vectors, labels, ClusterParams(seed=s, min_topic_size=10))
        for s in (0, 7)
    ]
    assert topic_count(cuts[0]) == 10 and adjusted_rand_score(cuts[0], cuts[1]) == 1.0
    sizes = np.bincount(cuts[0][:90])
    assert len(sizes[sizes > 0]) == 2 and sizes[sizes > 0].min() >= 10


def test_topics_of_equal_size_are_left_whole():
    from corpusmap.topics.clustering import split_large_topics

    vectors, truth = _blobs()  # six topics of a sixth each: over 15%, none over the median
    params = ClusterParams(seed=0, min_topic_size=10)
    assert (split_large_topics(vectors, truth, params) == truth).all()


def test_a_topic_in_pieces_is_cut_and_its_small_piece_joins_a_part():
    from corpusmap.topics.clustering import split_large_topics

    rng = np.random.default_rng(4)
    blob = rng.normal(size=24) + rng.normal(size=(90, 24))
    apart = rng.normal(size=24) * 30 + rng.normal(size=(4, 24)) * 0.01  # a piece of 4
    vectors, labels = _with_small_topics(normalise(np.vstack([blob, apart])))
    cut = split_large_topics(vectors, labels, ClusterParams(seed=0, min_topic_size=10))
    parts = set(cut[:94].tolist())
    assert len(parts) >= 2 and -1 not in parts and parts.isdisjoint(cut[94:].tolist())
    assert min(np.count_nonzero(cut[:94] == p) for p in parts) >= 10
