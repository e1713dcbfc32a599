"""Documents read back from a collection's rows (vectors, passages), and their topic
mixtures: what a topic fit and an add work from, with nothing embedded again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from corpusmap.embedding.batching import unit_mean
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.store.topic_store import TopicSummary
from corpusmap.topics.mixture import Mixture, document_mixtures


@dataclass
class StoredVectors:
    """Every document of a collection read back from Milvus, in id order: its joined
    text, its vector (the normalised mean of its passages') and, for a document of
    several passages, their vectors."""

    ids: list[str]
    texts: list[str]
    vectors: np.ndarray
    passages: dict[str, np.ndarray]


def read_stored_passages(
    store: MilvusStore, collection: str, *, progress: bool = True
) -> StoredVectors:
    """`StoredVectors` of a collection (no embedding)."""
    rows = store.iter_passages(collection, ["text", "vector"])
    total = store.count_where(collection, "")
    counted = tqdm(rows, total=total, desc="read vectors", unit="passage", disable=not progress)
    parts = group_passages(counted)
    ids = list(parts)
    texts = ["".join(p["text"] for p in parts[i]) for i in ids]
    vectors = [unit_mean([p["vector"] for p in parts[i]]) for i in ids]
    several = {
        i: np.asarray([p["vector"] for p in parts[i]], np.float32) for i in ids if len(parts[i]) > 1
    }
    stacked = np.stack(vectors) if vectors else np.zeros((0, 0), np.float32)
    return StoredVectors(ids, texts, stacked, several)


def read_stored_vectors(
    store: MilvusStore, collection: str, *, progress: bool = True
) -> tuple[list[str], list[str], np.ndarray]:
    """Ids, texts and vectors of every document, read back from Milvus (no embedding).

    A document of several passages gets their joined text and the normalised
    mean of their vectors.
    """
    stored = read_stored_passages(store, collection, progress=progress)
    return stored.ids, stored.texts, stored.vectors


def stored_mixtures(
    stored: StoredVectors,
    assignments: dict[str, int],
    summaries: Sequence[TopicSummary],
    topic_vectors: np.ndarray,
) -> dict[str, Mixture]:
    """Each stored document's topic mixture over the topics (`summaries`, their
    `topic_vectors` aligned), its assigned topic first."""
    topic_ids = [s.topic_id for s in summaries]
    return document_mixtures(
        stored.ids, stored.vectors, assignments, topic_ids, topic_vectors, stored.passages
    )
