"""The fast search paths: plain search, passage roll-up with a grouped fallback, caches.

Every path must return what Milvus' own grouped search (`group_by_field="doc_id"`)
returns: the top_k documents, each scored and shown by its best passage.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpusmap.documents import Document
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection, topic_labels
from corpusmap.store.filters import SearchFilters
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.passages import OVERFETCH, best_per_document
from corpusmap.store.schema import DOCUMENT_FIELDS, CollectionMeta
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.store.vector_index import FLAT
from indexer.pipeline.load import load_documents

GOLF = [
    "A golf club head has a titanium face plate of variable thickness.",
    "The golf driver face is a forged titanium plate welded to the club head.",
    "A putter head of titanium alloy with a milled face for golf.",
]
OTHER = [
    "A bicycle frame has carbon fibre tubes joined by aluminium lugs.",
    "A rechargeable lithium battery powers the electric hub motor.",
    "An antibody binds the tumour antigen and blocks cell division.",
    "A centrifugal pump moves water through a spiral casing.",
    "A wind turbine blade is made of glass fibre reinforced epoxy.",
    "An inkjet printer head ejects droplets through fine nozzles.",
    "A heat exchanger passes oil through copper tubes with fins.",
    "A solar cell converts sunlight into electricity with silicon.",
    "A hearing aid amplifies sound with a small digital processor.",
    "A golf ball has a dimpled ionomer cover over a rubber core.",
]
BAG = "A golf bag holds the clubs and hangs from a padded shoulder strap."
QUERY = "golf club titanium face"


def long_text(sentence: str, repeats: int = 60) -> str:
    """One sentence repeated across several passages (~14 tokens each time)."""
    return " ".join([sentence] * repeats)


def short_docs() -> list[Document]:
    """Single-passage documents, labelled odd or even by position."""
    return [
        Document(id=f"s{i}", text=t, labels=("odd" if i % 2 else "even",))
        for i, t in enumerate(OTHER)
    ]


def load(store: MilvusStore, embedders: EmbedderPool, docs: list[Document]) -> None:
    """Index documents as the indexer does (long texts split into passages)."""
    embedder = embedders.get("minilm")
    load_documents(docs, store=store, embedder=embedder, collection="c", progress=False)


def spy_searches(store: MilvusStore, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every Milvus search the store makes from now on."""
    calls: list[dict[str, Any]] = []
    real: Callable[..., Any] = store.client.search

    def search(name: str, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(name, **kwargs)

    monkeypatch.setattr(store.client, "search", search)
    return calls


def grouped(
    store: MilvusStore,
    embedders: EmbedderPool,
    top_k: int,
    expression: str = "",
    group: bool = True,
) -> list[tuple[str, float, int]]:
    """Milvus' own grouped search: (document id, score, passage) of the top_k documents
    (with `group=False`: of the top_k passage rows)."""
    vector = embedders.get("minilm").embed_query(QUERY)
    result = store.client.search(
        "c",
        data=[vector.tolist()],
        anns_field="vector",
        filter=expression,
        limit=top_k,
        output_fields=DOCUMENT_FIELDS,
        search_params={"metric_type": "COSINE"},
        **({"group_by_field": "doc_id"} if group else {}),
    )
    return [(h["entity"]["doc_id"], h["distance"], h["entity"]["passage"]) for h in result[0]]


def assert_same(hits: list[Any], expected: list[tuple[str, float, int]]) -> None:
    assert [h.id for h in hits] == [e[0] for e in expected]
    assert np.allclose([h.score for h in hits], [e[1] for e in expected], atol=1e-5)


def test_one_row_per_document_is_one_plain_search(
    store: MilvusStore, embedders: EmbedderPool, monkeypatch: pytest.MonkeyPatch
):
    load(store, embedders, short_docs())
    assert not store.has_passages("c")
    expected = grouped(store, embedders, 4)
    calls = spy_searches(store, monkeypatch)
    hits = search_collection(store, embedders, "c", QUERY, top_k=4, mode="dense")
    assert_same(hits, expected)
    assert [(c["limit"], "group_by_field" in c) for c in calls] == [(4, False)]


def test_passages_roll_up_to_documents_without_grouping(
    store: MilvusStore, embedders: EmbedderPool, monkeypatch: pytest.MonkeyPatch
):
    # One long document, its golf passage last, among single-passage documents.
    text = " ".join(long_text(s, 25) for s in [OTHER[3], OTHER[4], GOLF[0]])
    load(store, embedders, [Document(id="long", text=text), *short_docs()])
    assert store.has_passages("c") and store.count_where("c", "passage > 0") >= 2
    expected = grouped(store, embedders, 4)
    calls = spy_searches(store, monkeypatch)
    hits = search_collection(store, embedders, "c", QUERY, top_k=4, mode="dense")
    assert_same(hits, expected)
    assert [(c["limit"], "group_by_field" in c) for c in calls] == [(4 * OVERFETCH, False)]
    assert len({h.id for h in hits}) == 4  # one hit per document
    for mode in ("dense", "keyword", "hybrid"):  # hybrid fetches its hits' rows by key
        hits = search_collection(store, embedders, "c", QUERY, top_k=4, mode=mode)
        assert hits[0].id == "long" and GOLF[0] in hits[0].snippet, mode  # its best passage
        assert OTHER[3] not in hits[0].snippet and OTHER[4] not in hits[0].snippet, mode
        assert len({h.id for h in hits}) == len(hits), mode


def test_too_few_documents_in_the_passages_fall_back_to_grouping(
    store: MilvusStore, embedders: EmbedderPool, monkeypatch: pytest.MonkeyPatch
):
    # Three long golf documents fill the top OVERFETCH x top_k passages by themselves.
    golf = [Document(id=f"golf{i}", text=long_text(s, 150)) for i, s in enumerate(GOLF)]
    mixed = " ".join(long_text(s, 25) for s in [*OTHER[:4], BAG])
    load(store, embedders, [*golf, Document(id="mixed", text=mixed), *short_docs()])
    top_rows = grouped(store, embedders, 5 * OVERFETCH, group=False)
    assert len({doc for doc, _, _ in top_rows}) < 5  # the case under test
    expected = grouped(store, embedders, 5)
    calls = spy_searches(store, monkeypatch)
    hits = search_collection(store, embedders, "c", QUERY, top_k=5, mode="dense")
    assert_same(hits, expected)
    assert [(c["limit"], c.get("group_by_field")) for c in calls] == [(15, None), (5, "doc_id")]
    assert len({h.id for h in hits}) == 5
    assert {h.id for h in hits[:3]} == {"golf0", "golf1", "golf2"}
    by_id = {h.id: h.snippet for h in hits}
    assert all(by_id[f"golf{i}"].startswith(GOLF[i]) for i in range(3))  # best passages
    if "mixed" in {h.id for h in hits}:  # shown by its golf passage, not its start
        assert next(h for h in hits if h.id == "mixed").snippet.startswith(BAG)


@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_filters_apply_inside_the_search(store: MilvusStore, embedders: EmbedderPool, mode: str):
    docs = [Document(id="long", text=long_text(GOLF[0]), labels=("even",)), *short_docs()]
    load(store, embedders, docs)
    odd = SearchFilters(labels=["odd"])
    hits = search_collection(store, embedders, "c", QUERY, top_k=3, mode=mode, filters=odd)
    assert hits and all(h.labels == ["odd"] for h in hits), mode
    if mode == "dense":  # BM25 finds only documents sharing a term with the query
        assert_same(hits, grouped(store, embedders, 3, odd.expression()))
        assert len(hits) == 3 and "s9" in {h.id for h in hits}  # the odd golf ball


def test_best_per_document_keeps_each_documents_best_hit_in_order():
    rows = [
        {"distance": 0.5, "entity": {"doc_id": "b", "passage": 0}},
        {"distance": 0.9, "entity": {"doc_id": "a", "passage": 1}},
        {"distance": 0.7, "entity": {"doc_id": "a", "passage": 0}},
        {"distance": 0.6, "entity": {"doc_id": "c", "passage": 2}},
    ]
    best = best_per_document(rows, 2)
    assert [(r["entity"]["doc_id"], r["entity"]["passage"]) for r in best] == [("a", 1), ("c", 2)]
    assert len(best_per_document(rows, 10)) == 3


def recording(real: Callable[..., Any], method: str, calls: list[str]) -> Callable[..., Any]:
    """`real`, noting each call's method name in `calls`."""

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(method)
        return real(*args, **kwargs)

    return call


def fit_fake_topics(store: MilvusStore, label: str) -> None:
    """Write topics as the indexer does: topic ids on the rows, then the topics."""
    store.set_topics("c", {d: 0 for d in ("s0", "s1", "s9")})
    summaries = [TopicSummary(topic_id=0, label=label, size=3), TopicSummary(-1, "outliers", 7)]
    TopicStore(store).replace("c", summaries, np.eye(2, 384, dtype=np.float32))


def test_meta_and_labels_are_cached_until_topics_are_written(
    store: MilvusStore, embedders: EmbedderPool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    load(store, embedders, short_docs())
    hits = search_collection(store, embedders, "c", QUERY, top_k=3)
    assert all(h.topic_label is None for h in hits)
    reads: list[str] = []
    for method in ("describe_collection", "has_collection", "query"):
        real = getattr(store.client, method)
        monkeypatch.setattr(store.client, method, recording(real, method, reads))
    search_collection(store, embedders, "c", QUERY, top_k=3, mode="dense")  # one search
    assert reads == []  # metadata, passages and labels come from the cache
    monkeypatch.undo()
    fit_fake_topics(store, "golf equipment")
    assert topic_labels(store, "c") == {0: "golf equipment", -1: "outliers"}
    hits = search_collection(store, embedders, "c", QUERY, top_k=10, mode="dense")
    assert {h.id: h.topic_label for h in hits}["s9"] == "golf equipment"
    # A second store on the same file writes: the first one sees it at once.
    with MilvusStore(store.uri) as other:
        fit_fake_topics(other, "golf gear")
    assert topic_labels(store, "c")[0] == "golf gear"


def test_meta_cache_follows_a_rebuilt_collection(store: MilvusStore):
    store.create_collection("c", CollectionMeta(model="minilm", dimension=384))
    assert store.meta("c").dimension == 384
    store.create_collection("c", CollectionMeta(model="mpnet", dimension=768), replace=True)
    assert store.meta("c") == CollectionMeta(model="mpnet", dimension=768, index=FLAT)
    store.drop_collection("c")
    with pytest.raises(Exception, match="no collection"):
        store.meta("c")
