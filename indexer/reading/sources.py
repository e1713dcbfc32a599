"""Read a corpus (CSV, JSON Lines, Parquet files, folders, globs or a hub dataset) as documents.

Everything is streamed, so memory stays flat in the corpus size: JSON Lines line by
line (`indexer.reading.jsonl`), CSV record by record (`indexer.reading.csv_rows`), Parquet and hub
datasets with `datasets` (`streaming=True`, builder lock files in a temporary folder,
not the Hugging Face cache). Rows that cannot become documents (undecodable bytes and
wrong types included) are counted in a `ReadReport` with their row numbers and
skipped; only a corpus that cannot be read at all (no such file, an undecodable CSV
header, a quote never closed, a mapping naming absent columns) raises `CorpusError`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import IterableDataset, load_dataset

from corpusmap.documents import Document
from corpusmap.errors import CorpusError
from indexer.reading.cells import Row, check_encoding
from indexer.reading.csv_rows import csv_rows, read_header
from indexer.reading.jsonl import json_rows
from indexer.reading.presets import (
    PRESETS,
    ROW_NUMBER_ID,
    FieldMapping,
    RowError,
    build_document,
    clean_id,
    mapping_from_options,
)
from indexer.reading.report import ReadReport, RowProblem
from indexer.reading.resolve import Source, resolve_sources

_BATCH = 1000

__all__ = ["PRESETS", "FieldMapping", "ReadReport", "RowProblem", "Source"]
__all__ += ["mapping_from_options", "read_corpus", "resolve_sources"]


def _sep(source: Source) -> str:
    return "\t" if source.location.lower().endswith(".tsv") else ","


def _columns(source: Source, mapping: FieldMapping) -> list[str] | None:
    """The columns of a local CSV or Parquet file ([] for an empty file)."""
    try:
        if source.kind == "parquet":
            return list(pq.read_schema(source.location).names)
        if source.kind == "csv":
            return read_header(source.location, source.name, mapping.encoding, _sep(source))
    except (OSError, pa.ArrowException) as exc:
        raise CorpusError(f"cannot read {source.name}: {exc}") from exc
    return None  # JSON Lines: objects may leave out optional keys, so rows are checked one by one


def _rows(dataset: IterableDataset, columns: list[str]) -> Iterator[dict[str, Any]]:
    """Rows as dicts of `columns`, read in batches (much faster than row by row)."""
    columns = list(dict.fromkeys(columns))
    for batch in dataset.select_columns(columns).iter(batch_size=_BATCH):
        values = [batch[name] for name in columns]
        yield from (dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True))


def _stream(builder: str, source: Source, cache: str, **options: Any) -> IterableDataset:
    """A local file streamed by a packaged `datasets` builder, its lock files under `cache`."""
    files = source.location
    return load_dataset(
        builder, data_files=files, split="train", streaming=True, cache_dir=cache, **options
    )


def _csv_rows(source: Source, mapping: FieldMapping) -> Iterator[Row]:
    # Every cell as the text it is ("00123" stays "00123"): no type guessing.
    header = _columns(source, mapping) or []
    columns = mapping.needed(header)
    return csv_rows(source.location, source.name, mapping.encoding, _sep(source), columns)


def _parquet_rows(source: Source, mapping: FieldMapping, cache: str) -> Iterator[Row]:
    columns = _columns(source, mapping) or []
    dataset = _stream("parquet", source, cache)
    for number, row in enumerate(_rows(dataset, mapping.needed(columns)), 1):
        yield number, row, None


def _hub_rows(source: Source, mapping: FieldMapping, cache: str, split: str) -> Iterator[Row]:
    try:
        dataset = load_dataset(source.location, split=split, streaming=True, cache_dir=cache)
    except Exception as exc:  # datasets raises many types for an unreachable or unknown hub id
        raise CorpusError(
            f"cannot load the Hugging Face dataset {source.location!r} (split {split!r}): {exc}. "
            "Reading a hub dataset needs internet access; otherwise pass a local file or folder."
        ) from exc
    columns = dataset.column_names  # None where the hub does not say: then the first row's keys
    rows = _rows(dataset, mapping.needed(columns)) if columns else iter(dataset)
    for number, row in enumerate(rows, 1):
        if number == 1:
            mapping.check(source.name, columns or list(row))
        yield number, dict(row), None


def _source_rows(source: Source, mapping: FieldMapping, split: str) -> Iterator[Row]:
    """The rows of one source, with read failures turned into `CorpusError`."""
    with tempfile.TemporaryDirectory(prefix="corpusmap-datasets-") as cache:
        try:
            if source.kind == "json":
                yield from json_rows(source.location, mapping.encoding)
            elif source.kind == "csv":
                yield from _csv_rows(source, mapping)
            elif source.kind == "parquet":
                yield from _parquet_rows(source, mapping, cache)
            else:
                yield from _hub_rows(source, mapping, cache, split)
        except UnicodeDecodeError as exc:  # a hub dataset's text (local text is marked)
            raise CorpusError(f"{source.name} is not valid text ({exc.reason})") from exc
        except (pa.ArrowException, OSError) as exc:
            raise CorpusError(f"cannot read {source.name}: {exc}") from exc


def _document(
    source: Source, number: int, row: dict[str, Any], prefix_row_ids: bool, mapping: FieldMapping
) -> Document:
    """The document of one row; raises `RowError` (also for a value nested too deep to walk)."""
    check_encoding(row, [mapping.id_field, *mapping.columns()], mapping.encoding)
    try:
        if mapping.id_field == ROW_NUMBER_ID:
            doc_id = f"{source.stem}:{number}" if prefix_row_ids else str(number)
        else:
            doc_id = clean_id(row.get(mapping.id_field))
        return build_document(row, doc_id, mapping)
    except RecursionError:
        raise RowError("wrong type", "a value nested too deeply") from None


def read_corpus(
    sources: Sequence[str | Path],
    mapping: FieldMapping,
    report: ReadReport,
    *,
    split: str = "train",
    limit: int | None = None,
) -> Iterator[Document]:
    """Stream the valid documents of `sources`, counting every row in `report`.

    `sources` are files, folders (their supported files, sorted), glob patterns or
    Hugging Face hub dataset ids ("owner/name", read from `split`). Rows with a missing
    or bad id, no text, an unparseable date, an id already seen (the first one wins)
    or malformed syntax are skipped and counted. `limit` caps the documents yielded.
    Raises `CorpusError` (`PresetError` for a mapping that does not fit) when a source
    cannot be read at all: at once for local files, on iteration for hub datasets.
    """
    resolved = resolve_sources(sources, mapping)
    for source in resolved:
        if columns := _columns(source, mapping):  # None for JSON Lines, [] for an empty file
            mapping.check(source.name, columns)
    return _read(resolved, mapping, report, split, limit)


def _read(
    sources: list[Source], mapping: FieldMapping, report: ReadReport, split: str, limit: int | None
) -> Iterator[Document]:
    seen: set[str] = set()
    for source in sources if limit is None or limit > 0 else []:
        for number, row, bad in _source_rows(source, mapping, split):
            report.rows_seen += 1
            try:
                if row is None:
                    raise bad or RowError("malformed row")
                document = _document(source, number, row, len(sources) > 1, mapping)
                if document.id in seen:
                    raise RowError("duplicate id", document.id)
            except RowError as problem:
                report.add(RowProblem(source.name, number, problem.reason, problem.detail))
                continue
            seen.add(document.id)
            report.valid += 1
            yield document
            if limit is not None and len(seen) >= limit:
                return
