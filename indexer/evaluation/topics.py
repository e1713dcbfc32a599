"""`corpusmap eval-topics`: quality metrics of a collection's stored topics, as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.errors import ConfigError
from corpusmap.store.milvus import MilvusStore, group_passages
from corpusmap.store.topic_store import TopicStore
from corpusmap.topics.metrics import evaluate_topics, main_cpc_section
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


def read_documents(store: MilvusStore, collection: str) -> StoredDocuments:
    """Every document of a collection with its topic, read back from Milvus."""
    passages = store.iter_passages(collection, ["text", "topic", "labels", "cpc"])
    docs = StoredDocuments()
    for doc_id, parts in group_passages(passages).items():
        docs.ids.append(doc_id)
        docs.texts.append("".join(p["text"] for p in parts))
        docs.topics.append(int(parts[0]["topic"]))
        docs.labels.append(list(parts[0]["labels"] or []))
        docs.cpc.append(list(parts[0]["cpc"] or []))
    return docs


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
    """Topic count, outlier share, diversity, NPMI and (with a label field) NMI/ARI."""
    if label_field is not None:
        check_label_field(label_field)
    topics = TopicStore(store).list_topics(collection)  # TopicsNotFittedError first
    docs = read_documents(store, collection)
    terms = {t.topic_id: [w for w, _ in t.keywords] for t in topics}
    labels = document_labels(docs, label_field) if label_field else None
    metrics = evaluate_topics(docs.topics, terms, docs.texts, labels=labels, stop=stop_words())
    return {"collection": collection, "label_field": label_field, **_rounded(metrics)}


def _rounded(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


def run_eval_topics(
    settings: Settings, collection: str, label_field: str | None = None
) -> dict[str, Any]:
    """Open the collection's published build and evaluate its topics."""
    with open_published(settings, collection) as (store, name):
        return {**evaluate_stored_topics(store, name, label_field), "collection": collection}
