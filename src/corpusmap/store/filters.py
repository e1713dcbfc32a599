"""Milvus filter expressions built safely from typed user values.

A `Filter` carries an expression whose user values are placeholders (`topic ==
{p0}`, `doc_id in {p1}`) together with those values (`params`), so a Milvus server
that takes `filter_params` (Milvus 2.5 and later; `corpusmap.store.templating`
decides per connection) gets no user value in the expression string at all. Where
templating is not available (Milvus Lite 2.5.1, the milvus-lite 3.2.2 test
server) the same filter is sent as `Filter.spliced()`: each placeholder replaced by
a quoted literal.

The rules: field names come from this module only; operators are never taken
from users; numbers are formatted from ints; strings are checked against a
strict pattern where one exists (CPC codes) and otherwise quoted as JSON string
literals, which Milvus' parser reads back exactly (quotes, backslashes,
apostrophes and non-ASCII round-trip; this was tested against Milvus Lite
2.5.1). Control characters do not round-trip, so values holding them are
refused rather than guessed at, in both forms: a filter means the same on every
store.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from corpusmap.documents import date_to_int
from corpusmap.errors import UnsafeFilterValueError

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # not encodable: the expression would fail
# A CPC section ("G") or subclass ("G06F"): the levels stored per document.
_CPC_CODE = re.compile(r"^[A-HY](\d\d[A-Z])?$")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PLACEHOLDER = re.compile(r"\{(p\d+)\}")

MetadataValue = str | int | float | bool
#: What a placeholder stands for: a scalar, or a list of strings (`in`, `ARRAY_CONTAINS_ANY`).
ParamValue = MetadataValue | tuple[str, ...]
Comparison = Literal["==", "!=", "<", "<=", ">", ">="]
_COMPARISONS = frozenset(get_args(Comparison))


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


def param_literal(value: ParamValue) -> str:
    """The Milvus literal of a placeholder's value (the spliced form), or an error."""
    if isinstance(value, tuple):
        return string_list_literal(value)
    return value_literal(value)


@dataclass(frozen=True)
class Filter:
    """A filter expression with placeholders for every user value, and their values.

    `expr` is code-built text plus `{pN}` placeholders only (no other braces), each
    named in `params`; `spliced()` is the same filter with quoted literals instead.
    """

    expr: str = ""
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = _PLACEHOLDER.findall(self.expr)
        bare = _PLACEHOLDER.sub("", self.expr)
        if "{" in bare or "}" in bare or set(names) != set(self.params):
            raise ValueError(f"malformed filter template {self.expr[:80]!r}")

    def spliced(self) -> str:
        """The expression with each placeholder replaced by its quoted literal."""
        literals = {name: param_literal(value) for name, value in self.params.items()}
        return _PLACEHOLDER.sub(lambda m: literals[m.group(1)], self.expr)

    def filter_params(self) -> dict[str, Any]:
        """`params` as pymilvus takes them (lists for tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}


class _Params:
    """Placeholders of one filter being built: each value checked, then named `pN`."""

    def __init__(self) -> None:
        self.values: dict[str, ParamValue] = {}

    def __call__(self, value: ParamValue) -> str:
        param_literal(value)  # refused here, whichever form is sent later
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "{" + name + "}"


def as_filter(where: Filter | str) -> Filter:
    """`where` as a `Filter`; a plain string must be built by corpusmap from code only."""
    return where if isinstance(where, Filter) else Filter(where)


def all_of(*clauses: Filter | str) -> Filter:
    """The AND of filters (empty ones left out), placeholders renamed apart."""
    exprs: list[str] = []
    params: dict[str, ParamValue] = {}
    for clause in map(as_filter, clauses):
        if clause.expr:
            exprs.append(_renumbered(clause, len(params), params))
    return Filter(" and ".join(exprs), params)


def _renumbered(clause: Filter, first: int, into: dict[str, ParamValue]) -> str:
    """`clause.expr` with its placeholders renamed from `p{first}` on, their values
    added to `into` under the new names."""
    names = {old: f"p{first + n}" for n, old in enumerate(clause.params)}
    into.update({names[old]: value for old, value in clause.params.items()})
    return _PLACEHOLDER.sub(lambda m: "{" + names[m.group(1)] + "}", clause.expr)


def compared(field_name: str, op: Comparison, value: MetadataValue) -> Filter:
    """`field op value`: the field and operator from code, the value a placeholder."""
    if op not in _COMPARISONS:
        raise ValueError(f"not a comparison: {op!r}")
    param = _Params()
    return Filter(f"{field_name} {op} {param(value)}", param.values)


def field_in(field_name: str, values: Iterable[str]) -> Filter:
    """`field in [values]`: `field_name` from code, the values a placeholder."""
    param = _Params()
    return Filter(f"{field_name} in {param(tuple(values))}", param.values)


def doc_ids_filter(ids: Sequence[str]) -> Filter:
    """A filter matching documents by id (pymilvus' get() does not quote ids)."""
    return field_in("doc_id", ids)


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
        """The Milvus boolean expression for these filters ('' when there are none),
        values spliced in as quoted literals (see `to_filter` for the templated form)."""
        return self.to_filter().spliced()

    def to_filter(self) -> Filter:
        """These filters as a `Filter`: every value a placeholder."""
        param = _Params()
        parts: list[str] = []
        if self.topic is not None:
            parts.append(f"topic == {param(int(self.topic))}")
        if self.date_from is not None:
            parts.append(f"date >= {param(date_to_int(self.date_from))}")
        if self.date_to is not None:
            # 0 means 'no date': an upper bound must not match undated documents.
            parts.append(f"(date > 0 and date <= {param(date_to_int(self.date_to))})")
        if self.cpc:
            parts.append(_cpc_expression(self.cpc, param))
        if self.labels:
            parts.append(f"ARRAY_CONTAINS_ANY(labels, {param(tuple(self.labels))})")
        for name, value in sorted(self.metadata.items()):
            key = string_literal(check_metadata_field(name))  # a checked name, not a value
            parts.append(f"metadata[{key}] == {param(value)}")
        return Filter(" and ".join(parts), param.values)


def _cpc_expression(codes: Sequence[str], param: _Params) -> str:
    """Any-of over CPC sections and subclasses, each against its own array field."""
    canonical = sorted({normalize_cpc(c) for c in codes})
    sections = tuple(c for c in canonical if len(c) == 1)
    subclasses = tuple(c for c in canonical if len(c) == 4)
    clauses = []
    if sections:
        clauses.append(f"ARRAY_CONTAINS_ANY(cpc_sections, {param(sections)})")
    if subclasses:
        clauses.append(f"ARRAY_CONTAINS_ANY(cpc, {param(subclasses)})")
    return "(" + " or ".join(clauses) + ")"
