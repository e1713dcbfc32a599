"""The server code path against a real Milvus gRPC server: builds as collections,
publishing as an alias swap seen by a running API, rollback, pruning, failed builds.

The server is milvus-lite 3.x (`milvus-lite server`, a pure-Python engine behind the
Milvus gRPC protocol), run from its own venv (`make milvus-server-venv`) on a free
loopback port by `tests/helpers/milvus_server_main.py`, which documents the two gaps of that
server it papers over. The project's pymilvus talks to it by URI, exactly as to a
Milvus standalone. Set `CORPUSMAP_TEST_MILVUS_URI=http://host:19530` to run the same
tests against another server (for example the docker-compose stack) instead.

Differences of milvus-lite 3.2.2 from Milvus that these tests step around, never
bending corpusmap to them: BM25 scores come back negated (so keyword and hybrid
rankings are checked for answers, not for order); dropping a collection that an
alias points at succeeds (Milvus refuses, so the tests check that corpusmap never
leaves an alias on a build it prunes); `filter_params` is not supported (corpusmap
probes for it and splices quoted values instead; `test_milvus_server_filters.py`
checks both that fallback and, with the launcher's emulation, the templated form).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pymilvus import MilvusClient

from corpusmap.builds.publishing import server_store
from corpusmap.config import Settings
from corpusmap.errors import CorpusError
from indexer.cli.commands import IndexOptions, run_builds, run_index, run_rollback
from tests.conftest import ROOT
from tests.helpers.milvus_server import free_port
from tests.helpers.news import NEWS_OPTIONS, write_news

#: Unique per run, so a shared external server is never confused by an earlier run.
NAME = f"news_{secrets.token_hex(3)}"
# `milvus_uri` (tests/api/conftest.py): the session's server.


@pytest.fixture(scope="module")
def settings(milvus_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a server: builds as collections, two kept per collection."""
    data_dir = tmp_path_factory.mktemp("server_builds")
    configured = Settings(
        data_dir=data_dir, milvus_uri=milvus_uri, keep_builds=2, reload_interval_s=0
    )
    yield configured
    _drop_test_collections(MilvusClient(uri=milvus_uri))


def _drop_test_collections(client: MilvusClient, prefix: str = NAME) -> None:
    """Leave a shared server as it was: this run's aliases first, then its collections."""
    for alias in client.list_aliases().get("aliases", []):
        if alias.startswith(prefix):
            client.drop_alias(alias)
    for name in client.list_collections():
        if name.startswith(prefix):
            client.drop_collection(name)
    client.close()


def _index(settings: Settings, path: Path, *, topics: bool = True) -> dict[str, Any]:
    mapping: dict[str, Any] = dict(NEWS_OPTIONS)
    options = IndexOptions(sources=[str(path)], collection=NAME, fit_topics=topics, **mapping)
    return run_index(settings, options)


