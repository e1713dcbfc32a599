"""Tests of `indexer.reading.sources`: corpus files of every format read as documents,
bad rows counted."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpusmap.documents import Document
from corpusmap.errors import CorpusError, PresetError
from indexer.reading.presets import RowError, build_document, clean_id, parse_date
from indexer.reading.sources import (
    PRESETS,
    FieldMapping,
    ReadReport,
    Source,
    _source_rows,
    mapping_from_options,
    read_corpus,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
PATENTS = DATA / "patents"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data folder {DATA} is absent (real-file tests skipped)"
)

TEXT_MAPPING = FieldMapping(
    id_field="id",
    text_fields=["title", "abstract"],
    title_field="title",
    date_field="date",
    label_fields=["label"],
    metadata_fields=["note"],
)

BAD_CSV = (
    "id,title,abstract,date,label,note\n"
    "00123,T1,A1,2015-03-17,x,n1\n"  # 1 valid
    ",T2,A2,2015-03-17,,\n"  # 2 missing id
    '"a\tb",T3,A3,,,\n'  # 3 bad id
    "00126,,  ,2015-01-01,,\n"  # 4 missing text
    "00127,T5,,2015-13-45,,\n"  # 5 bad date
    "00123,T6,A6,,,\n"  # 6 duplicate id
    "00128,T7,A7,20150317,\"['a', 'b']\",\n"  # 7 valid, list labels
    '00129,T8,"multi\nline",03/17/2015,y,\n'  # 8 valid, a record over two lines
    "00130,T9,A9,2015-03-17,z,n9,EXTRA\n"  # 9 malformed: one field too many
    "1234.0,T10,A10,2015-03-17 00:00:00,,\n"  # 10 valid, id "1234"
    "00131,NULL,None,,,\n"  # 11 missing text: null tokens
    "  00132  ,  T12  ,,,,\n"  # 12 valid, stripped
)


def read(
    sources: list[str | Path], mapping: FieldMapping, **kw
) -> tuple[list[Document], ReadReport]:
    report = ReadReport()
    return list(read_corpus(sources, mapping, report, **kw)), report


def problems(report: ReadReport) -> list[tuple[str, int, str]]:
    return [(p.source, p.row, p.reason) for p in report.examples]


def test_csv_rows_problems_and_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    docs, report = read([path], TEXT_MAPPING)
    assert [d.id for d in docs] == ["00123", "00128", "00129", "1234", "00132"]
    assert problems(report) == [
        ("c.csv", 2, "missing id"),
        ("c.csv", 3, "bad id"),
        ("c.csv", 4, "missing text"),
        ("c.csv", 5, "bad date"),
        ("c.csv", 6, "duplicate id"),
        ("c.csv", 9, "malformed row"),
        ("c.csv", 11, "missing text"),
    ]
    assert (report.rows_seen, report.valid, report.skipped) == (12, 5, 7)
    assert report.problems_by_reason["missing text"] == 2
    assert report.examples[3].detail == "2015-13-45"
    assert "00130" in report.examples[5].detail
    first, listed, multi, floaty, padded = docs
    assert first == Document(
        "00123", "T1\n\nA1", "T1", dt.date(2015, 3, 17), (), ("x",), {"note": "n1"}
    )
    assert listed.labels == ("a", "b") and listed.date == dt.date(2015, 3, 17)
    assert multi.text == "T8\n\nmulti\nline" and multi.date == dt.date(2015, 3, 17)
    assert floaty.date == dt.date(2015, 3, 17)
    assert (padded.title, padded.text, padded.date, padded.metadata) == (
        "T12",
        "T12",
        None,
        {"note": ""},
    )


def test_report_summary_and_dict(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    _, report = read([path], TEXT_MAPPING)
    text = report.summary()
    assert "rows seen: 12" in text and "valid: 5" in text and "skipped: 7" in text
    assert "missing text: 2" in text and "c.csv:5: bad date (2015-13-45)" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["problems_by_reason"]["duplicate id"] == 1
    assert data["examples"][0] == {
        "source": "c.csv",
        "row": 2,
        "reason": "missing id",
        "detail": "",
    }


def test_examples_are_capped_but_counts_complete(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("id,text\n" + "".join(f"{i},\n" for i in range(1, 1206)), encoding="utf-8")
    _, report = read([path], FieldMapping("id", ["text"]))
    assert report.problems_by_reason["missing text"] == 1205 == report.skipped
    assert len(report.examples) == 1000 and report.examples[-1].row == 1000


def test_tsv_and_ids_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("id\ttext\tn\n00123\thello\t1\n0042\tworld\t2.5\n", encoding="utf-8")
    docs, report = read([path], FieldMapping("id", ["text"], metadata_fields=["n"]))
    assert [(d.id, d.metadata["n"]) for d in docs] == [("00123", "1"), ("0042", "2.5")]
    assert report.valid == 2


def test_jsonl_malformed_lines_and_line_numbers(tmp_path: Path) -> None:
    lines = [
        '{"_id": "d1", "title": "T", "text": "body"}',  # 1 valid
        '{"_id": "d2", "text": ',  # 2 malformed
        "",  # 3 blank: not a row
        "[1, 2]",  # 4 malformed: not an object
        '{"_id": 7, "title": "", "text": "seven"}',  # 5 valid, id "7"
        '{"_id": 7.0, "text": "again"}',  # 6 duplicate id
        '{"_id": "d8", "title": null}',  # 7 missing text
        '{"_id": "d9", "text": "x", "date": "2020-02-30"}',  # 8 bad date
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = mapping_from_options("beir", None, None, None, "date", None, None, None)
    docs, report = read([path], mapping)
    assert [(d.id, d.title, d.text) for d in docs] == [("d1", "T", "T\n\nbody"), ("7", "", "seven")]
    assert problems(report) == [
        ("corpus.jsonl", 2, "malformed row"),
        ("corpus.jsonl", 4, "malformed row"),
        ("corpus.jsonl", 6, "duplicate id"),
        ("corpus.jsonl", 7, "missing text"),
        ("corpus.jsonl", 8, "bad date"),
    ]
    assert report.rows_seen == 7


def test_parquet_typed_values(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": [1234.0, 5.0, None],
            "code": ["00123", "00124", "00125"],
            "text": ["a", "b", "c"],
            "day": [dt.date(2015, 3, 17), None, None],
            "tags": [["x", "y"], [], ["z"]],
            "score": [float("nan"), 1.5, 2.0],
            "A61K": [1, 0, 1],
            "C07D": [1, 1, 0],
        }
    )
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    mapping = FieldMapping("id", ["text"], date_field="day", label_fields=["tags"], cpc_onehot=True)
    mapping.metadata_fields = ["score"]
    docs, report = read([path], mapping)
    assert [(d.id, d.date, d.labels, d.cpc, d.metadata) for d in docs] == [
        ("1234", dt.date(2015, 3, 17), ("x", "y"), ("A61K", "C07D"), {"score": None}),
        ("5", None, (), ("C07D",), {"score": 1.5}),
    ]
    assert problems(report) == [("p.parquet", 3, "missing id")]
    docs, _ = read([path], FieldMapping("code", ["text"]))
    assert [d.id for d in docs] == ["00123", "00124", "00125"]


def test_folder_glob_row_ids_and_cross_source_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "b.csv").write_text("title,description,label\nB1,b one,2\n", encoding="utf-8")
    (folder / "a.csv").write_text("title,description,label\nA1,a one,1\nA2,,1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a corpus file", encoding="utf-8")
    mapping = mapping_from_options("ag-news", None, None, None, None, None, None, None)
    docs, report = read([folder], mapping)
    assert [(d.id, d.labels) for d in docs] == [("a:1", ("1",)), ("a:2", ("1",)), ("b:1", ("2",))]
    assert docs[1].text == "A2" and report.valid == 3
    docs, _ = read([str(folder / "a.*")], mapping)
    assert [d.id for d in docs] == ["1", "2"]
    (folder / "c.jsonl").write_text('{"id": "x", "text": "t"}\n', encoding="utf-8")
    (folder / "d.csv").write_text("id,text\nx,again\ny,new\n", encoding="utf-8")
    docs, report = read([str(folder / "[cd].*")], FieldMapping("id", ["text"]))
    assert [d.id for d in docs] == ["x", "y"]
    assert problems(report) == [("d.csv", 1, "duplicate id")]


def test_limit_stops_after_that_many_documents(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    docs, report = read([path], TEXT_MAPPING, limit=2)
    assert [d.id for d in docs] == ["00123", "00128"] and report.valid == 2
    assert report.rows_seen == 7


def test_whole_corpus_failures(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(PresetError, match="no field"):
        read([path], FieldMapping("id", ["text"]))
    with pytest.raises(CorpusError, match="no such file"):  # at the call, before iteration
        read_corpus([tmp_path / "missing.csv"], FieldMapping("id", ["body"]), ReadReport())
    with pytest.raises(CorpusError, match="no such file"):  # a path, not a hub id
        read(["nowhere/corpus.csv"], FieldMapping("id", ["body"]))
    with pytest.raises(PresetError, match="unknown format"):
        read([path], FieldMapping("id", ["body"], format="xml"))
    with pytest.raises(CorpusError, match="holds no"):
        read([str(tmp_path / "*.parquet")], FieldMapping("id", ["body"]))
    broken = tmp_path / "broken.csv"
    broken.write_text('id,text\n1,"never closed\n2,x\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken\.csv"):
        read([broken], FieldMapping("id", ["text"]))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,text\n1,caf\xe9\n2,tea\n".encode("latin-1"))
    docs, report = read([latin], FieldMapping("id", ["text"]))  # a bad row, not a bad file
    assert [d.id for d in docs] == ["2"]
    assert problems(report) == [("latin.csv", 1, "bad encoding")]
    assert report.examples[0].detail == "text: bytes e9 are not utf-8"
    docs, _ = read([latin], FieldMapping("id", ["text"], encoding="latin-1"))
    assert docs[0].text == "caf\xe9"
    latin.write_bytes("id,caf\xe9\n1,x\n".encode("latin-1"))  # but a header must decode
    with pytest.raises(CorpusError, match=r"header of latin\.csv .*e9.*encoding='latin-1'"):
        read([latin], FieldMapping("id", ["text"]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015-03-17", dt.date(2015, 3, 17)),
        ("2015-03-17 00:00:00", dt.date(2015, 3, 17)),
        ("2015-03-17T10:30", dt.date(2015, 3, 17)),
        ("20150317", dt.date(2015, 3, 17)),
        (20150317, dt.date(2015, 3, 17)),
        (20150317.0, dt.date(2015, 3, 17)),
        ("03/17/2015", dt.date(2015, 3, 17)),
        (dt.datetime(2015, 3, 17, 8), dt.date(2015, 3, 17)),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_date_accepts(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["17.03.2015", "2015-02-30", "2015/03/17", "March 17, 2015", "2015-03-17 25:00", 2015]
)
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(RowError, match="bad date"):
        parse_date(value)


def test_mapping_from_options() -> None:
    with pytest.raises(PresetError, match=r"known presets: .*patentsberta-claims"):
        mapping_from_options("nope", None, None, None, None, None, None, None)
    with pytest.raises(PresetError, match="id_field and text_fields"):
        mapping_from_options(None, None, None, None, None, None, None, None)
    with pytest.raises(PresetError, match="encoding"):
        mapping_from_options(None, "id", ["t"], None, None, None, None, "no-such-codec")
    mapping = mapping_from_options(None, "id", ["title,abstract"], "title", None, None, None, None)
    assert (mapping.text_fields, mapping.title_field, mapping.encoding) == (
        ["title", "abstract"],
        "title",
        "utf-8",
    )
    mapping = mapping_from_options(
        "patentsberta-cpc1400", None, ["claim"], None, None, ["x"], [], None
    )
    assert (mapping.id_field, mapping.text_fields, mapping.encoding) == (
        "patent_id",
        ["claim"],
        "latin-1",
    )
    assert (mapping.label_fields, mapping.metadata_fields) == (["x"], [])
    assert PRESETS["patentsberta-cpc1400"].text_fields == ["text"]  # the preset is not changed


def test_hub_id_offline_and_no_hf_cache_writes(tmp_path: Path) -> None:
    """In a fresh process (offline mode is read at import): local reads leave HF_HOME empty."""
    local = tmp_path / "c.csv"
    local.write_text("id,text\n1,x\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from corpusmap.errors import CorpusError\n"
        "from indexer.reading.sources import FieldMapping, ReadReport, read_corpus\n"
        "m = FieldMapping('id', ['text'])\n"
        "assert len(list(read_corpus([sys.argv[1]], m, ReadReport()))) == 1\n"
        "try:\n"
        "    list(read_corpus(['corpusmap-test/no-such-dataset'], m, ReadReport()))\n"
        "except CorpusError as exc:\n"
        "    print('CorpusError:', exc)\n"
    )
    hf_home = tmp_path / "hf"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src")])
    done = subprocess.run(
        [sys.executable, "-c", code, str(local)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "CorpusError:" in done.stdout and "needs internet" in done.stdout
    assert not [p for p in hf_home.rglob("*") if p.is_file()]


def test_hub_reader_on_a_local_dataset_folder(tmp_path: Path) -> None:
    """The hub reader's `load_dataset(id, split=...)` call, fed a local folder instead of an id."""
    (tmp_path / "train.csv").write_text("id,text,A61K,C07D\n11,hello,1,0\n7.0,world,1,1\n")
    source = Source("owner/name", str(tmp_path), "hub")
    mapping = FieldMapping("id", ["text"], cpc_onehot=True)
    rows = [row for _, row, _ in _source_rows(source, mapping, "train") if row is not None]
    assert rows == [
        {"id": 11, "text": "hello", "A61K": 1, "C07D": 0},
        {"id": 7.0, "text": "world", "A61K": 1, "C07D": 1},
    ]
    assert build_document(rows[1], clean_id(rows[1]["id"]), mapping).cpc == ("A61K", "C07D")
    with pytest.raises(PresetError, match="no field"):
        list(_source_rows(source, FieldMapping("id", ["abstract"]), "train"))


