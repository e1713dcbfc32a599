"""Which files and hub datasets a list of corpus sources names, and in which format."""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from corpusmap.errors import CorpusError, PresetError
from indexer.reading.presets import FORMATS, FieldMapping

EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json"}
EXTENSIONS |= {".ndjson": "json", ".parquet": "parquet"}
_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


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
