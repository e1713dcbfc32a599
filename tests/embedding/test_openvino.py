"""The openvino backend (what `auto` is on a CPU) against the torch path, on the real
MiniLM and real claims."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

import corpusmap.embedding.embedder as embedder_module
from corpusmap.config import Backend, Settings
from corpusmap.embedding.embedder import Embedder, EmbedderPool, resolve_backend
from corpusmap.embedding.onnx import openvino_available
from corpusmap.errors import ModelLoadError
from tests.embedding.conftest import QUERIES

pytestmark = pytest.mark.skipif(not openvino_available(), reason="openvino is not installed")


@pytest.fixture(scope="module")
def openvino(onnx_cache: Path) -> Embedder:
    """The embedder `CORPUSMAP_BACKEND=auto` gives on this CPU."""
    embedder = Embedder.from_settings(Settings(backend=Backend.AUTO))
    assert embedder.backend == "openvino"
    return embedder


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_openvino_vectors_match_torch(openvino: Embedder, claims, torch_claims):
    docs = openvino.embed_documents(claims)
    assert docs.shape == (len(claims), 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    cosines = _cosines(docs, torch_claims)  # row by row: batches run sorted by length
    print(f"openvino vs torch cosine: mean {cosines.mean():.6f}, min {cosines.min():.6f}")
    assert cosines.min() >= 0.9995


def test_queries_are_left_to_the_query_backend(openvino: Embedder, embedders: EmbedderPool):
    """OpenVINO is slower than ONNX Runtime on one short query (bench.encoding), so the
    query backend (auto: ONNX Runtime fp32) embeds them: torch's vectors within 1e-5."""
    torch_model = embedders.get("minilm")
    for query in QUERIES:
        vector = openvino.embed_query(query)
        assert vector.shape == (384,)
        assert _cosines(vector, torch_model.embed_query(query)) >= 1 - 1e-5
    assert openvino._query_onnx is not None and openvino._query_onnx is not openvino._onnx


def test_queries_from_several_threads(openvino: Embedder):
    """The API embeds queries on several threads: each gets its own infer request."""
    expected = {q: openvino.embed_query(q) for q in QUERIES}
    results: dict[tuple[int, str], np.ndarray] = {}

    def work(worker: int) -> None:
        for _ in range(5):
            for query in QUERIES:
                results[(worker, query)] = openvino.embed_query(query)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 * len(QUERIES)
    for (_, query), vector in results.items():
        assert np.allclose(vector, expected[query], atol=1e-6), query


def test_auto_resolves_by_device(monkeypatch: pytest.MonkeyPatch):
    assert Settings().backend == "torch"  # the default (see DEFAULT_BACKEND for why)
    assert resolve_backend("auto", "cpu") == "openvino"
    assert resolve_backend("auto", "cuda:0") == "torch"
    assert resolve_backend("onnx-int8", "cpu") == "onnx-int8"
    # Without the package (an install that left it out), auto falls back to torch.
    monkeypatch.setattr(embedder_module, "openvino_available", lambda: False)
    assert resolve_backend("auto", "cpu") == "torch"
    assert Embedder("minilm", backend="auto").backend == "torch"


def test_auto_falls_back_to_torch_where_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """An export cache that cannot be written (here: under a file): `auto` embeds with
    torch and says why once; asking for openvino by name is an error that says what to do."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CORPUSMAP_ONNX_CACHE", str(blocker / "onnx"))
    with caplog.at_level(logging.WARNING):
        embedder = Embedder("minilm", backend="auto")
    assert embedder.backend == "torch" and embedder._onnx is None
    assert embedder.batch_size == 16
    assert "embedding with torch" in caplog.text and "CORPUSMAP_ONNX_CACHE" in caplog.text
    assert embedder.embed_documents(["a golf club"]).shape == (1, 384)
    with pytest.raises(ModelLoadError, match="CORPUSMAP_ONNX_CACHE"):
        Embedder("minilm", backend="openvino")
