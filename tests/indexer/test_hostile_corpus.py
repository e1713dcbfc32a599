"""Hostile corpus files: every bad row is a counted skip with its reason and row number, or
the whole file fails with a `CorpusError` that says where; valid rows are never lost."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import indexer.reading.jsonl
from corpusmap.documents import Document
from corpusmap.errors import CorpusError
from corpusmap.store.schema import ID_MAX_BYTES
from indexer.reading.sources import FieldMapping, ReadReport, read_corpus

ROOT = Path(__file__).resolve().parents[2]
MAPPING = FieldMapping("id", ["text"])


def read(path: Path, mapping: FieldMapping = MAPPING) -> tuple[list[Document], ReadReport]:
    report = ReadReport()
    return list(read_corpus([path], mapping, report)), report


def problems(report: ReadReport) -> list[tuple[int, str]]:
    return [(p.row, p.reason) for p in report.examples]


def jsonl(*rows: Mapping[str, object]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def test_invalid_utf8_bytes_skip_their_row_only(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    bad = b'{"id": "2", "text": "broken \xff\xfe bytes"}\n'
    path.write_bytes(jsonl({"id": "1", "text": "ok"}) + bad + jsonl({"id": "3", "text": "fine"}))
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("1", "ok"), ("3", "fine")]
    assert problems(report) == [(2, "bad encoding")]
    assert report.examples[0].detail == "bytes ff at column 29 are not utf-8"
    csv_path = tmp_path / "c.csv"
    csv_path.write_bytes(b"id,text,unused\n1,ok,x\n2,broken \xff,y\n3,fine,\xfe\n")
    docs, report = read(csv_path)
    # Bad bytes in a column the mapping does not use cost nothing.
    assert [(d.id, d.text) for d in docs] == [("1", "ok"), ("3", "fine")]
    assert problems(report) == [(2, "bad encoding")]
    assert report.examples[0].detail == "text: bytes ff are not utf-8"


def test_a_latin1_row_in_a_utf8_file(tmp_path: Path) -> None:
    rows = ["id,text\n", "1,naïve\n", "2,café au lait\n", "3,plain\n"]
    data = b"".join(r.encode("latin-1" if i == 2 else "utf-8") for i, r in enumerate(rows))
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("1", "naïve"), ("3", "plain")]
    assert problems(report) == [(2, "bad encoding")]
    assert report.examples[0].detail == "text: bytes e9 are not utf-8"
    # Read as Latin-1 every byte is a character: nothing skipped (the UTF-8 row is mojibake,
    # which is what the encoding option asks for).
    docs, report = read(path, FieldMapping("id", ["text"], encoding="latin-1"))
    assert [d.text for d in docs] == ["naÃ¯ve", "café au lait", "plain"]
    lines = tmp_path / "mixed.jsonl"
    lines.write_bytes(b'{"id": "1", "text": "na\xc3\xafve"}\n{"id": "2", "text": "caf\xe9"}\n')
    docs, report = read(lines)
    assert [d.text for d in docs] == ["naïve"] and problems(report) == [(2, "bad encoding")]


def test_undecodable_header_fails_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"id,caf\xe9\n1,x\n")
    with pytest.raises(CorpusError, match=r"header of h\.csv is unreadable: bytes e9 are not"):
        read(path, FieldMapping("id", ["id"]))


def test_utf16_jsonl_is_read_as_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "u16.jsonl"
    path.write_text('{"id": "1", "text": "ünï"}\n{"id": "2", "text": "x"}\n', encoding="utf-16")
    docs, report = read(path, FieldMapping("id", ["text"], encoding="utf-16"))
    assert [(d.id, d.text) for d in docs] == [("1", "ünï"), ("2", "x")] and report.skipped == 0
    bad = '{"id": "3", "text": "y"}'.encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    path.write_bytes(path.read_bytes() + bad + "\n".encode("utf-16-le"))
    docs, report = read(path, FieldMapping("id", ["text"], encoding="utf-16"))
    assert [d.id for d in docs] == ["1", "2"]
    assert [(p.row, p.reason, p.detail) for p in report.examples] == [
        (3, "bad encoding", "bytes 00d8 are not utf-16")
    ]


def test_lone_surrogate_escapes_are_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = [
        r'{"id": "1", "text": "pair \ud83d\ude00 ok"}',  # a valid pair: one emoji
        r'{"id": "2", "text": "lone \ud800"}',
        r'{"id": "3\udc00", "text": "x"}',
        r'{"id": "4", "text": "x", "tags": ["a", {"k": "\udfff"}]}',
        r'{"id": "5", "text": "x", "unused": "\ud800"}',  # not a mapped field
        '{"id": "6", "text": "noncharacter \ufdd0 kept"}',
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    docs, report = read(path, FieldMapping("id", ["text"], metadata_fields=["tags"]))
    assert [(d.id, d.text) for d in docs] == [
        ("1", "pair \U0001f600 ok"),
        ("5", "x"),
        ("6", "noncharacter \ufdd0 kept"),
    ]
    assert [(p.row, p.reason, p.detail) for p in report.examples] == [
        (2, "bad encoding", "text: lone surrogate U+D800"),
        (3, "bad encoding", "id: lone surrogate U+DC00"),
        (4, "bad encoding", "tags: lone surrogate U+DFFF"),
    ]


def test_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"id": "1", "text": "a"}\n\n  \t\r\n{}\n\x0c\n{"id": "6", "text": "b"}\n')
    docs, report = read(path)
    assert [d.id for d in docs] == ["1", "6"]
    # Blank lines are not rows (though they keep their line numbers); a form feed is not
    # JSON whitespace, so that line is a bad row rather than silently dropped.
    assert problems(report) == [(4, "missing id"), (5, "malformed row")]
    assert report.rows_seen == 4
    csv_path = tmp_path / "e.csv"
    csv_path.write_text("id,text\n1,a\n\n,\n  ,  \n5,\n6,b\n")
    docs, report = read(csv_path)
    assert [d.id for d in docs] == ["1", "6"]
    assert problems(report) == [(2, "missing id"), (3, "missing id"), (4, "missing text")]
    for name, data in (("empty.csv", ""), ("empty.jsonl", ""), ("header.csv", "id,text\n")):
        (tmp_path / name).write_text(data)
        docs, report = read(tmp_path / name)
        assert (docs, report.rows_seen, report.skipped) == ([], 0, 0)


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_a_10mb_row_is_kept_whole(tmp_path: Path, suffix: str) -> None:
    """The reader keeps it (the pipeline embeds and stores `max_text_chars` of it); Python's
    csv module used to refuse any field over 128 KiB, failing the whole file."""
    huge = "claim text " * 1_000_000
    path = tmp_path / f"huge.{suffix}"
    if suffix == "jsonl":
        path.write_bytes(jsonl({"id": "a", "text": "x"}, {"id": "b", "text": huge}))
    else:
        path.write_text(f"id,text\na,x\nb,{huge}\n")
    docs, report = read(path)
    assert [(d.id, len(d.text)) for d in docs] == [("a", 1), ("b", len(huge.strip()))]
    assert report.skipped == 0


MEMORY_PROBE = """
import json, resource, sys
from indexer.reading.sources import FieldMapping, ReadReport, read_corpus
path, rows = sys.argv[1], int(sys.argv[2])
huge = "claim text " * 1_000_000
with open(path, "w") as f:
    csv = path.endswith(".csv")
    f.write("id,text\\n" if csv else "")
    for i in range(rows):
        f.write(f"r{i},{huge}\\n" if csv else json.dumps({"id": f"r{i}", "text": huge}) + "\\n")
