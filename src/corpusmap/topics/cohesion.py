"""Which candidate label terms go together: co-occurrence in a topic's core documents.

A label reads as one subject when its terms are written together. Picking terms by
their closeness to the topic's centroid alone (and away from one another) can join
terms that no document of the topic uses together: on a topic of mixed documents the
centroid sits between subjects, and terms from different ones score alike there
("neuronic circuit, user input, driving environment" over drug patents). So each
candidate's presence is counted over the documents nearest the centroid (its core,
`LABEL_CORE`), and a pair of terms scores by their NPMI there: 1 when always written
together, 0 when independent, -1 when never.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

#: Documents nearest a topic's centroid whose words decide which label terms go together.
LABEL_CORE = 200

Presence = npt.NDArray[np.bool_]


def term_presence(
    texts: Sequence[str], terms: Sequence[str], analyze: Callable[[str], list[str]]
) -> Presence:
    """A (documents x terms) table: does the document hold the term (word or phrase)?"""
    table = np.zeros((len(texts), len(terms)), dtype=bool)
    column = {t: j for j, t in enumerate(terms)}
    for i, text in enumerate(texts):
        for term in set(analyze(text)) & column.keys():
            table[i, column[term]] = True
    return table


def pair_npmi(presence: Presence) -> npt.NDArray[np.float64]:
    """NPMI of every pair of terms over the documents of `presence` (the diagonal 1)."""
    docs = max(len(presence), 1)
    counts = presence.astype(np.float64)
    joint = (counts.T @ counts) / docs
    single = counts.mean(axis=0) if len(presence) else np.zeros(presence.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(joint / np.outer(single, single))
        npmi = pmi / -np.log(joint)
    npmi[joint == 0] = -1.0
    npmi[np.isclose(joint, 1.0)] = 1.0  # in every document: as together as can be
    np.fill_diagonal(npmi, 1.0)
    return np.nan_to_num(npmi, nan=-1.0)
