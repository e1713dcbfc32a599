"""CSV and TSV files read record by record with Python's csv module.

Not through pandas (which `datasets` streams CSV with): its python engine takes a
first data row with one field too many as the sign of an index column and shifts
every column of every row by one, silently; with `index_col=False` it instead cuts
the extra fields off every row, also silently; and it parses 10,000 rows at a time
(10,000 huge rows are gigabytes). Here each record is checked against the header
(another field count is a "malformed row"), memory holds one record, and a quote
that is never closed is told by row and line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from corpusmap.errors import CorpusError
from indexer.reading.cells import BAD_BYTES_ERRORS, Row, RowError, text_problem

MAX_FIELD_CHARS = 64 << 20
"""The longest field read (Python's default, 128 KiB, failed whole files over one long
text); no text that long is embedded (`max_text_chars` keeps 20,000 by default)."""
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))

_HINT = "give the file's encoding, e.g. encoding='latin-1'"


def _open(path: str, encoding: str) -> IO[str]:
    # Undecodable bytes become a marker, so the record holding them is one "bad
    # encoding" row (`indexer.reading.cells.check_encoding`) rather than a failed file.
    return open(path, encoding=encoding, errors=BAD_BYTES_ERRORS, newline="")


def _names(cells: list[str]) -> list[str]:
    """Column names as pandas gave them: no BOM, 'Unnamed: i' for blanks, 'x.1' for repeats."""
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = (cell.lstrip("\ufeff") if i == 0 else cell) or f"Unnamed: {i}"
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
    return names


def read_header(path: str, source: str, encoding: str, sep: str) -> list[str]:
    """The column names of a CSV file ([] for an empty one); `CorpusError` when unreadable."""
    with _open(path, encoding) as handle:
        try:
            cells = next((r for r in csv.reader(handle, delimiter=sep, strict=True) if r), [])
        except csv.Error as exc:
            raise CorpusError(f"cannot read the header of {source}: {exc}") from None
    names = _names(cells)
    for name in names:
        if problem := text_problem(name, encoding):
            raise CorpusError(f"the header of {source} is unreadable: {problem}; {_HINT}")
    return names


def csv_rows(path: str, source: str, encoding: str, sep: str, columns: list[str]) -> Iterator[Row]:
    """The data records of a CSV file as rows of `columns`, numbered from 1; blank lines
    are not rows. Raises `CorpusError` for a quote never closed that swallowed lines."""
    with _open(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=sep, strict=True)
        header: list[str] | None = None
        number = 0
        while True:
            first_line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if header is None:
                    raise CorpusError(f"cannot read the header of {source}: {exc}") from None
                number += 1
                yield number, None, _record_error(exc, source, number, first_line, reader.line_num)
                continue
            if not record:
                continue
            if header is None:
                header = _names(record)
                picks = [header.index(c) for c in columns]
                continue
            number += 1
            if len(record) != len(header):
                yield number, None, RowError("malformed row", sep.join(record))
            else:
                yield number, {c: record[i] for c, i in zip(columns, picks, strict=True)}, None


def _record_error(exc: csv.Error, source: str, number: int, first: int, last: int) -> RowError:
    """A record the csv module refused: a bad row, or `CorpusError` when later rows may be
    lost in it (a quote opened on an earlier line than the file's end) or it is too long."""
    if "field limit" in str(exc):
        limit = f"{MAX_FIELD_CHARS:,} characters"
        raise CorpusError(f"cannot read {source}: row {number} has a field over {limit}") from exc
    if "end of data" in str(exc):
        if last > first:
            raise CorpusError(
                f"cannot read {source}: row {number} (line {first}) opens a quoted field "
                "that is never closed"
            ) from exc
        return RowError("malformed row", "a quote not closed before the end of the file")
    return RowError("malformed row", str(exc))
