"""The records that flow through corpusmap: a corpus's `Document`, a search's `Hit`."""

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


@dataclass(frozen=True)
class Hit:
    """One document found: its best passage's stored fields and the search's score.

    What the score is depends on the search mode (`corpusmap.config.SCORE_KINDS`): a
    cosine similarity (dense), a BM25 score (keyword, unbounded) or a fused score
    (hybrid: a weighted sum of min-max normalised scores in 0-1, or a reciprocal-rank
    score).
    """

    score: float
    fields: dict[str, Any]


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
