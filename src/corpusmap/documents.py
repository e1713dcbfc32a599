"""The document record that flows from a corpus reader to the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One valid document of a corpus.

    `id` is unique within a corpus; `text` is what gets embedded (already joined
    from several fields where a mapping says so); `cpc` holds classification
    codes (CPC subclasses such as "G06F" for patents) and `labels` any other
    class labels; `metadata` carries extra fields as JSON-able values.
    """

    id: str
    text: str
    title: str = ""
    date: dt.date | None = None
    cpc: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


def date_to_int(value: dt.date | None) -> int:
    """A date as the yyyymmdd integer stored in Milvus (0 when unknown)."""
    if value is None:
        return 0
    return value.year * 10000 + value.month * 100 + value.day


def int_to_date(value: int) -> dt.date | None:
    """The inverse of `date_to_int`."""
    if value <= 0:
        return None
    return dt.date(value // 10000, value // 100 % 100, value % 100)
