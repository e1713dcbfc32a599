"""Small corpora cut from the shared AG News file, with explicit ids, for build tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

AG_NEWS = SHARED_DATA / "topics" / "ag_news_test.csv"
#: How the cut files map onto documents (`corpusmap index` options).
NEWS_OPTIONS = {
    "id_field": "id",
    "text_fields": ["title", "description"],
    "title_field": "title",
    "label_fields": ["label"],
}


def write_news(path: Path, first: int, count: int) -> Path:
    """Rows `first .. first + count - 1` of AG News as a CSV with ids `n<row>`."""
    if not AG_NEWS.exists():
        pytest.skip(f"shared AG News data not found at {AG_NEWS}")
    with open(AG_NEWS, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))[first : first + count]
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "title", "description", "label"])
        for number, row in enumerate(rows, start=first):
            writer.writerow([f"n{number}", row["title"], row["description"], row["label"]])
    return path


def news_cli_args(path: Path, collection: str) -> list[str]:
    """`corpusmap index` arguments for a cut file."""
    return [
        "index",
        str(path),
        "--collection",
        collection,
        "--id-field",
        "id",
        "--text-field",
        "title",
        "--text-field",
        "description",
        "--title-field",
        "title",
        "--label-field",
        "label",
    ]
