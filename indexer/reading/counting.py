"""How many rows a corpus has, counted before it is read: the index bar's total.

A cheap pass: Parquet footers, lines of JSON Lines, records of CSV (quoted newlines
respected). Hub datasets are not counted (None: the bar shows a count and a rate).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from indexer.reading.presets import FieldMapping
from indexer.reading.resolve import Source, resolve_sources


def expected_rows(
    sources: Sequence[str | Path], mapping: FieldMapping, *, limit: int | None = None
) -> int | None:
    """Rows in `sources` (an upper bound on the documents: bad rows are skipped), capped
    at `limit`; None when some source cannot be counted without reading it."""
    total = 0
    for source in resolve_sources(sources, mapping):
        rows = _rows_in(source, mapping)
        if rows is None:
            return limit
        total += rows
    return total if limit is None else min(total, limit)


def _rows_in(source: Source, mapping: FieldMapping) -> int | None:
    try:
        if source.kind == "parquet":
            return int(pq.ParquetFile(source.location).metadata.num_rows)
        if source.kind == "json":
            with open(source.location, "rb") as handle:
                return sum(1 for line in handle if line.strip())
        if source.kind == "csv":
            return _csv_records(Path(source.location), mapping)
    except (OSError, csv.Error, ValueError):
        return None  # the reader itself will say what is wrong
    return None


def _csv_records(path: Path, mapping: FieldMapping) -> int:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding=mapping.encoding or "utf-8", errors="replace", newline="") as f:
            return max(0, sum(1 for row in csv.reader(f, delimiter=delimiter) if row) - 1)
    finally:
        csv.field_size_limit(previous)
