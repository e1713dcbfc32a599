"""Versioned builds of a collection, and which one is published.

Every index run, refit or `--add` writes a new build; readers only ever see a
complete one. A Milvus Lite file can be opened by one process only, so on Lite a
build is its own file (`<data_dir>/builds/<collection>/<build_id>/milvus.db`),
and the published build is named by the `CURRENT` file beside it, replaced
atomically (`os.replace`). On a Milvus server a build is a collection
`<collection>__<build_id>` and publishing swaps the alias `<collection>` to it.

Each build folder also holds `build.json` (status, counts, what it was built
from), `documents.parquet` (the rows without vectors, so a later build can be
made from it and the embedding cache alone) and `topics.json` (the partition).

    builds/<collection>/
        CURRENT              the published build id
        .lock                held (flock) by the run writing a build
        <build_id>/build.json, milvus.db, documents.parquet, topics.json
        .removing-<build_id>/  a build being deleted (renamed first, then removed)

A build is deleted by renaming its folder out of the `b*` namespace, then
removing it: a process killed halfway leaves a `.removing-*` folder, never a
listed build with its files half gone. A `b*` folder without `build.json` (a
run killed between creating the folder and writing the record, or a folder
half-deleted by an older version) is never listed; pruning removes it too.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from corpusmap.errors import BuildError, CollectionNotFoundError
from corpusmap.files import write_atomically
from corpusmap.store.schema import check_collection_name

log = logging.getLogger(__name__)

Status = Literal["building", "complete", "failed"]
CURRENT = "CURRENT"
REMOVING = ".removing-"


@dataclass(frozen=True)
class BuildInfo:
    """One build of a collection, as recorded in its `build.json`."""

    collection: str
    build_id: str
    status: Status = "building"
    created: str = ""
    finished: str | None = None
    parent: str | None = None
    kind: str = "index"
    documents: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def physical_name(self) -> str:
        """The collection name inside the build's Milvus (server builds share one Milvus)."""
        return f"{self.collection}__{self.build_id}"


