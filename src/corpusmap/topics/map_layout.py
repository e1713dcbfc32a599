"""Where the document map puts its points: a seeded 2-D UMAP over a topic-aware
neighbour graph, and the measures of how well a layout keeps topics apart.

Each document's neighbours in the graph are its `OVERALL_NEIGHBOURS` nearest by
cosine, whatever their topic, plus its `IN_TOPIC_NEIGHBOURS` nearest within its own
topic (outliers, topic -1, get nearest neighbours only), all exact
(`clustering.exact_knn`). UMAP lays that graph out in 2-D guided by the topics (its
semi-supervised mode, weight `LAYOUT_TOPIC_WEIGHT`; outliers unlabelled). The
neighbours within the topic are what gathers a topic: on the 6,186 patent abstracts
only about a quarter of a document's 10 nearest neighbours share its topic, so a
layout of the vectors' neighbourhoods alone (UMAP or any other) scatters each topic
over several places. The nearest neighbours overall keep similar documents of
different topics near each other. A seed (`LAYOUT_SEED`) fixes UMAP's
initialisation and makes its optimisation single-threaded: the same input always
gives the same coordinates. Below `MIN_LAYOUT_POINTS` documents, the sample's own
first two principal axes are used instead.

`centroid_layout` is the map the report drew before (documents on the principal
axes of the topic centroids); `python -m bench.document_map` measures the layouts
against each other with `separation` (silhouette by topic and 10-NN topic agreement,
in 2-D).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from corpusmap.store.topic_store import OUTLIER_TOPIC
from corpusmap.topics.spectral import exact_knn

#: The layout: UMAP's seed, each document's neighbours overall and within its topic,
#: and the minimum distance between points in 2-D.
LAYOUT_SEED = 42
OVERALL_NEIGHBOURS = 10
IN_TOPIC_NEIGHBOURS = 5
LAYOUT_NEIGHBOURS = OVERALL_NEIGHBOURS + IN_TOPIC_NEIGHBOURS
LAYOUT_MIN_DIST = 0.1
#: How much shared topics count against the neighbour graph (UMAP's target_weight).
LAYOUT_TOPIC_WEIGHT = 0.5
#: Fewer sampled documents than this: their principal axes instead of UMAP.
MIN_LAYOUT_POINTS = 50
UMAP_LAYOUT = (
    f"a seeded 2-D UMAP of their {OVERALL_NEIGHBOURS} nearest neighbours and "
    f"{IN_TOPIC_NEIGHBOURS} nearest in their topic (cosine)"
)
PCA_LAYOUT = "their first two principal axes"
#: Neighbours per point of `separation`'s topic agreement.
AGREEMENT_K = 10
_DIGITS = 4
Axes = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
Coords = npt.NDArray[np.float64]
Graph = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], None]


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


def _merge(
    candidates: Sequence[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]], width: int
) -> tuple[list[int], list[float]]:
    """The first `width` distinct neighbours from the candidate lists in turn, then sorted
    by distance (ties in the order taken)."""
    chosen: dict[int, float] = {}
    for indices, distances in candidates:
        for j, distance in zip(indices.tolist(), distances.tolist(), strict=True):
            if len(chosen) == width:
                break
            chosen.setdefault(j, distance)
    ranked = sorted(chosen.items(), key=lambda item: item[1])
    return [j for j, _ in ranked], [d for _, d in ranked]


def layout_graph(data: npt.NDArray[np.float32], topics: Sequence[int] | None = None) -> Graph:
    """Each document's neighbours for UMAP's `precomputed_knn`, itself first: its
    `OVERALL_NEIGHBOURS` nearest, then its nearest in its own topic up to
    `LAYOUT_NEIGHBOURS` (nearest overall when it has no topic, `topics` is None, or
    its topic is too small), sorted by cosine distance."""
    width = min(LAYOUT_NEIGHBOURS, len(data) - 1)
    near, near_distances = exact_knn(data, width)
    indices, distances = near.copy(), near_distances.copy()
    labels = np.asarray(topics if topics is not None else [OUTLIER_TOPIC] * len(data))
    for topic in np.unique(labels[labels != OUTLIER_TOPIC]):
        rows = np.flatnonzero(labels == topic)
        if len(rows) < 2:
            continue
        inside, inside_distances = exact_knn(data[rows], width)
        overall = min(OVERALL_NEIGHBOURS, width)
        for r, row in enumerate(rows):
            lists = [
                (near[row, :overall], near_distances[row, :overall]),
                (rows[inside[r]], inside_distances[r]),
                (near[row], near_distances[row]),
            ]
            indices[row], distances[row] = _merge(lists, width)
    own = np.arange(len(data), dtype=np.int64)[:, None]
    return np.hstack([own, indices]), np.hstack([np.zeros_like(own, np.float32), distances]), None


def umap_layout(
    vectors: npt.ArrayLike, topics: Sequence[int] | None = None, seed: int = LAYOUT_SEED
) -> Coords:
    """A seeded 2-D UMAP of the documents' `layout_graph`, guided by `topics` when given
    (outliers unlabelled; no guide with under two topics): (n, 2), centred, the same
    for the same input. Without topics: a UMAP of the nearest neighbours alone."""
    from umap import UMAP

    data = np.asarray(vectors, dtype=np.float32)
    labels = np.asarray(topics if topics is not None else [], dtype=np.int64)
    guided = len(set(labels.tolist()) - {OUTLIER_TOPIC}) >= 2
    reducer = UMAP(
        n_components=2,
        n_neighbors=min(LAYOUT_NEIGHBOURS, len(data) - 1) + 1,  # itself included
        min_dist=LAYOUT_MIN_DIST,
        metric="cosine",
        target_weight=LAYOUT_TOPIC_WEIGHT,
        random_state=seed,
        n_jobs=1,
        precomputed_knn=layout_graph(data, topics),
    )
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": wanted here
        warnings.simplefilter("ignore", UserWarning)
        found = reducer.fit_transform(data, y=labels if guided else None)
    coords = np.asarray(found, dtype=np.float64)
    return np.round(coords - coords.mean(axis=0), _DIGITS)


def layout_points(
    vectors: npt.ArrayLike, topics: Sequence[int], seed: int = LAYOUT_SEED
) -> tuple[Coords, str]:
    """2-D coordinates of a map sample and how they were found: `umap_layout` with the
    topics, or the sample's principal axes when it is too small for that."""
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
