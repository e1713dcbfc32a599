"""Milvus collection schemas of corpusmap and the conversion of documents to rows.

A corpus lives in one collection (`<name>`) and its topics in a companion
collection (`<name>__topics`). Collection-level facts (model, dimension) are
kept as JSON in the collection description, so any client of the store knows
which model embeds queries for it.

Each row is a passage: a short document is one passage, a document longer than
the model's token window is several (see `corpusmap.store.passages`). The row key is
`<doc_id>#<n>`; document fields (title, date, CPC, topic...) are repeated on each
passage so that filters apply inside the vector search, and searches group rows
by `doc_id` to return documents. A BM25 function fills `sparse` from the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
import numpy.typing as npt
from pymilvus import DataType, Function, FunctionType, MilvusClient
from pymilvus.milvus_client.index import IndexParams

from corpusmap.config.defaults import MIXTURE_TOPICS
from corpusmap.documents import Document, date_to_int
from corpusmap.errors import InvalidQueryError
from corpusmap.store.vector_index import IndexSpec

TOPICS_SUFFIX = "__topics"
ID_MAX_BYTES = 500  # document ids; a row key adds "#<passage>"
ROW_KEY_MAX_BYTES = 512
TITLE_MAX_BYTES = 2048
TEXT_MAX_BYTES = 65535
CODE_MAX_BYTES = 64
MAX_CODES = 256
SCHEMA_VERSION = 3
BM25_ANALYZER = {"type": "english"}  # stemming and stop words for keyword search

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,180}$")

#: The schema version that added each document's topic mixture (`MIXTURE_FIELDS`);
#: collections made before it have none, and reads leave those fields out.
MIXTURE_SCHEMA_VERSION = 3
#: A document's topic mixture, on each of its passage rows: topic ids, heaviest first
#: (the assigned `topic` first), and their weights, aligned (`corpusmap.topics.mixture`).
MIXTURE_FIELDS = ["topic_mix", "topic_weights"]
#: Fields returned with search hits and document lookups (not the vectors); a
#: collection made before mixtures is read without `MIXTURE_FIELDS`.
DOCUMENT_FIELDS = [
    "doc_id",
    "passage",
    "title",
    "text",
    "date",
    "cpc",
    "labels",
    "topic",
    "metadata",
    *MIXTURE_FIELDS,
]


@dataclass(frozen=True)
class CollectionMeta:
    """What a corpus collection records about itself."""

    model: str
    dimension: int
    schema_version: int = SCHEMA_VERSION
    #: The vector index it was built with (None: recorded before indexes were).
    index: IndexSpec | None = None

    def to_description(self) -> str:
        """The JSON kept in the Milvus collection description."""
        data: dict[str, Any] = {
            "corpusmap": self.schema_version,
            "model": self.model,
            "dimension": self.dimension,
        }
        if self.index is not None:
            data["index"] = self.index.to_json()
        return json.dumps(data)

    @property
    def has_mixtures(self) -> bool:
        """Whether its rows hold topic mixtures (`MIXTURE_FIELDS`)."""
        return self.schema_version >= MIXTURE_SCHEMA_VERSION

    @classmethod
    def from_description(cls, text: str) -> CollectionMeta | None:
        """Parse a description; None for collections corpusmap did not create."""
        try:
            data = json.loads(text or "")
        except json.JSONDecodeError:
            return None
        if not isinstance(data, dict) or "corpusmap" not in data:
            return None
        return cls(
            model=str(data["model"]),
            dimension=int(data["dimension"]),
            schema_version=int(data["corpusmap"]),
            index=IndexSpec.from_json(data.get("index")),
        )


def is_valid_collection_name(name: str) -> bool:
    """Whether a name can be a corpus collection (checked before asking Milvus)."""
    return bool(_NAME.match(name)) and not name.endswith(TOPICS_SUFFIX)


def check_collection_name(name: str) -> str:
    """A valid corpus collection name, or `InvalidQueryError` saying what is allowed."""
    if not is_valid_collection_name(name):
        raise InvalidQueryError(
            f"collection name {name[:60]!r} is invalid: use letters, digits and '_', start "
            f"with a letter or '_', at most 181 characters, not ending in {TOPICS_SUFFIX!r}"
        )
    return name


def document_schema(meta: CollectionMeta) -> Any:
    """The schema of a corpus collection: one row per passage."""
    schema = MilvusClient.create_schema(
        auto_id=False, enable_dynamic_field=False, description=meta.to_description()
    )
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ROW_KEY_MAX_BYTES)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=ROW_KEY_MAX_BYTES)
    schema.add_field("passage", DataType.INT64)  # 0 for the first (or only) passage
    schema.add_field("title", DataType.VARCHAR, max_length=TITLE_MAX_BYTES)
    schema.add_field(
        "text",
        DataType.VARCHAR,
        max_length=TEXT_MAX_BYTES,
        enable_analyzer=True,
        analyzer_params=BM25_ANALYZER,
    )
    schema.add_field("date", DataType.INT64)  # yyyymmdd, 0 when unknown
    for codes in ("cpc", "cpc_sections", "labels"):
        schema.add_field(
            codes,
            DataType.ARRAY,
            element_type=DataType.VARCHAR,
            max_capacity=MAX_CODES,
            max_length=CODE_MAX_BYTES,
        )
    schema.add_field("topic", DataType.INT64)  # -1: outlier or not fitted yet
    if meta.has_mixtures:  # an older version's schema lacks them
        schema.add_field(
            "topic_mix", DataType.ARRAY, element_type=DataType.INT64, max_capacity=MIXTURE_TOPICS
        )
        schema.add_field(
            "topic_weights",
            DataType.ARRAY,
            element_type=DataType.FLOAT,
            max_capacity=MIXTURE_TOPICS,
        )
    schema.add_field("metadata", DataType.JSON)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=meta.dimension)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    return schema


def topic_schema(dimension: int) -> Any:
    """The schema of a companion topics collection (one row per topic, -1 included)."""
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("topic_id", DataType.INT64, is_primary=True)
    schema.add_field("label", DataType.VARCHAR, max_length=1024)
    schema.add_field("size", DataType.INT64)
    schema.add_field("keywords", DataType.JSON)  # [[word, weight], ...]
    schema.add_field("representative_ids", DataType.JSON)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    return schema


def vector_index(spec: IndexSpec, *, bm25: bool = False) -> IndexParams:
    """Cosine index parameters for `vector`, and a BM25 index for `sparse` if asked."""
    params = MilvusClient.prepare_index_params()
    params.add_index(
        "vector", index_type=spec.index_type, metric_type="COSINE", params=dict(spec.build)
    )
    if bm25:
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return params


def clip_utf8(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes, on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def _codes(values: tuple[str, ...]) -> list[str]:
    return [clip_utf8(v, CODE_MAX_BYTES) for v in dict.fromkeys(values)][:MAX_CODES]


#: Characters Milvus Lite 2.5 cannot take in a primary key it deletes or upserts by
#: (it quotes keys into SQL itself, wrongly): such ids get an encoded key.
_LITE_UNSAFE_KEY = ("'", '"', "\\")
_KEY_SAFE = "".join(chr(c) for c in range(32, 127) if chr(c) not in "'\"\\%")


def row_key(doc_id: str, passage: int) -> str:
    """The primary key of a passage row: `<doc_id>#<passage>`, injective since the last
    '#' splits it. An id holding a quote or a backslash is percent-encoded and its key
    ends in 'q' (`<encoded>#<passage>q`), which no plain key does."""
    if any(c in doc_id for c in _LITE_UNSAFE_KEY):
        return f"{quote(doc_id, safe=_KEY_SAFE)}#{passage}q"
    return f"{doc_id}#{passage}"


def document_rows(
    doc: Document, passages: Sequence[str], vectors: npt.NDArray[np.float32]
) -> list[dict[str, Any]]:
    """The Milvus rows of a document, one per passage (topic -1 until topics are fitted)."""
    if len(doc.id.encode("utf-8")) > ID_MAX_BYTES:
        raise InvalidQueryError(f"document id longer than {ID_MAX_BYTES} bytes: {doc.id[:40]!r}")
    shared = {
        "doc_id": doc.id,
        "title": clip_utf8(doc.title, TITLE_MAX_BYTES),
        "date": date_to_int(doc.date),
        "cpc": _codes(doc.cpc),
        "cpc_sections": sorted({c[0] for c in doc.cpc if c}),
        "labels": _codes(doc.labels),
        "topic": -1,
        "topic_mix": [],
        "topic_weights": [],
        "metadata": doc.metadata,
    }
    return [
        {
            **shared,
            "id": row_key(doc.id, n),
            "passage": n,
            "text": clip_utf8(text, TEXT_MAX_BYTES),
            "vector": vector.tolist(),
        }
        for n, (text, vector) in enumerate(zip(passages, vectors, strict=True))
    ]


def mixture_row(mixture: Sequence[tuple[int, float]]) -> dict[str, list[Any]]:
    """The `MIXTURE_FIELDS` of a row holding a topic mixture."""
    return {"topic_mix": [int(t) for t, _ in mixture], "topic_weights": [w for _, w in mixture]}


def row_mixture(row: dict[str, Any]) -> list[tuple[int, float]]:
    """The topic mixture a row holds, heaviest first; a row holding none (a collection
    made before mixtures, topics not fitted yet) gives its one `topic`, weight 1."""
    topics, weights = row.get("topic_mix") or [], row.get("topic_weights") or []
    mixture = [(int(t), round(float(w), 4)) for t, w in zip(topics, weights, strict=False)]
    return mixture or [(int(row["topic"]), 1.0)]
