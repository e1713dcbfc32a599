"""The embedder: real MiniLM, normalised vectors, clear failures for unloadable models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpusmap.embedding.embedder import (
    CPU_BATCH_SIZE,
    GPU_BATCH_SIZE,
    Embedder,
    EmbedderPool,
    length_sorted_batches,
    resolve_model,
)
from corpusmap.errors import ModelLoadError


def test_documents_and_queries_are_normalised_384d(embedders: EmbedderPool):
    embedder = embedders.get("minilm")
    docs = embedder.embed_documents(["a golf club head", "a baseball bat", "an antibody"])
    query = embedder.embed_query("golf club")
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert query.shape == (384,)
    assert int(np.argmax(docs @ query)) == 0
    assert embedder.embed_documents([]).shape == (0, 384)


def test_model_names_resolve():
    assert Path(resolve_model("minilm")).is_dir()
    assert resolve_model("patentsberta") == "AI-Growth-Lab/PatentSBERTa"
    assert resolve_model("mpnet") == "sentence-transformers/all-mpnet-base-v2"


def test_a_broken_model_folder_fails_with_a_message(tmp_path: Path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="cannot load embedding model"):
        Embedder(str(tmp_path))


def test_a_hub_model_offline_fails_fast_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="--model minilm"):
        Embedder("patentsberta")


def test_a_worker_pool_gives_the_same_vectors(embedders: EmbedderPool):
    texts = [f"claim {i}: a golf club head with a face insert of {i} layers" for i in range(40)]
    single = embedders.get("minilm").embed_documents(texts)
    pooled = Embedder("minilm", batch_size=8, processes=2)
    try:
        vectors = pooled.embed_documents(texts)
        assert pooled._pool is not None and len(pooled._pool["processes"]) == 2
    finally:
        pooled.close()
    assert pooled._pool is None
    assert vectors.shape == single.shape
    assert np.allclose(vectors, single, atol=1e-5)


def test_batches_go_longest_first_and_cover_every_text_once():
    lengths = [3, 9, 1, 9, 5, 2, 7]
    batches = [b.tolist() for b in length_sorted_batches(lengths, 3)]
    assert batches == [[1, 3, 6], [4, 0, 5], [2]]  # ties keep their input order
    assert list(length_sorted_batches([], 3)) == []


def test_length_sorted_encoding_keeps_input_order_and_vectors(embedders: EmbedderPool):
    """Batches are formed by token count, but each vector is its own text's, as encode gives it."""
    embedder = embedders.get("minilm")
    rng = np.random.default_rng(0)
    words = ["golf", "club", "head", "insert", "bat", "antibody", "sensor", "layer"]
    texts = [" ".join(rng.choice(words, size=int(n))) for n in rng.integers(1, 300, size=50)]
    ours = Embedder("minilm", batch_size=7)  # batches of mixed sizes, a short last one
    vectors = ours.embed_documents(texts, progress=True)
    reference = embedder._model.encode(texts, normalize_embeddings=True, batch_size=64)
    assert vectors.shape == (50, 384)
    assert np.allclose(vectors, reference, atol=1e-5)
    assert ours._token_counts(["a b c", "a"]) == [5, 3]  # with [CLS] and [SEP]


def test_the_default_batch_size_follows_the_device(embedders: EmbedderPool):
    embedder = embedders.get("minilm")
    on_cpu = str(embedder._model.device) == "cpu"
    assert embedder.batch_size == (CPU_BATCH_SIZE if on_cpu else GPU_BATCH_SIZE)
    assert Embedder("minilm", batch_size=5).batch_size == 5
