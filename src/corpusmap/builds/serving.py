"""What a long-running reader (the API) serves: each collection's published build.

On Milvus Lite each build is its own file, so the reader holds one store per
collection and moves to a newly published build by opening it *beside* the old
one, swapping, and closing the old store once the last request using it is done:
no request fails and none waits for the swap. On a Milvus server the alias
`<name>` already points at the published build, so one store serves all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from corpusmap.builds.publishing import build_target, open_store_at, server_store
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.errors import CollectionNotFoundError
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import is_valid_collection_name

log = logging.getLogger(__name__)


@dataclass
class _Served:
    """One open build and the requests using it."""

    build_id: str
    store: MilvusStore
    leases: int = 0
    retired: bool = False


class PublishedStores:
    """The published build of every collection, following publishes without a restart."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.registry = BuildRegistry(settings.data_dir)
        self._served: dict[str, _Served] = {}
        self._lock = threading.Lock()  # guards _served and lease counts
        self._refreshing = threading.Lock()  # one refresh at a time
        self._server = None if settings.uses_lite() else server_store(settings)

    def collections(self) -> list[str]:
        """Collections with a published build, sorted."""
        return self.registry.collections()

    def served_builds(self) -> dict[str, str]:
        """The build each collection is served from right now."""
        if self._server is not None:
            return {c: self.registry.current_id(c) or "?" for c in self.collections()}
        with self._lock:
            return {name: served.build_id for name, served in sorted(self._served.items())}

    def served_dir(self, collection: str) -> Path | None:
        """The folder of the build a collection is served from (None: not served)."""
        if self._server is not None:
            build_id = self.registry.current_id(collection)
        else:
            with self._lock:
                served = self._served.get(collection)
            build_id = served.build_id if served is not None else None
        return self.registry.build_dir(collection, build_id) if build_id else None

    @contextmanager
    def lease(self, collection: str) -> Iterator[MilvusStore]:
        """The store of a collection's published build, held open while in use."""
        if self._server is not None:
            # Only published names: a build's own collection (`<name>__<build>`) is
            # reachable on the server too, but is not served.
            valid = is_valid_collection_name(collection)
            if not valid or not self.registry.current_id(collection):
                raise CollectionNotFoundError(f"no collection named {collection[:80]!r}")
            yield self._server
            return
        served = self._acquire(collection)
        try:
            yield served.store
        finally:
            self._release(served)

    def _acquire(self, collection: str) -> _Served:
        if not is_valid_collection_name(collection):
            raise CollectionNotFoundError(f"no collection named {collection[:80]!r}")
        for attempt in range(2):
            with self._lock:
                served = self._served.get(collection)
                if served is not None:
                    served.leases += 1
                    return served
            if attempt == 0:  # published since the last refresh: open it now
                self.refresh([collection])
        raise CollectionNotFoundError(f"no collection named {collection[:80]!r}")

    def _release(self, served: _Served) -> None:
        with self._lock:
            served.leases -= 1
            close = served.retired and served.leases == 0
        if close:
            self._close(served)

    def refresh(self, collections: list[str] | None = None) -> dict[str, str]:
        """Move to newly published builds (or drop unpublished collections);
        returns the collections that changed and their new build ids."""
        if self._server is not None:
            return {}
        changed: dict[str, str] = {}
        with self._refreshing:
            names = collections if collections is not None else self._known()
            for name in names:
                build_id = self.registry.current_id(name)
                with self._lock:
                    served = self._served.get(name)
                if served is not None and served.build_id == build_id:
                    continue
                fresh = self._open(name) if build_id else None
                if build_id and fresh is None:
                    continue  # the new build cannot be opened: keep serving the old one
                self._swap(name, fresh)
                changed[name] = fresh.build_id if fresh else ""
        return changed

    def _known(self) -> list[str]:
        with self._lock:
            return sorted(set(self.registry.collections()) | set(self._served))

    def _open(self, name: str) -> _Served | None:
        try:
            info = self.registry.current(name)
            store = open_store_at(
                self.settings, build_target(self.settings, self.registry, info).uri
            )
        except Exception as exc:  # a broken build must not take the others down
            log.error("cannot open the published build of %s: %s", name, exc)
            return None
        log.info("serving %s from build %s", name, info.build_id)
        return _Served(info.build_id, store)

    def _swap(self, name: str, fresh: _Served | None) -> None:
        with self._lock:
            old = self._served.pop(name, None)
            if fresh is not None:
                self._served[name] = fresh
            if old is None:
                return
            old.retired = True
            close = old.leases == 0
        if close:
            self._close(old)

    def _close(self, served: _Served) -> None:
        log.info("closing build %s (no longer published)", served.build_id)
        served.store.close()

    def close(self) -> None:
        """Close every store (at shutdown)."""
        with self._lock:
            served, self._served = list(self._served.values()), {}
        for item in served:
            item.store.close()
        if self._server is not None:
            self._server.close()
