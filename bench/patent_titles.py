"""A known-item check set built from the shared patent abstracts: each query is a patent
title, the relevant document its abstract (indexed without the title).

Not one of the three tuning sets: it is a fourth, lexical-leaning check that no fusion
constant is fitted on (titles share a patent's technical words with its abstract, so
BM25 is strong there, as on the held-out set the fusion issue reports). Titles shared by
several patents count every one of them as relevant. Written to
bench/.cache/beir/patent_titles in BEIR format; nothing is copied into the repo.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from bench.common import SHARED_DATA

SOURCES = ("abstracts_neural_network.csv", "abstracts_baseball.csv")
QUERIES = 400
SEED = 7


def _rows() -> dict[str, tuple[str, str]]:
    """Patent number -> (title, abstract), abstracts present and each text once."""
    rows: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    for name in SOURCES:
        with (SHARED_DATA / "patents" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                abstract = row["patent_abstract"].strip().strip('"').strip()
                if abstract in ("", "NULL") or abstract in seen:
                    continue
                seen.add(abstract)
                rows[row["patent_number"]] = (row["patent_title"].strip(), abstract)
    return rows


def write(folder: Path) -> Path:
    """The BEIR folder of the check set (written once)."""
    if (folder / "qrels" / "test.tsv").exists():
        return folder
    rows = _rows()
    by_title: dict[str, list[str]] = {}
    for number, (title, _) in rows.items():
        by_title.setdefault(title.lower(), []).append(number)
    picked = random.Random(SEED).sample(sorted(rows), QUERIES)
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    corpus = [json.dumps({"_id": n, "title": "", "text": a}) for n, (_, a) in rows.items()]
    (folder / "corpus.jsonl").write_text("\n".join(corpus) + "\n")
    queries = [json.dumps({"_id": f"t{n}", "text": rows[n][0]}) for n in picked]
    (folder / "queries.jsonl").write_text("\n".join(queries) + "\n")
    qrels = ["query-id\tcorpus-id\tscore"] + [
        f"t{n}\t{doc}\t1" for n in picked for doc in by_title[rows[n][0].lower()]
    ]
    (folder / "qrels" / "test.tsv").write_text("\n".join(qrels) + "\n")
    return folder
