"""Store behaviour that other parts rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from corpusmap.documents import Document
from corpusmap.schema import CollectionMeta
from corpusmap.store import MilvusStore

OPEN_AND_COUNT = (
    "import sys; from corpusmap.store import MilvusStore\n"
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
    from corpusmap.ranking import RRF_K, Hit, reciprocal_rank_fusion

    def hits(*ids: str) -> list[Hit]:
        return [Hit(1.0, {"id": i, "passage": n}) for n, i in enumerate(ids)]

    fused = reciprocal_rank_fusion([hits("a", "b", "c"), hits("b", "c", "d")], top_k=3)
    assert [h.fields["id"] for h in fused] == ["b", "c", "a"]
    assert fused[0].score == 1 / (RRF_K + 2) + 1 / (RRF_K + 1)
    assert fused[0].fields["passage"] == 0  # kept from its best-ranked appearance
