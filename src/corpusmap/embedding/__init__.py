"""Embedding: models by name, the torch and ONNX embedders, token-sorted batches and
the on-disk cache of document vectors.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.embedding.batching import Vectors, length_sorted_batches, unit_mean
from corpusmap.embedding.cache import EmbeddingCache, passages_hash
from corpusmap.embedding.embedder import Embedder, EmbedderPool
from corpusmap.embedding.models import MODEL_ALIASES, resolve_model

__all__ = [
    "MODEL_ALIASES",
    "Embedder",
    "EmbedderPool",
    "EmbeddingCache",
    "Vectors",
    "length_sorted_batches",
    "passages_hash",
    "resolve_model",
    "unit_mean",
]
