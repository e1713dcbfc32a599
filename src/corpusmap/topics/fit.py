"""Topic modeling with BERTopic on vectors that are already embedded.

`fit_topics` never embeds documents. It clusters the vectors read back from
Milvus with `corpusmap.topics.clustering` (a spectral embedding of the exact k-NN graph,
then HDBSCAN, then outliers reassigned down to a configurable share: the
partition does not hinge on the seed), hands that partition to BERTopic as a
manual topic model, and describes each topic by c-TF-IDF keywords with stop
words removed and a label of keywords written together (`words.label_terms`).
The fitted model is saved with safetensors (never pickle), with a JSON record of the seed,
parameters, library versions and a corpus fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.config import MAX_OUTLIER_SHARE
from corpusmap.errors import ConfigError
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicSummary
from corpusmap.topics.clustering import ClusterParams, centroids, cluster_documents, normalise
from corpusmap.topics.cohesion import LABEL_CORE, term_presence
from corpusmap.topics.sample import cluster_on_sample
from corpusmap.topics.words import (
    CANDIDATES,
    KEYWORDS,
    PATENT_STOP_WORDS,
    WordEmbedder,
    analyze,
    build_vectorizer,
    clean_keywords,
    label_terms,
)

__all__ = ["KEYWORDS", "PATENT_STOP_WORDS", "TopicFit", "TopicParams", "fit_topics"]

log = logging.getLogger(__name__)

MIN_DOCUMENTS = 30
#: Under this many documents the default smallest topic size may shrink (see
#: `smaller_topic_sizes`), down to `SMALLEST_TOPIC`.
SMALL_CORPUS = 300
SMALLEST_TOPIC = 3
REPRESENTATIVES = 5

#: The parameters a fit used, recorded with the model.
TopicParams = ClusterParams
_VERSIONED = ("bertopic", "hdbscan", "scikit-learn", "scipy", "numpy")


@dataclass
class TopicFit:
    """The outcome of a fit: per-document topics, topic summaries and topic vectors."""

    assignments: dict[str, int]
    summaries: list[TopicSummary]
    vectors: npt.NDArray[np.float32]
    model: Any
    params: TopicParams
    outlier_share_before: float = 0.0
    selection: str = "eom"
    #: Each document's topic mixture (`corpusmap.topics.mixture`), once ids are stable.
    mixtures: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @property
    def outlier_share(self) -> float:
        """Share of documents in the outlier topic -1 (after reassignment)."""
        if not self.assignments:
            return 0.0
        return sum(t == OUTLIER_TOPIC for t in self.assignments.values()) / len(self.assignments)

    @property
    def topic_count(self) -> int:
        """Number of topics, the outlier topic not counted."""
        return sum(1 for s in self.summaries if s.topic_id != OUTLIER_TOPIC)


def default_min_topic_size(n_docs: int) -> int:
    """A smallest-topic size that grows with the corpus (10 for small ones)."""
    return max(10, round(math.sqrt(n_docs) / 4))


def smaller_topic_sizes(n_docs: int, size: int) -> list[int]:
    """The sizes tried in turn, below the default, while a small corpus (under
    `SMALL_CORPUS` documents) gives fewer than two topics."""
    if n_docs >= SMALL_CORPUS:
        return []
    return list(range(size - 1, SMALLEST_TOPIC - 1, -1))


def _params(
    n_docs: int, seed: int, min_topic_size: int | None, max_outlier_share: float
) -> tuple[TopicParams, list[int]]:
    """The parameters of a fit on `n_docs` documents, and the smaller topic sizes to
    try: an asked-for size is kept; the default shrinks on a small corpus if it must."""
    size = min_topic_size or default_min_topic_size(n_docs)
    smaller = [] if min_topic_size else smaller_topic_sizes(n_docs, size)
    params = TopicParams(seed=seed, min_topic_size=size, max_outlier_share=max_outlier_share)
    return params, smaller


def _build_model(n_docs: int) -> Any:
    """A BERTopic that takes a given partition (`y`) and only describes it."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    return BERTopic(
        embedding_model=None,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=build_vectorizer(n_docs),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=CANDIDATES,
        calculate_probabilities=False,
    )


def fit_topics(
    ids: Sequence[str],
    texts: Sequence[str],
    vectors: npt.NDArray[np.float32],
    *,
    seed: int = 42,
    min_topic_size: int | None = None,
    max_outlier_share: float = MAX_OUTLIER_SHARE,
    embedder: WordEmbedder | None = None,
    sample_size: int = 0,
) -> TopicFit:
    """Cluster given vectors (no document embedding), then describe each topic.

    `embedder` (the collection's model) embeds candidate keywords to pick labels;
    without one, labels are the first distinct c-TF-IDF keywords. Above
    `sample_size` documents (0: never) the clusters are found on a sample of that
    size and the rest go to their nearest topic (`corpusmap.topics.sample`).
    """
    if len(ids) < MIN_DOCUMENTS:
        raise ConfigError(f"topics need at least {MIN_DOCUMENTS} documents, got {len(ids)}")
    sampled = max(sample_size, MIN_DOCUMENTS) if 0 < sample_size < len(ids) else 0
    params, smaller = _params(sampled or len(ids), seed, min_topic_size, max_outlier_share)
    params = replace(params, fit_sample=sampled)
    log.info("fitting topics on %d documents (%s)", len(ids), params)
    unit = normalise(vectors)
    if sampled:
        clustering = cluster_on_sample(ids, unit, params, sampled, smaller)
    else:
        clustering = cluster_documents(unit, params, smaller)
    params = replace(params, min_topic_size=clustering.min_topic_size)
    model = _build_model(len(ids))
    model.fit(list(texts), embeddings=unit, y=clustering.labels)
    labels = np.asarray(model.topics_, dtype=np.int64)
    topic_ids, topic_vectors = _topic_vectors(unit, labels)
    summaries = _summaries(model, topic_ids, ids, texts, unit, labels, topic_vectors, embedder)
    assignments = dict(zip(ids, labels.tolist(), strict=True))
    return TopicFit(
        assignments,
        summaries,
        topic_vectors,
        model,
        params,
        outlier_share_before=clustering.outlier_share_before,
        selection=clustering.selection,
    )


