"""Request and response models of the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from corpusmap.errors import UnsafeFilterValueError
from corpusmap.filters import SearchFilters, normalize_cpc, string_list_literal
from corpusmap.search import DEFAULT_MODE

SearchMode = Literal["dense", "keyword", "hybrid"]

#: Topic ids are small; the bound keeps huge integers out of Milvus expressions.
MAX_TOPIC_ID = 1_000_000


class FilterParams(BaseModel):
    """How many hits and which documents may be hit; applied inside the vector search."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(10, ge=1, le=100, description="Number of hits.")
    topic: int | None = Field(
        None, ge=-1, le=MAX_TOPIC_ID, description="Only documents of this topic."
    )
    date_from: dt.date | None = Field(None, description="Earliest date (inclusive).")
    date_to: dt.date | None = Field(None, description="Latest date (inclusive).")
    cpc: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="CPC sections ('G') or subclasses ('G06F'); a document matches any.",
    )

    labels: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=50, description="Class labels; a document matches any."
    )

    @field_validator("cpc", "labels", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("labels")
    @classmethod
    def _labels_quotable(cls, value: list[str]) -> list[str]:
        try:
            string_list_literal(value)
        except UnsafeFilterValueError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("cpc")
    @classmethod
    def _cpc_codes(cls, value: list[str]) -> list[str]:
        try:
            return [normalize_cpc(code) for code in value]
        except UnsafeFilterValueError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _date_range(self) -> FilterParams:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def filters(self) -> SearchFilters:
        """The typed filters for the store."""
        return SearchFilters(
            topic=self.topic,
            date_from=self.date_from,
            date_to=self.date_to,
            cpc=tuple(self.cpc),
            labels=tuple(self.labels),
        )


class SearchRequest(FilterParams):
    """A search by free text, with optional filters."""

    query: str = Field(min_length=1, max_length=4000, description="Free-text query.")
    mode: SearchMode = Field(
        DEFAULT_MODE,
        description="dense: embeddings; keyword: BM25 over the text; hybrid (default): "
        "both, fused per document (CORPUSMAP_HYBRID_FUSION, CORPUSMAP_HYBRID_ALPHA).",
    )

    metadata: dict[
        Annotated[str, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=1024)] | int | float | bool,
    ] = Field(
        default_factory=dict,
        max_length=10,
        description="Metadata field -> value it must equal; fields must be on the server's "
        "allowlist (CORPUSMAP_METADATA_FILTER_FIELDS).",
    )

    def filters(self) -> SearchFilters:
        """The typed filters for the store, metadata included."""
        return dataclasses.replace(super().filters(), metadata=dict(self.metadata))

    @field_validator("query")
    @classmethod
    def _query_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must contain text")
        return value


class Hit(BaseModel):
    """One search result."""

    id: str
    score: float = Field(description="Cosine similarity to the query.")
    title: str
    snippet: str
    date: str | None
    cpc: list[str]
    labels: list[str]
    topic: int
    topic_label: str | None


class TopicFacet(BaseModel):
    """How many of the hits fall in one topic."""

    topic: int
    label: str | None
    count: int


class SearchResponse(BaseModel):
    """Hits of a search, best first, and the topic distribution of those hits."""

    collection: str
    query: str
    mode: str
    hits: list[Hit]
    topics: list[TopicFacet] = Field(description="Topic facets of the hits, largest first.")


class CollectionInfo(BaseModel):
    """A collection and what it holds."""

    name: str
    documents: int
    model: str
    dimension: int
    topics: int | None = Field(description="Topic count, None when topics were not fitted.")
    outliers: int | None


class Keyword(BaseModel):
    """A topic keyword and its c-TF-IDF weight."""

    word: str
    weight: float


class Topic(BaseModel):
    """A topic as listed."""

    id: int
    label: str
    size: int
    share: float = Field(description="Share of the collection's documents.")
    keywords: list[str]


class Document(BaseModel):
    """A stored document."""

    id: str
    title: str
    text: str
    date: str | None
    cpc: list[str]
    labels: list[str]
    topic: int
    topic_label: str | None
    metadata: dict[str, Any]


class TopicDetail(Topic):
    """A topic with weighted keywords and its representative documents."""

    keyword_weights: list[Keyword]
    representative_documents: list[Hit]


class TopicDocuments(BaseModel):
    """A page of a topic's documents."""

    topic: int
    total: int
    offset: int
    limit: int
    documents: list[Hit]


class NearTopic(Topic):
    """A topic near a query, with its cosine similarity."""

    score: float
