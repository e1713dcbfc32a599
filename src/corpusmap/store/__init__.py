"""The Milvus store: collections and their schema, safe filters, passages rolled up to
documents, the topic table and a collection's summary.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.store.catalog import summarize_collection
from corpusmap.store.filters import (
    SearchFilters,
    check_metadata_field,
    string_list_literal,
    string_literal,
)
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.store.passages import PassageSplitter
from corpusmap.store.schema import (
    DOCUMENT_FIELDS,
    MIXTURE_FIELDS,
    CollectionMeta,
    check_collection_name,
    is_valid_collection_name,
    row_mixture,
)
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore, TopicSummary

__all__ = [
    "DOCUMENT_FIELDS",
    "MIXTURE_FIELDS",
    "OUTLIER_TOPIC",
    "CollectionMeta",
    "MilvusStore",
    "PassageSplitter",
    "SearchFilters",
    "TopicStore",
    "TopicSummary",
    "check_collection_name",
    "check_metadata_field",
    "group_passages",
    "is_valid_collection_name",
    "row_mixture",
    "string_list_literal",
    "string_literal",
    "summarize_collection",
]
