"""Seed-stable document clustering on stored vectors, with outlier control.

UMAP, then HDBSCAN (BERTopic's way) moves with the UMAP seed: on the 1,100 patent
claims, seeds 0-9 agreed at mean ARI 0.53 (min topic size 10) to 0.63 (size 17),
and with size 17 seed 8 collapsed to 2 topics. Here
the reduction is a spectral embedding of the exact cosine k-nearest-neighbour graph
instead: the graph is deterministic and the eigenvectors are unique up to sign, so
the seed (which only starts the eigensolver) does not move the partition. HDBSCAN
then finds the clusters in that space (a guard keeps any one cluster from taking
most of the corpus), and outliers are reassigned to the nearest topic centroid,
nearest first, until at most `max_outlier_share` of the corpus is left in topic -1.

A small corpus (a few hundred documents) may hold no cluster of the default
smallest size once HDBSCAN has spent its outliers: 80 AG News stories of two
labels gave none at size 10, so all 80 were outliers. There the caller passes
smaller sizes to try in turn, on the same reduction, until two topics appear.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from corpusmap.config import MAX_OUTLIER_SHARE
from corpusmap.embedding.batching import Vectors

log = logging.getLogger(__name__)

OUTLIER = -1
Labels = npt.NDArray[np.int64]
_BLOCK = 2048


@dataclass(frozen=True)
class ClusterParams:
    """How documents are clustered (recorded with the saved model)."""

    seed: int
    min_topic_size: int
    n_neighbors: int = 15
    n_components: int = 5
    max_cluster_share: float = 0.3
    max_outlier_share: float = MAX_OUTLIER_SHARE
    min_topics: int = 5
    #: Documents the clusters were found on, the rest placed by nearest topic (0: all).
    fit_sample: int = 0


@dataclass
class Clustering:
    """Per-document cluster ids (-1: outlier) and the outlier share before reassignment."""

    labels: Labels
    outlier_share_before: float
    selection: str
    #: The smallest topic size the clusters were found with (smaller than asked, if
    #: the asked one found under two topics and smaller sizes were offered).
    min_topic_size: int


def normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def exact_knn(
    vectors: Vectors, n_neighbors: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Exact cosine nearest neighbours of each row (itself excluded): indices, distances.

    The neighbours of each 2,048-row block are chosen with `torch.topk`: at 100k
    documents that took half the time and under half the memory of numpy's
    `argpartition` over the same block, with the same neighbours.
    """
    import torch

    unit = torch.from_numpy(normalise(vectors))
    k = min(n_neighbors, len(unit) - 1)
    indices = np.empty((len(unit), k), dtype=np.int64)
    distances = np.empty((len(unit), k), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(unit), _BLOCK):
            sims = unit[start : start + _BLOCK] @ unit.T
            rows = torch.arange(sims.shape[0])
            sims[rows, rows + start] = -torch.inf  # never its own neighbour
            best, chosen = torch.topk(sims, k, dim=1, largest=True, sorted=True)
            indices[start : start + len(rows)] = chosen.numpy()
            distances[start : start + len(rows)] = 1.0 - best.numpy()
    return indices, np.maximum(distances, 0.0)


def knn_affinity(indices: npt.NDArray[np.int64], distances: npt.NDArray[np.float32]) -> object:
    """A symmetric sparse affinity graph with self-tuning (local) Gaussian scales."""
    from scipy import sparse

    n, k = indices.shape
    scale = np.maximum(distances[:, min(k - 1, 6)], 1e-6)  # distance to the 7th neighbour
    weights = np.exp(-(distances**2) / (scale[:, None] * scale[indices]))
    rows = np.repeat(np.arange(n), k)
    graph = sparse.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(n, n))
    return graph.maximum(graph.T)


