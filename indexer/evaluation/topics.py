"""`corpusmap eval-topics`: quality metrics of a collection's stored topics, as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import SNAPSHOT_FILE, TOPICS_FILE, load_partition, read_snapshot
from corpusmap.config import Settings
from corpusmap.errors import ConfigError
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.store.schema import MIXTURE_FIELDS, row_mixture
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.metrics import (
    CPC_LEVELS,
    evaluate_topics,
    main_cpc_section,
    multi_topic_agreement,
)
from corpusmap.topics.words import stop_words

#: Label fields a topic assignment can be compared with, and what each means.
LABEL_FIELDS = {
    "labels": "the document's first class label (e.g. the AG News label)",
    "cpc_section": "the CPC section most of the document's CPC codes fall in (ties: alphabetical)",
}
LABEL_FIELD_HELP = "Compare topics with class labels: " + "; ".join(
    f"{name}: {meaning}" for name, meaning in LABEL_FIELDS.items()
)


@dataclass
class StoredDocuments:
    """Per document, in id order: text (passages joined), topic, labels and CPC codes."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    labels: list[list[str]] = field(default_factory=list)
    cpc: list[list[str]] = field(default_factory=list)
    #: Each document's topic mixture (its one topic, weight 1, where none was stored).
    mixtures: list[list[tuple[int, float]]] = field(default_factory=list)


def read_documents(store: MilvusStore, collection: str) -> StoredDocuments:
    """Every document of a collection with its topic, read back from Milvus."""
    fields = store.readable(collection, ["text", "topic", "labels", "cpc", *MIXTURE_FIELDS])
    passages = store.iter_passages(collection, fields)
    docs = StoredDocuments()
    for doc_id, parts in group_passages(passages).items():
        docs.ids.append(doc_id)
        docs.texts.append("".join(p["text"] for p in parts))
        docs.topics.append(int(parts[0]["topic"]))
        docs.labels.append(list(parts[0]["labels"] or []))
        docs.cpc.append(list(parts[0]["cpc"] or []))
        docs.mixtures.append(row_mixture(parts[0]))
    return docs


def read_build_files(folder: Path) -> tuple[StoredDocuments, list[TopicSummary]] | None:
    """Every document of a build with its topic, and the topics, from the build's own
    files (snapshot and partition), so no Milvus file is opened; None without them."""
    partition = load_partition(folder / TOPICS_FILE)
    if partition is None or not (folder / SNAPSHOT_FILE).exists():
        return None
    docs = StoredDocuments()
    for doc in sorted(read_snapshot(folder / SNAPSHOT_FILE), key=lambda d: d.id):
        docs.ids.append(doc.id)
        docs.texts.append(doc.text)
        docs.topics.append(partition.assignments[doc.id])
        docs.labels.append(list(doc.labels))
        docs.cpc.append(list(doc.cpc))
        topic = partition.assignments[doc.id]
        docs.mixtures.append(partition.mixtures.get(doc.id) or [(topic, 1.0)])
    return docs, partition.summaries


def check_label_field(label_field: str) -> str:
    """A known label field, or `ConfigError` naming the choices."""
    if label_field not in LABEL_FIELDS:
        choices = ", ".join(LABEL_FIELDS)
        raise ConfigError(f"unknown label field {label_field!r}; use one of: {choices}")
    return label_field


def document_labels(docs: StoredDocuments, label_field: str) -> list[str]:
    """One class label per document ("" when it has none) from a `LABEL_FIELDS` name."""
    if check_label_field(label_field) == "labels":
        return [labels[0] if labels else "" for labels in docs.labels]
    return [main_cpc_section(codes) for codes in docs.cpc]


def evaluate_stored_topics(
    store: MilvusStore, collection: str, label_field: str | None = None
) -> dict[str, Any]:
    """Topic count, outlier share, diversity, NPMI, (with a label field) NMI/ARI and
    (with CPC codes) how often second topics agree with them."""
    if label_field is not None:
        check_label_field(label_field)
    topics = TopicStore(store).list_topics(collection)  # TopicsNotFittedError first
    return evaluate(collection, read_documents(store, collection), topics, label_field)


def evaluate(
    collection: str,
    docs: StoredDocuments,
    topics: list[TopicSummary],
    label_field: str | None = None,
) -> dict[str, Any]:
    """The metrics of `evaluate_stored_topics` over documents and topics read anywhere."""
    if label_field is not None:
        check_label_field(label_field)
    terms = {t.topic_id: [w for w, _ in t.keywords] for t in topics}
    labels = document_labels(docs, label_field) if label_field else None
    named = {t.topic_id: t.label for t in topics}
    metrics = evaluate_topics(
        docs.topics, terms, docs.texts, labels=labels, stop=stop_words(), topic_labels=named
    )
    metrics["label_coherence"] = _rounded(metrics["label_coherence"])
    if any(docs.cpc):
        metrics["multi_topic_agreement"] = {
            level: _rounded(multi_topic_agreement(docs.mixtures, docs.cpc, level=level))
            for level in CPC_LEVELS
        }
    return {"collection": collection, "label_field": label_field, **_rounded(metrics)}


def _rounded(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


def run_eval_topics(
    settings: Settings, collection: str, label_field: str | None = None
) -> dict[str, Any]:
    """Evaluate the topics of a collection's published build: from the build's own
    files (readable while the API has the build open), else from its store."""
    registry = BuildRegistry(settings.data_dir)
    info = registry.current(collection)
    files = read_build_files(registry.build_dir(collection, info.build_id))
    if files is not None:
        return evaluate(collection, *files, label_field)
    with open_published(settings, collection) as (store, name):
        return {**evaluate_stored_topics(store, name, label_field), "collection": collection}
