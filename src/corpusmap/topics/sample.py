"""Topic fitting on a sample of a large corpus, the rest placed by nearest topic vector.

Clustering cost grows faster than the corpus (the exact k-NN graph is quadratic
in time; its working memory, the spectral embedding and HDBSCAN grow with it).
Above a configured size the clusters are found on a sample, and every other
document goes to the topic whose centroid is nearest, in fixed-size batches so
that memory stays bounded by the sample, not the corpus.

The sample is chosen by a hash of each document id, not by the seed: the same
corpus always gives the same sample whatever the seed, so sampled fits keep the
seed-stability of full ones, and adding documents changes the sample only where
the new ids hash low enough to enter it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from corpusmap.topics.clustering import (
    OUTLIER,
    Clustering,
    ClusterParams,
    Labels,
    Vectors,
    canonical_ids,
    centroids,
    cluster_documents,
)

log = logging.getLogger(__name__)

#: Documents placed per matrix product: 8,192 x (topics) similarities at a time.
_BATCH = 8192


def sample_indices(ids: Sequence[str], size: int) -> npt.NDArray[np.int64]:
    """The positions of the `size` documents whose ids hash lowest, in corpus order."""
    if size >= len(ids):
        return np.arange(len(ids), dtype=np.int64)
    keys = np.fromiter(
        (int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest()) for i in ids),
        dtype=np.uint64,
        count=len(ids),
    )
    chosen = np.argpartition(keys, size - 1)[:size]
    return np.sort(chosen).astype(np.int64)


def nearest_topics(
    unit: Vectors, centres: Vectors, batch: int = _BATCH
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Index of each row's nearest centre (cosine) and that similarity, batch by batch."""
    nearest = np.empty(len(unit), dtype=np.int64)
    best = np.empty(len(unit), dtype=np.float32)
    for start in range(0, len(unit), batch):
        sims = unit[start : start + batch] @ centres.T
        nearest[start : start + batch] = sims.argmax(axis=1)
        best[start : start + batch] = sims.max(axis=1)
    return nearest, best


def place_rest(
    unit: Vectors, picked: npt.NDArray[np.int64], sample_labels: Labels, batch: int = _BATCH
) -> Labels:
    """Labels for the whole corpus: the sample's own, the rest by nearest topic centroid.

    The rest keep the sample's outlier share: those least similar to their nearest
    centroid stay in the outlier topic, so a sampled fit reports the outlier share a
    full fit with the same cap would.
    """
    labels = np.full(len(unit), OUTLIER, dtype=np.int64)
    labels[picked] = sample_labels
    topics, centres = centroids(unit[picked], sample_labels)
    rest = np.setdiff1d(np.arange(len(unit), dtype=np.int64), picked)
    if not topics or not len(rest):
        return labels
    nearest, best = nearest_topics(unit[rest], centres, batch)
    labels[rest] = np.asarray(topics, dtype=np.int64)[nearest]
    left_out = int(np.floor(float(np.mean(sample_labels == OUTLIER)) * len(rest)))
    if left_out:
        labels[rest[np.argsort(best, kind="stable")[:left_out]]] = OUTLIER
    return labels


def cluster_on_sample(
    ids: Sequence[str],
    unit: Vectors,
    params: ClusterParams,
    size: int,
    smaller_sizes: Sequence[int] = (),
) -> Clustering:
    """Cluster a hash-chosen sample of `size` documents, then place the rest."""
    picked = sample_indices(ids, size)
    log.info("clustering a sample of %d of %d documents", len(picked), len(ids))
    sampled = cluster_documents(unit[picked], params, smaller_sizes)
    labels = canonical_ids(place_rest(unit, picked, sampled.labels))
    return Clustering(
        labels=labels,
        outlier_share_before=sampled.outlier_share_before,
        selection=sampled.selection,
        min_topic_size=sampled.min_topic_size,
    )
