"""The Milvus store: corpus collections, their topics, search and lookups.

The same code runs on Milvus Lite (a local `.db` path, the default) and on a
Milvus server (`http://host:19530` plus a token). Every filter is built by
`corpusmap.filters`; nothing here splices user values into expressions.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pymilvus import MilvusClient, MilvusException

from corpusmap.documents import Document
from corpusmap.errors import CollectionNotFoundError, StoreError
from corpusmap.filters import ids_filter
from corpusmap.schema import (
    DOCUMENT_FIELDS,
    TOPICS_SUFFIX,
    CollectionMeta,
    check_collection_name,
    document_row,
    document_schema,
    is_valid_collection_name,
    vector_index,
)

log = logging.getLogger(__name__)

# Stores open per Milvus Lite file in this process. pymilvus 2.6 never stops the
# embedded server it starts for a file, so the file stays locked against other
# processes until exit; the last store to close a file stops its server.
_LITE_OPEN: Counter[str] = Counter()
_LITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Hit:
    """One search result: the stored fields of a document and its cosine score."""

    score: float
    fields: dict[str, Any]


def is_lite_uri(uri: str) -> bool:
    """Whether a URI names a Milvus Lite file rather than a server."""
    return not uri.startswith(("http://", "https://", "tcp://", "unix:"))


class MilvusStore:
    """Corpus and topic collections on one Milvus (Lite file or server)."""

    def __init__(self, uri: str, token: str = "", *, insert_batch_size: int = 1000):
        self.uri = uri
        self.insert_batch_size = insert_batch_size
        self.index_type = "FLAT" if is_lite_uri(uri) else "AUTOINDEX"
        self._lite_path = str(Path(uri).expanduser().resolve()) if is_lite_uri(uri) else None
        if self._lite_path:
            Path(self._lite_path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(uri=uri, token=token)
        except MilvusException as exc:
            raise StoreError(f"cannot open Milvus at {uri!r}: {exc.message}") from exc
        if self._lite_path:
            with _LITE_LOCK:
                _LITE_OPEN[self._lite_path] += 1

    def close(self) -> None:
        """Close the connection; the last store on a Lite file stops its server."""
        self.client.close()
        if not self._lite_path:
            return
        with _LITE_LOCK:
            _LITE_OPEN[self._lite_path] -= 1
            if _LITE_OPEN[self._lite_path] > 0:
                return
            del _LITE_OPEN[self._lite_path]
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(self._lite_path)
        self._lite_path = None

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- collections ------------------------------------------------------------------
    def list_collections(self) -> list[str]:
        """Names of the corpus collections that corpusmap created, sorted."""
        names = [n for n in self.client.list_collections() if not n.endswith(TOPICS_SUFFIX)]
        return sorted(n for n in names if self._meta_or_none(n) is not None)

    def _meta_or_none(self, name: str) -> CollectionMeta | None:
        description = self.client.describe_collection(name).get("description", "")
        return CollectionMeta.from_description(description)

    def meta(self, name: str) -> CollectionMeta:
        """The recorded model and dimension of a collection, or `CollectionNotFoundError`."""
        if not is_valid_collection_name(name) or not self.client.has_collection(name):
            raise CollectionNotFoundError(f"no collection named {name[:80]!r}")
        meta = self._meta_or_none(name)
        if meta is None:
            raise CollectionNotFoundError(f"collection {name!r} was not created by corpusmap")
        return meta

    def create_collection(self, name: str, meta: CollectionMeta, *, replace: bool = False) -> None:
        """Create an empty corpus collection; `replace` drops one of that name first."""
        check_collection_name(name)
        if self.client.has_collection(name):
            if not replace:
                raise StoreError(f"collection {name!r} exists; pass replace=True to rebuild it")
            self.drop_collection(name)
        self.client.create_collection(
            name,
            schema=document_schema(meta),
            index_params=vector_index(self.index_type),
            consistency_level="Strong",
        )
        log.info("created collection %s (model %s, %d-d)", name, meta.model, meta.dimension)

    def drop_collection(self, name: str) -> None:
        """Drop a corpus collection and its topics."""
        for n in (name, name + TOPICS_SUFFIX):
            if self.client.has_collection(n):
                self.client.drop_collection(n)

    def count(self, name: str) -> int:
        """Number of documents in a collection."""
        self.meta(name)
        rows = self.client.query(name, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def count_where(self, name: str, expression: str) -> int:
        """Number of documents matching a (safely built) expression."""
        rows = self.client.query(name, filter=expression, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    # -- documents --------------------------------------------------------------------
    def insert_documents(
        self,
        name: str,
        docs: Sequence[Document],
        vectors: npt.NDArray[np.float32],
        *,
        max_text_chars: int = 20000,
    ) -> int:
        """Insert documents with their vectors, in batches the engine handles well."""
        if len(docs) != len(vectors):
            raise ValueError(f"{len(docs)} documents but {len(vectors)} vectors")
        rows = [document_row(d, v, max_text_chars) for d, v in zip(docs, vectors, strict=True)]
        for start in range(0, len(rows), self.insert_batch_size):
            self.client.insert(name, rows[start : start + self.insert_batch_size])
        return len(rows)

    def get_documents(self, name: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Stored fields of the documents with these ids (missing ids are left out)."""
        self.meta(name)
        if not ids:
            return []
        return list(self.client.query(name, filter=ids_filter(ids), output_fields=DOCUMENT_FIELDS))

    def get_vector(self, name: str, doc_id: str) -> npt.NDArray[np.float32] | None:
        """The stored vector of one document, or None when there is no such id."""
        self.meta(name)
        rows = self.client.query(name, filter=ids_filter([doc_id]), output_fields=["vector"])
        return np.asarray(rows[0]["vector"], dtype=np.float32) if rows else None

    def query_documents(
        self, name: str, expression: str, *, offset: int = 0, limit: int = 20
    ) -> list[dict[str, Any]]:
        """A page of the documents matching a (safely built) expression, by id."""
        self.meta(name)
        return list(
            self.client.query(
                name,
                filter=expression,
                output_fields=DOCUMENT_FIELDS,
                offset=offset,
                limit=limit,
            )
        )

    def search(
        self,
        name: str,
        vector: npt.NDArray[np.float32],
        top_k: int,
        expression: str = "",
    ) -> list[Hit]:
        """The `top_k` nearest documents by cosine, filtered inside the search."""
        self.meta(name)
        result = self.client.search(
            name,
            data=[vector.tolist()],
            limit=top_k,
            filter=expression,
            output_fields=DOCUMENT_FIELDS,
            search_params={"metric_type": "COSINE"},
        )
        return [Hit(score=float(h["distance"]), fields=dict(h["entity"])) for h in result[0]]

    def iter_rows(
        self, name: str, fields: Sequence[str], *, batch_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """Every row of a collection in batches, with the given fields."""
        iterator = self.client.query_iterator(
            name, batch_size=batch_size, output_fields=list(fields)
        )
        try:
            while batch := iterator.next():
                yield list(batch)
        finally:
            iterator.close()

    def set_topics(self, name: str, topics: dict[str, int]) -> int:
        """Write each document's topic id (an upsert of whole rows: Lite has no partial update)."""
        all_fields = [*DOCUMENT_FIELDS, "cpc_sections", "vector"]
        written = 0
        for batch in self.iter_rows(name, all_fields, batch_size=self.insert_batch_size):
            changed = [
                {**row, "topic": topics[row["id"]]}
                for row in batch
                if row["id"] in topics and row["topic"] != topics[row["id"]]
            ]
            if changed:
                self.client.upsert(name, changed)
                written += len(changed)
        return written
