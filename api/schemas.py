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


class TopicSeries(BaseModel):
    """Documents of one topic per time bin."""

    topic: int
    label: str | None
    counts: list[int] = Field(description="Documents per bin, aligned with `bins`.")


class TopicsOverTime(BaseModel):
    """Documents per topic per time bin (dated documents only)."""

    interval: Literal["year", "month"]
    undated: int = Field(description="Documents left out because they have no date.")
    bins: list[str] = Field(description="'2016' (year) or '2016-03' (month), without gaps.")
    series: list[TopicSeries] = Field(description="One per topic, largest first, outliers last.")


class HierarchyLeaf(BaseModel):
    """A topic at the bottom of the hierarchy."""

    topic: int
    label: str
    size: int


class HierarchyNode(BaseModel):
    """A merge of topics: the topics under it and the cosine distance they merged at."""

    id: int
    topics: list[int]
    distance: float
    children: list[HierarchyNode | HierarchyLeaf]


class TopicAssignRequest(BaseModel):
    """A text to place among a collection's topics."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000, description="Text to assign.")
    top_k: int = Field(3, ge=1, le=10, description="Number of nearest topics to return.")

    @field_validator("text")
    @classmethod
    def _text_has_content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must contain text")
        return value


class TopicAssignment(BaseModel):
    """The topic a text belongs to and the topics nearest to it."""

    topic: int = Field(description="Best topic, or -1 when no centroid is near enough.")
    label: str | None
    threshold: float = Field(description="Least cosine similarity for a topic to be assigned.")
    topics: list[NearTopic] = Field(description="Nearest topics, best first.")
