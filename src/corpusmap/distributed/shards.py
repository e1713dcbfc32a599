"""Shards: the vectors a Ray actor computed for one chunk of documents, as Parquet.

A shard's name is a digest of its documents' ids and passage-text hashes (the
embedding cache's key), so the same corpus read again names the same shards and a
rerun finds the ones a killed run wrote. Each file is written under a temporary
name and renamed into place, so a shard on disk is always whole: a process killed
mid-write leaves a temporary file, which is ignored and cleared by the next run.

Columns: `doc_id` (string), `text_hash` (binary, as in the cache), `passages`
(int32) and `vectors` (binary: the passages' float32 vectors stacked); the schema's
metadata holds the dimension, the model and the process (host, pid) that wrote it.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

SHARD_SUFFIX = ".parquet"
_PARTIAL = ".partial-"


def shard_key(doc_ids: Sequence[str], hashes: Sequence[bytes]) -> str:
    """The name of the shard of these documents (ids and passage hashes, in order)."""
    digest = hashlib.blake2b(digest_size=16)
    for doc_id, text_hash in zip(doc_ids, hashes, strict=True):
        encoded = doc_id.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
        digest.update(text_hash)
    return digest.hexdigest()


@dataclass
class Shard:
    """One shard's rows: each document's vectors (passages x dimension)."""

    doc_ids: list[str]
    hashes: list[bytes]
    vectors: list[npt.NDArray[np.float32]]
    writer: str = ""


class ShardDir:
    """The shards of one run key (model, backend, collection) in one folder."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root

    def path(self, key: str) -> Path:
        """Where the shard `key` lies once written."""
        return self.root / f"{key}{SHARD_SUFFIX}"

    def has(self, key: str) -> bool:
        """Whether the shard `key` is written (whole: partial files have other names)."""
        return self.path(key).is_file()

    def written(self) -> list[str]:
        """The shards written so far."""
        return sorted(p.name[: -len(SHARD_SUFFIX)] for p in self.root.glob(f"*{SHARD_SUFFIX}"))

    def clear_partial(self) -> int:
        """Remove the temporary files of writes that were killed; how many there were."""
        partial = list(self.root.glob(f"{_PARTIAL}*"))
        for path in partial:
            path.unlink(missing_ok=True)
        return len(partial)

    def write(self, key: str, shard: Shard, *, model: str, dimension: int) -> Path:
        """Write a shard atomically (temporary file, fsync, rename)."""
        writer = f"{socket.gethostname()}:{os.getpid()}"
        table = pa.table(
            {
                "doc_id": pa.array(shard.doc_ids, pa.string()),
                "text_hash": pa.array(shard.hashes, pa.binary()),
                "passages": pa.array([len(v) for v in shard.vectors], pa.int32()),
                "vectors": pa.array(
                    [np.ascontiguousarray(v, np.float32).tobytes() for v in shard.vectors],
                    pa.binary(),
                ),
            }
        ).replace_schema_metadata({"dimension": str(dimension), "model": model, "writer": writer})
        final = self.path(key)
        partial = self.root / f"{_PARTIAL}{key}-{writer.replace(':', '-')}"
        pq.write_table(table, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
        return final

    def read(self, key: str) -> Shard:
        """The rows of a written shard."""
        table = pq.read_table(self.path(key))
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        dimension = int(meta["dimension"])
        columns = table.to_pydict()
        vectors = [
            np.frombuffer(data, dtype=np.float32).reshape(count, dimension)
            for data, count in zip(columns["vectors"], columns["passages"], strict=True)
        ]
        return Shard(columns["doc_id"], columns["text_hash"], vectors, meta.get("writer", ""))
