"""Topic fitting on stored vectors: deterministic, seed-stable, outliers capped, words clean."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corpusmap.builds.publishing import open_published
from corpusmap.config import LABEL_COHERENCE_FLOOR, MAX_TOPIC_SHARE
from corpusmap.errors import ConfigError
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.fit import PATENT_STOP_WORDS, fit_topics
from corpusmap.topics.words import stop_words
from indexer.pipeline.load import read_stored_vectors
from tests.conftest import ClaimsIndex


def test_same_seed_gives_identical_assignments(claims_store: MilvusStore):
    ids, texts, vectors = read_stored_vectors(claims_store, "claims", progress=False)
    assert vectors.shape == (1100, 384)
    first = fit_topics(ids, texts, vectors, seed=7)
    second = fit_topics(ids, texts, vectors, seed=7)
    assert first.assignments == second.assignments
    assert [s.keywords for s in first.summaries] == [s.keywords for s in second.summaries]
    words = {w for s in first.summaries for w, _ in s.keywords}
    assert not words & PATENT_STOP_WORDS and not words & {"the", "and", "of"}


def test_topics_need_enough_documents():
    vectors = np.eye(10, 8, dtype=np.float32)
    with pytest.raises(ConfigError, match="at least"):
        fit_topics([str(i) for i in range(10)], ["x"] * 10, vectors)


def test_other_seeds_give_the_same_partition(claims_store: MilvusStore):
    from sklearn.metrics import adjusted_rand_score

    ids, texts, vectors = read_stored_vectors(claims_store, "claims", progress=False)
    fits = [fit_topics(ids, texts, vectors, seed=s) for s in (42, 7, 0)]
    runs = [[f.assignments[i] for i in ids] for f in fits]
    assert min(f.topic_count for f in fits) >= 5
    assert adjusted_rand_score(runs[0], runs[1]) >= 0.95
    assert adjusted_rand_score(runs[0], runs[2]) >= 0.95


def test_outliers_are_reassigned_down_to_the_cap(claims_store: MilvusStore):
    ids, texts, vectors = read_stored_vectors(claims_store, "claims", progress=False)
    capped = fit_topics(ids, texts, vectors, max_outlier_share=0.05)
    assert capped.outlier_share <= 0.05 < capped.outlier_share_before
    none_left = fit_topics(ids, texts, vectors, max_outlier_share=0.0)
    assert none_left.outlier_share == 0.0
    assert all(s.topic_id != -1 for s in none_left.summaries)
    assert len(none_left.vectors) == len(none_left.summaries)


def test_topic_words_hold_no_stop_words_and_labels_read(claims_index: ClaimsIndex):
    topics = claims_index.summary["topics"]
    assert topics["outlier_share"] <= 0.10 <= topics["outlier_share_before"]
    assert topics["max_outlier_share"] == 0.10
    with open_published(claims_index.settings, "claims") as (store, name):
        summaries = TopicStore(store).list_topics(name)
    fitted = [s for s in summaries if s.topic_id != -1]
    banned = stop_words()
    for summary in fitted:
        words = {w for term, _ in summary.keywords for w in term.split()}
        assert len(summary.keywords) == 10 and not words & banned
        terms = summary.label.split(", ")
        assert 1 <= len(terms) <= 3 and all(t in dict(summary.keywords) for t in terms)
    assert len({s.label for s in fitted}) == len(fitted)


def _fitted_topics(claims_index: ClaimsIndex) -> list[TopicSummary]:
    """The claims' fitted topics (the outliers left out)."""
    with open_published(claims_index.settings, "claims") as (store, name):
        return [t for t in TopicStore(store).list_topics(name) if t.topic_id != -1]


def test_eval_topics_prints_json_metrics(claims_index: ClaimsIndex):
    from typer.testing import CliRunner

    from indexer.cli.app import app

    data_dir = str(claims_index.settings.data_dir)
    args = ["--data-dir", data_dir, "eval-topics", "claims", "--label-field", "cpc_section"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["documents"] == 1100 and metrics["label_field"] == "cpc_section"
    assert metrics["topics"] == claims_index.summary["topics"]["topics"] >= 5
    assert metrics["outlier_share"] <= 0.10 and metrics["diversity"] >= 0.8
    assert -1 <= metrics["npmi"] <= 1 and metrics["stop_words_in_top_terms"] == []
    assert 0 < metrics["nmi"] <= 1 and -1 <= metrics["ari"] <= 1 and metrics["classes"] >= 5
    sizes = [t.size for t in _fitted_topics(claims_index)]
    assert metrics["largest_topic_share"] == round(max(sizes) / 1100, 4) < MAX_TOPIC_SHARE
    coherence = metrics["label_coherence"]
    assert coherence["scored"] >= 1 and -1 <= coherence["min"] <= coherence["mean"] <= 1
    assert coherence["min"] >= LABEL_COHERENCE_FLOOR and coherence["below_floor"] == 0
    lowest = coherence["lowest"]
    assert lowest[0]["npmi"] == coherence["min"] and lowest == sorted(
        lowest, key=lambda r: r["npmi"]
    )
    unknown = CliRunner().invoke(
        app, ["--data-dir", data_dir, "eval-topics", "claims", "--label-field", "colour"]
    )
    assert isinstance(unknown.exception, ConfigError) and "cpc_section" in str(unknown.exception)


def test_eval_topics_from_the_build_files_equals_from_the_store(claims_index: ClaimsIndex):
    from indexer.evaluation.topics import evaluate_stored_topics, run_eval_topics

    settings = claims_index.settings
    from_files = run_eval_topics(settings, "claims", "cpc_section")  # never opens Milvus
    with open_published(settings, "claims") as (store, name):
        from_store = evaluate_stored_topics(store, name, "cpc_section")
    assert from_files == from_store | {"collection": "claims"}
