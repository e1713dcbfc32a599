"""The Milvus Lite files this process has open, each under corpusmap's own lock.

A Lite file may be open in one process at a time. milvus-lite 2.5.1 locks it while
its server runs (`.<file>.lock`), but a process that fails to take that lock still
deletes the lock file on its way out (`Server.stop()` runs from `__del__` whether or
not `start()` got the lock): after `corpusmap serve` and a refused `corpusmap info`,
the next `info` found no lock file and opened the file the API had open.

So corpusmap never relies on it. The first store of a process to open a file takes
an exclusive `flock` on `<file>.corpusmap.lock` and writes its pid there; the last
store to close the file stops its Lite server, then lets the lock go. A process that
cannot take the lock gets `StoreLockedError` naming the holder, and milvus-lite is
never asked to open the file (so its lock file is never deleted by a loser). The
lock file itself is never deleted: two processes would then lock two files.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpusmap.errors import StoreLockedError
from corpusmap.store.cache import StoreCache

LOCK_SUFFIX = ".corpusmap.lock"


@dataclass
class _Held:
    """One Lite file open in this process: its lock, its stores, what they cached."""

    fd: int
    stores: int = 0
    cache: StoreCache = field(default_factory=StoreCache)


_HELD: dict[str, _Held] = {}
#: Held while a file is taken or let go (a Lite server stops in a moment), so that
#: this process never races itself for a lock it is giving up.
_LOCK = threading.Lock()


def lock_path(path: str) -> Path:
    """corpusmap's lock file of a Lite file."""
    return Path(path + LOCK_SUFFIX)


def hold(path: str) -> StoreCache:
    """One more store on the Lite file at `path` (absolute); the first takes its lock.

    Raises `StoreLockedError` when another process has the file open. Returns the
    cache shared by this process's stores on the file.
    """
    with _LOCK:
        held = _HELD.get(path)
        if held is None:
            held = _HELD[path] = _Held(_take(path))
        held.stores += 1
        return held.cache


def let_go(path: str, stop_server: Callable[[], None]) -> None:
    """One store less on a Lite file; after the last, `stop_server()`, then unlock."""
    with _LOCK:
        held = _HELD[path]
        held.stores -= 1
        if held.stores > 0:
            return
        del _HELD[path]
        try:
            stop_server()
        finally:
            os.close(held.fd)  # closing the descriptor releases the flock


def holder(path: str) -> int | None:
    """The pid written in a Lite file's lock file (None if none can be read)."""
    try:
        return int(lock_path(path).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _take(path: str) -> int:
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLockedError(path, holder(path)) from None
    try:
        _check_lite_lock(path)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_lite_lock(path: str) -> None:
    """Refuse a file whose milvus-lite lock another program holds (one that does not
    take corpusmap's lock), before milvus-lite tries and deletes that lock file."""
    lite_lock = Path(path).with_name(f".{Path(path).name}.lock")
    try:
        fd = os.open(lite_lock, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise StoreLockedError(path, None) from None
    finally:
        os.close(fd)  # releases the lockf lock if it was taken
