"""A small corpus with structure gets topics: the default smallest size shrinks to fit."""

from __future__ import annotations

from pathlib import Path

from corpusmap.builds.publishing import open_published
from corpusmap.config import MAX_OUTLIER_SHARE, Settings
from corpusmap.topics.fit import default_min_topic_size, fit_topics
from indexer.cli.commands import IndexOptions, run_index
from indexer.pipeline.load import read_stored_vectors
from tests.helpers.news import NEWS_OPTIONS, write_news_of_labels


def test_80_stories_of_two_labels_get_topics_within_the_outlier_budget(tmp_path: Path):
    # Business (3) and Sci/Tech (4): at the default size 10 every story was an outlier.
    corpus = write_news_of_labels(tmp_path / "news.csv", ["3", "4"], 40)
    settings = Settings(data_dir=tmp_path / "data")
    options = IndexOptions(sources=[str(corpus)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]
    topics = run_index(settings, options)["topics"]
    assert topics["topics"] >= 2
    assert topics["outlier_share"] <= MAX_OUTLIER_SHARE
    assert topics["min_topic_size"] < default_min_topic_size(80)

    with open_published(settings, "news") as (store, name):
        ids, texts, vectors = read_stored_vectors(store, name, progress=False)
    asked = fit_topics(ids, texts, vectors, min_topic_size=10)
    assert asked.params.min_topic_size == 10  # a size asked for is kept as it is
