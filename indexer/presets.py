"""Field mappings: the named presets, and how a mapping turns one row into a `Document`.

A row is a plain dict of cell values as a reader yields it (strings for CSV, typed
values for Parquet, JSON Lines and hub datasets). Cells that make a row unusable
raise `RowError`, which the reader counts and reports instead of stopping.
"""

from __future__ import annotations

import ast
import codecs
import copy
import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from corpusmap.documents import Document
from corpusmap.errors import PresetError

ROW_NUMBER_ID = "@row"
"""An `id_field` value meaning: use the 1-based row number as the id."""

FORMATS = ("csv", "json", "parquet")
_CPC_SUBCLASS = re.compile(r"[A-HY]\d\d[A-Z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INTEGRAL = re.compile(r"\d+\.0+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ONE = frozenset({"1", "1.0", "true", "True"})
NULL_VALUES = ("NULL", "null", "None", "NaN", "nan", "N/A", "n/a", "#N/A", "<NA>")
"""Cell texts that mean "no value" in every field but the id (CSV exports write them)."""


@dataclass
class FieldMapping:
    """Which fields of a corpus make each part of a `Document`."""

    id_field: str
    text_fields: list[str]
    title_field: str | None = None
    date_field: str | None = None
    label_fields: list[str] = field(default_factory=list)
    cpc_fields: list[str] = field(default_factory=list)
    cpc_onehot: bool = False
    metadata_fields: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    format: str | None = None
    file_pattern: str = "*"
    """Which files of a folder source are read (an fnmatch pattern on the file name)."""
    null_values: tuple[str, ...] = NULL_VALUES
    """Whole-cell texts read as missing values (ids excepted)."""

    def columns(self) -> list[str]:
        """Every field the mapping names, in order, without duplicates or `@row`."""
        names = [self.id_field, *self.text_fields, self.title_field, self.date_field]
        names += [*self.label_fields, *self.cpc_fields, *self.metadata_fields]
        return [n for n in dict.fromkeys(names) if n and n != ROW_NUMBER_ID]

    def needed(self, columns: list[str]) -> list[str]:
        """The `columns` a row needs: those the mapping names, and one-hot CPC columns."""
        onehot = [c for c in columns if self.cpc_onehot and is_cpc_column(c)]
        return [c for c in dict.fromkeys([*self.columns(), *onehot]) if c in columns]

    def check(self, source: str, columns: list[str]) -> None:
        """Raise `PresetError` when the mapping names fields that `columns` lack."""
        if missing := [name for name in self.columns() if name not in columns]:
            shown = ", ".join(columns[:40]) + (", ..." if len(columns) > 40 else "")
            raise PresetError(f"{source} has no field(s) {', '.join(missing)}; it has: {shown}")


PRESETS: dict[str, FieldMapping] = {
    "patentsberta-claims": FieldMapping(
        id_field="id", text_fields=["text"], date_field="date", cpc_onehot=True
    ),
    "patentsberta-cpc1400": FieldMapping(
        id_field="patent_id",
        text_fields=["text"],
        cpc_fields=["group_id"],
        metadata_fields=["category", "subgroup_id"],
        encoding="latin-1",
    ),
    "patentsview-abstracts": FieldMapping(
        id_field="patent_number",
        text_fields=["patent_title", "patent_abstract"],
        title_field="patent_title",
        date_field="patent_date",
    ),
    "beir": FieldMapping(
        id_field="_id",
        text_fields=["title", "text"],
        title_field="title",
        file_pattern="corpus.jsonl",
    ),
    "ag-news": FieldMapping(
        id_field=ROW_NUMBER_ID,
        text_fields=["title", "description"],
        title_field="title",
        label_fields=["label"],
    ),
}


def _names(values: list[str] | None) -> list[str] | None:
    """Field names as given, with comma-separated items split (`["a,b"]` -> `["a", "b"]`)."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def mapping_from_options(
    preset: str | None,
    id_field: str | None,
    text_fields: list[str] | None,
    title_field: str | None,
    date_field: str | None,
    label_fields: list[str] | None,
    metadata_fields: list[str] | None,
    encoding: str | None,
) -> FieldMapping:
    """A mapping from a preset and/or explicit options; explicit options override the preset.

    Without a preset, `id_field` and `text_fields` are required. List options may hold
    comma-separated names. Raises `PresetError` for an unknown preset, a missing
    required option or an unknown encoding.
    """
    texts, labels, meta = _names(text_fields), _names(label_fields), _names(metadata_fields)
    if preset is not None:
        if preset not in PRESETS:
            raise PresetError(f"unknown preset {preset!r}; known presets: {', '.join(PRESETS)}")
        mapping = copy.deepcopy(PRESETS[preset])
    else:
        missing = [n for n, v in (("id_field", id_field), ("text_fields", texts)) if not v]
        if missing:
            raise PresetError(
                f"without a preset, {' and '.join(missing)} must be given "
                f"(or use a preset: {', '.join(PRESETS)})"
            )
        mapping = FieldMapping(id_field="", text_fields=[])
    mapping.id_field = (id_field or mapping.id_field).strip()
    mapping.text_fields = texts or mapping.text_fields
    mapping.title_field = title_field if title_field is not None else mapping.title_field
    mapping.date_field = date_field if date_field is not None else mapping.date_field
    mapping.label_fields = labels if labels is not None else mapping.label_fields
    mapping.metadata_fields = meta if meta is not None else mapping.metadata_fields
    mapping.encoding = encoding or mapping.encoding
    try:
        codecs.lookup(mapping.encoding)
    except LookupError as exc:
        raise PresetError(f"unknown encoding {mapping.encoding!r}") from exc
    return mapping


class RowError(Exception):
    """A row that cannot become a document; `reason` is one of the report's reasons."""

    def __init__(self, reason: str, detail: Any = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = str(detail)[:80]


@lru_cache(maxsize=8192)
def is_cpc_column(name: str) -> bool:
    """Whether a column is named like a CPC subclass ("A61K"), as one-hot columns are."""
    return _CPC_SUBCLASS.fullmatch(name) is not None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _scalar_text(value: Any) -> str:
    """A cell as stripped text; integral floats lose their ".0"; missing cells are ""."""
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def clean_id(value: Any) -> str:
    """A document id from a cell: stripped text, "1234.0" -> "1234"; raises `RowError`."""
    if isinstance(value, list | tuple | dict):
        raise RowError("bad id", value)
    text = _scalar_text(value)
    if not text:
        raise RowError("missing id")
    if _CONTROL.search(text):
        raise RowError("bad id", repr(text))
    return text.split(".")[0] if _INTEGRAL.fullmatch(text) else text


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell, or None when the cell is empty; raises `RowError("bad date")`.

    Accepted: date/datetime values, ISO dates ("2015-03-17", optionally followed by a
    time such as " 00:00:00"), yyyymmdd numbers or strings, and "03/17/2015".
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise RowError("bad date", value)
    text = _scalar_text(value)
    if not text:
        return None
    try:
        if match := _ISO_DATE.fullmatch(text):
            if match.group(4):
                dt.time.fromisoformat(match.group(4))
            year, month, day = match.group(1, 2, 3)
        elif match := _COMPACT_DATE.fullmatch(text):
            year, month, day = match.group(1, 2, 3)
        elif match := _US_DATE.fullmatch(text):
            month, day, year = match.group(1, 2, 3)
        else:
            raise ValueError(text)
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise RowError("bad date", value) from exc


def fold_values(value: Any) -> Iterator[str]:
    """The labels in a cell: a scalar, a list, or a list written as text ("['Y10T']")."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]") and len(text) < 100_000:
            value = _parse_list(text)
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        for item in items if isinstance(items, list | tuple) else [items]:
            yield from fold_values(item)
        return
    if text := _scalar_text(value):
        yield text


def _parse_list(text: str) -> Any:
    """A Python or JSON list literal, or the text itself when it is neither."""
    for parse in (ast.literal_eval, json.loads):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return text


def json_value(value: Any) -> Any:
    """A cell as a JSON-able value: NaN -> None, dates as ISO text, arrays as lists."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if hasattr(value, "tolist"):
        return json_value(value.tolist())
    return str(value)


def build_document(row: Mapping[str, Any], doc_id: str, mapping: FieldMapping) -> Document:
    """The document a row makes under `mapping`, its id already checked; raises `RowError`."""

    def cell(name: str | None) -> Any:
        value = row.get(name) if name else None
        is_null = isinstance(value, str) and value.strip() in mapping.null_values
        return None if is_null else value

    parts = (_scalar_text(cell(name)) for name in mapping.text_fields)
    text = "\n\n".join(part for part in parts if part)
    if not text:
        raise RowError("missing text")
    cpc = [v for name in mapping.cpc_fields for v in fold_values(cell(name))]
    if mapping.cpc_onehot:
        cpc += [k for k, v in row.items() if is_cpc_column(k) and _is_one(v)]
    labels = [v for name in mapping.label_fields for v in fold_values(cell(name))]
    return Document(
        id=doc_id,
        text=text,
        title=_scalar_text(cell(mapping.title_field)),
        date=parse_date(cell(mapping.date_field)),
        cpc=tuple(dict.fromkeys(cpc)),
        labels=tuple(dict.fromkeys(labels)),
        metadata={name: json_value(cell(name)) for name in mapping.metadata_fields},
    )


def _is_one(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() in _ONE
    return value is True or (isinstance(value, int | float) and value == 1)
