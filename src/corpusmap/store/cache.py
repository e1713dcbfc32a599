"""What a Milvus Lite store remembers between requests, and the writes that void it.

A store reads the same facts about a collection on every request: its metadata
(one `describe_collection`, ~1.7 ms on Lite), whether it has passages, and its
topic labels. `StoreCache` keeps such values for the stores of one Lite file in
this process; `WatchedClient` clears it after every client call that may change a
collection (any call not known to be a read), so a write through any store on the
file, topics included, is seen at once. Only Lite is cached: a Lite file is locked
to one process, while on a server other processes move aliases under a store.
"""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from pymilvus import MilvusClient

T = TypeVar("T")
#: MilvusClient methods (name prefixes) that change nothing; every other one clears.
READ_METHODS = (
    "describe_",
    "has_",
    "list_",
    "get",
    "search",
    "query",
    "hybrid_search",
    "run_analyzer",
    "load_",
    "release_",
    "refresh_load",
    "flush",
    "compact",
    "close",
)


class StoreCache:
    """Values derived from one Lite file; a value computed across a write is not kept."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of `key`, or `compute()` (kept unless a write intervened)."""
        with self._lock:
            if key in self._values:
                return cast(T, self._values[key])
            generation = self._generation
        value = compute()
        with self._lock:
            if generation == self._generation:
                self._values[key] = value
        return value

    def clear(self) -> None:
        """Forget every value (after a write)."""
        with self._lock:
            self._values.clear()
            self._generation += 1


class WatchedClient(MilvusClient):
    """A MilvusClient that calls `on_write` after each call that may change collections."""

    def __init__(self, *args: Any, on_write: Callable[[], None], **kwargs: Any) -> None:
        self._on_write = on_write
        super().__init__(*args, **kwargs)


def _watched(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, then `on_write` (even when it fails: a failed write may have changed rows)."""

    @functools.wraps(method)
    def call(self: WatchedClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            self._on_write()

    return call


for _name, _method in vars(MilvusClient).items():
    if isinstance(_method, types.FunctionType) and not _name.startswith(("_", *READ_METHODS)):
        setattr(WatchedClient, _name, _watched(_method))
