"""Read a corpus (CSV, JSON Lines, Parquet files, folders, globs or a hub dataset) as documents.

Everything is streamed with `datasets` (`streaming=True`), so memory stays flat in
the corpus size, and builder lock files go to a temporary folder rather than the
Hugging Face cache. Rows that cannot become documents are counted in a `ReadReport`
with their row numbers and skipped; only a corpus that cannot be read at all (no
such file, undecodable text, a mapping naming absent columns) raises `CorpusError`.
"""

from __future__ import annotations

import glob
import json
import re
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatch
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import IterableDataset, load_dataset

from corpusmap.documents import Document
from corpusmap.errors import CorpusError, PresetError
from indexer.presets import (
    FORMATS,
    PRESETS,
    ROW_NUMBER_ID,
    FieldMapping,
    RowError,
    build_document,
    clean_id,
    mapping_from_options,
)

MAX_EXAMPLES = 1000
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json"}
EXTENSIONS |= {".ndjson": "json", ".parquet": "parquet"}
_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
_BAD_LINE = "\x00corpusmap-bad-line\x00"
_BATCH = 1000
Row = tuple[int, dict[str, Any] | None, str]  # (row number, the row or None if malformed, detail)

__all__ = ["PRESETS", "FieldMapping", "ReadReport", "RowProblem", "mapping_from_options"]
__all__ += ["read_corpus", "resolve_sources"]


@dataclass
class RowProblem:
    """One skipped row: where it is, and why it was skipped."""

    source: str
    row: int
    reason: str
    detail: str


