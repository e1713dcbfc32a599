"""The document map of the topic report: a fixed-size sample of documents in 2-D.

A map of every document would not stay responsive past some ten thousand points,
so it draws at most `MAX_POINTS`: a sample stratified by topic (each topic gets a
floor of points, then a share in proportion to its size), chosen within each topic
by a hash of the document id (`topic_sample.sample_indices`), so the same corpus
always gives the same map. Only the sampled documents' vectors are read, by id in
batches, so memory grows with the sample, not the corpus.

Documents are projected onto the first two principal axes of the topic centroids,
the axes of the intertopic map, so both maps share one frame; with fewer than three
topics (no second axis between centroids) the sample's own principal axes are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from corpusmap.embedding.batching import unit_mean
from corpusmap.store.filters import doc_ids_filter
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.topics.sample import sample_indices

#: Most documents the map draws, whatever the size of the collection.
MAX_POINTS = 5000
#: Topics' floors together take at most 1/FLOOR_PARTS of the points.
FLOOR_PARTS = 4
TITLE_CHARS = 80
_ID_BATCH = 500
Axes = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


@dataclass
class DocumentMap:
    """The sampled documents, grouped by topic, and their 2-D coordinates."""

    total: int  # documents in the collection
    frame: str  # "topic centroids" or "documents": whose principal axes
    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


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


def principal_axes(vectors: npt.ArrayLike) -> Axes:
    """The mean of some vectors and their first two principal axes (fewer if they span less)."""
    data = np.asarray(vectors, dtype=np.float64)
    mean = data.mean(axis=0)
    _, _, axes = np.linalg.svd(data - mean, full_matrices=False)
    return mean, axes[:2]


def project(vectors: npt.ArrayLike, axes: Axes) -> npt.NDArray[np.float64]:
    """Coordinates of vectors on principal axes: (n, 2), zeros for a missing axis."""
    mean, basis = axes
    coords = (np.asarray(vectors, dtype=np.float64) - mean) @ basis.T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return np.round(coords, 6)


def _clip(title: str, doc_id: str) -> str:
    text = title.strip() or doc_id
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def build_document_map(
    store: MilvusStore,
    collection: str,
    doc_topics: Sequence[tuple[str, int]],
    centroids: npt.NDArray[np.float32],
    cap: int = MAX_POINTS,
) -> DocumentMap | None:
    """The map of a collection's documents (`doc_topics`: each document's id and topic),
    None when it has none."""
    chosen = choose_sample(doc_topics, cap)
    found = sample_vectors(store, collection, [i for i, _ in chosen])
    kept = [(i, t) for i, t in chosen if i in found]
    if not kept:
        return None
    vectors = np.stack([found[i][1] for i, _ in kept])
    by_centroids = len(centroids) >= 3
    coords = project(vectors, principal_axes(centroids if by_centroids else vectors))
    return DocumentMap(
        total=len(doc_topics),
        frame="topic centroids" if by_centroids else "documents",
        ids=[i for i, _ in kept],
        titles=[_clip(found[i][0], i) for i, _ in kept],
        topics=[t for _, t in kept],
        xs=coords[:, 0].tolist(),
        ys=coords[:, 1].tolist(),
    )