def _topic_vectors(
    unit: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]
) -> tuple[list[int], npt.NDArray[np.float32]]:
    """Topic ids (the outlier topic first, if any) and unit-length centroids."""
    topic_ids, centres = centroids(unit, labels)
    if (labels == OUTLIER_TOPIC).any():
        outlier_centre = normalise(unit[labels == OUTLIER_TOPIC].mean(axis=0, keepdims=True))
        return [OUTLIER_TOPIC, *topic_ids], np.vstack([outlier_centre, centres])
    return topic_ids, centres


def _summaries(
    model: Any,
    topic_ids: list[int],
    ids: Sequence[str],
    texts: Sequence[str],
    unit: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int64],
    topic_vectors: npt.NDArray[np.float32],
    embedder: WordEmbedder | None,
) -> list[TopicSummary]:
    """Keywords, a readable label and the distinct documents nearest each topic's centroid."""
    candidates = [clean_keywords(model.get_topic(t) or [], CANDIDATES) for t in topic_ids]
    pools = [[w for w, _ in c[:KEYWORDS]] for c in candidates]
    order = [_nearest_members(unit, labels, t, topic_vectors[i]) for i, t in enumerate(topic_ids)]
    presence = [
        None
        if topic == OUTLIER_TOPIC
        else term_presence([texts[j] for j in nearest[:LABEL_CORE]], pool, analyze)
        for topic, nearest, pool in zip(topic_ids, order, pools, strict=True)
    ]
    terms = label_terms(pools, topic_vectors, embedder, presence=presence)
    summaries = []
    for i, (topic, nearest) in enumerate(zip(topic_ids, order, strict=True)):
        label = "outliers" if topic == OUTLIER_TOPIC else ", ".join(terms[i])
        summaries.append(
            TopicSummary(
                topic_id=topic,
                label=label or f"topic {topic}",
                size=int(nearest.size),
                keywords=candidates[i][:KEYWORDS],
                representative_ids=distinct_documents(nearest.tolist(), ids, texts),
            )
        )
    return summaries


def _nearest_members(
    unit: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int64],
    topic: int,
    centre: npt.NDArray[np.float32],
) -> npt.NDArray[np.int64]:
    """A topic's members, nearest its centroid first."""
    members = np.flatnonzero(labels == topic)
    return members[np.argsort(-(unit[members] @ centre), kind="stable")]


def duplicate_key(*parts: str) -> str:
    """The lower-cased words of a document's parts (title, text): re-filings and
    continuations that repeat a title and text share one key."""
    return " ".join(re.findall(r"\w+", " ".join(parts).lower()))


def distinct_documents(
    order: Iterable[int], ids: Sequence[str], texts: Sequence[str], count: int = REPRESENTATIVES
) -> list[str]:
    """The ids of the first `count` documents in `order` (indices into `ids`, `texts`)
    that repeat neither an id nor a normalised text (`duplicate_key`) chosen before."""
    chosen: list[str] = []
    seen: set[str] = set()
    for j in order:
        key = duplicate_key(texts[j]) or f"id {ids[j]}"
        if ids[j] in chosen or key in seen:
            continue
        chosen.append(ids[j])
        seen.add(key)
        if len(chosen) == count:
            break
    return chosen


def corpus_fingerprint(ids: Sequence[str], texts: Sequence[str]) -> str:
    """A hash of the documents a model was fitted on (order-independent)."""
    digest = hashlib.sha256()
    for doc_id, text in sorted(zip(ids, texts, strict=True)):
        digest.update(doc_id.encode() + b"\x00" + text.encode() + b"\x00")
    return digest.hexdigest()[:16]


def save_topic_model(
    fit: TopicFit,
    path: Path,
    *,
    embedding_model: str,
    fingerprint: str,
    topic_ids: dict[int, int] | None = None,
) -> None:
    """Save the BERTopic model with safetensors and a JSON record of how it was made;
    `topic_ids` maps the model's own topic ids to the stable ids served (recorded)."""
    path.mkdir(parents=True, exist_ok=True)
    fit.model.save(
        str(path / "bertopic"),
        serialization="safetensors",
        save_ctfidf=True,
        save_embedding_model=embedding_model,
    )
    record = {
        "params": asdict(fit.params),
        "method": "exact cosine k-NN graph -> spectral embedding -> HDBSCAN "
        "-> outliers to nearest centroid -> BERTopic c-TF-IDF",
        "cluster_selection": fit.selection,
        "embedding_model": embedding_model,
        "documents": len(fit.assignments),
        "topics": fit.topic_count,
        "outlier_share_before": round(fit.outlier_share_before, 4),
        "outlier_share": round(fit.outlier_share, 4),
        "corpus_fingerprint": fingerprint,
        "versions": {p: version(p) for p in _VERSIONED},
        # The model numbers topics by size; the build serves stable ids instead.
        "stable_topic_ids": {str(k): v for k, v in sorted((topic_ids or {}).items())},
    }
    (path / "corpusmap_topics.json").write_text(json.dumps(record, indent=2))