@pytest.fixture(scope="module")
def first(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The first server build, 120 AG News rows with topics, made as a migration: the
    corpus is indexed on Milvus Lite first (embedded there), then again with the server
    URI and the same data dir, which takes every vector from the embedding cache."""
    corpus = write_news(tmp_path_factory.mktemp("news") / "first.csv", 0, 120)
    on_lite = _index(settings.model_copy(update={"milvus_uri": ""}), corpus, topics=False)
    assert on_lite["embedded"] == 120
    return _index(settings, corpus)


@pytest.fixture(scope="module")
def api(settings: Settings, first: dict[str, Any]) -> Iterator[TestClient]:
    """The API over the server, started once and kept running across publishes."""
    from api.main import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _physical(build: str) -> str:
    return f"{NAME}__{build}"


def _aliases(client: MilvusClient) -> dict[str, str]:
    names = client.list_aliases().get("aliases", [])
    return {a: client.describe_alias(a)["collection_name"] for a in names if a.startswith(NAME)}


def test_migration_embeds_nothing_and_publishes_both_aliases(
    settings: Settings, first: dict[str, Any]
):
    assert first["documents"] == 120 and first["topics"]["topics"] >= 2
    assert first["embedded"] == 0 and first["from_cache"] == 120
    build = _physical(first["build"])
    with server_store(settings) as store:
        assert _aliases(store.client) == {NAME: build, f"{NAME}__topics": f"{build}__topics"}
        assert store.client.has_collection(NAME)
        # The alias reads as the build: its corpusmap metadata, its rows.
        assert store.meta(NAME) == store.meta(build)
        assert store.meta(NAME).model == "minilm" and store.count(NAME) == 120


def test_api_serves_the_published_build(api: TestClient, first: dict[str, Any]):
    (info,) = api.get("/collections").json()
    assert info["name"] == NAME and info["documents"] == 120 and info["topics"] >= 2
    assert api.get("/ready").json()["status"] == "ready"
    assert api.get("/health").json()["builds"] == {NAME: first["build"]}

    title = "Fears for T N pension after talks"  # row 0, id n0
    dense = _search(api, query=title, mode="dense", top_k=5)
    assert len(dense) == 5 and dense[0]["id"] == "n0"
    for mode in ("keyword", "hybrid"):  # order not checked: this server negates BM25
        hits = _search(api, query="pension talks unions", mode=mode, top_k=5)
        assert "n0" in [h["id"] for h in hits]
    labelled = _search(api, query="space rocket launch", top_k=10, labels=["4"])
    assert labelled and all(h["labels"] == ["4"] for h in labelled)
    topic = dense[0]["topic"]
    scoped = _search(api, query=title, top_k=5, topic=topic)
    assert scoped and all(h["topic"] == topic for h in scoped)

    assert api.get(f"/collections/{NAME}/documents/n0").json()["title"] == title
    similar = api.get(f"/collections/{NAME}/documents/n0/similar?top_k=3").json()
    assert len(similar) == 3 and "n0" not in [h["id"] for h in similar]
    topics = api.get(f"/collections/{NAME}/topics").json()
    assert sum(t["size"] for t in topics) == 120


def test_an_hnsw_collection_records_its_index_and_searches_with_it(
    settings: Settings, first: dict[str, Any], tmp_path: Path
):
    """CORPUSMAP_VECTOR_INDEX=hnsw: the server builds HNSW with the configured M and
    efConstruction, the collection records them, a search deeper than `ef` works (ef is
    raised to the depth) and its hits agree with exact search."""
    from corpusmap.embedding.embedder import EmbedderPool
    from corpusmap.search.engine import search_collection
    from indexer.evaluation.retrieval import recall_against

    hnsw = settings.with_overrides(vector_index="hnsw", hnsw_m=8, hnsw_ef=8)
    name = f"hnsw_{NAME}"  # not under NAME: the other tests count NAME's collections
    corpus = write_news(tmp_path / "hnsw.csv", 0, 120)  # the rows `first` cached
    options = IndexOptions(sources=[str(corpus)], collection=name, fit_topics=False, **NEWS_OPTIONS)  # type: ignore[arg-type]
    built = run_index(hnsw, options)
    assert built["embedded"] == 0
    embedders = EmbedderPool.from_settings(hnsw)
    with server_store(hnsw) as store:
        index = store.meta(name).index
        assert index is not None and index.to_json() == {
            "type": "HNSW",
            "build": {"M": 8, "efConstruction": 200},
            "search": {"ef": 8},
        }
        described = store.client.describe_index(
            _physical(built["build"]).replace(NAME, name, 1), "vector"
        )
        assert described["index_type"] == "HNSW"
        assert str(described.get("M", 8)) == "8"  # Milvus echoes it; the test server does not
        query = "oil prices rise"
        deep = search_collection(store, embedders, name, query, top_k=50, mode="dense")
        assert len(deep) == 50  # deeper than ef = 8
        exact = _exact_top(store, embedders, name, query)
    found = {"q": {h.id: h.score for h in deep}}
    assert recall_against(found, {"q": exact}) >= 0.9
    _drop_test_collections(MilvusClient(uri=settings.milvus_uri), name)


def _exact_top(store: Any, embedders: Any, name: str, query: str) -> dict[str, float]:
    import numpy as np

    rows = [r for batch in store.iter_rows(name, ["doc_id", "vector"]) for r in batch]
    vector = embedders.get(store.meta(name).model).embed_query(query)
    scores = np.asarray([r["vector"] for r in rows], dtype=np.float32) @ vector
    order = np.argsort(-scores)[:10]
    return {rows[i]["doc_id"]: float(scores[i]) for i in order}


def test_build_collections_are_not_served(api: TestClient, first: dict[str, Any]):
    # The build's own collection answers on the server, but only published names are served.
    response = api.get(f"/collections/{_physical(first['build'])}")
    assert response.status_code == 404


def test_publish_prune_rollback_and_failed_build_on_a_running_api(
    settings: Settings, api: TestClient, first: dict[str, Any], tmp_path: Path
):
    # A new build (rows the cache has: nothing is embedded) is served at once: the alias
    # moved, the running app did not reopen anything.
    second = _index(settings, write_news(tmp_path / "second.csv", 0, 80))
    assert second["embedded"] == 0 and second["from_cache"] == 80
    assert _documents(api) == 80 and _topic_sizes(api) == 80

    # A build without topics drops the topics alias: no other build's topics are served.
    third = _index(settings, write_news(tmp_path / "third.csv", 0, 60), topics=False)
    assert _documents(api) == 60
    topics = api.get(f"/collections/{NAME}/topics")
    assert topics.status_code == 404 and topics.json()["error"] == "TopicsNotFittedError"
    second_name, third_name = _physical(second["build"]), _physical(third["build"])
    with server_store(settings) as store:
        assert _aliases(store.client) == {NAME: third_name}
        # keep_builds=2: the published build and the newest other one; the first is gone.
        assert third["pruned_builds"] == [first["build"]]
        left = {n for n in store.client.list_collections() if n.startswith(NAME)}
        assert left == {third_name, second_name, f"{second_name}__topics"}

    rolled = run_rollback(settings, NAME)
    assert rolled["published"] == second["build"]
    assert _documents(api) == 80 and _topic_sizes(api) == 80
    with server_store(settings) as store:
        topics_name = f"{second_name}__topics"
        assert _aliases(store.client) == {NAME: second_name, f"{NAME}__topics": topics_name}

    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,description,label\n,no id,,1\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        _index(settings, bad)
    builds = run_builds(settings, NAME)["builds"]
    assert builds[-1]["status"] == "failed"
    assert [b["build"] for b in builds if b["published"]] == [second["build"]]
    with server_store(settings) as store:
        assert not store.client.has_collection(_physical(builds[-1]["build"]))
    assert _documents(api) == 80


@pytest.mark.slow
def test_several_api_workers_follow_a_publish(
    settings: Settings, first: dict[str, Any], milvus_uri: str, tmp_path: Path
):
    """`corpusmap serve --workers 2` (refused on Lite): every worker sees a publish."""
    _index(settings, write_news(tmp_path / "all.csv", 0, 120))  # published: 120 documents
    with _served(settings.data_dir, milvus_uri, workers=2) as base:
        assert {_served_documents(base) for _ in range(10)} == {120}
        _index(settings, write_news(tmp_path / "fewer.csv", 0, 50), topics=False)
        assert {_served_documents(base) for _ in range(20)} == {50}


@contextmanager
def _served(data_dir: Path, milvus_uri: str, *, workers: int) -> Iterator[str]:
    """`corpusmap serve` in a child process on the server; yields its URL once ready."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CORPUSMAP_MILVUS_URI": milvus_uri}
    command = [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _is_ready(base):
            assert process.poll() is None, "the API exited before it was ready"
            assert time.monotonic() < deadline, "the API was not ready in 180 s"
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


def _is_ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _served_documents(base: str) -> int:
    return int(httpx.get(f"{base}/collections/{NAME}", timeout=10).json()["documents"])


def _search(api: TestClient, **body: Any) -> list[dict[str, Any]]:
    response = api.post(f"/collections/{NAME}/search", json=body)
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


def _topic_sizes(api: TestClient) -> int:
    return sum(int(t["size"]) for t in api.get(f"/collections/{NAME}/topics").json())


def _documents(api: TestClient) -> int:
    return int(api.get(f"/collections/{NAME}").json()["documents"])
