"""Clustering and topic words on hand-made data: exact neighbours, outlier cap, labels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.metrics import adjusted_rand_score

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