def new_build_id() -> str:
    """A sortable, unique build id: UTC time to the microsecond, then random hex."""
    now = dt.datetime.now(dt.UTC)
    return f"b{now:%Y%m%d_%H%M%S_%f}_{secrets.token_hex(2)}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class BuildRegistry:
    """The builds of every collection under `<data_dir>/builds`."""

    def __init__(self, data_dir: Path):
        self.root = data_dir / "builds"

    # -- reading ----------------------------------------------------------------------
    def collections(self) -> list[str]:
        """Collections that have a published build, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{CURRENT}"))

    def builds(self, collection: str) -> list[BuildInfo]:
        """Every recorded build of a collection, oldest first."""
        folder = self.root / collection
        if not folder.is_dir():
            return []
        found = (self._read(p) for p in sorted(folder.glob("b*/build.json")))
        return [b for b in found if b is not None]

    def current_id(self, collection: str) -> str | None:
        """The published build id of a collection (None if none is published)."""
        try:
            return (self.root / collection / CURRENT).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def current(self, collection: str) -> BuildInfo:
        """The published build, or `CollectionNotFoundError`."""
        build_id = self.current_id(collection)
        info = self.get(collection, build_id) if build_id else None
        if info is None:
            raise CollectionNotFoundError(
                f"no collection named {collection[:80]!r} (no published build)"
            )
        return info

    def get(self, collection: str, build_id: str) -> BuildInfo | None:
        """One build's record, None if it does not exist."""
        return self._read(self.build_dir(collection, build_id) / "build.json")

    def build_dir(self, collection: str, build_id: str) -> Path:
        """The folder of one build."""
        return self.root / collection / build_id

    def lite_uri(self, info: BuildInfo) -> str:
        """The Milvus Lite file of a build."""
        return str(self.build_dir(info.collection, info.build_id) / "milvus.db")

    def _read(self, path: Path) -> BuildInfo | None:
        try:
            return BuildInfo(**json.loads(path.read_text(encoding="utf-8")))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    # -- writing ----------------------------------------------------------------------
    @contextmanager
    def writing(self, collection: str) -> Iterator[None]:
        """Hold the collection's build lock: one build at a time per collection.

        A killed run's lock goes with its process (flock), so the next run takes
        it and clears the builds that the dead run left unfinished.
        """
        check_collection_name(collection)
        folder = self.root / collection
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(
                    f"another run is building {collection!r}; wait for it to finish"
                ) from None
            self._clear_unfinished(collection)
            yield

    def _clear_unfinished(self, collection: str) -> None:
        for info in self.builds(collection):
            if info.status == "building":
                log.warning("removing build %s left unfinished by a dead run", info.build_id)
                self.remove(collection, info.build_id)

    def start(
        self, collection: str, *, kind: str = "index", parent: str | None = None
    ) -> BuildInfo:
        """Record a new build in progress (call inside `writing`)."""
        info = BuildInfo(
            collection=collection, build_id=new_build_id(), created=_now(), kind=kind, parent=parent
        )
        self.build_dir(collection, info.build_id).mkdir(parents=True)
        return self._write(info)

    def finish(self, info: BuildInfo, documents: int, summary: dict[str, Any]) -> BuildInfo:
        """Mark a build complete (it can be published)."""
        done = replace(
            info, status="complete", finished=_now(), documents=documents, summary=summary
        )
        return self._write(done)

    def fail(self, info: BuildInfo, error: str) -> BuildInfo:
        """Mark a build failed (never published; pruned like old builds)."""
        return self._write(replace(info, status="failed", finished=_now(), error=error[:2000]))

    def publish(self, info: BuildInfo) -> None:
        """Make a complete build the one readers see (atomic)."""
        if info.status != "complete":
            raise BuildError(f"build {info.build_id} is {info.status}, not complete")
        write_atomically(self.root / info.collection / CURRENT, info.build_id + "\n")
        log.info("published %s build %s", info.collection, info.build_id)

    def previous(self, collection: str) -> BuildInfo:
        """The newest complete build older than the published one."""
        current = self.current(collection)
        older = [
            b
            for b in self.builds(collection)
            if b.status == "complete" and b.build_id < current.build_id
        ]
        if not older:
            raise BuildError(f"{collection!r} has no complete build before {current.build_id}")
        return older[-1]

    def prune(self, collection: str, keep: int) -> list[str]:
        """Delete all but the newest `keep` complete builds, never the published one;
        failed builds go too. Returns the removed build ids."""
        current = self.current_id(collection)
        builds = self.builds(collection)
        complete = [b for b in builds if b.status == "complete" and b.build_id != current]
        kept = {b.build_id for b in complete[-max(keep - 1, 0) :]} if keep > 1 else set()
        removed = [
            b.build_id
            for b in builds
            if b.build_id != current and b.status != "building" and b.build_id not in kept
        ]
        removed += [b for b in self._unrecorded(collection) if b != current]
        for build_id in removed:
            self.remove(collection, build_id)
        for leftover in (self.root / collection).glob(REMOVING + "*"):
            shutil.rmtree(leftover, ignore_errors=True)
        return sorted(removed)

    def _unrecorded(self, collection: str) -> list[str]:
        """Build folders without `build.json`: never listed, so removed by pruning."""
        folders = (self.root / collection).glob("b*")
        return [p.name for p in folders if p.is_dir() and not (p / "build.json").exists()]

    def clear_files(self, info: BuildInfo) -> None:
        """Delete a build's files but its `build.json` (frees the space of a failed one)."""
        for path in self.build_dir(info.collection, info.build_id).iterdir():
            if path.name == "build.json":
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def remove(self, collection: str, build_id: str) -> None:
        """Delete a build's folder: out of the listing at once (rename), then its files."""
        folder = self.build_dir(collection, build_id)
        doomed = folder.with_name(REMOVING + build_id)
        if doomed.exists():  # the leftover of an earlier, interrupted removal
            shutil.rmtree(doomed, ignore_errors=True)
        try:
            folder.rename(doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def _write(self, info: BuildInfo) -> BuildInfo:
        path = self.build_dir(info.collection, info.build_id) / "build.json"
        write_atomically(path, json.dumps(asdict(info), indent=2, default=str))
        return info
