"""Crash and resume: a run killed with SIGKILL, run again, equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.store.milvus import group_passages
from indexer.cli.commands import IndexOptions, run_index, run_topics
from tests.conftest import ROOT
from tests.helpers.news import NEWS_OPTIONS, news_cli_args, write_news

DOCS = 400
CHUNK = 50


def _options(path: Path) -> IndexOptions:
    return IndexOptions(sources=[str(path)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]


def _cached_documents(data_dir: Path) -> int:
    files = list((data_dir / "cache" / "embeddings").glob("*.sqlite"))
    if not files:
        return 0
    with sqlite3.connect(f"file:{files[0]}?mode=ro", uri=True, timeout=5) as db:
        try:
            return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
        except sqlite3.OperationalError:  # the table is being created
            return 0


def _kill_mid_run(data_dir: Path, corpus: Path, after_docs: int) -> None:
    """Start `corpusmap index` in a child process and SIGKILL it mid-embedding."""
    command = [sys.executable, "-m", "indexer", "--data-dir", str(data_dir)]
    command += [*news_cli_args(corpus, "news"), "--chunk-size", str(CHUNK)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    child = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _cached_documents(data_dir) < after_docs:
        assert child.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait()


def _stored(settings: Settings) -> tuple[list[str], dict[str, int]]:
    """Every stored document id (with repeats, if any) and each document's topic."""
    with open_published(settings, "news") as (store, name):
        rows = list(store.iter_passages(name, ["topic"]))
    firsts = [r["doc_id"] for r in rows if r["passage"] == 0]
    topics = {d: parts[0]["topic"] for d, parts in group_passages(rows).items()}
    return firsts, topics


def test_a_killed_run_resumes_to_the_same_index_as_an_uninterrupted_one(tmp_path: Path):
    corpus = write_news(tmp_path / "news.csv", 0, DOCS)
    whole = Settings(data_dir=tmp_path / "whole", chunk_size=CHUNK)
    reference = run_index(whole, _options(corpus))
    assert reference["embedded"] == DOCS and reference["from_cache"] == 0

    crashed = Settings(data_dir=tmp_path / "crashed", chunk_size=CHUNK)
    _kill_mid_run(crashed.data_dir, corpus, after_docs=2 * CHUNK)
    registry = BuildRegistry(crashed.data_dir)
    assert registry.current_id("news") is None  # nothing half-built is ever served
    assert [b.status for b in registry.builds("news")] == ["building"]

    resumed = run_index(crashed, _options(corpus))
    assert resumed["from_cache"] >= 2 * CHUNK  # the dead run's chunks are not embedded again
    assert resumed["embedded"] + resumed["from_cache"] == DOCS == resumed["documents"]
    assert [b.status for b in registry.builds("news")] == ["complete"]  # the dead one cleared

    ids, topics = _stored(crashed)
    reference_ids, reference_topics = _stored(whole)
    assert len(ids) == len(set(ids)) == DOCS  # no duplicates, no gaps
    assert sorted(ids) == sorted(reference_ids)
    assert topics == reference_topics  # same seed, same vectors: the same partition


def test_rerun_embeds_only_changed_documents_and_a_refit_embeds_none(tmp_path: Path):
    corpus = write_news(tmp_path / "news.csv", 0, 120)
    settings = Settings(data_dir=tmp_path / "data")
    first = run_index(settings, _options(corpus))
    assert first["embedded"] == 120
    lines = corpus.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",", ",Changed: ", 1)  # a new title for n0
    lines.append('n999,A new story,"Something else entirely happened today.",1')
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = run_index(settings, _options(corpus))
    assert (second["embedded"], second["from_cache"], second["documents"]) == (2, 119, 121)
    refit = run_topics(settings, "news")
    assert (refit["embedded"], refit["from_cache"], refit["documents"]) == (0, 121, 121)
    with open_published(settings, "news") as (store, name):
        (changed,) = store.get_documents(name, ["n0"])
    assert changed["title"].startswith("Changed: ")
    statuses = [(b.kind, b.status) for b in BuildRegistry(settings.data_dir).builds("news")]
    assert statuses == [("index", "complete"), ("index", "complete"), ("refit", "complete")]


@pytest.mark.slow
@pytest.mark.parametrize("after_docs", [1, 150, 300])
def test_kill_at_several_points_then_resume(tmp_path: Path, after_docs: int):
    corpus = write_news(tmp_path / "news.csv", 0, DOCS)
    settings = Settings(data_dir=tmp_path / "data", chunk_size=CHUNK)
    _kill_mid_run(settings.data_dir, corpus, after_docs=after_docs)
    resumed = run_index(settings, _options(corpus))
    ids, _ = _stored(settings)
    assert len(ids) == len(set(ids)) == DOCS == resumed["documents"]


def _renumbered(path: Path, first: int, count: int) -> Path:
    """AG News rows from `first`, numbered `n0 ..` like the cut that starts at row 0."""
    write_news(path, first, count)
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [f"n{i}," + line.split(",", 1)[1] for i, line in enumerate(lines[1:])]
    path.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    return path


def test_collections_with_the_same_ids_keep_their_own_cached_vectors(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    for name, first in (("news_a", 0), ("news_b", 500)):
        options = _options(_renumbered(tmp_path / f"{name}.csv", first, 40))
        assert run_index(settings, replace(options, collection=name))["embedded"] == 40
    for name in ("news_a", "news_b"):
        refit = run_topics(settings, name)
        assert (refit["embedded"], refit["from_cache"]) == (0, 40)
