"""Store behaviour that other parts rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from corpusmap.documents import Document
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import CollectionMeta

OPEN_AND_COUNT = (
    "import sys; from corpusmap.store.milvus import MilvusStore\n"
    "with MilvusStore(sys.argv[1]) as s: print(s.count('c'))"
)


def test_closing_the_last_store_frees_the_lite_file_for_other_processes(tmp_path: Path):
    path = str(tmp_path / "m.db")
    first = MilvusStore(path)
    second = MilvusStore(path)  # same process, same file: shares the embedded server
    first.create_collection("c", CollectionMeta(model="t", dimension=4))
    first.insert_documents(
        "c", [Document(id="a", text="x")], [["x"]], np.ones((1, 4), dtype=np.float32)
    )
    first.close()
    assert second.count("c") == 1  # still usable while another store has it open
    second.close()
    other = subprocess.run(
        [sys.executable, "-c", OPEN_AND_COUNT, path], capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "1"


def test_reciprocal_rank_fusion_sums_over_rankings_per_document():
    from corpusmap.documents import Hit
    from corpusmap.search.fusion import RRF_K, reciprocal_rank_fusion

    def hits(*ids: str) -> list[Hit]:
        return [Hit(1.0, {"id": i, "passage": n}) for n, i in enumerate(ids)]

    fused = reciprocal_rank_fusion([hits("a", "b", "c"), hits("b", "c", "d")], top_k=3)
    assert [h.fields["id"] for h in fused] == ["b", "c", "a"]
    assert fused[0].score == 1 / (RRF_K + 2) + 1 / (RRF_K + 1)
    assert fused[0].fields["passage"] == 0  # kept from its best-ranked appearance


def test_convex_fusion_weights_normalised_scores():
    from corpusmap.documents import Hit
    from corpusmap.search.fusion import Fusion, convex_fusion

    dense = [Hit(0.9, {"id": "a", "from": "dense"}), Hit(0.5, {"id": "b", "from": "dense"})]
    keyword = [Hit(12.0, {"id": "b", "from": "bm25"}), Hit(2.0, {"id": "c", "from": "bm25"})]
    fused = convex_fusion(dense, keyword, top_k=3, alpha=0.8)
    # a: 0.8 * 1 + 0.2 * 0 = 0.8; b: 0.8 * 0 + 0.2 * 1 = 0.2; c: 0 + 0.2 * 0 = 0.0
    assert [(h.fields["id"], round(h.score, 6)) for h in fused] == [
        ("a", 0.8),
        ("b", 0.2),
        ("c", 0.0),
    ]
    assert fused[1].fields["from"] == "dense"  # a document keeps its dense passage
    assert [h.fields["id"] for h in Fusion("rrf").fuse(dense, keyword, 3)] == ["b", "a", "c"]


def test_ids_with_quotes_and_backslashes_take_topics(store: MilvusStore):
    """Milvus Lite 2.5 fails to upsert (or delete) rows whose key holds a quote; such ids
    get an encoded row key, so a topic fit can write their topics."""
    from corpusmap.store.schema import CollectionMeta, row_key

    ids = ["'Til_Summer_Comes_Around", 'a"b', "back\\slash", "plain", "a%27b"]
    docs = [Document(id=i, text=f"text {n}") for n, i in enumerate(ids)]
    store.create_collection("q", CollectionMeta(model="m", dimension=8))
    vectors = np.eye(8, dtype=np.float32)[: len(ids)]
    store.insert_documents("q", docs, [[d.text] for d in docs], vectors)
    assert store.set_topics("q", {i: 3 for i in ids}) == len(ids)
    rows = store.get_documents("q", ids)
    assert sorted((r["id"], r["topic"]) for r in rows) == sorted((i, 3) for i in ids)
    assert len({row_key(i, 0) for i in ids}) == len(ids)  # "a%27b" keeps its own key
