"""Several topics per document: each document's topic mixture, top 3 with weights.

A document's weights come from its cosine similarity to every topic centroid, as a
softmax with temperature `MIXTURE_TEMPERATURE`. A document of several passages blends
in its passages' own nearest topics: `MIXTURE_PASSAGE_SHARE` of its weight is spread
over the topics its passages are nearest to, in proportion to how many passages each
has. Then:

- the document's assigned topic (the one stored in `topic`) comes first: when another
  topic weighs more (the clustering placed the document by its neighbours, not by its
  nearest centroid), the assigned topic's weight is raised to that topic's, so the two
  tie and the assigned one is listed first;
- the `MIXTURE_TOPICS` heaviest are kept and normalised to sum to 1; a second or third
  weighing under `MIXTURE_MIN_WEIGHT` is dropped and the rest normalised again.

An outlier document (topic -1) has the mixture [(-1, 1.0)]: it belongs to no topic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from corpusmap.config.defaults import (
    MIXTURE_MIN_WEIGHT,
    MIXTURE_PASSAGE_SHARE,
    MIXTURE_TEMPERATURE,
    MIXTURE_TOPICS,
)
from corpusmap.topics.clustering import OUTLIER, normalise

__all__ = ["Mixture", "document_mixtures", "mixture_weights", "trim_mixture"]

#: A document's topics, heaviest first (the assigned topic first), weights summing to 1.
Mixture = list[tuple[int, float]]
_DECIMALS = 4


def mixture_weights(
    vector: npt.NDArray[np.float32],
    centres: npt.NDArray[np.float32],
    passages: npt.NDArray[np.float32] | None = None,
    *,
    temperature: float = MIXTURE_TEMPERATURE,
    passage_share: float = MIXTURE_PASSAGE_SHARE,
) -> npt.NDArray[np.float64]:
    """Weights over the topics (`centres`, unit rows) of one document: the softmax of
    its unit vector's cosines, blended with its `passages`' nearest-topic shares when
    it has more than one passage. Sums to 1."""
    sims = centres @ vector
    logits = (sims - sims.max()) / temperature
    weights = np.exp(logits.astype(np.float64))
    weights /= weights.sum()
    if passages is not None and len(passages) > 1:
        nearest = (normalise(passages) @ centres.T).argmax(axis=1)
        shares = np.bincount(nearest, minlength=len(centres)) / len(nearest)
        weights = (1.0 - passage_share) * weights + passage_share * shares
    return weights


def trim_mixture(
    weights: npt.NDArray[np.float64],
    topic_ids: Sequence[int],
    assigned: int,
    *,
    top: int = MIXTURE_TOPICS,
    min_weight: float = MIXTURE_MIN_WEIGHT,
) -> Mixture:
    """The assigned topic first, then the heaviest others, `top` at most, normalised,
    those under `min_weight` dropped (see the module)."""
    if assigned == OUTLIER or assigned not in topic_ids:
        return [(OUTLIER, 1.0)]
    weights = weights.copy()
    own = list(topic_ids).index(assigned)
    weights[own] = max(weights[own], float(weights.max()))
    order = [own, *(i for i in np.argsort(-weights, kind="stable") if i != own)][:top]
    kept = [(topic_ids[i], float(weights[i])) for i in order]
    total = sum(w for _, w in kept)
    kept = [kept[0]] + [(t, w) for t, w in kept[1:] if w / total >= min_weight]
    total = sum(w for _, w in kept)
    return [(t, round(w / total, _DECIMALS)) for t, w in kept]


def document_mixtures(
    ids: Sequence[str],
    vectors: npt.NDArray[np.float32],
    assignments: Mapping[str, int],
    topic_ids: Sequence[int],
    centres: npt.NDArray[np.float32],
    passages: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> dict[str, Mixture]:
    """The mixture of each document (`vectors` aligned with `ids`) over the topics
    `topic_ids` (outlier topic left out) with unit centroids `centres`; `passages`
    maps a document of several passages to their vectors."""
    real = [i for i, t in enumerate(topic_ids) if t != OUTLIER]
    ids_kept = [topic_ids[i] for i in real]
    if not real:
        return {d: [(OUTLIER, 1.0)] for d in ids}
    centres = normalise(np.asarray(centres, dtype=np.float32)[real])
    unit = normalise(np.asarray(vectors, dtype=np.float32))
    result: dict[str, Mixture] = {}
    for row, doc_id in enumerate(ids):
        weights = mixture_weights(unit[row], centres, (passages or {}).get(doc_id))
        result[doc_id] = trim_mixture(weights, ids_kept, assignments.get(doc_id, OUTLIER))
    return result
