"""Topic mixtures: how weights are trimmed, how they are stored (old collections too),
and how often a claim's second topic agrees with its CPC codes."""

from __future__ import annotations

import numpy as np
import pytest

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, load_partition
from corpusmap.config.defaults import MIXTURE_MIN_WEIGHT, MIXTURE_TOPICS
from corpusmap.documents import Document
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import document_topics
from corpusmap.search.facets import FACET_FIELDS
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import MIXTURE_FIELDS, CollectionMeta, row_mixture
from corpusmap.topics.metrics import multi_topic_agreement, topic_majority_classes
from corpusmap.topics.mixture import mixture_weights, trim_mixture
from indexer.evaluation.topics import read_documents, run_eval_topics
from tests.conftest import ClaimsIndex


def test_the_assigned_topic_comes_first_and_small_ones_are_dropped():
    weights = np.array([0.4, 0.3, 0.25, 0.05])
    # Topic 11 (0.3) is assigned: raised to the heaviest's weight (0.4), listed first.
    mixture = trim_mixture(weights, [10, 11, 12, 13], 11)
    assert [t for t, _ in mixture] == [11, 10, 12]
    assert mixture[0][1] == mixture[1][1]
    assert sum(w for _, w in mixture) == pytest.approx(1.0, abs=1e-3)
    # A third topic under the threshold (after normalising the top 3) is dropped.
    lean = trim_mixture(np.array([0.7, 0.25, 0.05]), [1, 2, 3], 1, min_weight=0.1)
    assert [t for t, _ in lean] == [1, 2]
    assert lean[0][1] == pytest.approx(0.7 / 0.95, abs=1e-4)
    assert trim_mixture(weights, [10, 11, 12, 13], -1) == [(-1, 1.0)]


def test_passages_pull_a_document_towards_their_topics():
    centres = np.eye(3, dtype=np.float32)
    doc = np.array([0.9, 0.3, 0.3], dtype=np.float32)
    doc /= np.linalg.norm(doc)
    alone = mixture_weights(doc, centres)
    passages = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0.1]], dtype=np.float32)
    blended = mixture_weights(doc, centres, passages)
    assert blended.sum() == pytest.approx(1.0) and alone.sum() == pytest.approx(1.0)
    assert blended[1] > alone[1] and blended[0] < alone[0]


def test_multi_topic_agreement_counts_second_topics_against_codes():
    mixtures = [
        [(0, 1.0)],
        [(0, 0.6), (1, 0.4)],  # second topic 1 (majority B): its codes hold B, a hit
        [(1, 1.0)],
        [(1, 0.7), (0, 0.3)],  # second topic 0 (majority A): its codes do not hold A
        [(2, 0.8), (0, 0.2)],  # second topic 0: a hit
    ]
    cpc = [["A61B"], ["A63B", "B65D"], ["B65D"], ["B60R", "C08K"], ["C07D", "A61K"]]
    assert topic_majority_classes(mixtures, cpc, "section") == {0: "A", 1: "B", 2: "A"}
    result = multi_topic_agreement(mixtures, cpc)
    assert result["documents"] == 3 and result["multi_topic_share"] == pytest.approx(0.6)
    assert result["agreement"] == pytest.approx(2 / 3)
    # The other topics' classes, held or not: doc 2 {B, A} 2/2; doc 4 {A, A} 0/2; doc 5 {A, B} 1/2.
    assert result["baseline"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert result["lift"] == pytest.approx((2 / 3) / 0.5)


def _docs(n: int) -> list[Document]:
    words = ["golf club head", "shoe sole cushion", "battery cell electrode"]
    return [Document(id=f"d{i}", text=f"a {words[i % 3]} number {i}") for i in range(n)]


@pytest.mark.parametrize("version", [2, 3])
def test_mixtures_are_stored_and_old_collections_still_read(
    tmp_path, embedders: EmbedderPool, version: int
):
    embedder = embedders.get("minilm")
    docs = _docs(6)
    vectors = embedder.embed_documents([d.text for d in docs], progress=False)
    meta = CollectionMeta(model="minilm", dimension=embedder.dimension, schema_version=version)
    path = str(tmp_path / "milvus.db")
    topics = {d.id: i % 3 for i, d in enumerate(docs)}
    mixtures = {d.id: [(i % 3, 0.7), ((i + 1) % 3, 0.3)] for i, d in enumerate(docs)}
    with MilvusStore(path) as store:
        store.create_collection("c", meta)
        store.insert_documents("c", docs, [[d.text] for d in docs], vectors)
        assert store.set_topics("c", topics, mixtures) == 6
        assert store.set_topics("c", topics, mixtures) == 0  # nothing changed: no rewrite
        hits = store.search("c", vector=vectors[0], top_k=3, fields=FACET_FIELDS)
        assert len(hits) == 3
    with MilvusStore(path) as store:  # a restart: the mixtures are in the rows
        row = store.get_documents("c", ["d1"])[0]
        read = read_documents(store, "c")
    if version == 2:
        assert not set(MIXTURE_FIELDS) & set(row)
        assert [(t.topic, t.weight) for t in document_topics(row, {})] == [(1, 1.0)]
        assert read.mixtures == [[(t, 1.0)] for t in read.topics]
    else:
        assert row_mixture(row) == [(1, 0.7), (2, 0.3)]
        assert [t.weight for t in document_topics(row, {1: "shoes"})] == [0.7, 0.3]
        assert read.mixtures == [mixtures[d] for d in read.ids]


def test_stored_mixtures_start_with_the_stored_topic(claims_index: ClaimsIndex):
    registry = BuildRegistry(claims_index.settings.data_dir)
    build = registry.current("claims").build_id
    partition = load_partition(registry.build_dir("claims", build) / TOPICS_FILE)
    assert partition is not None and len(partition.mixtures) == len(partition.assignments)
    for doc_id, mixture in partition.mixtures.items():
        assert mixture[0][0] == partition.assignments[doc_id]
        assert 1 <= len(mixture) <= MIXTURE_TOPICS
        assert sum(w for _, w in mixture) == pytest.approx(1.0, abs=1e-3)
        assert all(w >= MIXTURE_MIN_WEIGHT for _, w in mixture[1:])
    several = sum(len(m) > 1 for m in partition.mixtures.values())
    assert 0 < several < len(partition.mixtures)
    # The same mixtures in Milvus, on every passage of each document.
    with open_published(claims_index.settings, "claims") as (store, name):
        rows = [r for b in store.iter_rows(name, ["doc_id", "topic", *MIXTURE_FIELDS]) for r in b]
    assert len(rows) > len(partition.mixtures)  # long claims have several passages
    for row in rows:
        expected = partition.mixtures[row["doc_id"]]
        assert row_mixture(row) == [(t, pytest.approx(w, abs=1e-4)) for t, w in expected]


def test_second_topics_agree_with_the_claims_cpc_codes_above_chance(claims_index: ClaimsIndex):
    result = run_eval_topics(claims_index.settings, "claims")
    agreement = result["multi_topic_agreement"]
    for level in ("section", "subclass"):
        figures = agreement[level]
        assert figures["documents"] >= 50
        assert figures["agreement"] > figures["baseline"]