@needs_data
def test_real_patentsberta_claims() -> None:
    mapping = PRESETS["patentsberta-claims"]
    for name, rows in (
        ("patentsberta_claims_train.csv", 1000),
        ("patentsberta_claims_test.csv", 100),
    ):
        docs, report = read([PATENTS / name], mapping)
        assert (report.rows_seen, report.valid, report.skipped) == (rows, rows, 0)
        assert all(d.date and 2013 <= d.date.year <= 2017 and d.cpc and d.text for d in docs)
    frame = pd.read_csv(PATENTS / "patentsberta_claims_test.csv", dtype=str)
    onehot = [c for c in frame.columns if re.fullmatch(r"[A-HY]\d\d[A-Z]", c)]
    assert len(onehot) == 663
    for i in (0, 57):
        expected = tuple(c for c in onehot if frame.loc[i, c] == "1")
        assert (docs[i].id, docs[i].cpc) == (frame.loc[i, "id"], expected)
        assert docs[i].date == dt.date.fromisoformat(frame.loc[i, "date"])
        assert docs[i].text == frame.loc[i, "text"].strip()


@needs_data
def test_real_cpc1400_latin1() -> None:
    path = PATENTS / "patentsberta_claims_cpc1400.latin1.csv"
    docs, report = read([path], PRESETS["patentsberta-cpc1400"])
    assert (report.rows_seen, report.valid, report.skipped) == (1411, 1411, 0)
    assert docs[0].id == "6837198" and docs[0].cpc == ("Y10T",)
    assert docs[0].metadata == {"category": "['additional']", "subgroup_id": "['Y10T74/18288']"}
    assert all(d.cpc and d.date is None for d in docs)
    non_ascii = [d for d in docs if re.search(r"[^\x00-\x7f]", d.text)]
    assert non_ascii and not any("\ufffd" in d.text for d in docs)
    raw = path.read_bytes().decode("latin-1")  # the bytes, one character each
    assert all(d.text in raw for d in non_ascii[:10])
    assert any("\xfd" in d.text for d in non_ascii)  # the lone 0xFD bytes, as latin-1 reads them
    # Read as UTF-8, the rows holding bytes that are not UTF-8 are counted and skipped.
    docs, report = read([path], FieldMapping("patent_id", ["text"]))
    assert (report.valid, dict(report.problems_by_reason)) == (1405, {"bad encoding": 6})
    assert all(p.detail.startswith("text: bytes ") for p in report.examples)


