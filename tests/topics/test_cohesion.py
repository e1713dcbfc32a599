"""Label terms that are written together: presence in a topic's core, pair NPMI, picks."""

from __future__ import annotations

import numpy as np

from corpusmap.topics.cohesion import pair_npmi, term_presence
from corpusmap.topics.words import analyze, label_terms

CORE = [
    "a pitching machine throws a curve ball",
    "the pitching machine feeds each curve ball",
    "a curve ball pitching machine with wheels",
    "a drug for healing wounds",
]


def test_presence_counts_words_and_phrases_per_document():
    held = term_presence(CORE, ["pitching machine", "curve ball", "drug", "missing"], analyze)
    assert held.tolist()[0] == [True, True, False, False]
    assert held[:, 2].tolist() == [False, False, False, True]
    assert held.sum(axis=0).tolist() == [3, 3, 1, 0]


def test_pair_npmi_is_one_together_minus_one_apart():
    held = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=bool)
    npmi = pair_npmi(held)
    assert np.allclose(np.diag(npmi), 1.0)
    assert np.isclose(npmi[0, 1], 1.0) and npmi[0, 2] == -1.0
    assert np.allclose(npmi, npmi.T)


def test_labels_join_terms_the_core_writes_together():
    """Without co-occurrence the c-TF-IDF order gives 'pitching machine, drug, ...';
    with the core's presence the second term is the one written with the first."""
    pool = ["pitching machine", "drug", "curve ball", "wheels"]
    centroid = np.ones((1, 3), dtype=np.float32) / np.sqrt(3)
    (plain,) = label_terms([pool], centroid, None, n=2)
    assert plain == ["pitching machine", "drug"]
    held = term_presence(CORE, pool, analyze)
    (together,) = label_terms([pool], centroid, None, n=2, presence=[held])
    assert together == ["pitching machine", "curve ball"]


def test_a_term_no_core_document_holds_is_never_picked():
    pool = ["absent term", "curve ball"]
    held = term_presence(CORE, pool, analyze)
    centroid = np.ones((1, 3), dtype=np.float32) / np.sqrt(3)
    (label,) = label_terms([pool], centroid, None, n=2, presence=[held])
    assert label == ["curve ball"]
