"""Publishing while serving: the live API moves to new builds without failing a request."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from bench.load import drive, served
from corpusmap.config import Settings
from corpusmap.errors import CorpusError
from indexer.cli.commands import IndexOptions, run_builds, run_index, run_rollback
from tests.helpers.news import NEWS_OPTIONS, write_news


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _options(path: Path) -> IndexOptions:
    return IndexOptions(sources=[str(path)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]


def _wait_for_count(base: str, documents: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{base}/collections/news").json()["documents"] == documents:
            return
        time.sleep(0.2)
    raise AssertionError(f"the API never served the build with {documents} documents")


def test_publish_rollback_and_failed_build_while_clients_search(tmp_path: Path):
    big = write_news(tmp_path / "big.csv", 0, 120)
    small = write_news(tmp_path / "small.csv", 120, 80)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,description,label\n,no id,,1\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    run_index(settings, _options(small))  # embedded now, so later publishes are quick
    run_index(settings, _options(big))

    def publish_rollback_and_fail() -> int:
        run_index(settings, _options(small))
        _wait_for_count(base, 80)
        run_rollback(settings, "news")
        _wait_for_count(base, 120)
        with pytest.raises(CorpusError):
            run_index(settings, _options(bad))
        return 2

    with served(settings.data_dir, _free_port()) as base:
        _wait_for_count(base, 120)
        stats, publishes = drive(base, "news", 4, 5.0, publish_rollback_and_fail)
        assert httpx.get(f"{base}/collections/news").json()["documents"] == 120
    assert publishes == 2 and len(stats.latencies_ms) > 20
    assert stats.errors == []
    builds = run_builds(settings, "news")["builds"]
    assert [b["status"] for b in builds][-1] == "failed"
    assert sum(b["published"] for b in builds) == 1


def test_admin_reload_and_rollback_need_the_key(tmp_path: Path):
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from api.main import create_app

    key = {"X-API-Key": "k" * 24}
    settings = Settings(
        data_dir=tmp_path / "data",
        admin_endpoints=True,
        api_key=SecretStr("k" * 24),
        reload_interval_s=0,  # no polling: only /admin/reload moves the API
    )
    run_index(settings, _options(write_news(tmp_path / "a.csv", 0, 60)))
    with TestClient(create_app(settings)) as client:
        run_index(settings, _options(write_news(tmp_path / "b.csv", 60, 40)))
        assert client.get("/collections/news").json()["documents"] == 60
        assert client.post("/admin/reload").status_code == 401
        reloaded = client.post("/admin/reload", headers=key).json()
        assert list(reloaded["changed"]) == ["news"]
        assert client.get("/collections/news").json()["documents"] == 40
        assert client.post("/admin/collections/news/rollback").status_code == 401
        rolled = client.post("/admin/collections/news/rollback", headers=key)
        assert rolled.status_code == 200
        assert client.get("/collections/news").json()["documents"] == 60
        again = client.post("/admin/collections/news/rollback", headers=key)
        assert again.status_code == 409 and "no complete build before" in again.json()["detail"]
        missing = client.post("/admin/collections/nope/rollback", headers=key)
        assert missing.status_code == 404
