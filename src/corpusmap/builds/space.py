"""A full disk during a build: recognised in an error's chain, and sized.

A build writes what grows with the corpus (the embedding cache, the build's Milvus
Lite file and its snapshot) and what does not (the topic report, the topic model).
When the disk fills, the first error (SQLite's "database or disk is full", ENOSPC
from pyarrow or Milvus) is followed by others raised while unwinding, so
`is_disk_full` looks down the whole chain. `SpaceWatch` notes the free space when a
build starts; from what the build had used when it failed and how far it had got,
it estimates how much more the build needs.
"""

from __future__ import annotations

import errno
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from corpusmap.errors import DiskFullError

_MESSAGES = ("database or disk is full", "no space left on device", "disk quota exceeded")
_MB = 1 << 20
#: The files of a build that do not grow with the corpus.
_FIXED = ("report.html", "topics.json", "topic_model")
#: SQLite's write-ahead log grows to about 4 MB between checkpoints (1,000 pages).
_WAL_BYTES = 4 * _MB
#: A topic report inlines plotly.js: about 5 MB, whatever the corpus.
_REPORT_BYTES = 5 * _MB
#: Bytes per vector dimension of one document: in Milvus Lite (its vector, index and
#: text: 4.4 kB for a 384-d AG News story) and in the embedding cache (2.1 kB).
_LITE_BYTES_PER_DIM = 12
_CACHE_BYTES_PER_DIM = 6


def disk_full_cause(exc: BaseException) -> BaseException | None:
    """The first error in `exc`'s chain (causes and contexts) that says the disk is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    found = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT)) or any(
            m in str(current).lower() for m in _MESSAGES
        ):
            found = current  # keep going: the deepest one is where it started
        current = current.__cause__ or current.__context__
    return found


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error, or one it was raised while handling, is a full disk."""
    return disk_full_cause(exc) is not None


def free_bytes(folder: Path) -> int:
    """Free bytes on the file system that holds `folder` (or its nearest existing parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file under a folder (0 if it does not exist)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class SpaceWatch:
    """The free space of a data dir when a build started, to size a shortfall.

    A build needs, per document, what it was seen to use (the cache, the snapshot)
    plus its Milvus Lite rows, which Lite writes late (measured on the served build,
    or `_LITE_BYTES_PER_DIM` per dimension); and, once, the topic report and model
    (measured on the served build, or `_REPORT_BYTES`) and SQLite's log.
    """

    folder: Path
    free_at_start: int
    #: The vectors' size, and whether builds are Milvus Lite files.
    dimension: int = 384
    lite: bool = True
    #: Bytes a build writes whatever its size.
    fixed: int = _REPORT_BYTES + _WAL_BYTES
    #: Bytes of one document's Lite rows, as measured on the served build.
    lite_per_doc: float | None = None
    #: Bytes still needed, as measured when the build failed (before its files went).
    shortfall: int | None = None

    @classmethod
    def start(cls, folder: Path, dimension: int, *, lite: bool) -> SpaceWatch:
        """Note the free space now."""
        return cls(folder, free_bytes(folder), dimension, lite)

    def like(self, served: Path, documents: int | None) -> None:
        """Size a build on the served one (its folder, its document count)."""
        self.fixed = sum(size_of(served / name) for name in _FIXED) + _WAL_BYTES
        if self.lite and documents and (rows := size_of(served / "milvus.db")):
            self.lite_per_doc = rows / documents

    def is_full(self) -> bool:
        """Whether under 1 MB is free (an error then is a full disk, whatever it says)."""
        return free_bytes(self.folder) < _MB

    def measure(self, done: int, expected: int | None) -> int:
        """Bytes more than were free at the start that the whole build needs, judged
        from what it used for its first `done` of `expected` documents (10% margin)."""
        used = max(self.free_at_start - free_bytes(self.folder), 0)
        lite = 0.0 if not self.lite else self.lite_per_doc or _LITE_BYTES_PER_DIM * self.dimension
        seen = used / done if done else _CACHE_BYTES_PER_DIM * self.dimension
        total = (seen + lite) * max(expected or 0, done) + self.fixed + (0 if done else used)
        self.shortfall = max(int(1.1 * total) - self.free_at_start, _MB)
        return self.shortfall

    def error(self, what: str, exc: BaseException, then: str = "") -> DiskFullError:
        """A one-line `DiskFullError`: what ran out of space, about how much more is
        needed where, then `then`."""
        shortfall = self.shortfall if self.shortfall is not None else self.measure(0, None)
        cause = disk_full_cause(exc) or exc
        if isinstance(cause, OSError) and cause.errno:
            first = os.strerror(cause.errno)
        else:
            first = (str(cause).splitlines() or [type(cause).__name__])[0][:120]
        return DiskFullError(
            f"{what} ran out of space ({first}): needs about "
            f"{math.ceil(shortfall / _MB)} MB more in {self.folder}{then}"
        )
