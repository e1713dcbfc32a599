"""Single cells of a corpus row turned into typed values, or a `RowError` saying why not.

Cells come as readers yield them: strings for CSV; typed values (numbers, lists,
objects, dates, bytes) for JSON Lines, Parquet and hub datasets. Each function
here accepts the types that have one obvious meaning and refuses the rest with a
reason the read report counts, so a wrong type never turns into a wrong document
(a list's Python repr indexed as text, `True` as an id).
"""

from __future__ import annotations

import ast
import codecs
import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from corpusmap.store.schema import ID_MAX_BYTES

_CPC_SUBCLASS = re.compile(r"[A-HY]\d\d[A-Z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INTEGRAL = re.compile(r"\d+\.0+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ONE = frozenset({"1", "1.0", "true", "True"})
_SCALARS = (str, int, float, Decimal)

# Undecodable bytes in a streamed file (CSV, UTF-16 JSON Lines) become a marker
# (U+FDD0/U+FDD1 are Unicode noncharacters, reserved for a program's internal use) so
# that one bad row is counted and skipped instead of failing the whole file. (Python's
# "surrogateescape" would be unforgeable, but cannot mark bytes below 0x80, as a bad
# UTF-16 pair holds; a row with a forged marker is only skipped, and counted.)
BAD_BYTES_ERRORS = "corpusmap-mark-bad-bytes"
_BAD_BYTES = re.compile("\ufdd0corpusmap-bad-bytes:([0-9a-f]+)\ufdd1")
# Lone surrogates (JSON "\ud800" escapes, marked bytes) cannot be encoded as UTF-8,
# so neither the tokenizer nor Milvus can take them.
_SUSPECT = re.compile("[\ufdd0\ud800-\udfff]")


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: undecodable bytes become a marker naming them in hex."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return f"\ufdd0corpusmap-bad-bytes:{exc.object[exc.start : exc.end].hex()}\ufdd1", exc.end


codecs.register_error(BAD_BYTES_ERRORS, _mark_bad_bytes)


class RowError(Exception):
    """A row that cannot become a document; `reason` is one of the report's reasons."""

    def __init__(self, reason: str, detail: Any = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = str(detail)[:80]


Row = tuple[int, dict[str, Any] | None, RowError | None]
"""What a reader yields per row: (row number, the row or None when it is bad, why)."""


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


def _decoded(value: Any, name: str) -> Any:
    """Bytes (Parquet binary columns) as UTF-8 text; anything else as it is."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise RowError("bad encoding", f"{name}: binary value is not utf-8 text") from None


def text_problem(text: str, encoding: str) -> str | None:
    """What makes `text` unusable (undecodable bytes, a lone surrogate), or None."""
    if text.isascii():
        return None
    for match in _SUSPECT.finditer(text):
        if match.group() != "\ufdd0":
            return f"lone surrogate U+{ord(match.group()):04X}"
        if marked := _BAD_BYTES.match(text, match.start()):
            return f"bytes {marked.group(1)[:16]} are not {encoding}"
        # else a noncharacter that is in the data itself, not a marker: allowed
    return None


def check_encoding(row: Mapping[str, Any], names: Iterable[str], encoding: str) -> None:
    """Raise `RowError("bad encoding")` when a string in the named cells cannot be used.

    Nested lists and objects are walked with a stack, not recursion, so any depth
    that the JSON parser accepted is safe here.
    """
    for name in names:
        stack = [row.get(name)]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                if problem := text_problem(value, encoding):
                    raise RowError("bad encoding", f"{name}: {problem}")
            elif isinstance(value, Mapping):
                stack += [*value.keys(), *value.values()]
            elif isinstance(value, list | tuple):
                stack += value


def text_value(value: Any, name: str) -> str:
    """A text cell as stripped text ("" when missing): a string, a number, or UTF-8 bytes."""
    value = _decoded(value, name)
    if isinstance(value, bool) or not (_missing(value) or isinstance(value, _SCALARS)):
        raise RowError("wrong type", f"{name} holds a {type(value).__name__}, not text")
    return _scalar_text(value)


def clean_id(value: Any) -> str:
    """A document id from a cell: stripped text, "1234.0" -> "1234"; raises `RowError`."""
    value = _decoded(value, "id")
    if isinstance(value, bool) or not (_missing(value) or isinstance(value, _SCALARS)):
        raise RowError("bad id", value)
    if isinstance(value, float) and math.isinf(value):
        raise RowError("bad id", value)
    text = _scalar_text(value)
    if not text:
        raise RowError("missing id")
    if _CONTROL.search(text):
        raise RowError("bad id", repr(text))
    if len(text.encode("utf-8", "surrogatepass")) > ID_MAX_BYTES:
        raise RowError("bad id", f"longer than {ID_MAX_BYTES} bytes: {text[:40]!r}")
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
    if isinstance(value, bool) or not (_missing(value) or isinstance(value, _SCALARS)):
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


def fold_values(value: Any, name: str = "labels") -> Iterator[str]:
    """The labels in a cell: a scalar, a list, or a list written as text ("['Y10T']").

    Nested lists are flattened; an object (JSON `{}`) is not a label: `RowError`.
    """
    stack = [value]
    while stack:
        item = _decoded(stack.pop(), name)
        if isinstance(item, str):
            text = item.strip()
            if text.startswith("[") and text.endswith("]") and len(text) < 100_000:
                item = _parse_list(text)
        if isinstance(item, Mapping):
            raise RowError("wrong type", f"{name} holds an object, not labels")
        if hasattr(item, "tolist"):  # numpy arrays, where a hub dataset is numpy-formatted
            item = item.tolist()
        if isinstance(item, list | tuple):
            stack += reversed(item)  # popped in their own order
        elif text := _scalar_text(item):
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
    """A cell as a JSON-able value: NaN -> None, dates as ISO text, arrays as lists,
    bytes as their UTF-8 text (`RowError` when they are not UTF-8)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes):
        return _decoded(value, "metadata")
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


def is_one(value: Any) -> bool:
    """Whether a one-hot cell is set (1, true, "1", "1.0", "true")."""
    if isinstance(value, str):
        return value.strip() in _ONE
    return value is True or (isinstance(value, int | float) and value == 1)