@dataclass
class ReadReport:
    """What a read saw: counts of valid and skipped rows, and the first problems."""

    rows_seen: int = 0
    valid: int = 0
    problems_by_reason: Counter[str] = field(default_factory=Counter)
    examples: list[RowProblem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Rows seen that did not become documents."""
        return sum(self.problems_by_reason.values())

    def add(self, problem: RowProblem) -> None:
        """Count a problem; keep it as an example while fewer than `MAX_EXAMPLES` are kept."""
        self.problems_by_reason[problem.reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def summary(self, max_examples: int = 10) -> str:
        """A human-readable account: rows seen, valid, skipped by reason, first problems."""
        lines = [f"rows seen: {self.rows_seen:,}", f"valid: {self.valid:,}"]
        lines.append(f"skipped: {self.skipped:,}")
        lines += [f"  {reason}: {n:,}" for reason, n in self.problems_by_reason.most_common()]
        if self.examples:
            lines.append("first problems:")
        for p in self.examples[:max_examples]:
            lines.append(
                f"  {p.source}:{p.row}: {p.reason}" + (f" ({p.detail})" if p.detail else "")
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data."""
        return {
            "rows_seen": self.rows_seen,
            "valid": self.valid,
            "skipped": self.skipped,
            "problems_by_reason": dict(self.problems_by_reason),
            "examples": [asdict(p) for p in self.examples],
        }


@dataclass(frozen=True)
class Source:
    """One thing to read: a local file of a known format, or a hub dataset."""

    name: str  # file name or dataset id, as problems name it
    location: str  # path or dataset id
    kind: str  # "csv" | "json" | "parquet" | "hub"

    @property
    def stem(self) -> str:
        """The file name without extension (the dataset name for a hub dataset)."""
        return Path(self.location).stem if self.kind != "hub" else self.location.split("/")[-1]


def _format_of(path: Path, mapping: FieldMapping, explicit: bool) -> str | None:
    """The format to read `path` with, or None when it is not a file to read."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if mapping.format and (explicit or by_extension == mapping.format):
        return mapping.format
    return None if mapping.format else by_extension


def _files(paths: Sequence[Path], mapping: FieldMapping, what: str) -> list[Source]:
    found = [(p, _format_of(p, mapping, explicit=False)) for p in sorted(paths) if p.is_file()]
    sources = [Source(p.name, str(p), fmt) for p, fmt in found if fmt]
    if not sources:
        raise CorpusError(f"{what} holds no {mapping.format or 'csv, json or parquet'} files")
    return sources


def resolve_sources(sources: Sequence[str | Path], mapping: FieldMapping) -> list[Source]:
    """The files and hub datasets that `sources` name, in reading order; raises `CorpusError`."""
    if mapping.format not in (None, *FORMATS):
        raise PresetError(f"unknown format {mapping.format!r}; use one of {', '.join(FORMATS)}")
    resolved: list[Source] = []
    for item in sources:
        text, path = str(item), Path(item).expanduser()
        if path.is_dir():
            entries = [p for p in path.iterdir() if fnmatch(p.name, mapping.file_pattern)]
            resolved += _files(entries, mapping, f"folder {text}")
        elif path.is_file():
            fmt = _format_of(path, mapping, explicit=True)
            if fmt is None:
                raise CorpusError(f"cannot tell the format of {text}; give the format explicitly")
            resolved.append(Source(path.name, str(path), fmt))
        elif glob.has_magic(text):
            resolved += _files([Path(p) for p in glob.glob(text)], mapping, f"pattern {text}")
        elif _HUB_ID.fullmatch(text) and path.suffix.lower() not in EXTENSIONS:
            resolved.append(Source(text, text, "hub"))
        else:
            raise CorpusError(f"no such file or folder: {text}")
    if not resolved:
        raise CorpusError("no corpus sources given")
    return resolved


def _csv_options(source: Source, mapping: FieldMapping) -> dict[str, Any]:
    sep = "\t" if source.location.lower().endswith(".tsv") else ","
    return {"sep": sep, "encoding": mapping.encoding, "engine": "python"}


def _columns(source: Source, mapping: FieldMapping) -> list[str] | None:
    """The columns of a local CSV or Parquet file, as pandas and datasets name them."""
    try:
        if source.kind == "parquet":
            return list(pq.read_schema(source.location).names)
        if source.kind == "csv":
            options = _csv_options(source, mapping)
            return [str(c) for c in pd.read_csv(source.location, nrows=0, **options).columns]
    except pd.errors.EmptyDataError:
        return []
    except UnicodeDecodeError as exc:
        raise _encoding_error(source, mapping, exc) from exc
    except (OSError, pa.ArrowException, pd.errors.ParserError) as exc:
        raise CorpusError(f"cannot read {source.location}: {exc}") from exc
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


def _mark_bad_line(width: int, fields: list[str]) -> list[str]:
    """Stand-in for a line with too many fields, so that it keeps its row number."""
    return [_BAD_LINE + ",".join(fields)] + [""] * (width - 1)


def _csv_rows(source: Source, mapping: FieldMapping, cache: str) -> Iterator[Row]:
    header = _columns(source, mapping) or []
    if not header:
        return  # an empty file
    # Every cell as the text it is ("00123" stays "00123", no type guessing that may change
    # between chunks). Not `features=` string columns: pandas 3.1's python engine ignores
    # the `np.object_` dtype that datasets derives from them. The python engine is the one
    # that takes a callable for bad lines.
    dataset = _stream(
        "csv",
        source,
        cache,
        converters=dict.fromkeys(range(len(header)), str),
        keep_default_na=False,
        on_bad_lines=partial(_mark_bad_line, len(header)),
        **_csv_options(source, mapping),
    )
    for number, row in enumerate(_rows(dataset, [*header[:1], *mapping.needed(header)]), 1):
        first = row[header[0]]
        bad = first is not None and first.startswith(_BAD_LINE)
        yield number, None if bad else row, first[len(_BAD_LINE) :] if bad else ""


def _json_rows(source: Source, mapping: FieldMapping, cache: str) -> Iterator[Row]:
    dataset = _stream("text", source, cache, encoding=mapping.encoding)
    for number, row in enumerate(_rows(dataset, ["text"]), 1):
        line = row["text"].lstrip("\ufeff")
        if not line.strip():
            continue  # blank lines are not rows, but still count in the line numbers
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            value = None
        yield (number, value, "") if isinstance(value, dict) else (number, None, line)


def _parquet_rows(source: Source, mapping: FieldMapping, cache: str) -> Iterator[Row]:
    columns = _columns(source, mapping) or []
    dataset = _stream("parquet", source, cache)
    for number, row in enumerate(_rows(dataset, mapping.needed(columns)), 1):
        yield number, row, ""


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
        yield number, dict(row), ""


def _encoding_error(source: Source, mapping: FieldMapping, exc: UnicodeDecodeError) -> CorpusError:
    return CorpusError(
        f"{source.name} is not valid {mapping.encoding} text ({exc.reason} at byte {exc.start}); "
        "give the file's encoding, e.g. encoding='latin-1'"
    )


def _source_rows(source: Source, mapping: FieldMapping, split: str) -> Iterator[Row]:
    """The rows of one source, with read failures turned into `CorpusError`."""
    with tempfile.TemporaryDirectory(prefix="corpusmap-datasets-") as cache:
        try:
            if source.kind == "hub":
                yield from _hub_rows(source, mapping, cache, split)
            else:
                readers = {"csv": _csv_rows, "json": _json_rows, "parquet": _parquet_rows}
                yield from readers[source.kind](source, mapping, cache)
        except UnicodeDecodeError as exc:
            raise _encoding_error(source, mapping, exc) from exc
        except (pd.errors.ParserError, pa.ArrowException, OSError) as exc:
            raise CorpusError(f"cannot read {source.name}: {exc}") from exc


def _document(
    source: Source, number: int, row: dict[str, Any], prefix_row_ids: bool, mapping: FieldMapping
) -> Document:
    """The document of one row; raises `RowError`."""
    if mapping.id_field == ROW_NUMBER_ID:
        doc_id = f"{source.stem}:{number}" if prefix_row_ids else str(number)
    else:
        doc_id = clean_id(row.get(mapping.id_field))
    return build_document(row, doc_id, mapping)


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
        for number, row, detail in _source_rows(source, mapping, split):
            report.rows_seen += 1
            try:
                if row is None:
                    raise RowError("malformed row", detail)
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