@needs_data
def test_real_abstracts_titles_and_dates() -> None:
    mapping = PRESETS["patentsview-abstracts"]
    docs, report = read([PATENTS / "abstracts_neural_network.csv"], mapping)
    assert (report.rows_seen, report.valid) == (3522, 3522)
    assert all(d.title and d.date and 1976 <= d.date.year <= 2018 for d in docs)
    assert all(d.text.startswith(d.title) for d in docs)
    docs, report = read([PATENTS / "abstracts_baseball.csv"], mapping)
    assert (report.rows_seen, report.valid) == (2664, 2664)
    title_only = [d for d in docs if d.text == d.title]  # abstracts written as NULL / None
    assert len(title_only) == 608
    assert not any(d.text.endswith(("\n\nNULL", "\n\nNone")) for d in docs)


@needs_data
def test_real_beir_folder_and_ag_news() -> None:
    docs, report = read([DATA / "retrieval" / "dbpedia_5k"], PRESETS["beir"])
    assert (report.rows_seen, report.valid) == (5000, 5000)  # corpus.jsonl only, not queries
    assert docs[0].id == "<dbpedia:Oceanic_Airlines>" and docs[0].title == "Oceanic Airlines"
    docs, report = read([DATA / "topics" / "ag_news_test.csv"], PRESETS["ag-news"])
    assert report.valid == 7600 and docs[-1].id == "7600"
    counts = pd.Series([d.labels[0] for d in docs]).value_counts().to_dict()
    assert counts == {"1": 1900, "2": 1900, "3": 1900, "4": 1900}
