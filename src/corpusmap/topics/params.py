"""How documents are clustered into topics, and what a clustering returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from corpusmap.config import MAX_OUTLIER_SHARE, MAX_TOPIC_SHARE

OUTLIER = -1
Labels = npt.NDArray[np.int64]


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
    #: A larger topic (over twice the median topic) is clustered again on its own.
    max_topic_share: float = MAX_TOPIC_SHARE


@dataclass
class Clustering:
    """Per-document cluster ids (-1: outlier) and the outlier share before reassignment."""

    labels: Labels
    outlier_share_before: float
    selection: str
    #: The smallest topic size the clusters were found with (smaller than asked, if
    #: the asked one found under two topics and smaller sizes were offered).
    min_topic_size: int
