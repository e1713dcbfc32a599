"""The document map of the topic report: a fixed-size sample of documents in 2-D.

A map of every document would not stay responsive past some ten thousand points,
so it draws at most `MAX_POINTS`: a sample stratified by topic (each topic gets a
floor of points, then a share in proportion to its size), chosen within each topic
by a hash of the document id (`topic_sample.sample_indices`), so the same corpus
always gives the same map. Only the sampled documents' vectors are read, by id in
batches, so memory grows with the sample, not the corpus.

The sample is laid out by a seeded 2-D UMAP of its vectors (cosine, `LAYOUT_NEIGHBOURS`
neighbours, `LAYOUT_SEED`) guided by the documents' topics (UMAP's semi-supervised
mode: the k-NN graph of the vectors is joined with one of shared topics, weighted
`LAYOUT_TOPIC_WEIGHT`; outliers are left unlabelled and placed by their vectors
alone). Documents near each other in 2-D are similar, or of one topic, so topics show
as their own islands. The vectors alone cannot do that where a topic's documents
are not each other's neighbours: on the 6,186 patent abstracts only about a quarter
of a document's 10 nearest neighbours in the embedding share its topic, and a UMAP of
the vectors alone keeps just that. The same sample always gets the same coordinates
(the seed fixes UMAP's initialisation and its single-threaded optimisation; the
neighbour graph is exact, from `clustering.exact_knn`). Below
`MIN_LAYOUT_POINTS` documents there is no neighbourhood to keep and the sample's own
first two principal axes are used. The map the report drew before, documents on the
principal axes of the topic centroids (`centroid_layout`), folded many topics into a
few overlapping blobs; `python -m bench.document_map` measures the layouts against
each other (`separation`: silhouette by topic and 10-NN topic agreement, in 2-D).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from corpusmap.embedding.batching import unit_mean
from corpusmap.store.filters import doc_ids_filter
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.store.topic_store import OUTLIER_TOPIC
from corpusmap.topics.clustering import exact_knn
from corpusmap.topics.sample import sample_indices

#: Most documents the map draws, whatever the size of the collection.
MAX_POINTS = 5000
#: Topics' floors together take at most 1/FLOOR_PARTS of the points.
FLOOR_PARTS = 4
TITLE_CHARS = 80
#: The layout: UMAP's seed, neighbours and minimum distance between points in 2-D.
LAYOUT_SEED = 42
LAYOUT_NEIGHBOURS = 15
LAYOUT_MIN_DIST = 0.1
#: How much shared topics count against the vectors' neighbourhoods (UMAP's target_weight).
LAYOUT_TOPIC_WEIGHT = 0.5
#: Fewer sampled documents than this: their principal axes instead of UMAP.
MIN_LAYOUT_POINTS = 50
UMAP_LAYOUT = (
    f"a seeded 2-D UMAP of their vectors (cosine, {LAYOUT_NEIGHBOURS} neighbours) "
    "guided by their topics"
)
PCA_LAYOUT = "their first two principal axes"
#: Neighbours per point of `separation`'s topic agreement.
AGREEMENT_K = 10
_ID_BATCH = 500
_DIGITS = 4
Axes = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
Coords = npt.NDArray[np.float64]


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


def principal_axes(vectors: npt.ArrayLike) -> Axes:
    """The mean of some vectors and their first two principal axes (fewer if they span less)."""
    data = np.asarray(vectors, dtype=np.float64)
    mean = data.mean(axis=0)
    _, _, axes = np.linalg.svd(data - mean, full_matrices=False)
    return mean, axes[:2]


def project(vectors: npt.ArrayLike, axes: Axes) -> Coords:
    """Coordinates of vectors on principal axes: (n, 2), zeros for a missing axis."""
    mean, basis = axes
    coords = (np.asarray(vectors, dtype=np.float64) - mean) @ basis.T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return np.round(coords, 6)


def centroid_layout(vectors: npt.ArrayLike, centroids: npt.ArrayLike) -> Coords:
    """The map as it was drawn before `umap_layout`: documents on the first two principal
    axes of the topic centroids (of the documents themselves with under three topics).
    Kept to measure the layout against (`bench.document_map`)."""
    frame = centroids if len(np.asarray(centroids)) >= 3 else vectors
    return project(vectors, principal_axes(frame))


def umap_layout(
    vectors: npt.ArrayLike, topics: Sequence[int] | None = None, seed: int = LAYOUT_SEED
) -> Coords:
    """A seeded 2-D UMAP of vectors by cosine, guided by `topics` when given (outliers
    unlabelled; no guide with under two topics): (n, 2), centred, the same for the
    same input (`random_state` makes UMAP's optimisation single-threaded, repeatable)."""
    from umap import UMAP

    data = np.asarray(vectors, dtype=np.float32)
    labels = np.asarray(topics if topics is not None else [], dtype=np.int64)
    guided = len(set(labels.tolist()) - {OUTLIER_TOPIC}) >= 2
    neighbours = min(LAYOUT_NEIGHBOURS, len(data) - 1)
    reducer = UMAP(
        n_components=2,
        n_neighbors=neighbours,
        min_dist=LAYOUT_MIN_DIST,
        metric="cosine",
        target_weight=LAYOUT_TOPIC_WEIGHT,
        random_state=seed,
        n_jobs=1,
        precomputed_knn=_self_and_neighbours(data, neighbours),
    )
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": wanted here
        warnings.simplefilter("ignore", UserWarning)
        found = reducer.fit_transform(data, y=labels if guided else None)
    coords = np.asarray(found, dtype=np.float64)
    return np.round(coords - coords.mean(axis=0), _DIGITS)


def _self_and_neighbours(
    data: npt.NDArray[np.float32], neighbours: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], None]:
    """The exact cosine k-NN graph as UMAP's `precomputed_knn` (each row itself first):
    exact, repeatable, and it spares UMAP its approximate search (pynndescent), whose
    compilation took most of a first layout's time."""
    indices, distances = exact_knn(data, neighbours - 1)
    own = np.arange(len(data), dtype=np.int64)[:, None]
    return np.hstack([own, indices]), np.hstack([np.zeros_like(own, np.float32), distances]), None


