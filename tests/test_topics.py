"""Topic fitting on stored vectors: seeded, deterministic, and refused on tiny corpora."""

from __future__ import annotations

import numpy as np
import pytest

from corpusmap.errors import ConfigError
from corpusmap.store import MilvusStore
from corpusmap.topics import PATENT_STOP_WORDS, fit_topics
from indexer.pipeline import read_stored_vectors


def test_same_seed_gives_identical_assignments(claims_store: MilvusStore):
    ids, texts, vectors = read_stored_vectors(claims_store, "claims", progress=False)
    assert vectors.shape == (1100, 384)
    first = fit_topics(ids, texts, vectors, seed=7)
    second = fit_topics(ids, texts, vectors, seed=7)
    assert first.assignments == second.assignments
    assert [s.keywords for s in first.summaries] == [s.keywords for s in second.summaries]
    words = {w for s in first.summaries for w, _ in s.keywords}
    assert not words & PATENT_STOP_WORDS and not words & {"the", "and", "of"}


def test_topics_need_enough_documents():
    vectors = np.eye(10, 8, dtype=np.float32)
    with pytest.raises(ConfigError, match="at least"):
        fit_topics([str(i) for i in range(10)], ["x"] * 10, vectors)
