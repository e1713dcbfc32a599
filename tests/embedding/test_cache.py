"""The embedding cache keeps vectors per (document id, text), across collections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from corpusmap.embedding.cache import EmbeddingCache, passages_hash


def _vector(value: float) -> np.ndarray:
    return np.full((1, 4), value, dtype=np.float32)


def test_the_same_id_with_two_texts_keeps_both_vectors(tmp_path: Path):
    first, second = passages_hash(["a story"]), passages_hash(["another story"])
    with EmbeddingCache(tmp_path / "cache.sqlite", 4) as cache:
        cache.put_many(["1"], [first], [_vector(1.0)])
        cache.put_many(["1"], [second], [_vector(2.0)])
        assert cache.get_many(["1"], [first])["1"][0, 0] == 1.0
        assert cache.get_many(["1"], [second])["1"][0, 0] == 2.0
        assert cache.get_many(["1"], [passages_hash(["a third"])]) == {}


def test_a_file_keyed_by_id_alone_is_migrated_with_its_vectors(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE vectors (doc_id TEXT PRIMARY KEY, text_hash BLOB NOT NULL,"
            " passages INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        db.execute("INSERT INTO vectors VALUES (?, ?, 1, ?)", ("1", b"h", _vector(3.0).tobytes()))
    with EmbeddingCache(path, 4) as cache:
        assert cache.get_many(["1"], [b"h"])["1"][0, 0] == 3.0
        cache.put_many(["1"], [b"other"], [_vector(4.0)])
        assert len(cache) == 2
