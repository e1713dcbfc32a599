"""The vector index of a corpus collection: its type, build parameters and the search
parameters that go with them, chosen at index time and recorded with the collection.

Milvus Lite builds FLAT only (exact search), so there the index is always FLAT. On a
server the default is the server's AUTOINDEX; HNSW (`M`, `efConstruction`, search
`ef`) and IVF_FLAT (`nlist`, search `nprobe`) are chosen by `CORPUSMAP_VECTOR_INDEX`
and friends. The spec goes into the collection's description, so every later search
of the collection (by any process) uses the parameters it was built with; `corpusmap
eval` reports the recall of its dense search against exact search.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from corpusmap.config import Settings, VectorIndex

log = logging.getLogger(__name__)

#: Milvus index types by setting.
_TYPES = {
    VectorIndex.AUTO: "AUTOINDEX",
    VectorIndex.FLAT: "FLAT",
    VectorIndex.HNSW: "HNSW",
    VectorIndex.IVF_FLAT: "IVF_FLAT",
}


@dataclass(frozen=True)
class IndexSpec:
    """A Milvus vector index type with its build and search parameters."""

    index_type: str = "FLAT"
    build: dict[str, int] = field(default_factory=dict)
    search: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """As recorded in the collection description."""
        return {"type": self.index_type, "build": self.build, "search": self.search}

    @classmethod
    def from_json(cls, data: Any) -> IndexSpec | None:
        """A recorded spec; None for none (a collection made before specs were kept)."""
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return None
        build, search = data.get("build") or {}, data.get("search") or {}
        return cls(
            data["type"],
            {str(k): int(v) for k, v in build.items()},
            {str(k): int(v) for k, v in search.items()},
        )


FLAT = IndexSpec("FLAT")
AUTO = IndexSpec("AUTOINDEX")


def index_spec(settings: Settings) -> IndexSpec:
    """The index that new collections get on a server under these settings."""
    kind = settings.vector_index
    if kind is VectorIndex.HNSW:
        build = {"M": settings.hnsw_m, "efConstruction": settings.hnsw_ef_construction}
        return IndexSpec("HNSW", build, {"ef": settings.hnsw_ef})
    if kind is VectorIndex.IVF_FLAT:
        return IndexSpec("IVF_FLAT", {"nlist": settings.ivf_nlist}, {"nprobe": settings.ivf_nprobe})
    return IndexSpec(_TYPES[kind])


def effective_index(asked: IndexSpec | None, *, lite: bool) -> IndexSpec:
    """The index a store builds: FLAT on Milvus Lite (saying so when another was asked
    for), else the one asked for, or the server's AUTOINDEX."""
    if not lite:
        return asked or AUTO
    if asked is not None and asked.index_type not in (FLAT.index_type, AUTO.index_type):
        _lite_is_flat(asked.index_type)
    return FLAT


@functools.cache  # once per process, not per store opened
def _lite_is_flat(index_type: str) -> None:
    log.info("Milvus Lite builds FLAT (exact) only: %s applies on a server", index_type)
