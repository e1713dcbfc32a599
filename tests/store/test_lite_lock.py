"""One process at a time on a Milvus Lite file, by corpusmap's own lock: another process
is refused with the holder's pid, and milvus-lite's lock file survives the refusal."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpusmap.errors import StoreLockedError
from corpusmap.store.lite_files import lock_path
from corpusmap.store.milvus import MilvusStore
from tests.conftest import ROOT

OPEN = """
import sys
from corpusmap.errors import StoreLockedError
from corpusmap.store.milvus import MilvusStore
try:
    MilvusStore(sys.argv[1]).close()
except StoreLockedError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


def _open_elsewhere(path: Path) -> subprocess.CompletedProcess[str]:
    """Open (and close) the Lite file in another process; rc 3 when it is refused."""
    return subprocess.run(
        [sys.executable, "-c", OPEN, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_file_open_here_is_refused_elsewhere_naming_this_process(tmp_path: Path):
    path = tmp_path / "milvus.db"
    first, second = MilvusStore(str(path)), MilvusStore(str(path))  # one process: shared
    lite_lock = tmp_path / ".milvus.db.lock"
    for _ in range(2):  # a refusal used to delete milvus-lite's lock: the second got in
        refused = _open_elsewhere(path)
        assert refused.returncode == 3, refused.stderr
        (line,) = refused.stderr.strip().splitlines()
        assert line == (
            f"{path} is open in another process (pid {os.getpid()}): "
            "a Milvus Lite file can be open in one process at a time"
        )
        assert lite_lock.exists()
    first.close()
    assert _open_elsewhere(path).returncode == 3  # the second store still has it
    second.close()
    opened = _open_elsewhere(path)
    assert opened.returncode == 0, opened.stderr
    assert lock_path(str(path)).exists()  # never deleted: two processes would lock two files
    with MilvusStore(str(path)) as again:  # and this process can open it again
        assert again.list_collections() == []


HOLD_LITE_LOCK = """
import fcntl, sys
handle = open(sys.argv[1], "a")
fcntl.lockf(handle, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_file_held_by_another_milvus_lite_user_is_refused_and_its_lock_kept(tmp_path: Path):
    path = tmp_path / "milvus.db"
    lite_lock = tmp_path / ".milvus.db.lock"
    lite_lock.touch()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LITE_LOCK, str(lite_lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLockedError, match="a process that is not corpusmap") as refused:
            MilvusStore(str(path))
        assert refused.value.pid is None and lite_lock.exists()
    finally:
        holder.communicate("", timeout=30)
    with MilvusStore(str(path)) as store:  # corpusmap's lock was let go with the refusal
        assert store.list_collections() == []
        with open(lock_path(str(path))) as lock, pytest.raises(BlockingIOError):
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