def spectral_reduce(vectors: Vectors, params: ClusterParams) -> npt.NDArray[np.float64]:
    """Spectral embedding of the k-NN graph: deterministic up to the sign of each axis."""
    from sklearn.manifold import spectral_embedding

    graph = knn_affinity(*exact_knn(vectors, params.n_neighbors))
    dims = min(params.n_components, len(vectors) - 2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        warnings.filterwarnings("ignore", message="Exited at iteration")
        warnings.filterwarnings("ignore", message="Exited postprocessing")
        # lobpcg with a tight tolerance matches arpack to 1e-6 at 1/80 of its time;
        # at sklearn's default tolerance it returns unconverged vectors.
        embedded = spectral_embedding(
            graph,
            n_components=dims,
            eigen_solver="lobpcg",
            eigen_tol=1e-6,
            random_state=params.seed,
            drop_first=True,
        )
    return np.asarray(embedded, dtype=np.float64)


def _hdbscan(reduced: npt.NDArray[np.float64], params: ClusterParams, selection: str) -> Labels:
    from hdbscan import HDBSCAN

    max_size = int(params.max_cluster_share * len(reduced)) if selection == "eom" else 0
    model = HDBSCAN(
        min_cluster_size=params.min_topic_size,
        cluster_selection_method=selection,
        max_cluster_size=max_size,
    )
    return np.asarray(model.fit(reduced).labels_, dtype=np.int64)


def topic_count(labels: Labels) -> int:
    """Number of topics in an assignment (the outlier topic not counted)."""
    return len(set(labels.tolist()) - {OUTLIER})


def centroids(vectors: Vectors, labels: Labels) -> tuple[list[int], Vectors]:
    """Topic ids and their unit-length mean vectors (outliers left out)."""
    topics = sorted(set(labels.tolist()) - {OUTLIER})
    if not topics:
        return [], np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return topics, normalise(np.stack([vectors[labels == t].mean(axis=0) for t in topics]))


def reassign_outliers(vectors: Vectors, labels: Labels, max_share: float) -> Labels:
    """Move outliers to their nearest topic centroid, nearest first, down to `max_share`."""
    outliers = np.flatnonzero(labels == OUTLIER)
    keep = int(np.floor(max_share * len(labels)))
    topics, centres = centroids(vectors, labels)
    if len(outliers) <= keep or not topics:
        return labels.copy()
    sims = normalise(vectors[outliers]) @ centres.T
    nearest, best = sims.argmax(axis=1), sims.max(axis=1)
    order = np.argsort(-best, kind="stable")[: len(outliers) - keep]
    result = labels.copy()
    result[outliers[order]] = np.asarray(topics, dtype=np.int64)[nearest[order]]
    return result


def canonical_ids(labels: Labels) -> Labels:
    """Renumber topics by size (ties: first document), so ids never depend on the run."""
    topics = [t for t in set(labels.tolist()) if t != OUTLIER]
    first = {t: int(np.argmax(labels == t)) for t in topics}
    order = sorted(topics, key=lambda t: (-int(np.sum(labels == t)), first[t]))
    mapping = {t: i for i, t in enumerate(order)}
    return np.asarray([mapping.get(t, OUTLIER) for t in labels.tolist()], dtype=np.int64)


def _select(reduced: npt.NDArray[np.float64], params: ClusterParams) -> tuple[Labels, str]:
    """HDBSCAN's excess-of-mass clusters, or its leaves where those give more topics
    while the former give under `min_topics`."""
    labels = _hdbscan(reduced, params, "eom")
    if topic_count(labels) < params.min_topics:
        leaf = _hdbscan(reduced, params, "leaf")
        if topic_count(leaf) > topic_count(labels):
            return leaf, "leaf"
    return labels, "eom"


def cluster_documents(
    vectors: Vectors, params: ClusterParams, smaller_sizes: Sequence[int] = ()
) -> Clustering:
    """Cluster documents: spectral embedding, HDBSCAN, then outlier reassignment.

    While fewer than two topics are found, each of `smaller_sizes` is tried in turn
    as the smallest topic size (the outlier budget stays the same).
    """
    reduced = spectral_reduce(vectors, params)
    labels, selection = _select(reduced, params)
    for size in smaller_sizes:
        if topic_count(labels) >= 2:
            break
        params = replace(params, min_topic_size=size)
        labels, selection = _select(reduced, params)
    before = float(np.mean(labels == OUTLIER))
    labels = canonical_ids(reassign_outliers(vectors, labels, params.max_outlier_share))
    log.info(
        "%d topics (%s, smallest %d), outliers %.1f%% before reassignment, %.1f%% after",
        topic_count(labels),
        selection,
        params.min_topic_size,
        100 * before,
        100 * float(np.mean(labels == OUTLIER)),
    )
    return Clustering(labels, before, selection, params.min_topic_size)
