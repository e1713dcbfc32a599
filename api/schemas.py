"""Request and response models of the API (the request models live in `api.request_models`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

# Re-exported: routes import every model from here.
from api.request_models import MAX_TOPIC_ID as MAX_TOPIC_ID
from api.request_models import ExportParams as ExportParams
from api.request_models import FilterParams as FilterParams
from api.request_models import SearchMode as SearchMode
from api.request_models import SearchRequest as SearchRequest
from api.request_models import TopicAssignRequest as TopicAssignRequest
from corpusmap.config.defaults import ScoreKind
from corpusmap.search.engine import DocumentTopic as DocumentTopic
from corpusmap.search.engine import SearchHit
from corpusmap.search.engine import TopicFacet as CoreTopicFacet
from corpusmap.search.facets import Facets
from corpusmap.search.related import PriorArt as PriorArt
from corpusmap.store.catalog import CollectionSummary
from corpusmap.topics.changes import TopicChanges as CoreTopicChanges
from corpusmap.topics.class_time import ClassSeries as ClassSeries
from corpusmap.topics.class_time import TopicsByClassOverTime as TopicsByClassOverTime
from corpusmap.topics.emerging import EmergingTopic as EmergingTopic
from corpusmap.topics.emerging import EmergingTopics as EmergingTopics

#: Search hits, topic facets and collection summaries are the core's dataclasses,
#: served as they are (pydantic reads their fields and descriptions).
Hit = SearchHit
TopicFacet = CoreTopicFacet


class SearchResponse(BaseModel):
    """Hits of a search, best first, and the topic distribution of those hits."""

    collection: str
    query: str
    mode: SearchMode
    score_kind: ScoreKind = Field(description="What every hit's `score` is in this mode.")
    offset: int = Field(0, description="Hits skipped before the first one returned.")
    hits: list[Hit]
    topics: list[TopicFacet] = Field(description="Topic facets of the hits, largest first.")
    facets: Facets | None = Field(
        None, description="With `facets: true`: counts over the search's best candidates."
    )
    notes: list[str] = Field(
        default_factory=list,
        description="Why filters match nothing when the collection cannot satisfy them "
        "(e.g. a cpc filter on a collection without CPC codes).",
    )


CollectionInfo = CollectionSummary
#: What changed between two builds' topics: the core's dataclass, served as it is.
TopicChanges = CoreTopicChanges


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
    topics: list[DocumentTopic] = Field(
        description="The document's topic mixture, up to 3, heaviest first, weights summing "
        "to 1; the first is `topic`. A collection indexed before mixtures gives `topic` alone."
    )
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


class BinWords(BaseModel):
    """A topic's documents and top words in one time bin."""

    bin: str = Field(description="'2016' (year) or '2016-03' (month).")
    documents: int
    words: list[Keyword] = Field(description="c-TF-IDF over the topic's bins, best first.")


class TopicWordsOverTime(BaseModel):
    """A topic's words per time bin, each bin's words from that bin's documents only."""

    topic: int
    label: str
    interval: Literal["year", "month"]
    undated: int = Field(description="Documents of the topic left out because undated.")
    bins: list[BinWords] = Field(description="Bins where the topic has documents, in order.")


class TopicClassCounts(BaseModel):
    """Documents of one topic per class."""

    topic: int
    label: str | None
    counts: list[int] = Field(description="Documents per class, aligned with `classes`.")


class TopicsByClass(BaseModel):
    """Documents per topic per class; a document with several classes counts in each."""

    field: Literal["cpc_sections", "cpc", "labels"]
    classes: list[str] = Field(description="Most documents first.")
    unclassified: int = Field(description="Documents with no value in `field`.")
    series: list[TopicClassCounts] = Field(description="One per topic, largest first.")


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


class TopicAssignment(BaseModel):
    """The topic a text belongs to and the topics nearest to it."""

    topic: int = Field(description="Best topic, or -1 when no centroid is near enough.")
    label: str | None
    threshold: float = Field(description="Least cosine similarity for a topic to be assigned.")
    topics: list[NearTopic] = Field(description="Nearest topics, best first.")
