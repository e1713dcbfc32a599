"""A corpus with bad rows indexes the good ones and reports the bad ones, by row number."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from indexer.cli.app import app

GOOD = [
    ("p1", "2015-01-02", "A bicycle frame made of carbon fibre tubes joined by lugs."),
    ("p2", "2016-05-06", "A method for compressing video frames with motion vectors."),
    ("p3", "", "An antibody that binds a tumour antigen and a method of treatment."),
    ("p4", "2017-07-08", "A golf club head with a variable thickness face plate."),
]


def write_corpus(path: Path) -> None:
    lines = [json.dumps({"pid": i, "date": d, "body": t}) for i, d, t in GOOD]
    lines.insert(1, json.dumps({"pid": "", "date": "2015-01-01", "body": "no id"}))  # row 2
    lines.insert(3, json.dumps({"pid": "p9", "date": "2015-01-01", "body": "  "}))  # row 4
    lines.insert(4, '{"pid": "p8", "body": "truncated')  # row 5: malformed JSON
    lines.insert(5, json.dumps({"pid": "p7", "date": "31/31/2015", "body": "bad date"}))  # 6
    lines.append(json.dumps({"pid": "p1", "date": "2015-01-02", "body": "dup"}))  # row 9
    path.write_text("\n".join(lines) + "\n")


def test_bad_rows_are_counted_reported_and_skipped(tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus)
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "index",
            str(corpus),
            "--collection",
            "small",
            "--id-field",
            "pid",
            "--text-field",
            "body",
            "--date-field",
            "date",
            "--no-topics",
            "--report-json",
            str(report_path),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents"] == len(GOOD)
    report = json.loads(report_path.read_text())
    assert report["rows_seen"] == 9 and report["valid"] == 4
    problems = {(p["row"], p["reason"]) for p in report["examples"]}
    assert problems == {
        (2, "missing id"),
        (4, "missing text"),
        (5, "malformed row"),
        (6, "bad date"),
        (9, "duplicate id"),
    }
    with open_published(Settings(data_dir=tmp_path / "data"), "small") as (store, _):
        assert store.count("small") == len(GOOD)
        (first,) = store.get_documents("small", ["p1"])
        assert first["text"] == GOOD[0][2] and first["date"] == 20150102
