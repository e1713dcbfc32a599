"""Small corpora cut from the shared AG News file, with explicit ids, for build tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.load import AG_NEWS, news_cli_args
from bench.load import write_news as bench_write_news

__all__ = ["AG_NEWS", "NEWS_OPTIONS", "news_cli_args", "write_news", "write_news_of_labels"]
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
    return bench_write_news(path, first, count)


def write_news_of_labels(path: Path, labels: list[str], per_label: int) -> Path:
    """The first `per_label` AG News stories of each label, ids `n<row>`, labels in turn."""
    if not AG_NEWS.exists():
        pytest.skip(f"shared AG News data not found at {AG_NEWS}")
    with open(AG_NEWS, newline="", encoding="utf-8") as source:
        rows = list(enumerate(csv.DictReader(source)))
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "title", "description", "label"])
        for label in labels:
            picked = [(n, r) for n, r in rows if r["label"] == label][:per_label]
            writer.writerows([f"n{n}", r["title"], r["description"], label] for n, r in picked)
    return path
