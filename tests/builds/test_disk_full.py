"""A full disk: one line saying how much more space, the build failed (or removed), no
temporary file left, the served build untouched, and a clean resume once there is room."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import corpusmap.builds.registry as registry_module
from corpusmap.builds import space
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.space import SpaceWatch, disk_full_cause, is_disk_full
from corpusmap.config import Settings
from corpusmap.embedding.cache import EmbeddingCache
from indexer.cli.app import main
from indexer.cli.commands import IndexOptions, run_index
from tests.conftest import ROOT
from tests.helpers.news import NEWS_OPTIONS, news_cli_args, write_news

ONE_LINE = re.compile(
    r"error \(disk full\): building 'news' ran out of space \((?P<cause>[^)]+)\): "
    r"needs about (?P<mb>\d+) MB more in (?P<dir>\S+); the served build is unchanged, "
    r"and a rerun reuses what was embedded"
)


def _options(path: Path) -> IndexOptions:
    return IndexOptions(sources=[str(path)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def _temporary_files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.name.endswith(".tmp")]


def test_the_disk_full_error_is_found_down_the_chain():
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise OSError(errno.ENOSPC, "No space left on device") from None
    except OSError as exc:
        assert is_disk_full(exc)
        cause = disk_full_cause(exc)
        assert isinstance(cause, sqlite3.OperationalError)  # where it started
    assert not is_disk_full(ValueError("no"))


def test_a_shortfall_is_judged_from_what_was_used_and_how_far_the_run_got(
    monkeypatch: pytest.MonkeyPatch,
):
    free = [10 << 20]
    monkeypatch.setattr(space, "free_bytes", lambda folder: free[0])
    watch = SpaceWatch.start(Path("/data"), 384, lite=False)
    watch.fixed = 0
    free[0] = 6 << 20  # a quarter of the run used 4 MB of the 10 MB free
    assert watch.measure(done=250, expected=1000) == int(1.1 * (16 << 20)) - (10 << 20)
    lite = SpaceWatch.start(Path("/data"), 384, lite=True)
    assert lite.measure(done=250, expected=1000) > int(1.1 * (16 << 20)) - (10 << 20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Settings]:
    """A data dir with `news` served (40 stories), the embedding cache warm for them."""
    settings = Settings(data_dir=tmp_path / "data", chunk_size=20)
    run_index(settings, _options(write_news(tmp_path / "base.csv", 500, 40)))
    yield settings


def _run_cli(settings: Settings, corpus: Path, capsys: pytest.CaptureFixture[str]) -> str:
    args = ["--data-dir", str(settings.data_dir), *news_cli_args(corpus, "news")]
    old_argv = sys.argv
    sys.argv = ["corpusmap", *args, "--chunk-size", "20"]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = old_argv
    assert exited.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("room_after_cleanup", [True, False], ids=["recorded", "removed"])
def test_a_full_disk_fails_the_build_in_one_line_and_a_rerun_resumes(
    served: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    room_after_cleanup: bool,
):
    registry = BuildRegistry(served.data_dir)
    before = registry.current("news")
    served_files = _files(registry.build_dir("news", before.build_id))
    commits: list[int] = []
    put_many = EmbeddingCache.put_many

    def fills_up(self: EmbeddingCache, *args: object) -> None:
        commits.append(1)
        if len(commits) > 2:  # the third chunk's commit finds the disk full
            raise sqlite3.OperationalError("database or disk is full")
        put_many(self, *args)  # type: ignore[arg-type]

    write = registry_module.write_atomically

    def no_room_for_the_record(path: Path, text: str) -> None:
        # The failed record fits only once the build's own files are gone (if ever).
        if '"failed"' in text and (
            not room_after_cleanup or (path.parent / "documents.parquet").exists()
        ):
            raise OSError(errno.ENOSPC, "No space left on device")
        write(path, text)

    monkeypatch.setattr(EmbeddingCache, "put_many", fills_up)
    monkeypatch.setattr(registry_module, "write_atomically", no_room_for_the_record)
    corpus = write_news(tmp_path / "news.csv", 0, 100)
    line = _run_cli(served, corpus, capsys)
    matched = ONE_LINE.fullmatch(line)
    assert matched, line
    assert matched["cause"] == "database or disk is full"
    assert int(matched["mb"]) >= 1 and matched["dir"] == str(served.data_dir)

    builds = registry.builds("news")
    assert registry.current_id("news") == before.build_id
    assert _files(registry.build_dir("news", before.build_id)) == served_files
    if room_after_cleanup:
        (failed,) = [b for b in builds if b.build_id != before.build_id]
        assert failed.status == "failed" and "disk is full" in (failed.error or "")
        assert os.listdir(registry.build_dir("news", failed.build_id)) == ["build.json"]
    else:
        assert [b.build_id for b in builds] == [before.build_id]
    names = {p.name for p in (served.data_dir / "builds" / "news").iterdir()}
    assert names == {".lock", "CURRENT", *(b.build_id for b in builds)}  # nothing half-gone
    assert _temporary_files(served.data_dir) == []

    monkeypatch.undo()  # room again
    resumed = run_index(served, _options(corpus))
    assert (resumed["documents"], resumed["from_cache"], resumed["embedded"]) == (100, 40, 60)
    assert [b.status for b in registry.builds("news")] == ["complete", "complete"]  # failed: pruned


#: Room for the first build (200 stories, with their topic mixtures) and some of the
#: second run's embedding cache before the disk fills.
DISK_MB = 12


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A DISK_MB tmpfs (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _grow(disk: Path, megabytes: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(disk)], check=True)


@pytest.mark.slow
def test_a_real_full_disk_then_room_as_asked_for(small_disk: Path, tmp_path: Path):
    data_dir = small_disk / "data"
    settings = Settings(data_dir=data_dir)
    run_index(settings, _options(write_news(tmp_path / "base.csv", 0, 200)))
    registry = BuildRegistry(data_dir)
    before = registry.current("news")
    served_files = _files(registry.build_dir("news", before.build_id))

    corpus = write_news(tmp_path / "big.csv", 0, 1600)
    command = [sys.executable, "-m", "indexer", "--data-dir", str(data_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(
        [*command, *news_cli_args(corpus, "news")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 2, run.stderr[-3000:]
    matched = ONE_LINE.fullmatch(run.stderr.strip().splitlines()[-1])
    assert matched, run.stderr[-3000:]
    assert registry.current_id("news") == before.build_id
    assert _files(registry.build_dir("news", before.build_id)) == served_files
    assert [b.status for b in registry.builds("news")] in (["complete"], ["complete", "failed"])
    assert _temporary_files(data_dir) == []

    _grow(small_disk, DISK_MB + int(matched["mb"]))  # the room the message asked for
    resumed = run_index(settings, _options(corpus))
    assert resumed["documents"] == 1600 and resumed["from_cache"] > 200
    assert registry.current_id("news") == resumed["build"]
