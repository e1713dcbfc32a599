"""Property-based fuzz of the corpus reader (hypothesis).

Random corpora mix rows known to be valid (id "valid-N", a real text) with junk:
values of every JSON type where an id, text or date belongs, random unicode with
control characters, lone-surrogate escapes, undecodable and Latin-1 bytes, wrong
field counts, lines that are not JSON, and a last line without its newline. Whatever
is written, `read_corpus` raises nothing but `CorpusError`, every row is counted
once (documents + skips == rows written), no id is yielded twice, and every valid
row comes back exactly once with its text.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from corpusmap.errors import CorpusError
from indexer.reading.presets import NULL_VALUES
from indexer.reading.sources import FieldMapping, ReadReport, read_corpus

MAPPING = FieldMapping("id", ["text"], date_field="date")
REASONS = {"missing id", "bad id", "missing text", "bad date", "duplicate id", "malformed row"}
REASONS |= {"wrong type", "bad encoding", "row too large"}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Valid:
    """A row that must come back as a document with exactly this text."""

    text: str
    date: str


@dataclass(frozen=True)
class Junk:
    """A row that may be valid or not, but must be counted: written as these bytes."""

    line: bytes


def _usable(text: str) -> bool:
    return bool(text.strip()) and text.strip() not in NULL_VALUES


# Any characters but surrogates (they cannot be written as UTF-8); control characters
# and other line breaks (U+2028, U+0085, \x1c) included.
texts = st.text(min_size=1, max_size=40).filter(_usable)
dates = st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()))
valid_rows = st.builds(Valid, texts, dates)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
junk_ids = json_values.filter(lambda v: "valid" not in str(v))  # never a valid row's id


def _no_newline(raw: bytes) -> bool:
    return b"\n" not in raw


def _json_junk() -> st.SearchStrategy[Junk]:
    objects = st.fixed_dictionaries(
        {"id": junk_ids, "text": json_values}, optional={"date": json_values}
    ).map(lambda row: json.dumps(row).encode())
    surrogates = st.integers(0xD800, 0xDFFF).map(
        lambda c: b'{"id": "s%d", "text": "a \\u%04x b"}' % (c, c)
    )
    latin1 = st.text(min_size=1, max_size=10).map(
        lambda t: json.dumps({"id": f"l-{t}", "text": t}, ensure_ascii=False).encode(
            "latin-1", "replace"
        )
    )
    raw_text = st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass"))
    raw = st.one_of(raw_text, st.binary(max_size=30)).filter(_no_newline)
    return st.one_of(objects, surrogates, latin1, raw).map(Junk)


def _json_line(entry: Valid | Junk, number: int) -> bytes:
    if isinstance(entry, Junk):
        return entry.line
    return json.dumps({"id": f"valid-{number}", "text": entry.text, "date": entry.date}).encode()


def _csv_record(cells: list[str]) -> bytes:
    """One CSV record without its line end (CRLF as the writer's terminator makes it quote
    fields holding either character)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()[:-2].encode("utf-8", "surrogatepass")


def _csv_junk() -> st.SearchStrategy[Junk]:
    cell = st.text(max_size=20).filter(lambda t: "valid" not in t)
    records = st.lists(cell, min_size=1, max_size=5).map(_csv_record)  # wrong counts too
    # Undecodable bytes in one cell (no quote, separator or newline among them).
    bad_bytes = st.binary(min_size=1, max_size=4).filter(lambda b: not set(b) & set(b'",\r\n'))
    broken = st.tuples(cell, bad_bytes).map(
        lambda pair: _csv_record(["junk-bytes", pair[0] + "\ufffd", ""]).replace(
            "\ufffd".encode(), pair[1]
        )
    )
    return st.one_of(records, broken).map(Junk)


def _csv_line(entry: Valid | Junk, number: int) -> bytes:
    if isinstance(entry, Junk):
        return entry.line
    return _csv_record([f"valid-{number}", entry.text, entry.date])


def _is_json_row(line: bytes) -> bool:
    """Whether a line is a row: blank lines (JSON whitespace, a BOM) are not."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(text.lstrip("\ufeff").strip(" \t\r\n"))


def _check(path: Path, entries: list[Valid | Junk], rows_written: int) -> None:
    report = ReadReport()
    try:
        docs = list(read_corpus([path], MAPPING, report))
    except CorpusError:
        return  # a whole-file error is an allowed answer; anything else fails the test
    assert report.rows_seen == rows_written
    assert report.valid + report.skipped == report.rows_seen == len(docs) + report.skipped
    assert set(report.problems_by_reason) <= REASONS
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    texts = {d.id: d.text for d in docs}
    for number, entry in enumerate(entries, 1):
        if isinstance(entry, Valid):
            assert texts.pop(f"valid-{number}") == entry.text.strip()
    assert not [i for i in texts if i.startswith("valid-")]


json_corpora = st.lists(st.one_of(valid_rows, _json_junk()), max_size=12)
csv_corpora = st.lists(st.one_of(valid_rows, _csv_junk()), max_size=12)


def fuzz_json_lines(entries: list[Valid | Junk], final_newline: bool) -> None:
    lines = [_json_line(entry, n) for n, entry in enumerate(entries, 1)]
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(data)
        note(f"file: {data!r}")
        _check(path, entries, sum(map(_is_json_row, lines)))


def fuzz_csv(entries: list[Valid | Junk], final_newline: bool, crlf: bool) -> None:
    end = b"\r\n" if crlf else b"\n"
    lines = [b"id,text,date", *(_csv_line(entry, n) for n, entry in enumerate(entries, 1))]
    data = end.join(lines) + (end if final_newline else b"")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(data)
        note(f"file: {data!r}")
        _check(path, entries, len(entries))


@FUZZ
@given(json_corpora, st.booleans())
def test_fuzz_json_lines(entries: list[Valid | Junk], final_newline: bool) -> None:
    fuzz_json_lines(entries, final_newline)


@FUZZ
@given(csv_corpora, st.booleans(), st.booleans())
def test_fuzz_csv(entries: list[Valid | Junk], final_newline: bool, crlf: bool) -> None:
    fuzz_csv(entries, final_newline, crlf)


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(json_corpora, st.booleans())
def test_fuzz_json_lines_long(entries: list[Valid | Junk], final_newline: bool) -> None:
    fuzz_json_lines(entries, final_newline)


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(csv_corpora, st.booleans(), st.booleans())
def test_fuzz_csv_long(entries: list[Valid | Junk], final_newline: bool, crlf: bool) -> None:
    fuzz_csv(entries, final_newline, crlf)
