"""Stable topic ids across a refit, a rebuild and `--add`, and the changes between builds
(`corpusmap diff`, `GET /collections/{name}/topics/changes`) on the news/claims drift case.

One chain of real builds (real MiniLM, real Milvus Lite), made once for the module:
news indexed, refitted unchanged, indexed again, claims added, refitted, refitted again.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from corpusmap.builds.changes import build_changes
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, Partition, load_partition
from corpusmap.config import Settings
from corpusmap.errors import BuildNotFoundError
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore
from indexer.cli.app import app
from indexer.cli.commands import IndexOptions, run_add, run_index, run_topics
from indexer.pipeline.build import ids_given
from tests.builds.test_add import _claims_as_news
from tests.helpers.news import NEWS_OPTIONS, write_news

CLAIMS = 40


@dataclass
class Chain:
    """The builds of the chain, by step, and their summaries."""

    settings: Settings
    builds: dict[str, str]
    summaries: dict[str, dict]

    def partition(self, step: str) -> Partition:
        registry = BuildRegistry(self.settings.data_dir)
        found = load_partition(registry.build_dir("news", self.builds[step]) / TOPICS_FILE)
        assert found is not None
        return found


def _options(path: Path) -> IndexOptions:
    return IndexOptions(sources=[str(path)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    folder = tmp_path_factory.mktemp("stable")
    settings = Settings(data_dir=folder / "data", keep_builds=10)
    news = _options(write_news(folder / "news.csv", 0, 300))
    summaries = {
        "index": run_index(settings, news),
        "refit": run_topics(settings, "news"),
        "rebuild": run_index(settings, news),  # the embedding cache has them all
        "add": run_add(settings, _options(_claims_as_news(folder / "claims.csv", CLAIMS))),
        "drift_refit": run_topics(settings, "news"),
        "again": run_topics(settings, "news"),
    }
    return Chain(settings, {k: s["build"] for k, s in summaries.items()}, summaries)


def _real_ids(partition: Partition) -> list[int]:
    return sorted(s.topic_id for s in partition.summaries if s.topic_id != OUTLIER_TOPIC)


@pytest.mark.parametrize(
    ("base", "step"), [("index", "refit"), ("index", "rebuild"), ("drift_refit", "again")]
)
def test_a_refit_or_rebuild_of_an_unchanged_corpus_keeps_every_id(
    chain: Chain, base: str, step: str
):
    first, again = chain.partition(base), chain.partition(step)
    assert len(_real_ids(first)) >= 3
    assert again.assignments == first.assignments  # same ids, same members
    assert [(s.topic_id, s.size) for s in again.summaries] == [
        (s.topic_id, s.size) for s in first.summaries
    ]
    ids = chain.summaries[step]["topics"]["ids"]  # recorded in build.json
    assert (ids["kept"], ids["new"], ids["retired"]) == (_real_ids(first), [], [])
    assert again.next_topic_id == first.next_topic_id
    changes = build_changes(
        BuildRegistry(chain.settings.data_dir), "news", chain.builds[base], chain.builds[step]
    )
    assert changes.unchanged == len(_real_ids(first))
    assert not (changes.new or changes.gone or changes.grown or changes.shrunk or changes.split)


def test_add_keeps_the_old_ids(chain: Chain):
    before, after = chain.partition("rebuild"), chain.partition("add")
    assert {d: after.assignments[d] for d in before.assignments} == before.assignments
    assert set(_real_ids(after)) == set(_real_ids(before))
    assert after.next_topic_id == before.next_topic_id
    assert chain.summaries["add"]["topics"]["ids"]["next_topic_id"] == after.next_topic_id
    assert len(after.assignments) == len(before.assignments) + CLAIMS


def test_the_refit_after_drift_shows_the_claims_as_a_new_topic_with_a_new_id(chain: Chain):
    registry = BuildRegistry(chain.settings.data_dir)
    changes = build_changes(registry, "news", to_build=chain.builds["drift_refit"])
    assert changes.from_build == chain.builds["add"]  # by default, the build before
    partition = chain.partition("drift_refit")
    claims = Counter(t for d, t in partition.assignments.items() if d.startswith("claim"))
    topic, held = max(((n.topic, claims[n.topic]) for n in changes.new), key=lambda c: c[1])
    (claims_topic,) = [n for n in changes.new if n.topic == topic]
    members = [d for d, t in partition.assignments.items() if t == topic]
    # The claims are a new topic of their own: mostly claims, and most of the claims.
    assert held >= 0.8 * claims_topic.size_after and held >= 0.8 * CLAIMS
    assert claims_topic.size_before == 0 and claims_topic.moved_in.count == len(members)
    # New ids come after every id any earlier build gave: a retired id is never reused.
    ever = {
        t for step in ("index", "refit", "rebuild", "add") for t in _real_ids(chain.partition(step))
    }
    assert min(n.topic for n in changes.new) > max(ever)
    ids = chain.summaries["drift_refit"]["topics"]["ids"]
    assert ids["new"] == [n.topic for n in changes.new]
    assert ids["retired"] == [g.topic for g in changes.gone]
    assert ids["next_topic_id"] == partition.next_topic_id == max(n.topic for n in changes.new) + 1
    with open_published(chain.settings, "news") as (store, name):  # "again": the same ids
        stored = {t.topic_id: t.size for t in TopicStore(store).list_topics(name)}
        rows = store.get_documents(name, members[:10])
    assert stored == {s.topic_id: s.size for s in partition.summaries}
    assert {r["topic"] for r in rows} == {topic}


def test_the_api_answers_as_the_core_and_404s_an_unknown_build(chain: Chain):
    from api.main import create_app

    registry = BuildRegistry(chain.settings.data_dir)
    earlier, later = chain.builds["index"], chain.builds["drift_refit"]
    with TestClient(create_app(chain.settings), raise_server_exceptions=False) as client:
        default = client.get("/collections/news/topics/changes")
        picked = client.get(f"/collections/news/topics/changes?from={earlier}&to={later}")
        unknown = client.get("/collections/news/topics/changes?from=b19990101_000000_000000_abcd")
        nameless = client.get("/collections/nope/topics/changes")
        page = client.get(f"/ui/collections/news/topics/changes?from={earlier}")
    assert default.status_code == 200, default.text
    assert default.json() == json.loads(json.dumps(asdict(build_changes(registry, "news"))))
    assert picked.json() == json.loads(
        json.dumps(asdict(build_changes(registry, "news", earlier, later)))
    )
    assert picked.json()["added"] == CLAIMS
    assert unknown.status_code == 404 and "b19990101_000000_000000_abcd" in unknown.json()["detail"]
    assert nameless.status_code == 404
    assert page.status_code == 200 and "New topics" in page.text
    new_topic = picked.json()["new"][0]
    assert f"href='/collections/news/report/topics/{new_topic['topic']}'" in page.text
    first_moved = new_topic["moved_in"]["ids"][0]
    assert f"href='/ui/collections/news/documents/{first_moved}'" in page.text


def test_the_cli_prints_the_changes(chain: Chain):
    registry = BuildRegistry(chain.settings.data_dir)
    args = ["--data-dir", str(chain.settings.data_dir), "diff", "news"]
    result = CliRunner().invoke(app, [*args, chain.builds["refit"], chain.builds["drift_refit"]])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    core = build_changes(registry, "news", chain.builds["refit"], chain.builds["drift_refit"])
    assert printed == json.loads(json.dumps(asdict(core)))
    assert printed["new"] and printed["added"] == CLAIMS
    missing = CliRunner().invoke(app, [*args, "b-none"])
    assert isinstance(missing.exception, BuildNotFoundError)


def test_the_ids_given_count_every_recorded_build(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    with registry.writing("news"):
        for given in (5, 9, 7):  # 9: say, a build rolled back from
            info = registry.start("news", kind="refit")
            registry.finish(info, 1, {"topics": {"ids": {"next_topic_id": given}}})
        registry.start("news", kind="index")  # no summary yet
    assert ids_given(registry, "news") == 9
    assert ids_given(registry, "other") == 0
