"""The deterministic parts of the clustering: exact neighbours, the k-NN affinity graph,
its connected components, their spectral embeddings and HDBSCAN on them.

A spectral embedding is unique (up to the sign of each axis) only on a connected
graph. On one in several pieces the smallest eigenvalue repeats and the eigensolver's
start (the seed) picks the axes: the 6,186 shared abstracts (neural networks and
baseball) form 7 pieces, and their topics agreed across seeds at ARI 0.72. Each piece
is therefore embedded and clustered on its own (`corpusmap.topics.clustering`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.embedding.batching import Vectors
from corpusmap.topics.params import OUTLIER, ClusterParams, Labels

_BLOCK = 2048
#: Eigenvector axes are used from the second on: a piece needs this many more documents.
_SPARE = 2


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


def knn_affinity(indices: npt.NDArray[np.int64], distances: npt.NDArray[np.float32]) -> Any:
    """A symmetric sparse affinity graph with self-tuning (local) Gaussian scales."""
    from scipy import sparse

    n, k = indices.shape
    scale = np.maximum(distances[:, min(k - 1, 6)], 1e-6)  # distance to the 7th neighbour
    weights = np.exp(-(distances**2) / (scale[:, None] * scale[indices]))
    rows = np.repeat(np.arange(n), k)
    graph = sparse.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def knn_graph(vectors: Vectors, params: ClusterParams) -> Any:
    """The affinity graph of the documents' exact cosine k nearest neighbours."""
    return knn_affinity(*exact_knn(vectors, params.n_neighbors))


def graph_pieces(graph: Any) -> list[npt.NDArray[np.int64]]:
    """The connected components' documents, largest first (ties: first document)."""
    from scipy.sparse.csgraph import connected_components

    count, piece = connected_components(graph, directed=False)
    members = [np.flatnonzero(piece == p) for p in range(count)]
    return sorted(members, key=lambda m: (-len(m), int(m[0])))


def can_embed(size: int, params: ClusterParams) -> bool:
    """Whether a piece of `size` documents has room for the embedding's axes."""
    return size >= params.n_components + _SPARE + 1


def spectral_embed(graph: Any, params: ClusterParams) -> npt.NDArray[np.float64]:
    """Spectral embedding of a connected graph: deterministic up to each axis's sign."""
    from sklearn.manifold import spectral_embedding

    dims = min(params.n_components, graph.shape[0] - _SPARE)
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


def topic_count(labels: Labels) -> int:
    """Number of topics in an assignment (the outlier topic not counted)."""
    return len(set(labels.tolist()) - {OUTLIER})


def _hdbscan(
    reduced: npt.NDArray[np.float64], params: ClusterParams, selection: str, max_size: int
) -> Labels:
    from hdbscan import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=params.min_topic_size,
        cluster_selection_method=selection,
        max_cluster_size=max_size if selection == "eom" else 0,
        allow_single_cluster=max_size >= len(reduced),
    )
    return np.asarray(model.fit(reduced).labels_, dtype=np.int64)


def select_clusters(
    reduced: npt.NDArray[np.float64], params: ClusterParams, max_size: int, min_topics: int
) -> tuple[Labels, str]:
    """HDBSCAN's excess-of-mass clusters of at most `max_size` documents (one cluster
    allowed where that is the whole piece), or its leaves where those give more topics
    while the former give under `min_topics`."""
    labels = _hdbscan(reduced, params, "eom", max_size)
    if topic_count(labels) < min_topics:
        leaf = _hdbscan(reduced, params, "leaf", max_size)
        if topic_count(leaf) > topic_count(labels):
            return leaf, "leaf"
    return labels, "eom"
