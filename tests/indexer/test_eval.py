"""`corpusmap eval` on a small BEIR folder made here: every mode, exact baseline, qrels forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.cli.app import app
from indexer.evaluation.retrieval import load_qrels

DOCS = {
    "d1": "A golf club head with a titanium face plate of variable thickness.",
    "d2": "A baseball bat made of laminated maple wood with a tapered handle.",
    "d3": "An antibody that binds the HER2 receptor on breast cancer cells.",
    "d4": "A lithium ion battery cathode of nickel manganese cobalt oxide.",
    "d5": "A method of training a neural network by stochastic gradient descent.",
    "d6": "A bicycle frame of carbon fibre tubes bonded into aluminium lugs.",
    "d7": "A wind turbine blade with a serrated trailing edge to reduce noise.",
    "d8": "A coffee machine that grinds beans and brews espresso under pressure.",
    "d9": "A tennis racket string bed with a dampener to reduce vibration.",
    "d10": "A solar panel with perovskite cells on top of silicon cells.",
}
QUERIES = {
    "q1": ("golf driver face", "d1"),
    "q2": ("breast cancer antibody therapy", "d3"),
    "q3": ("battery cathode chemistry", "d4"),
    "q4": ("deep learning optimisation", "d5"),
    "q5": ("espresso maker", "d8"),
    "q6": ("quiet wind turbine", "d7"),
}


def make_beir(folder: Path, *, header: bool) -> None:
    (folder / "qrels").mkdir(parents=True)
    corpus = [json.dumps({"_id": i, "title": "", "text": t}) for i, t in DOCS.items()]
    (folder / "corpus.jsonl").write_text("\n".join(corpus) + "\n")
    queries = [json.dumps({"_id": q, "text": t}) for q, (t, _) in QUERIES.items()]
    queries.append(json.dumps({"_id": "unjudged", "text": "anything"}))
    (folder / "queries.jsonl").write_text("\n".join(queries) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] if header else []
    lines += [f"{q}\t{d}\t1" for q, (_, d) in QUERIES.items()]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("header", [True, False])
def test_qrels_with_or_without_header(tmp_path: Path, header: bool):
    make_beir(tmp_path / "b", header=header)
    qrels = load_qrels(tmp_path / "b")
    assert qrels == {q: {d: 1} for q, (_, d) in QUERIES.items()}


def test_eval_measures_every_mode_and_exact_search(tmp_path: Path):
    folder = tmp_path / "tiny"
    make_beir(folder, header=False)
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "eval", str(folder)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 6 and report["documents"] == 10  # the unjudged query is left out
    for key in ("exact", "dense", "keyword", "hybrid"):
        assert set(report[key]) == {"ndcg@10", "recall@100", "mrr@10"}
        assert all(0.0 <= v <= 1.0 for v in report[key].values())
    # Exact brute force and the FLAT index rank the same documents.
    assert report["dense"] == report["exact"]
    index = {"type": "FLAT", "build": {}, "search": {}, "recall@10_vs_exact": 1.0}
    assert report["index"] == index  # Milvus Lite: exact, and recorded as such
    assert report["dense"]["mrr@10"] >= 0.8 and report["hybrid"]["recall@100"] >= 0.8
    # Every document is in the top 100, so recall is 1 wherever all documents are ranked.
    assert report["dense"]["recall@100"] == 1.0
    # A second run finds the collection and does not index again.
    again = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "data"), "eval", str(folder), "--mode", "keyword"]
    )
    assert again.exit_code == 0 and set(json.loads(again.stdout)) >= {"keyword", "exact"}
    assert "dense" not in json.loads(again.stdout)


def test_eval_reports_the_default_hybrid_and_each_fusion_asked_for(tmp_path: Path):
    folder = tmp_path / "tiny"
    make_beir(folder, header=True)
    args = ["--data-dir", str(tmp_path / "data"), "eval", str(folder), "--mode", "hybrid"]
    default = CliRunner().invoke(app, args)
    assert default.exit_code == 0, default.output
    report = json.loads(default.stdout)
    assert report["fusion"] == "adaptive"
    # Standard errors of every measure, for every run.
    assert set(report["standard_error"]) == {"exact", "hybrid"}
    assert all(v >= 0.0 for v in report["standard_error"]["hybrid"].values())
    chosen = CliRunner().invoke(app, [*args, "--fusion", "rrf", "--fusion", "convex"])
    assert chosen.exit_code == 0, chosen.output
    report = json.loads(chosen.stdout)
    assert report["fusion"] == "rrf"
    assert set(report) >= {"hybrid", "hybrid_convex"} and "hybrid_rrf" not in report
    refused = CliRunner().invoke(app, [*args, "--fusion", "sum"])
    assert refused.exit_code != 0


def test_recall_against_exact_counts_the_shared_top_documents():
    from indexer.evaluation.retrieval import recall_against

    exact = {"q1": {f"d{i}": 1.0 - i / 100 for i in range(12)}, "q2": {"a": 1.0, "b": 0.5}}
    run = {"q1": {f"d{i}": 1.0 for i in [0, 1, 2, 3, 4, 20, 21, 22, 23, 24]}, "q2": {"b": 1.0}}
    assert recall_against(run, exact) == (0.5 + 0.5) / 2
