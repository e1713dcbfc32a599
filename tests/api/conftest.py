"""Fixtures of the API tests that run against a Milvus server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers.milvus_server import running_server

#: Run the server tests against this Milvus instead of milvus-lite 3.x.
EXTERNAL_URI = os.environ.get("CORPUSMAP_TEST_MILVUS_URI", "")


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Milvus server for this session: an external one by URI, or milvus-lite 3.x."""
    if EXTERNAL_URI:
        yield EXTERNAL_URI
        return
    with running_server(tmp_path_factory.mktemp("milvus_server")) as uri:
        yield uri
