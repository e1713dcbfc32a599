"""The document map of the topic report: a fixed-size sample of documents in 2-D.

A map of every document would not stay responsive past some ten thousand points,
so it draws at most `MAX_POINTS`: a sample stratified by topic (each topic gets a
floor of points, then a share in proportion to its size), chosen within each topic
by a hash of the document id (`topic_sample.sample_indices`), so the same corpus
always gives the same map. Only the sampled documents' vectors are read, by id in
batches, so memory grows with the sample, not the corpus.

The sample is laid out by `map_layout.layout_points`: a seeded 2-D UMAP over each
document's nearest neighbours overall and within its topic, so topics show as their
own islands and the same sample always gets the same coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from corpusmap.embedding.batching import unit_mean
from corpusmap.store.filters import doc_ids_filter
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.topics.map_layout import LAYOUT_SEED, layout_points
from corpusmap.topics.sample import sample_indices

#: Most documents the map draws, whatever the size of the collection.
MAX_POINTS = 5000
#: Topics' floors together take at most 1/FLOOR_PARTS of the points.
FLOOR_PARTS = 4
TITLE_CHARS = 80
_ID_BATCH = 500


@dataclass
class DocumentMap:
    """The sampled documents, grouped by topic, and their 2-D coordinates."""

    total: int  # documents in the collection
    layout: str  # how the points were placed, as the report says it
    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


@dataclass
class MapSample:
    """The documents a map draws: ids, titles, topics and unit vectors, in map order."""

    total: int
    ids: list[str]
    titles: list[str]
    topics: list[int]
    vectors: npt.NDArray[np.float32]


def allocate(sizes: Mapping[int, int], cap: int) -> dict[int, int]:
    """Points per topic: every document when they fit under `cap`; else a floor per
    topic (small topics still show) and the rest in proportion to size, largest
    remainders first. Never more than `cap` in all, nor more than a topic holds."""
    order = sorted(sizes, key=lambda t: (-sizes[t], t))
    if sum(sizes.values()) <= cap:
        return {t: sizes[t] for t in order}
    if len(order) >= cap:  # more topics than points: one each for the largest
        return {t: 1 for t in order[:cap]}
    floor = max(1, cap // (FLOOR_PARTS * len(order)))
    base = {t: min(sizes[t], floor) for t in order}
    left = cap - sum(base.values())
    pool = sum(sizes[t] - base[t] for t in order)  # > left, as the sizes pass the cap
    exact = {t: left * (sizes[t] - base[t]) / pool for t in order}
    extra = {t: int(exact[t]) for t in order}
    by_remainder = sorted(order, key=lambda t: (extra[t] - exact[t], t))
    for t in by_remainder[: left - sum(extra.values())]:
        extra[t] += 1
    return {t: base[t] + extra[t] for t in order}


def choose_sample(doc_topics: Iterable[tuple[str, int]], cap: int) -> list[tuple[str, int]]:
    """The (id, topic) pairs the map draws: `allocate`'s count per topic, chosen by id
    hash; grouped by topic, largest first, ids sorted (the same whatever the order read)."""
    by_topic: dict[int, list[str]] = {}
    for doc_id, topic in doc_topics:
        by_topic.setdefault(int(topic), []).append(str(doc_id))
    counts = allocate({t: len(ids) for t, ids in by_topic.items()}, cap)
    chosen = []
    for topic, count in counts.items():
        ids = by_topic[topic]
        chosen.extend(sorted((ids[i], topic) for i in sample_indices(ids, count)))
    return chosen


def sample_vectors(
    store: MilvusStore, collection: str, ids: Sequence[str]
) -> dict[str, tuple[str, npt.NDArray[np.float32]]]:
    """Title and vector (the unit mean of its passages') of each document, read by id in
    batches; ids not stored are left out."""
    found = {}
    fields = ["doc_id", "passage", "title", "vector"]
    for start in range(0, len(ids), _ID_BATCH):
        expression = doc_ids_filter(ids[start : start + _ID_BATCH])
        batches = store.iter_rows(collection, fields, expression=expression)
        for doc_id, parts in group_passages(r for b in batches for r in b).items():
            found[doc_id] = (str(parts[0]["title"]), unit_mean([p["vector"] for p in parts]))
    return found


def _clip(title: str, doc_id: str) -> str:
    text = title.strip() or doc_id
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def read_sample(
    store: MilvusStore,
    collection: str,
    doc_topics: Sequence[tuple[str, int]],
    cap: int = MAX_POINTS,
) -> MapSample | None:
    """The documents a map of the collection draws (`doc_topics`: each document's id and
    topic) with their vectors, read from the store; None when none is stored."""
    chosen = choose_sample(doc_topics, cap)
    found = sample_vectors(store, collection, [i for i, _ in chosen])
    kept = [(i, t) for i, t in chosen if i in found]
    if not kept:
        return None
    return MapSample(
        total=len(doc_topics),
        ids=[i for i, _ in kept],
        titles=[_clip(found[i][0], i) for i, _ in kept],
        topics=[t for _, t in kept],
        vectors=np.stack([found[i][1] for i, _ in kept]),
    )


def build_document_map(
    store: MilvusStore,
    collection: str,
    doc_topics: Sequence[tuple[str, int]],
    cap: int = MAX_POINTS,
    seed: int = LAYOUT_SEED,
) -> DocumentMap | None:
    """The map of a collection's documents (`doc_topics`: each document's id and topic),
    None when it has none."""
    sample = read_sample(store, collection, doc_topics, cap)
    if sample is None:
        return None
    coords, layout = layout_points(sample.vectors, sample.topics, seed)
    return DocumentMap(
        total=sample.total,
        layout=layout,
        ids=sample.ids,
        titles=sample.titles,
        topics=sample.topics,
        xs=coords[:, 0].tolist(),
        ys=coords[:, 1].tolist(),
    )
