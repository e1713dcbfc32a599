"""Search hits as CSV or JSON Lines lines, streamed to a download."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict

from corpusmap.search.engine import SearchHit

#: Columns of a CSV export, in order (lists joined with "; ").
CSV_COLUMNS = [
    "rank",
    "id",
    "score",
    "score_kind",
    "title",
    "date",
    "cpc",
    "labels",
    "topic",
    "topic_label",
    "snippet",
]


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def export_lines(hits: Sequence[SearchHit], kind: str) -> Iterator[str]:
    """The lines of an export of `hits`, best first: a header and a row per hit (csv)
    or one JSON object per hit (jsonl)."""
    if kind == "csv":
        yield _csv_line(CSV_COLUMNS)
    for rank, hit in enumerate(hits, start=1):
        row = {"rank": rank, **asdict(hit)}
        row.pop("snippet_marks")
        if kind == "jsonl":
            yield json.dumps(row, ensure_ascii=False) + "\n"
        else:
            cells = {**row, "cpc": "; ".join(hit.cpc), "labels": "; ".join(hit.labels)}
            yield _csv_line([cells[c] for c in CSV_COLUMNS])
