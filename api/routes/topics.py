"""Topic clusters: list, topics near a query, detail and documents of a topic, topics
over time, emerging topics, the topic hierarchy and assigning a text to a topic."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from api.deps import EmbeddersDep, ServicesDep, StoreDep
from api.errors import BAD_BODY, NOT_FOUND
from api.schemas import (
    MAX_TOPIC_ID,
    BinWords,
    EmergingTopics,
    HierarchyLeaf,
    HierarchyNode,
    Keyword,
    NearTopic,
    Topic,
    TopicAssignment,
    TopicAssignRequest,
    TopicChanges,
    TopicClassCounts,
    TopicDetail,
    TopicDocuments,
    TopicsByClass,
    TopicsByClassOverTime,
    TopicSeries,
    TopicsOverTime,
    TopicWordsOverTime,
)
from corpusmap.builds.changes import build_changes
from corpusmap.search.engine import to_hit, topic_labels
from corpusmap.store.filters import compared
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.breakdowns import ClassField, topic_words_over_time_of, topics_by_class_of
from corpusmap.topics.class_time import topics_by_class_over_time_of
from corpusmap.topics.emerging import EMERGING_ALPHA, emerging_topics
from corpusmap.topics.views import (
    ASSIGN_MIN_SIMILARITY,
    Interval,
    assigned_topic,
    topic_hierarchy_of,
    topics_over_time_of,
)

router = APIRouter(tags=["topics"], responses=NOT_FOUND)  # every route names a collection

TopicId = Annotated[int, Path(ge=-1, le=MAX_TOPIC_ID, description="Topic id; -1: outliers.")]
#: Time bins of the views over time (the core's `Interval`).
IntervalQuery = Annotated[Interval, Query(description="Bin size.")]
#: The class field of the views per class (the core's `ClassField`).
ClassFieldQuery = Annotated[
    ClassField | None,
    Query(description="Class field; default: CPC sections, else CPC, else labels."),
]
#: Milvus serves at most 16,384 rows of offset + limit.
MAX_OFFSET = 16_384 - 100


def _topic(summary: TopicSummary, total: int) -> Topic:
    return Topic(
        id=summary.topic_id,
        label=summary.label,
        size=summary.size,
        share=round(summary.size / total, 6) if total else 0.0,
        keywords=[w for w, _ in summary.keywords],
    )


@router.get("/collections/{name}/topics")
def list_topics(name: str, store: StoreDep) -> list[Topic]:
    """Every topic of a collection, largest first; the outlier topic -1 last."""
    summaries = TopicStore(store).list_topics(name)
    total = sum(t.size for t in summaries)
    return [_topic(t, total) for t in summaries]


@router.get("/collections/{name}/topics/search")
def topics_near_query(
    name: str,
    store: StoreDep,
    embedders: EmbeddersDep,
    query: Annotated[str, Query(min_length=1, max_length=4000)],
    top_k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[NearTopic]:
    """The topics whose centroids are nearest to a free-text query."""
    _, _, near = _near_topics(store, embedders, name, query, top_k)
    return near


def _near_topics(
    store: StoreDep, embedders: EmbeddersDep, name: str, text: str, top_k: int
) -> tuple[list[TopicSummary], list[tuple[TopicSummary, float]], list[NearTopic]]:
    """All topics of a collection, and the `top_k` nearest to a text (best first), as
    (topic, cosine) pairs and as response models."""
    topics = TopicStore(store)
    summaries = topics.list_topics(name)  # also: 404 before any embedding work
    total = sum(t.size for t in summaries)
    vector = embedders.get(store.meta(name).model).embed_query(text)
    nearest = topics.nearest_topics(name, vector, top_k)
    near = [
        NearTopic(**_topic(summary, total).model_dump(), score=round(score, 6))
        for summary, score in nearest
    ]
    return summaries, nearest, near


# Literal paths first: declared after /topics/{topic_id}, they would be parsed as ids.
@router.get("/collections/{name}/topics/over-time")
def topics_over_time(
    name: str,
    store: StoreDep,
    interval: IntervalQuery = "year",
) -> TopicsOverTime:
    """Documents per topic per year or month; undated documents are counted apart."""
    view, summaries = topics_over_time_of(store, name, interval)
    labels: dict[int, str | None] = {t.topic_id: t.label for t in summaries}
    return TopicsOverTime(
        interval=view.interval,
        undated=view.undated,
        bins=view.bins,
        series=[
            TopicSeries(topic=t, label=labels.get(t), counts=c) for t, c in view.counts.items()
        ],
    )


@router.get("/collections/{name}/topics/emerging")
def topics_emerging(
    name: str,
    store: StoreDep,
    interval: IntervalQuery = "year",
    window: Annotated[
        int | None,
        Query(ge=1, le=100, description="Recent bins (default: a tenth of the bins, >= 1)."),
    ] = None,
) -> EmergingTopics:
    """Topics ranked by how much their share of the documents grew in the recent bins
    against their own history: a one-sided binomial test per topic, significant below
    alpha after a Bonferroni correction over the topics (`emerging`), those first by
    growth (recent share / historical share), then the rest by p-value. Fewer bins
    than the window needs: no topic ranked."""
    view, summaries = topics_over_time_of(store, name, interval)
    labels: dict[int, str | None] = {t.topic_id: t.label for t in summaries}
    return emerging_topics(view, labels, window, EMERGING_ALPHA)


@router.get("/collections/{name}/topics/hierarchy", response_model=HierarchyNode | HierarchyLeaf)
def topics_hierarchy(name: str, store: StoreDep) -> dict[str, Any]:
    """Topics merged bottom-up by centroid similarity (average linkage, cosine distance);
    leaves are topics, the outlier topic is left out."""
    return topic_hierarchy_of(store, name)


@router.get("/collections/{name}/topics/by-class")
def topics_by_class(
    name: str,
    store: StoreDep,
    field: ClassFieldQuery = None,
) -> TopicsByClass:
    """Documents per topic per class (CPC section or subclass, or label)."""
    view, summaries = topics_by_class_of(store, name, field)
    labels: dict[int, str | None] = {t.topic_id: t.label for t in summaries}
    return TopicsByClass(
        field=view.field,
        classes=view.classes,
        unclassified=view.unclassified,
        series=[
            TopicClassCounts(topic=t, label=labels.get(t), counts=c) for t, c in view.counts.items()
        ],
    )


@router.get("/collections/{name}/topics/by-class-over-time")
def topics_by_class_over_time(
    name: str,
    store: StoreDep,
    field: ClassFieldQuery = None,
    interval: IntervalQuery = "year",
) -> TopicsByClassOverTime:
    """Documents per topic x class x time bin: a series per (topic, class) pair that
    has documents, aligned with `bins`; a document with several classes counts in
    each; undated and unclassified documents are counted apart."""
    view, _ = topics_by_class_over_time_of(store, name, field, interval)
    return view


@router.post("/collections/{name}/topics/assign", responses=BAD_BODY)
def assign_topic(
    name: str, request: TopicAssignRequest, store: StoreDep, embedders: EmbeddersDep
) -> TopicAssignment:
    """The topic whose centroid is nearest to a text (-1 when none is near enough)."""
    summaries, nearest, near = _near_topics(store, embedders, name, request.text, request.top_k)
    best = assigned_topic(nearest)
    return TopicAssignment(
        topic=best,
        label=next((t.label for t in summaries if t.topic_id == best), None),
        threshold=ASSIGN_MIN_SIMILARITY,
        topics=near,
    )


@router.get("/collections/{name}/topics/assign", include_in_schema=False)
def assign_topic_by_get(name: str) -> None:
    """405, as for any method a path does not take: without this route GET would reach
    `/topics/{topic_id}` and fail there as a topic id that is not a number (422)."""
    raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})


BuildId = Annotated[str | None, Query(max_length=100, description="A build id (`builds`).")]


@router.get("/collections/{name}/topics/changes")
def topic_changes(
    name: str,
    services: ServicesDep,
    from_build: Annotated[BuildId, Query(alias="from")] = None,
    to_build: Annotated[BuildId, Query(alias="to")] = None,
) -> TopicChanges:
    """What changed in the topics from build `from` to build `to` (default: the build
    before `to`, and the published build): topics new, gone, grown, shrunk, split and
    merged, each with the documents that moved. Topic ids are stable across builds.
    Read from the builds' topic files; an unknown or pruned build is a 404."""
    return build_changes(services.stores.registry, name, from_build, to_build)