def layout_points(
    vectors: npt.ArrayLike, topics: Sequence[int], seed: int = LAYOUT_SEED
) -> tuple[Coords, str]:
    """2-D coordinates of a map sample and how they were found: `umap_layout` guided
    by the topics, or the sample's principal axes when it is too small for that."""
    data = np.asarray(vectors, dtype=np.float32)
    if len(data) < MIN_LAYOUT_POINTS:
        return np.round(project(data, principal_axes(data)), _DIGITS), PCA_LAYOUT
    return umap_layout(data, topics, seed), UMAP_LAYOUT


def separation(
    coords: npt.ArrayLike, topics: Sequence[int], k: int = AGREEMENT_K
) -> dict[str, float | int | None]:
    """How well a 2-D layout keeps topics apart, outliers left out: the silhouette of
    the points by topic (-1..1) and the mean share of each point's `k` nearest other
    points (in 2-D) that share its topic. None where there are too few points or topics."""
    from sklearn.metrics import silhouette_score
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(topics)
    keep = labels != OUTLIER_TOPIC
    points, labels = np.asarray(coords, dtype=np.float64)[keep], labels[keep]
    distinct = len(set(labels.tolist()))
    if not 2 <= distinct < len(labels) or len(labels) <= k:
        return {"silhouette": None, f"knn{k}_agreement": None, "points": len(labels)}
    _, near = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    agreement = (labels[near[:, 1:]] == labels[:, None]).mean()
    return {
        "silhouette": round(float(silhouette_score(points, labels)), 4),
        f"knn{k}_agreement": round(float(agreement), 4),
        "points": len(labels),
    }


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
