"""Milvus filter expressions built safely from typed user values.

Milvus Lite 2.5 has no `filter_params` templating, so expressions are strings.
The rules: field names come from this module only; operators are never taken
from users; numbers are formatted from ints; strings are checked against a
strict pattern where one exists (CPC codes) and otherwise quoted as JSON string
literals, which Milvus' parser reads back exactly (quotes, backslashes,
apostrophes and non-ASCII round-trip; this was tested against Milvus Lite
2.5.1). Control characters do not round-trip, so values holding them are
refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from corpusmap.documents import date_to_int
from corpusmap.errors import UnsafeFilterValueError

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # not encodable: the expression would fail
# A CPC section ("G") or subclass ("G06F"): the levels stored per document.
_CPC_CODE = re.compile(r"^[A-HY](\d\d[A-Z])?$")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

MetadataValue = str | int | float | bool


def quotable(value: str) -> bool:
    """Whether `string_literal` can quote a value (no document id or label holds one
    it cannot: the reader refuses control characters in ids)."""
    return not (_CONTROL_CHARS.search(value) or _LONE_SURROGATE.search(value))


def string_literal(value: str) -> str:
    """A Milvus string literal that denotes exactly `value`, or an error."""
    if _CONTROL_CHARS.search(value):
        raise UnsafeFilterValueError("filter values may not contain control characters")
    if _LONE_SURROGATE.search(value):
        raise UnsafeFilterValueError("filter values may not contain lone surrogates")
    return json.dumps(value, ensure_ascii=False)


def string_list_literal(values: Iterable[str]) -> str:
    """A Milvus list literal of strings, each quoted by `string_literal`."""
    return "[" + ", ".join(string_literal(v) for v in values) + "]"


def normalize_cpc(code: str) -> str:
    """A CPC section or subclass in canonical form, or `UnsafeFilterValueError`."""
    canonical = code.strip().upper()
    if not _CPC_CODE.match(canonical):
        raise UnsafeFilterValueError(
            f"CPC filter {code[:40]!r} is not a CPC section (e.g. 'G') or subclass (e.g. 'G06F')"
        )
    return canonical


def value_literal(value: MetadataValue) -> str:
    """A Milvus literal for a typed scalar (bool before int: bool is an int in Python)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:  # Milvus integers are 64-bit
            raise UnsafeFilterValueError("metadata filter integers must fit in 64 bits")
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsafeFilterValueError("metadata filter numbers must be finite")
        return repr(float(value))
    return string_literal(str(value))


def check_metadata_field(name: str, allowed: Collection[str] | None = None) -> str:
    """A metadata field name that may be filtered on (a plain name, on the allowlist)."""
    if not _FIELD_NAME.match(name) or (allowed is not None and name not in allowed):
        listed = ", ".join(sorted(allowed)) if allowed else "none configured"
        raise UnsafeFilterValueError(
            f"metadata field {name[:40]!r} cannot be filtered on (allowed: {listed}; "
            "set CORPUSMAP_METADATA_FILTER_FIELDS)"
        )
    return name


def doc_ids_filter(ids: Sequence[str]) -> str:
    """An expression matching documents by id (pymilvus' get() does not quote ids)."""
    return f"doc_id in {string_list_literal(ids)}"


@dataclass(frozen=True)
class SearchFilters:
    """Typed filters of a search; every field is optional and they combine with AND.

    `cpc` matches documents that carry any of the given sections or subclasses,
    `labels` any of the given labels; `metadata` maps metadata field names (which
    the caller has checked against its allowlist, see `check_metadata_field`) to
    the value they must equal.
    """

    topic: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    cpc: Sequence[str] = field(default_factory=tuple)
    labels: Sequence[str] = field(default_factory=tuple)
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)

    def expression(self) -> str:
        """The Milvus boolean expression for these filters ('' when there are none)."""
        parts: list[str] = []
        if self.topic is not None:
            parts.append(f"topic == {int(self.topic)}")
        if self.date_from is not None:
            parts.append(f"date >= {date_to_int(self.date_from)}")
        if self.date_to is not None:
            # 0 means 'no date': an upper bound must not match undated documents.
            parts.append(f"(date > 0 and date <= {date_to_int(self.date_to)})")
        if self.cpc:
            parts.append(_cpc_expression(self.cpc))
        if self.labels:
            parts.append(f"ARRAY_CONTAINS_ANY(labels, {string_list_literal(self.labels)})")
        for name, value in sorted(self.metadata.items()):
            key = string_literal(check_metadata_field(name))
            parts.append(f"metadata[{key}] == {value_literal(value)}")
        return " and ".join(parts)


def _cpc_expression(codes: Sequence[str]) -> str:
    """Any-of over CPC sections and subclasses, each against its own array field."""
    canonical = sorted({normalize_cpc(c) for c in codes})
    sections = [c for c in canonical if len(c) == 1]
    subclasses = [c for c in canonical if len(c) == 4]
    clauses = []
    if sections:
        clauses.append(f"ARRAY_CONTAINS_ANY(cpc_sections, {string_list_literal(sections)})")
    if subclasses:
        clauses.append(f"ARRAY_CONTAINS_ANY(cpc, {string_list_literal(subclasses)})")
    return "(" + " or ".join(clauses) + ")"
