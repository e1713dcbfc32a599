"""Topic modeling with BERTopic on vectors that are already embedded.

`fit_topics` never embeds: it takes the vectors read back from Milvus, reduces
them with a seeded UMAP, clusters with HDBSCAN and describes each cluster by
c-TF-IDF keywords with English and patent boilerplate stop words removed.
The fitted model is saved with safetensors (never pickle), with a JSON record
of the seed, parameters, library versions and a corpus fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.errors import ConfigError
from corpusmap.topic_store import OUTLIER_TOPIC, TopicSummary

log = logging.getLogger(__name__)

#: Words that carry no topic in patent claims and abstracts.
PATENT_STOP_WORDS = frozenset(
    [
        "said",
        "wherein",
        "claim",
        "claims",
        "claimed",
        "comprising",
        "comprises",
        "comprise",
        "thereof",
        "therein",
        "thereto",
        "whereby",
        "herein",
        "having",
        "include",
        "includes",
        "including",
        "plurality",
        "first",
        "second",
        "third",
        "least",
        "portion",
        "member",
        "members",
        "configured",
        "method",
        "methods",
        "apparatus",
        "device",
        "system",
        "according",
        "provided",
        "providing",
        "present",
        "invention",
        "embodiment",
        "embodiments",
        "respective",
        "respectively",
        "further",
        "disposed",
        "adapted",
        "unit",
        "based",
        "associated",
    ]
)
MIN_DOCUMENTS = 30
REPRESENTATIVES = 5
KEYWORDS = 10


@dataclass(frozen=True)
class TopicParams:
    """The parameters a fit used, recorded with the model."""

    seed: int
    min_topic_size: int
    n_neighbors: int = 15
    n_components: int = 5


@dataclass
class TopicFit:
    """The outcome of a fit: per-document topics, topic summaries and topic vectors."""

    assignments: dict[str, int]
    summaries: list[TopicSummary]
    vectors: npt.NDArray[np.float32]
    model: Any
    params: TopicParams

    @property
    def outlier_share(self) -> float:
        """Share of documents in the outlier topic -1."""
        if not self.assignments:
            return 0.0
        return sum(t == OUTLIER_TOPIC for t in self.assignments.values()) / len(self.assignments)


def default_min_topic_size(n_docs: int) -> int:
    """A smallest-topic size that grows with the corpus (10 for small ones)."""
    return max(10, round(math.sqrt(n_docs) / 2))


def _build_model(params: TopicParams, n_docs: int) -> Any:
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
    from umap import UMAP

    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | PATENT_STOP_WORDS),
        ngram_range=(1, 2),
        # Words only: patent reference numerals such as "( 12 )" are noise.
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z\-]+[a-zA-Z]\b",
        min_df=2 if n_docs >= 100 else 1,
    )
    return BERTopic(
        embedding_model=None,
        umap_model=UMAP(
            n_neighbors=params.n_neighbors,
            n_components=params.n_components,
            min_dist=0.0,
            metric="cosine",
            random_state=params.seed,
        ),
        hdbscan_model=HDBSCAN(
            min_cluster_size=params.min_topic_size,
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=False,
        ),
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=KEYWORDS,
        calculate_probabilities=False,
    )


def fit_topics(
    ids: Sequence[str],
    texts: Sequence[str],
    vectors: npt.NDArray[np.float32],
    *,
    seed: int = 42,
    min_topic_size: int | None = None,
) -> TopicFit:
    """Fit BERTopic on given vectors (no embedding) and summarise each topic."""
    if len(ids) < MIN_DOCUMENTS:
        raise ConfigError(f"topics need at least {MIN_DOCUMENTS} documents, got {len(ids)}")
    params = TopicParams(
        seed=seed, min_topic_size=min_topic_size or default_min_topic_size(len(ids))
    )
    model = _build_model(params, len(ids))
    log.info("fitting topics on %d documents (%s)", len(ids), params)
    labels, _ = model.fit_transform(list(texts), embeddings=vectors)
    labels_arr = np.asarray(labels, dtype=np.int64)
    topic_ids = sorted(set(labels_arr.tolist()))
    topic_vectors = np.stack([_centroid(vectors[labels_arr == t]) for t in topic_ids])
    summaries = [
        _summarise(model, t, ids, vectors, labels_arr, topic_vectors[i])
        for i, t in enumerate(topic_ids)
    ]
    assignments = dict(zip(ids, labels_arr.tolist(), strict=True))
    return TopicFit(assignments, summaries, topic_vectors.astype(np.float32), model, params)


def _centroid(members: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    mean = members.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)


def _summarise(
    model: Any,
    topic: int,
    ids: Sequence[str],
    vectors: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int64],
    centroid: npt.NDArray[np.float32],
) -> TopicSummary:
    """Keywords, a readable label and the documents nearest the topic's centroid."""
    words = model.get_topic(topic) or []
    keywords = [(str(w), round(float(s), 6)) for w, s in words if w][:KEYWORDS]
    members = np.flatnonzero(labels == topic)
    nearest = members[np.argsort(-(vectors[members] @ centroid))[:REPRESENTATIVES]]
    label = "outliers" if topic == OUTLIER_TOPIC else ", ".join(w for w, _ in keywords[:3])
    return TopicSummary(
        topic_id=topic,
        label=label or f"topic {topic}",
        size=int(members.size),
        keywords=keywords,
        representative_ids=[ids[i] for i in nearest],
    )


def corpus_fingerprint(ids: Sequence[str], texts: Sequence[str]) -> str:
    """A hash of the documents a model was fitted on (order-independent)."""
    digest = hashlib.sha256()
    for doc_id, text in sorted(zip(ids, texts, strict=True)):
        digest.update(doc_id.encode() + b"\x00" + text.encode() + b"\x00")
    return digest.hexdigest()[:16]


def save_topic_model(fit: TopicFit, path: Path, *, embedding_model: str, fingerprint: str) -> None:
    """Save the BERTopic model with safetensors and a JSON record of how it was made."""
    path.mkdir(parents=True, exist_ok=True)
    fit.model.save(
        str(path / "bertopic"),
        serialization="safetensors",
        save_ctfidf=True,
        save_embedding_model=embedding_model,
    )
    record = {
        "params": asdict(fit.params),
        "embedding_model": embedding_model,
        "documents": len(fit.assignments),
        "topics": sum(1 for s in fit.summaries if s.topic_id != OUTLIER_TOPIC),
        "outlier_share": round(fit.outlier_share, 4),
        "corpus_fingerprint": fingerprint,
        "versions": {p: version(p) for p in ("bertopic", "umap-learn", "hdbscan", "numpy")},
    }
    (path / "corpusmap_topics.json").write_text(json.dumps(record, indent=2))
