"""Long documents: split into passages by the model's tokenizer, searched, rolled up."""

from __future__ import annotations

from pathlib import Path

from corpusmap.documents import Document
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.passages import PassageSplitter
from indexer.pipeline.load import load_documents, read_stored_vectors

SENTENCES = [
    "A bicycle frame has carbon fibre tubes joined by aluminium lugs.",
    "The seat post clamps into the frame with a quick release lever.",
    "A rechargeable lithium battery powers the electric hub motor.",
    "An antibody binds the tumour antigen and blocks cell division.",
    "A golf club head has a titanium face plate of variable thickness.",
]


def long_text(repeats: int = 20) -> str:
    # Each sentence repeated past one passage (~280 tokens), so each has a pure passage.
    return " ".join(" ".join([s] * repeats) for s in SENTENCES)


def test_splits_are_exact_bounded_and_only_for_long_texts(embedders: EmbedderPool):
    embedder = embedders.get("minilm")
    splitter = PassageSplitter(embedder.tokenizer, embedder.passage_tokens)
    short, text = "A short claim.", long_text()
    parts_short, parts_long = splitter.split_many([short, text])
    assert parts_short == [short]
    assert len(parts_long) >= 4 and "".join(parts_long) == text
    for part in parts_long:
        tokens = embedder.tokenizer(part, add_special_tokens=False)["input_ids"]
        assert len(tokens) <= embedder.passage_tokens
    assert all(p.rstrip().endswith(".") for p in parts_long[:-1])  # cut after sentence ends
    off = PassageSplitter(embedder.tokenizer, embedder.passage_tokens, enabled=False)
    assert off.split_many([text]) == [[text]]


def test_a_late_passage_finds_its_document_and_is_its_snippet(
    embedders: EmbedderPool, store: MilvusStore, tmp_path: Path
):
    docs = [Document(id="long", text=long_text(), title="Long patent")]
    docs += [Document(id=f"short{i}", text=s) for i, s in enumerate(SENTENCES[:3])]
    embedder = embedders.get("minilm")
    load_documents(docs, store=store, embedder=embedder, collection="c", progress=False)
    assert store.count("c") == 4  # documents, not passages
    assert store.count_where("c", "passage > 0") >= 3
    for mode in ("dense", "keyword", "hybrid"):
        hits = search_collection(store, embedders, "c", "golf club titanium face", mode=mode)
        assert hits[0].id == "long", mode
        assert "golf club head" in hits[0].snippet, mode  # the matching passage, not the start
        assert not hits[0].snippet.startswith("A bicycle")
        assert len({h.id for h in hits}) == len(hits)  # one hit per document
        if mode == "dense":  # BM25 returns only documents sharing a term with the query
            assert len(hits) == 4
    (full,) = store.get_documents("c", ["long"])
    assert full["text"] == long_text() and full["id"] == "long"
    ids, texts, vectors = read_stored_vectors(store, "c", progress=False)
    assert ids == ["long", "short0", "short1", "short2"] and texts[0] == long_text()
    assert vectors.shape == (4, 384)
