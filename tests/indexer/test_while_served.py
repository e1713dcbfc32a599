"""Read-only commands while the API serves: the API holds each published build's Lite
file, so `info` and `search` ask it, `info`, `report` and `eval-topics` read the
build's own files, and no second process ever opens a file the API has open."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpusmap.builds.announce import SERVING_FILE
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.store.lite_files import holder
from indexer.cli.commands import IndexOptions, run_index
from tests.conftest import ROOT
from tests.helpers.news import NEWS_OPTIONS, write_news
from tests.helpers.serving import free_port, served


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data dir with 40 AG News stories published as `news`."""
    folder = tmp_path_factory.mktemp("served")
    indexed = Settings(data_dir=folder / "data")
    corpus = write_news(folder / "n.csv", 0, 40)
    run_index(indexed, IndexOptions(sources=[str(corpus)], collection="news", **NEWS_OPTIONS))  # type: ignore[arg-type]
    return indexed


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "indexer", "--data-dir", str(settings.data_dir), *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _lite_file(settings: Settings) -> str:
    registry = BuildRegistry(settings.data_dir)
    return registry.lite_uri(registry.current("news"))


def test_info_reads_the_build_while_another_process_holds_it(settings: Settings):
    with open_published(settings, "news"):  # as the API would: this process holds the file
        info = _cli(settings, "info")
        assert info.returncode == 0, info.stderr
        (news,) = json.loads(info.stdout)["collections"]
        assert (news["documents"], news["model"], news["dimension"]) == (40, "minilm", 384)
        assert news["source"].startswith("the build's own files")
        report = _cli(settings, "report", "news", "--out", str(settings.data_dir.parent / "r"))
        assert report.returncode == 0, report.stderr  # from the data the indexer saved
        assert json.loads(report.stdout)["topic_pages"] >= 2
        quality = _cli(settings, "eval-topics", "news", "--label-field", "labels")
        assert quality.returncode == 0, quality.stderr  # from the build's snapshot
        assert json.loads(quality.stdout)["documents"] == 40
        found = _cli(settings, "search", "news", "oil prices")
        assert found.returncode == 2  # no API to ask: refused, naming the holder
        assert f"open in another process (pid {os.getpid()})" in found.stderr.splitlines()[-1]
    direct = _cli(settings, "info")
    assert json.loads(direct.stdout)["collections"][0]["source"] == "the store"


@pytest.mark.slow
def test_a_served_file_is_never_opened_twice_and_the_api_answers(settings: Settings):
    lite = Path(_lite_file(settings))
    with served(settings.data_dir, free_port()) as base:
        record = json.loads((settings.data_dir / SERVING_FILE).read_text())
        assert record["url"] == base and holder(str(lite)) == record["pid"]
        for _ in range(2):  # the second `info` used to open the file the API had open
            info = _cli(settings, "info")
            assert info.returncode == 0, info.stderr
            (news,) = json.loads(info.stdout)["collections"]
            assert news["source"] == f"the API at {base}" and news["documents"] == 40
            assert (lite.parent / f".{lite.name}.lock").exists()  # milvus-lite's, intact
        found = _cli(settings, "search", "news", "oil prices", "--top-k", "3")
        assert found.returncode == 0, found.stderr
        hits = json.loads(found.stdout)
        assert len(hits) == 3 and {"id", "score", "title"} <= hits[0].keys()
        like = _cli(settings, "search", "news", "--like", hits[0]["id"], "--top-k", "2")
        assert like.returncode == 0 and hits[0]["id"] not in {
            h["id"] for h in json.loads(like.stdout)
        }
        missing = _cli(settings, "search", "news", "--like", "nope")
        assert missing.returncode == 2 and "no document 'nope'" in missing.stderr
    assert not (settings.data_dir / SERVING_FILE).exists()  # removed at shutdown
    assert json.loads(_cli(settings, "info").stdout)["collections"][0]["source"] == "the store"