@router.get("/collections/{name}/topics/{topic_id}")
def get_topic(name: str, topic_id: TopicId, store: StoreDep) -> TopicDetail:
    """A topic's weighted keywords, size and representative documents."""
    topics = TopicStore(store)
    summary = topics.get_topic(name, topic_id)
    summaries = topics.list_topics(name)
    total = sum(t.size for t in summaries)
    labels = {t.topic_id: t.label for t in summaries}
    rows = {r["id"]: r for r in store.get_documents(name, summary.representative_ids)}
    representatives = [
        to_hit(rows[i], 0.0, labels, "none") for i in summary.representative_ids if i in rows
    ]
    return TopicDetail(
        **_topic(summary, total).model_dump(),
        keyword_weights=[Keyword(word=w, weight=s) for w, s in summary.keywords],
        representative_documents=representatives,
    )


@router.get("/collections/{name}/topics/{topic_id}/documents")
def topic_documents(
    name: str,
    topic_id: TopicId,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TopicDocuments:
    """A page of the documents in a topic, ordered by id."""
    summary = TopicStore(store).get_topic(name, topic_id)
    expression = compared("topic", "==", int(topic_id))
    rows = store.query_documents(name, expression, offset=offset, limit=limit)
    labels = topic_labels(store, name)
    return TopicDocuments(
        topic=topic_id,
        total=summary.size,
        offset=offset,
        limit=limit,
        documents=[to_hit(r, 0.0, labels, "none") for r in rows],
    )


@router.get("/collections/{name}/topics/{topic_id}/words-over-time")
def topic_words_over_time(
    name: str,
    topic_id: TopicId,
    store: StoreDep,
    interval: IntervalQuery = "year",
    top_n: Annotated[int, Query(ge=1, le=30, description="Words per bin.")] = 8,
) -> TopicWordsOverTime:
    """A topic's top words in each time bin, from that bin's documents alone (no words
    carried over from other bins), weighted by c-TF-IDF over the topic's bins."""
    summary, bins, undated = topic_words_over_time_of(store, name, topic_id, interval, top_n)
    return TopicWordsOverTime(
        topic=topic_id,
        label=summary.label,
        interval=interval,
        undated=undated,
        bins=[
            BinWords(
                bin=b.bin,
                documents=b.documents,
                words=[Keyword(word=w, weight=s) for w, s in b.words],
            )
            for b in bins
        ],
    )
