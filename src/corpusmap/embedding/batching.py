"""Vectors and batches: the float32 vector type, unit means and token-sorted batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

#: Embeddings: one float32 row per text, L2-normalised.
Vectors = npt.NDArray[np.float32]


def unit_mean(vectors: npt.ArrayLike) -> Vectors:
    """The mean of some vectors scaled to unit length (a document of several passages,
    the centroid of a topic)."""
    mean = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int
) -> Iterator[npt.NDArray[np.intp]]:
    """Indices of each batch, longest texts first, so a batch pads only to its own longest.

    By token count, not characters: sentence-transformers sorts by characters, which
    left 21% of the tokens of the shared patent abstracts as padding; by tokens, 1%
    (MiniLM encoded 2,000 of them 13-15% faster at batch 64; `bench.indexing` went
    from 0.87x raw encode to 1.08x). A token budget per batch (more short texts
    together) measured no better on CPU.
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]
