"""Field mappings: the named presets, and how a mapping turns one row into a `Document`.

A row is a plain dict of cell values as a reader yields it (strings for CSV, typed
values for Parquet, JSON Lines and hub datasets). Cells that make a row unusable
raise `RowError`, which the reader counts and reports instead of stopping.
"""

from __future__ import annotations

import codecs
import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpusmap.documents import Document
from corpusmap.errors import PresetError
from indexer.reading.cells import (
    RowError,
    clean_id,
    fold_values,
    is_cpc_column,
    is_one,
    json_value,
    parse_date,
    text_value,
)

__all__ = ["FORMATS", "NULL_VALUES", "PRESETS", "ROW_NUMBER_ID", "FieldMapping", "RowError"]
__all__ += ["build_document", "clean_id", "mapping_from_options", "parse_date"]

ROW_NUMBER_ID = "@row"
"""An `id_field` value meaning: use the 1-based row number as the id."""

FORMATS = ("csv", "json", "parquet")
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


def build_document(row: Mapping[str, Any], doc_id: str, mapping: FieldMapping) -> Document:
    """The document a row makes under `mapping`, its id already checked; raises `RowError`."""

    def cell(name: str | None) -> Any:
        value = row.get(name) if name else None
        is_null = isinstance(value, str) and value.strip() in mapping.null_values
        return None if is_null else value

    parts = (text_value(cell(name), name) for name in mapping.text_fields)
    text = "\n\n".join(part for part in parts if part)
    if not text:
        raise RowError("missing text")
    cpc = [v for name in mapping.cpc_fields for v in fold_values(cell(name), name)]
    if mapping.cpc_onehot:
        cpc += [k for k, v in row.items() if is_cpc_column(k) and is_one(v)]
    labels = [v for name in mapping.label_fields for v in fold_values(cell(name), name)]
    title = mapping.title_field
    return Document(
        id=doc_id,
        text=text,
        title=text_value(cell(title), title) if title else "",
        date=parse_date(cell(mapping.date_field)),
        cpc=tuple(dict.fromkeys(cpc)),
        labels=tuple(dict.fromkeys(labels)),
        metadata={name: json_value(cell(name)) for name in mapping.metadata_fields},
    )
