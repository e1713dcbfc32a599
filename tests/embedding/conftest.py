"""Fixtures of the embedding backends' tests: a fresh export cache, real claims and
their torch vectors (the reference every backend is held to)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpusmap.embedding.embedder import EmbedderPool
from tests.conftest import CLAIM_FILES, require_shared_data

QUERIES = ["golf club head with a face insert", "lithium battery electrode", "antibody"]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh export cache for this module, so the first load really exports."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CORPUSMAP_ONNX_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="module")
def claims() -> list[str]:
    """48 real patent claims, a fifth or so longer than MiniLM's 256-token window."""
    require_shared_data()
    frame = pd.read_csv(CLAIM_FILES[1], usecols=["text"], nrows=48, dtype=str)
    return frame["text"].fillna("").tolist()


@pytest.fixture(scope="module")
def torch_claims(embedders: EmbedderPool, claims: list[str]) -> np.ndarray:
    """The torch path's vectors of the claims, the reference."""
    return embedders.get("minilm").embed_documents(claims)