del huge
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lengths = [len(d.text) for d in read_corpus([path], FieldMapping("id", ["text"]), ReadReport())]
assert lengths == [10_999_999] * rows, lengths
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def peak_growth_mb(path: Path, rows: int) -> int:
    """Peak memory growth (MiB) of a fresh process reading `rows` 11 MB rows from `path`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path), str(rows)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


def test_huge_rows_keep_memory_sane(tmp_path: Path) -> None:
    """Rows are read one at a time: eight 11 MB rows (88 MB of text) cost about what one
    does. (Before, CSV went through pandas 10,000 rows at a time, JSON Lines through
    1,000-line batches: memory grew with every huge row.)"""
    for name in ("m.jsonl", "m.csv"):
        assert peak_growth_mb(tmp_path / name, 8) < 100, name


def test_a_line_over_the_limit_is_skipped_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer.reading.jsonl, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    rows = [{"id": "1", "text": "a"}, {"id": "2", "text": "x" * 5000}, {"id": "3", "text": "b"}]
    path.write_bytes(jsonl(*rows))
    docs, report = read(path)
    assert [d.id for d in docs] == ["1", "3"]
    assert problems(report) == [(2, "row too large")]
    assert report.examples[0].detail == "over 1,000 bytes"


def test_a_csv_field_over_the_limit_fails_the_file(tmp_path: Path) -> None:
    """The csv module cannot skip past such a field, and what follows it could be taken
    for rows: the file fails, naming the row (the limit is lowered here, not the data
    raised to 64 MiB)."""
    path = tmp_path / "long.csv"
    path.write_text(f"id,text\n1,a\n2,{'x' * 5000}\n3,b\n")
    limit = csv.field_size_limit(1000)
    try:
        with pytest.raises(CorpusError, match=r"long\.csv: row 2 has a field over"):
            read(path)
    finally:
        csv.field_size_limit(limit)


def test_wrong_types_in_json_lines(tmp_path: Path) -> None:
    rows: list[tuple[object, object, object, str | None]] = [  # id, text, date, reason
        ("1", 5, None, None),  # a number is text, as it is in CSV
        ("2", ["a", "b"], None, "wrong type"),
        ("3", {"a": "b"}, None, "wrong type"),
        ("4", True, None, "wrong type"),
        ("5", None, None, "missing text"),
        ("6", "x", 123, "bad date"),
        ("7", "x", [2015, 1, 2], "bad date"),
        ("8", "x", {"y": 2015}, "bad date"),
        ("9", "x", True, "bad date"),
        ([1], "x", None, "bad id"),
        ({"a": 1}, "x", None, "bad id"),
        (True, "x", None, "bad id"),
        (None, "x", None, "missing id"),
        (1e400, "x", None, "bad id"),  # json.dumps writes Infinity, json.loads reads it
        ("x" * (ID_MAX_BYTES + 1), "x", None, "bad id"),  # Milvus' key limit: used to crash
        (20, 7.5, 20150102, None),
    ]
    path = tmp_path / "types.jsonl"
    path.write_bytes(jsonl(*({"id": i, "text": t, "date": d} for i, t, d, _ in rows)))
    docs, report = read(path, FieldMapping("id", ["text"], date_field="date"))
    assert [(d.id, d.text, d.date) for d in docs] == [
        ("1", "5", None),
        ("20", "7.5", dt.date(2015, 1, 2)),
    ]
    expected = [(n, reason) for n, (*_, reason) in enumerate(rows, 1) if reason]
    assert problems(report) == expected
    assert report.valid + report.skipped == report.rows_seen == len(rows)


def test_the_design_page_says_what_the_reader_does_with_typed_cells(tmp_path: Path) -> None:
    corpora = (ROOT / "docs" / "design.md").read_text(encoding="utf-8").split("## Corpora")[1]
    said = " ".join(corpora.split("\n## ")[0].split())
    assert "A number in a text field is text" in said
    assert '`5` reads as "5", `7.5` as "7.5"' in said and '`1234.0` reads as "1234"' in said
    assert "a list, an object or a boolean where text is mapped" in said
    path = tmp_path / "typed.jsonl"
    cells = [(1234.0, 5), ("b", 7.5), ("c", ["a"]), ("d", {"a": "b"}), ("e", True), (True, "x")]
    path.write_bytes(jsonl(*({"id": i, "text": t} for i, t in cells)))
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("1234", "5"), ("b", "7.5")]
    assert problems(report) == [
        (3, "wrong type"),
        (4, "wrong type"),
        (5, "wrong type"),
        (6, "bad id"),
    ]


def test_wrong_types_in_parquet(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "number": [1, 2, None, 4],
            "words": [["x"], [], None, ["y", "z"]],
            "record": [{"k": "v"}, {"k": "w"}, None, {"k": "u"}],
            "blob": [b"hello", b"\xff\xfe", None, b""],
            "day": ["2015-01-02", "junk", None, "20150102"],
            "flag": [True, False, None, True],
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)

    def outcome(mapping: FieldMapping) -> tuple[list[str], list[tuple[int, str]]]:
        docs, report = read(path, mapping)
        assert report.valid + report.skipped == report.rows_seen == 4
        return [d.id for d in docs], problems(report)

    assert outcome(FieldMapping("id", ["number"])) == (["a", "b", "d"], [(3, "missing text")])
    listed = [(1, "wrong type"), (2, "wrong type"), (3, "missing text"), (4, "wrong type")]
    assert outcome(FieldMapping("id", ["words"])) == ([], listed)
    assert outcome(FieldMapping("id", ["record"])) == ([], listed)
    assert outcome(FieldMapping("id", ["blob"])) == (
        ["a"],
        [(2, "bad encoding"), (3, "missing text"), (4, "missing text")],
    )
    assert outcome(FieldMapping("id", ["id"], date_field="day")) == (
        ["a", "c", "d"],
        [(2, "bad date")],
    )
    assert outcome(FieldMapping("flag", ["id"])) == (
        [],
        [(1, "bad id"), (2, "bad id"), (3, "missing id"), (4, "bad id")],
    )
    assert outcome(FieldMapping("id", ["id"], label_fields=["record"]))[1][0] == (1, "wrong type")
    docs, _ = read(
        path, FieldMapping("id", ["id"], label_fields=["words"], metadata_fields=["blob"])
    )
    assert [(d.labels, d.metadata) for d in docs] == [
        (("x",), {"blob": "hello"}),
        ((), {"blob": None}),
        (("y", "z"), {"blob": ""}),
    ]


def test_values_nested_too_deep_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    lines = [
        '{"id": "1", "text": "x", "m": %s}' % ("[" * 900 + "]" * 900),  # parses; too deep to use
        '{"id": "2", "text": "x", "m": %s}' % ("[" * 5000 + "]" * 5000),  # too deep to parse
        '{"id": "3", "text": "x", "m": [[["fine"]]]}',
    ]
    path.write_text("\n".join(lines) + "\n")
    docs, report = read(path, FieldMapping("id", ["text"], metadata_fields=["m"]))
    assert [d.metadata for d in docs] == [{"m": [[["fine"]]]}]
    assert problems(report) == [(1, "wrong type"), (2, "malformed row")]


def test_duplicate_ids_first_wins(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    ids: list[object] = ["7", 7, 7.0, "7.0", " 7 ", "07"]
    path.write_bytes(jsonl(*({"id": i, "text": f"row {n}"} for n, i in enumerate(ids, 1))))
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("7", "row 1"), ("07", "row 6")]
    assert problems(report) == [(n, "duplicate id") for n in (2, 3, 4, 5)]


def test_truncated_last_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(jsonl({"id": "1", "text": "a"}) + b'{"id": "2", "text": "cut of')
    docs, report = read(path)
    assert [d.id for d in docs] == ["1"] and problems(report) == [(2, "malformed row")]
    path.write_bytes(jsonl({"id": "1", "text": "a"}) + b'{"id": "2", "text": "whole"}')
    assert [d.id for d in read(path)[0]] == ["1", "2"]  # no final newline: still a row
    csv_path = tmp_path / "t.csv"
    csv_path.write_text('id,text\n1,a\n2,"two\nlines"\n\n3,"cut off\n')
    docs, report = read(csv_path)  # the quote opens on the last line: only that row is bad
    assert [d.text for d in docs] == ["a", "two\nlines"]
    assert problems(report) == [(3, "malformed row")]
    # A quote that swallowed later lines may hold rows that can no longer be told apart:
    # the file fails, saying where the quote opened.
    many = "".join(f"{i},row {i}\n" for i in range(1, 30_000))
    csv_path.write_text(f'id,text\n{many}30000,"cut\n30001,off\n')
    with pytest.raises(CorpusError, match=r"t\.csv: row 30000 \(line 30001\) opens a quoted"):
        read(csv_path)
    csv_path.write_text("id,text\n1,a\n2,b")
    assert [d.text for d in read(csv_path)[0]] == ["a", "b"]


def test_csv_records_of_another_width_are_malformed(tmp_path: Path) -> None:
    """Found by the fuzz: pandas (which read CSV before) took a first data row with one
    field too many for a sign of an index column and shifted every column of every row
    by one, silently; here every record is held to the header's width."""
    path = tmp_path / "w.csv"
    path.write_text('id,text\n,,\nv1,real text\nv2\nv3,"a"b\nv4,ok\n""\n')
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("v1", "real text"), ("v4", "ok")]
    assert problems(report) == [(n, "malformed row") for n in (1, 3, 4, 6)]
    assert report.examples[2].detail == "',' expected after '\"'"


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b'\xef\xbb\xbfid,text\r\n1,a\r\n2,"b\r\nc"\r\n')
    docs, report = read(path)
    assert [(d.id, d.text) for d in docs] == [("1", "a"), ("2", "b\r\nc")]
    lines = tmp_path / "b.jsonl"
    lines.write_bytes(b'\xef\xbb\xbf{"id": "1", "text": "a"}\r\n{"id": "2", "text": "b"}\r\n')
    docs, report = read(lines)
    assert [(d.id, d.text) for d in docs] == [("1", "a"), ("2", "b")] and report.skipped == 0
    # A lone CR ends a CSV record (pandas' universal newlines) but is only JSON whitespace
    # inside a JSON line: a JSON Lines row ends at LF.
    lines.write_bytes(b'{"id": "1",\r"text": "a"}\n')
    assert [d.id for d in read(lines)[0]] == ["1"]
