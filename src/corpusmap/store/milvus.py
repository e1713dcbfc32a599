"""The Milvus store: corpus collections, their topics, search and lookups.

The same code runs on Milvus Lite (a local `.db` path, the default) and on a
Milvus server (`http://host:19530` plus a token). Every filter is built by
`corpusmap.store.filters`; nothing here splices user values into expressions, and
`corpusmap.store.templating` sends them as `filter_params` where the server takes them.

On Milvus Lite a store caches what it reads about a collection (its metadata,
whether it has passages; `cached` for callers' own lookups) until a write to the
file (see `corpusmap.store.cache`); a server is not cached.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pymilvus import MilvusClient, MilvusException

from corpusmap.config import SearchMode
from corpusmap.config.defaults import FUSION_DEPTH, KEYWORD_COMPOUNDS, LITE_CONNECT_TIMEOUT_S
from corpusmap.documents import Document, Hit
from corpusmap.embedding.batching import unit_mean
from corpusmap.errors import CollectionNotFoundError, StoreError
from corpusmap.store import lite_files
from corpusmap.store.cache import StoreCache, WatchedClient
from corpusmap.store.filters import Filter, all_of, doc_ids_filter, quotable
from corpusmap.store.passages import passage_rows, search_documents
from corpusmap.store.phrases import CompoundPhrase, compound_phrases, phrase_rescored
from corpusmap.store.quiet import LITE_GRPC_OPTIONS, quiet_milvus_libraries
from corpusmap.store.schema import (
    DOCUMENT_FIELDS,
    MIXTURE_FIELDS,
    TOPICS_SUFFIX,
    CollectionMeta,
    check_collection_name,
    document_rows,
    document_schema,
    is_valid_collection_name,
    mixture_row,
    row_mixture,
    vector_index,
)
from corpusmap.store.templating import FilterArguments
from corpusmap.store.vector_index import IndexSpec, effective_index
from corpusmap.store.vocabulary import Vocabulary, expand_query

log = logging.getLogger(__name__)
quiet_milvus_libraries()

_ANNS = {"dense": ("vector", "COSINE"), "keyword": ("sparse", "BM25")}
T = TypeVar("T")


def _as_document(row: dict[str, Any]) -> dict[str, Any]:
    """A passage row seen as its document: `id` is the document id."""
    return {**row, "id": row["doc_id"]}


def group_passages(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Passage rows by document id (ids sorted), each document's passages in order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["doc_id"], []).append(row)
    return {d: sorted(grouped[d], key=lambda r: r["passage"]) for d in sorted(grouped)}


def is_lite_uri(uri: str) -> bool:
    """Whether a URI names a Milvus Lite file rather than a server."""
    return not uri.startswith(("http://", "https://", "tcp://", "unix:"))


class MilvusStore:
    """Corpus and topic collections on one Milvus (Lite file or server)."""

    def __init__(
        self,
        uri: str,
        token: str = "",
        *,
        insert_batch_size: int = 1000,
        index: IndexSpec | None = None,
        keyword_compounds: bool = KEYWORD_COMPOUNDS,
    ):
        self.uri = uri
        self.insert_batch_size = insert_batch_size
        #: The vector index of collections this store creates (Lite builds FLAT only).
        self.index = effective_index(index, lite=is_lite_uri(uri))
        #: Keyword searches match compounds (`corpusmap.store.vocabulary`).
        self.keyword_compounds = keyword_compounds
        self._vocabularies: dict[tuple[str, object], Vocabulary] = {}  # servers'
        self._lite_path = str(Path(uri).expanduser().resolve()) if is_lite_uri(uri) else None
        self._cache: StoreCache | None = None  # Lite only
        if self._lite_path:
            Path(self._lite_path).parent.mkdir(parents=True, exist_ok=True)
            # corpusmap's lock first (`corpusmap.store.lite_files`): StoreLockedError.
            self._cache = lite_files.hold(self._lite_path)
        try:
            self.client: MilvusClient = WatchedClient(
                uri=uri,
                token=token,
                on_write=self._written,
                timeout=LITE_CONNECT_TIMEOUT_S if self._lite_path else None,
                grpc_options=LITE_GRPC_OPTIONS if self._lite_path else {},
            )
        except MilvusException as exc:
            self._let_go()
            raise StoreError(f"cannot open Milvus at {uri!r}: {exc.message}") from exc
        #: The filter arguments of this connection's calls (templated where it can).
        self.filters = FilterArguments(self.client, lite=self._lite_path is not None)

    def close(self) -> None:
        """Close the connection; the last store on a Lite file stops its server (pymilvus
        never does) and lets the file's lock go."""
        try:
            self.client.close()
        finally:
            self._let_go()

    def _let_go(self) -> None:
        self._cache = None
        if self._lite_path:
            lite_files.let_go(self._lite_path, functools.partial(_stop_lite, self._lite_path))
            self._lite_path = None

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, kept on Lite until a write to the file (`corpusmap.store.cache`)."""
        return compute() if self._cache is None else self._cache.get(key, compute)

    def _written(self) -> None:
        if self._cache is not None:
            self._cache.clear()

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
        return self.cached(("meta", name), lambda: self._read_meta(name))

    def _read_meta(self, name: str) -> CollectionMeta:
        if not is_valid_collection_name(name) or not self.client.has_collection(name):
            raise CollectionNotFoundError(f"no collection named {name[:80]!r}")
        meta = self._meta_or_none(name)
        if meta is None:
            raise CollectionNotFoundError(f"collection {name!r} was not created by corpusmap")
        return meta

    def readable(self, name: str, fields: Iterable[str]) -> list[str]:
        """`fields` less the topic mixture's where the collection predates them."""
        if self.meta(name).has_mixtures:
            return list(fields)
        return [f for f in fields if f not in MIXTURE_FIELDS]

    def create_collection(self, name: str, meta: CollectionMeta, *, replace: bool = False) -> None:
        """Create an empty corpus collection; `replace` drops one of that name first."""
        check_collection_name(name)
        if self.client.has_collection(name):
            if not replace:
                raise StoreError(f"collection {name!r} exists; pass replace=True to rebuild it")
            self.drop_collection(name)
        meta = dataclasses.replace(meta, index=self.index)  # recorded: searches use it
        self.client.create_collection(
            name,
            schema=document_schema(meta),
            index_params=vector_index(self.index, bm25=True),
            consistency_level="Strong",
        )
        log.info(
            "created collection %s (model %s, %d-d, %s index)",
            *(name, meta.model, meta.dimension, self.index.index_type),
        )

    def drop_collection(self, name: str) -> None:
        """Drop a corpus collection and its topics."""
        for n in (name, name + TOPICS_SUFFIX):
            if self.client.has_collection(n):
                self.client.drop_collection(n)

    def count(self, name: str) -> int:
        """Number of documents in a collection."""
        self.meta(name)
        return self.count_where(name, "passage == 0")

    def has_passages(self, name: str) -> bool:
        """Whether some document of a collection has more than one passage row."""
        return self.cached(("passages", name), lambda: self.count_where(name, "passage > 0") > 0)

    def count_where(self, name: str, expression: Filter | str) -> int:
        """Number of documents matching a (safely built) filter."""
        return int(self._query(name, expression, ["count(*)"])[0]["count(*)"])

    def _query(
        self, name: str, where: Filter | str, fields: list[str], **options: Any
    ) -> list[dict[str, Any]]:
        """The rows matching a filter, with `fields` (`options`: offset, limit)."""
        rows = self.client.query(name, output_fields=fields, **options, **self.filters(name, where))
        return list(rows)

    # -- documents --------------------------------------------------------------------
    def insert_documents(
        self,
        name: str,
        docs: Sequence[Document],
        passages: Sequence[Sequence[str]],
        vectors: npt.NDArray[np.float32],
    ) -> int:
        """Insert documents as passage rows (vectors aligned with the flattened passages)."""
        if len(docs) != len(passages) or sum(map(len, passages)) != len(vectors):
            raise ValueError("documents, passages and vectors do not line up")
        rows: list[dict[str, Any]] = []
        start = 0
        for doc, texts in zip(docs, passages, strict=True):
            rows.extend(document_rows(doc, texts, vectors[start : start + len(texts)]))
            start += len(texts)
        if not self.meta(name).has_mixtures:  # a collection made before mixtures
            rows = [{k: v for k, v in r.items() if k not in MIXTURE_FIELDS} for r in rows]
        for first in range(0, len(rows), self.insert_batch_size):
            self.client.insert(name, rows[first : first + self.insert_batch_size])
        return len(docs)

    def _passages(
        self, name: str, doc_ids: Sequence[str], fields: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        self.meta(name)
        doc_ids = [d for d in doc_ids if quotable(d)]  # others cannot be stored ids
        if not doc_ids:
            return {}
        output = self.readable(name, [*fields, "doc_id", "passage"])
        return group_passages(self._query(name, doc_ids_filter(doc_ids), output))

    def get_documents(self, name: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Stored documents by id, their passages joined into the full text (missing left
        out), each with its topic mixture's fields where the collection has them."""
        return [
            {**_as_document(parts[0]), "text": "".join(p["text"] for p in parts)}
            for parts in self._passages(name, ids, DOCUMENT_FIELDS).values()
        ]

    def passage_texts(self, name: str, doc_id: str) -> list[str]:
        """A document's passages in order (empty when there is no such document)."""
        parts = self._passages(name, [doc_id], ["text"]).get(doc_id, [])
        return [str(p["text"]) for p in parts]

    def get_vector(self, name: str, doc_id: str) -> npt.NDArray[np.float32] | None:
        """A document's vector: the normalised mean of its passages' (None if no such id)."""
        parts = self._passages(name, [doc_id], ["vector"]).get(doc_id)
        return unit_mean([p["vector"] for p in parts]) if parts else None

    def query_documents(
        self, name: str, expression: Filter | str, *, offset: int = 0, limit: int = 20
    ) -> list[dict[str, Any]]:
        """A page of the documents matching a (safely built) filter, by row key."""
        self.meta(name)
        where = all_of("passage == 0", expression)
        fields = self.readable(name, DOCUMENT_FIELDS)
        rows = self._query(name, where, fields, offset=offset, limit=limit)
        return [_as_document(r) for r in rows]

    def search(
        self,
        name: str,
        *,
        vector: npt.NDArray[np.float32] | None = None,
        text: str | None = None,
        mode: str = SearchMode.DENSE,
        top_k: int = 10,
        expression: Filter | str = "",
        fields: Sequence[str] = DOCUMENT_FIELDS,
    ) -> list[Hit]:
        """The `top_k` best documents (best passage each) of a dense or keyword search,
        filtered inside the search; each hit holds its best passage's `fields`.

        Hybrid search fuses two of these in `corpusmap.search`.
        """
        self.meta(name)
        return self._ranked(name, mode, (vector, text), top_k, expression, list(fields))

    def passage_hits(
        self, name: str, ranked: Sequence[Hit], fields: Sequence[str] = DOCUMENT_FIELDS
    ) -> list[Hit]:
        """`ranked` (hits holding `RANKING_FIELDS`) with their passages' `fields`."""
        keys = [(h.fields["doc_id"], int(h.fields["passage"])) for h in ranked]
        query = functools.partial(self._query, name)
        rows = passage_rows(query, keys, self.readable(name, fields))
        return [Hit(h.score, _as_document(r)) for h, r in zip(ranked, rows, strict=True) if r]

    def _ranked(
        self,
        name: str,
        mode: str,
        query: tuple[npt.NDArray[np.float32] | None, str | None],
        top_k: int,
        expression: Filter | str,
        fields: list[str],
    ) -> list[Hit]:
        """The `top_k` documents of a dense or keyword search, each its best passage's `fields`."""
        if mode not in _ANNS:
            raise ValueError(f"unknown search mode {mode!r}; the store runs dense or keyword")
        field, metric = _ANNS[mode]
        text = self.keyword_query(name, query[1]) if mode == "keyword" else query[1]
        phrases = self._phrases(name, query[1]) if mode == "keyword" else []
        depth = max(top_k, FUSION_DEPTH) if phrases else top_k  # phrases rescore this deep
        if phrases:  # from each passage's text
            fields = list(dict.fromkeys([*fields, "text"]))
        request: dict[str, Any] = {
            "data": [_need(query[0]).tolist() if mode == "dense" else _need(text)],
            "anns_field": field,
            **self.filters(name, expression),
            "search_params": {"metric_type": metric, "params": self._search_params(name, mode)},
            "output_fields": self.readable(name, fields),
        }
        one_row_each = self._cache is not None and not self.has_passages(name)  # known on Lite
        best = search_documents(self.client, name, request, depth, one_row_each=one_row_each)
        hits = [Hit(float(h["distance"]), _as_document(dict(h["entity"]))) for h in best]
        return phrase_rescored(hits, phrases, self.vocabulary(name))[:top_k] if phrases else hits

    def _phrases(self, name: str, text: str | None) -> list[CompoundPhrase]:
        """The split compounds of a keyword query, scored as phrases (none without compounds)."""
        if not (self.keyword_compounds and text):
            return []
        return compound_phrases(text, self.vocabulary(name))

    def _search_params(self, name: str, mode: str) -> dict[str, int]:
        """The dense search parameters of the index the collection was built with."""
        index = self.meta(name).index
        return dict(index.search) if mode == "dense" and index is not None else {}

    def keyword_query(self, name: str, text: str | None) -> str | None:
        """The text a keyword search sends to BM25: with `keyword_compounds`, the query
        with its compounds' other spellings in this collection added."""
        if not (self.keyword_compounds and text):
            return text
        return expand_query(text, self.vocabulary(name))

    def vocabulary(self, name: str) -> Vocabulary:
        """The keyword side's vocabulary of a collection, counted over its passages on
        first use; kept on Lite until a write, on a server per collection behind `name`
        (an alias moved to another build counts again)."""
        if self._cache is not None:
            return self.cached(("vocabulary", name), lambda: self._count_vocabulary(name))
        key = (name, self.client.describe_collection(name).get("collection_id"))
        if key not in self._vocabularies:
            self._vocabularies[key] = self._count_vocabulary(name)
        return self._vocabularies[key]

    def _count_vocabulary(self, name: str) -> Vocabulary:
        batches = self.iter_rows(name, ["text"])
        return Vocabulary.count(str(row["text"]) for batch in batches for row in batch)

    def iter_rows(
        self,
        name: str,
        fields: Sequence[str],
        *,
        batch_size: int = 1000,
        expression: Filter | str = "",
    ) -> Iterator[list[dict[str, Any]]]:
        """Every row of a collection (matching a safely built filter, if given) in
        batches, with the given fields."""
        where = self.filters.for_iterator(name, expression)
        iterator = self.client.query_iterator(
            name, batch_size=batch_size, output_fields=list(fields), **where
        )
        try:
            while batch := iterator.next():
                yield list(batch)
        finally:
            iterator.close()

    def iter_passages(self, name: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every passage row of a collection, with `doc_id`, `passage` and the given fields."""
        for batch in self.iter_rows(name, [*fields, "doc_id", "passage"]):
            yield from batch

    def set_topics(
        self,
        name: str,
        topics: dict[str, int],
        mixtures: dict[str, list[tuple[int, float]]] | None = None,
    ) -> int:
        """Write each document's topic id, and its topic mixture where given and the
        collection holds mixtures, on all its passages (whole-row upserts: Lite has no
        partial update); returns the passage rows written."""
        # Every field but the BM25 output, which Milvus computes again on upsert.
        fields = self.readable(name, [*DOCUMENT_FIELDS, "id", "cpc_sections", "vector"])
        with_mix = mixtures is not None and MIXTURE_FIELDS[0] in fields
        written = 0
        for batch in self.iter_rows(name, fields, batch_size=self.insert_batch_size):
            changed = [
                _retopic(row, topics[row["doc_id"]], (mixtures or {}).get(row["doc_id"], []))
                if with_mix
                else {**row, "topic": topics[row["doc_id"]]}
                for row in batch
                if row["doc_id"] in topics and _stale(row, topics, mixtures if with_mix else None)
            ]
            if changed:
                self.client.upsert(name, changed)
                written += len(changed)
        return written


def _stale(
    row: dict[str, Any], topics: dict[str, int], mixtures: dict[str, list[tuple[int, float]]] | None
) -> bool:
    """Whether a row's topic (or, given `mixtures`, its mixture) differs from the new one;
    stored weights are float32, compared at the 4 decimals mixtures keep."""
    topic = topics[row["doc_id"]]
    if row["topic"] != topic:
        return True
    if mixtures is None:
        return False
    new = mixtures.get(row["doc_id"]) or [(topic, 1.0)]
    return row_mixture(row) != [(int(t), round(float(w), 4)) for t, w in new]


def _retopic(row: dict[str, Any], topic: int, mixture: list[tuple[int, float]]) -> dict[str, Any]:
    return {**row, "topic": topic, **mixture_row(mixture)}


def _stop_lite(path: str) -> None:
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


def _need(value: Any) -> Any:
    if value is None:
        raise ValueError("this search mode needs both a query text and a query vector")
    return value
