"""Shard files (without Ray): named by their documents, written whole, read back exactly;
and `--ray` without Ray installed is a ConfigError that says what to install."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from corpusmap.distributed import Shard, ShardDir, import_ray, shard_key
from corpusmap.embedding.cache import passages_hash
from corpusmap.errors import ConfigError


def _shard(rng: np.random.Generator) -> Shard:
    texts = [["first passage", "second"], ["one"], ["a", "b", "c"]]
    vectors = [rng.standard_normal((len(t), 8)).astype(np.float32) for t in texts]
    return Shard(["d1", "d2", "d3"], [passages_hash(t) for t in texts], vectors)


def test_a_shard_reads_back_what_was_written(tmp_path: Path):
    shards = ShardDir(tmp_path / "run")
    shard = _shard(np.random.default_rng(0))
    key = shard_key(shard.doc_ids, shard.hashes)
    shards.write(key, shard, model="minilm", dimension=8)
    assert shards.written() == [key] and shards.has(key)
    back = shards.read(key)
    assert back.doc_ids == shard.doc_ids and back.hashes == shard.hashes
    for got, want in zip(back.vectors, shard.vectors, strict=True):
        np.testing.assert_array_equal(got, want)
    assert back.writer.endswith(f":{os.getpid()}")


def test_shard_names_follow_ids_and_texts():
    hashes = [passages_hash(["x"]), passages_hash(["y"])]
    assert shard_key(["1", "2"], hashes) == shard_key(["1", "2"], list(hashes))
    assert shard_key(["1", "2"], hashes) != shard_key(["2", "1"], hashes)
    assert shard_key(["1", "2"], hashes) != shard_key(["1", "2"], [hashes[0], hashes[0]])
    assert shard_key(["12"], hashes[:1]) != shard_key(["1"], hashes[:1])


def test_a_partial_write_is_not_a_shard_and_is_cleared(tmp_path: Path):
    shards = ShardDir(tmp_path)
    key = "ab" * 16
    (tmp_path / f".partial-{key}-host-123").write_bytes(b"PAR1 torn")
    assert shards.written() == [] and not shards.has(key)
    assert shards.clear_partial() == 1
    assert list(tmp_path.iterdir()) == []


def test_ray_missing_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without Ray sees
    with pytest.raises(ConfigError, match=r"pip install 'corpusmap\[ray\]'"):
        import_ray()
