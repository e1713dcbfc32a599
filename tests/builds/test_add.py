"""`index --add`: new documents join the existing topics; drift says when they do not."""

from __future__ import annotations

import csv
from pathlib import Path

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, Partition, load_partition
from corpusmap.config import Settings
from corpusmap.store.schema import row_mixture
from corpusmap.store.topic_store import TopicStore
from indexer.cli.commands import IndexOptions, run_add, run_index
from tests.conftest import CLAIM_FILES, require_shared_data
from tests.helpers.news import NEWS_OPTIONS, write_news


def _options(path: Path) -> IndexOptions:
    return IndexOptions(sources=[str(path)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]


def _claims_as_news(path: Path, count: int) -> Path:
    """Patent claims in the news file layout: documents no news topic fits."""
    require_shared_data()
    with open(CLAIM_FILES[0], newline="", encoding="utf-8") as source:
        rows = [row for _, row in zip(range(count), csv.DictReader(source), strict=False)]
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "title", "description", "label"])
        writer.writerows([f"claim{r['id']}", "", r["text"], "9"] for r in rows)
    return path


def _load(settings: Settings) -> Partition:
    registry = BuildRegistry(settings.data_dir)
    info = registry.current("news")
    partition = load_partition(registry.build_dir("news", info.build_id) / TOPICS_FILE)
    assert partition is not None
    # Every document, added ones too, has a topic mixture led by its topic.
    assert {d: m[0][0] for d, m in partition.mixtures.items()} == partition.assignments
    return partition


def _partition(settings: Settings) -> dict[str, int]:
    return _load(settings).assignments


def test_added_news_fits_the_topics_and_added_claims_drift(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    run_index(settings, _options(write_news(tmp_path / "base.csv", 0, 300)))
    before = _partition(settings)

    more_news = run_add(settings, _options(write_news(tmp_path / "more.csv", 250, 90)))
    assert more_news["added_documents"] == 40  # rows 250-299 are in already: skipped, counted
    assert more_news["read_report"]["problems_by_reason"] == {"id already in collection": 50}
    assert (more_news["documents"], more_news["embedded"]) == (340, 40)
    after = _partition(settings)
    assert {d: after[d] for d in before} == before  # old documents keep their topics
    news_drift = more_news["topics"]["drift"]

    claims = run_add(settings, _options(_claims_as_news(tmp_path / "claims.csv", 30)))
    claims_drift = claims["topics"]["drift"]
    assert claims_drift > settings.drift_threshold >= news_drift
    assert claims["topics"]["refit_suggested"] and not more_news["topics"]["refit_suggested"]

    final = _partition(settings)
    final_mixtures = _load(settings).mixtures
    with open_published(settings, "news") as (store, name):
        assert store.count(name) == 370
        sizes = {t.topic_id: t.size for t in TopicStore(store).list_topics(name)}
        (claim,) = store.get_documents(name, [next(d for d in final if d.startswith("claim"))])
    assert sum(sizes.values()) == 370 == len(final)
    assert claim["topic"] == final[claim["id"]]  # Milvus and the partition agree
    assert row_mixture(claim) == final_mixtures[claim["id"]]  # the mixture too
