"""The embedding cache: vectors on disk, keyed by model, document id and text hash.

Embedding is the one expensive step of an index run, so every vector computed is
kept here. A re-run, a resume after a crash, a topic refit, an `--add` run and a
move to a Milvus server embed only documents that are new or whose text changed.

Storage is one SQLite file per model (and backend): a chunk's vectors commit in
one transaction, so a process killed at any point leaves whole chunks or nothing,
never a torn row. The hash covers the exact passage texts that were embedded, so
a change of text, of `max_text_chars` or of passage splitting misses the cache.

Rows are keyed by (document id, text hash), not by id alone: collections that
number their documents alike (`1`, `2`, ...) share the file without evicting each
other's vectors, and a text changed back and forth hits the cache both ways.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    doc_id TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    passages INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (doc_id, text_hash)
)
"""
#: Files written before the key included the hash: their rows move to the new table.
_MIGRATE = """
ALTER TABLE vectors RENAME TO vectors_by_id;
{schema};
INSERT OR IGNORE INTO vectors SELECT doc_id, text_hash, passages, data FROM vectors_by_id;
DROP TABLE vectors_by_id;
"""
#: SQLite's bound on host parameters per statement is 32,766; stay well below.
_LOOKUP_BATCH = 900


def passages_hash(passages: Sequence[str]) -> bytes:
    """A digest of the exact passage texts a document was embedded as."""
    digest = hashlib.blake2b(digest_size=16)
    for text in passages:
        encoded = text.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.digest()


def cache_file_name(model: str, backend: str = "torch") -> str:
    """A file name for a model's cache: readable, and unique per model and backend."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(model).name).strip("-")[:40] or "model"
    key = hashlib.sha1(f"{model}|{backend}".encode()).hexdigest()[:10]
    return f"{slug}-{backend}-{key}.sqlite"


class EmbeddingCache:
    """Vectors of documents (one row per document, its passages' vectors stacked)."""

    def __init__(self, path: Path, dimension: int):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.dimension = dimension
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL + NORMAL: a killed process loses at most the transaction in flight.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        if self._keyed_by_id_alone():
            self._db.executescript("BEGIN;" + _MIGRATE.format(schema=_SCHEMA) + "COMMIT;")
        self._db.execute(_SCHEMA)

    def _keyed_by_id_alone(self) -> bool:
        """Whether the file holds the old table, whose primary key is `doc_id` alone."""
        columns = self._db.execute("PRAGMA table_info(vectors)").fetchall()
        return [c[1] for c in columns if c[5]] == ["doc_id"]

    @classmethod
    def for_model(
        cls, folder: Path, model: str, dimension: int, backend: str = "torch"
    ) -> EmbeddingCache:
        """The cache of one model under a cache folder."""
        return cls(folder / cache_file_name(model, backend), dimension)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def get_many(
        self, doc_ids: Sequence[str], hashes: Sequence[bytes]
    ) -> dict[str, npt.NDArray[np.float32]]:
        """Cached vectors (passages x dimension) of the documents whose hash matches."""
        wanted = dict(zip(doc_ids, hashes, strict=True))
        found: dict[str, npt.NDArray[np.float32]] = {}
        ids = list(wanted)
        with self._lock:
            for first in range(0, len(ids), _LOOKUP_BATCH):
                batch = ids[first : first + _LOOKUP_BATCH]
                # Only "?" placeholders are joined in; the ids travel as parameters.
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT doc_id, text_hash, passages, data FROM vectors WHERE doc_id IN ({marks})",  # noqa: E501, S608
                    batch,
                ).fetchall()
                for doc_id, text_hash, passages, data in rows:
                    if text_hash == wanted[doc_id]:
                        found[doc_id] = self._decode(data, passages)
        return found

    def put_many(
        self,
        doc_ids: Sequence[str],
        hashes: Sequence[bytes],
        vectors: Sequence[npt.NDArray[np.float32]],
    ) -> None:
        """Store documents' vectors in one transaction (beside any of other texts)."""
        rows = [
            (d, h, len(v), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for d, h, v in zip(doc_ids, hashes, vectors, strict=True)
        ]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")  # a full disk fails here too: rolled back below
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _decode(self, data: bytes, passages: int) -> npt.NDArray[np.float32]:
        return np.frombuffer(data, dtype=np.float32).reshape(passages, self.dimension)
