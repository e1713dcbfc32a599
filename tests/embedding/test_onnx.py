"""The ONNX Runtime backends against the torch path, on the real MiniLM and real claims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

import corpusmap.embedding.onnx as onnx_backend
from corpusmap.config import Settings
from corpusmap.embedding.embedder import Embedder, EmbedderPool
from corpusmap.store.passages import PassageSplitter
from tests.embedding.conftest import QUERIES


@pytest.fixture(scope="module")
def onnx_fp32(onnx_cache: Path) -> Embedder:
    return Embedder("minilm", backend="onnx", batch_size=16)


@pytest.fixture(scope="module")
def onnx_int8(onnx_cache: Path) -> Embedder:
    return Embedder("minilm", backend="onnx-int8", batch_size=16)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_fp32_vectors_match_torch(
    embedders: EmbedderPool, onnx_fp32: Embedder, claims, torch_claims
):
    torch_model = embedders.get("minilm")
    docs = onnx_fp32.embed_documents(claims)
    assert docs.shape == (len(claims), 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    # Row by row: batches run sorted by length, and vectors must come back in order.
    assert _cosines(docs, torch_claims).min() >= 0.999
    for query in QUERIES:
        vector = onnx_fp32.embed_query(query)
        assert vector.shape == (384,)
        assert _cosines(vector, torch_model.embed_query(query)) >= 0.999
    assert onnx_fp32.embed_documents([]).shape == (0, 384)


def test_int8_vectors_stay_close_to_torch(onnx_int8: Embedder, claims, torch_claims):
    cosines = _cosines(onnx_int8.embed_documents(claims), torch_claims)
    print(f"int8 vs torch cosine: mean {cosines.mean():.4f}, min {cosines.min():.4f}")
    # Measured on these 48 claims: mean 0.9945, min 0.990 (per-channel int8 MatMuls).
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.97


def test_an_int8_vector_does_not_depend_on_its_batch_mates(onnx_int8: Embedder, claims):
    """Dynamic quantisation scales a batch's activations together, so int8 embeds one
    text per run: a claim alone and among 47 others (and padded beside longer ones) gets
    the same vector, as the same text does as a query."""
    assert onnx_int8.batch_size == 1
    together = onnx_int8.embed_documents(claims)
    for i in (0, 17, 47):
        alone = onnx_int8.embed_documents([claims[i]])[0]
        assert np.array_equal(alone, together[i]), i
    assert onnx_int8._onnx is not None
    onnx_int8._onnx.batch_size = 16  # what it did before: the batch changes the vectors
    try:
        batched = onnx_int8.embed_documents(claims)
    finally:
        onnx_int8._onnx.batch_size = 1
    assert not np.array_equal(batched, together)


def test_the_same_tokenizer_splits_passages(embedders: EmbedderPool, onnx_fp32: Embedder, claims):
    torch_model = embedders.get("minilm")
    assert onnx_fp32.passage_tokens == torch_model.passage_tokens == 254
    assert onnx_fp32.dimension == 384
    splitter = PassageSplitter(onnx_fp32.tokenizer, onnx_fp32.passage_tokens)
    parts = splitter.split_many(claims)
    assert any(len(p) > 1 for p in parts)  # some claims are longer than the window


def test_the_setting_selects_the_backend(monkeypatch: pytest.MonkeyPatch, onnx_cache: Path):
    assert Settings().backend == "torch"
    monkeypatch.setenv("CORPUSMAP_BACKEND", "onnx-int8")
    settings = Settings()
    assert settings.backend == "onnx-int8"
    embedder = EmbedderPool(backend=settings.backend).get("minilm")
    assert embedder.backend == "onnx-int8"
    assert embedder.embed_query("golf club").shape == (384,)
    monkeypatch.setenv("CORPUSMAP_BACKEND", "tensorrt")
    with pytest.raises(ValidationError):
        Settings()


def test_exports_are_cached_per_model_and_backend(
    monkeypatch: pytest.MonkeyPatch, onnx_cache: Path, onnx_fp32: Embedder, onnx_int8: Embedder
):
    (folder,) = [p for p in onnx_cache.iterdir() if p.is_dir()]
    assert folder.name.startswith("minilm-")
    assert sorted(p.name for p in folder.glob("*.onnx")) == ["onnx-int8.onnx", "onnx.onnx"]

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported again although the export is cached")

    monkeypatch.setattr(onnx_backend, "export_fp32", no_export)
    monkeypatch.setattr(onnx_backend, "quantize_int8", no_export)
    again = Embedder("minilm", backend="onnx-int8")
    assert np.allclose(again.embed_query("golf club"), onnx_int8.embed_query("golf club"))


def test_queries_on_onnx_match_torch_queries(embedders: EmbedderPool, onnx_cache: Path):
    """The query path's ONNX fp32 session (query_backend onnx, or auto on the CPU) gives
    the torch vectors within 1e-5 cosine, so a torch-built index finds the same hits."""
    torch_model = embedders.get("minilm")
    for query_backend in ("onnx", "auto"):
        embedder = Embedder("minilm", query_backend=query_backend)
        for query in QUERIES:
            cosine = _cosines(embedder.embed_query(query), torch_model.embed_query(query))
            assert cosine >= 1 - 1e-5, (query_backend, query)
        assert embedder._query_onnx is not None  # the session is what answered
