"""CPC agreement of more-like-this on the shared PatentSBERTa claims.

Each of the 100 test claims searches the 1,000 train claims with its own text (dense,
keyword and hybrid search through the store, as `bench.candidates` fetches them). A
train claim is relevant to a test claim when they share a CPC subclass, so the folder
written here is a BEIR folder whose qrels say exactly that, and two measures follow:

- precision@10: the share of the top 10 neighbours that share a subclass with the claim;
- kNN CPC prediction: the subclasses held by at least `VOTES` of the top 10 neighbours
  (always at least the most held one) predict the claim's subclasses; micro-averaged
  F1 over the 100 claims, the kNN classification measure of the PatentSBERTa paper
  (Bekamiri, Hain and Jurowetzki, 2021), with this simple voting rule.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import SHARED_DATA

SPLITS = {"train": "patentsberta_claims_train.csv", "test": "patentsberta_claims_test.csv"}
FIRST_LABEL_COLUMN = 6  # after three index leftovers, id, date and text
NEIGHBOURS = 10
VOTES = 3


def claims(split: str) -> dict[str, tuple[str, set[str]]]:
    """Patent id -> (first claim, CPC subclasses) of one split."""
    with (SHARED_DATA / "patents" / SPLITS[split]).open(encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        labels = header[FIRST_LABEL_COLUMN:]
        out = {}
        for row in rows:
            held = {c for c, v in zip(labels, row[FIRST_LABEL_COLUMN:], strict=True) if v == "1"}
            out[row[3]] = (row[5], held)
    return out


def write(folder: Path) -> Path:
    """The BEIR folder: train claims as the corpus, test claims as queries (written once)."""
    if (folder / "qrels" / "test.tsv").exists():
        return folder
    train, test = claims("train"), claims("test")
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    corpus = [json.dumps({"_id": i, "title": "", "text": t}) for i, (t, _) in train.items()]
    (folder / "corpus.jsonl").write_text("\n".join(corpus) + "\n")
    queries = [json.dumps({"_id": f"q{i}", "text": t}) for i, (t, _) in test.items()]
    (folder / "queries.jsonl").write_text("\n".join(queries) + "\n")
    qrels = ["query-id\tcorpus-id\tscore"] + [
        f"q{q}\t{d}\t1"
        for q, (_, mine) in test.items()
        for d, (_, theirs) in train.items()
        if mine & theirs
    ]
    (folder / "qrels" / "test.tsv").write_text("\n".join(qrels) + "\n")
    return folder


def predicted(neighbours: list[str], train: dict[str, tuple[str, set[str]]]) -> set[str]:
    """The subclasses at least `VOTES` of the neighbours hold, or else the most held one."""
    votes = Counter(c for doc in neighbours for c in train[doc][1])
    chosen = {c for c, n in votes.items() if n >= VOTES}
    return chosen or {c for c, _ in votes.most_common(1)}


def agreement(ranked: dict[str, list[str]]) -> dict[str, Any]:
    """Precision@10 and kNN CPC micro-F1 of each test claim's ranked train claims."""
    train, test = claims("train"), claims("test")
    hits = shared = true = guessed = 0
    for query_id, docs in ranked.items():
        top = docs[:NEIGHBOURS]
        mine = test[query_id.removeprefix("q")][1]
        hits += sum(bool(train[d][1] & mine) for d in top)
        guess = predicted(top, train)
        shared, true, guessed = shared + len(guess & mine), true + len(mine), guessed + len(guess)
    precision, recall = shared / max(guessed, 1), shared / max(true, 1)
    return {
        "precision@10": round(hits / (NEIGHBOURS * len(ranked)), 4),
        "knn_f1": round(2 * precision * recall / max(precision + recall, 1e-12), 4),
        "claims": len(ranked),
    }
