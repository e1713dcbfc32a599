"""Topics fitted on a sample, the rest placed by nearest topic vector."""

from __future__ import annotations

import random

import numpy as np
from sklearn.metrics import adjusted_rand_score

from corpusmap.store.milvus import MilvusStore
from corpusmap.topics.clustering import OUTLIER, ClusterParams, normalise
from corpusmap.topics.fit import fit_topics
from corpusmap.topics.sample import cluster_on_sample, place_rest, sample_indices
from indexer.pipeline.load import read_stored_vectors


def test_the_sample_depends_on_the_ids_not_their_order():
    ids = [f"doc-{i}" for i in range(1000)]
    shuffled = ids[:]
    random.Random(3).shuffle(shuffled)
    chosen = {ids[i] for i in sample_indices(ids, 100)}
    assert len(chosen) == 100
    assert chosen == {shuffled[i] for i in sample_indices(shuffled, 100)}
    assert sample_indices(ids, 5000).tolist() == list(range(1000))  # small corpus: all


def test_the_rest_go_to_their_own_cluster():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 24)) * 3
    truth = np.repeat(np.arange(6), 200)
    unit = normalise(centres[truth] + rng.normal(size=(1200, 24)) * 0.4)
    ids = [str(i) for i in range(1200)]
    params = ClusterParams(seed=0, min_topic_size=20, max_outlier_share=0.0)
    clustering = cluster_on_sample(ids, unit, params, 300)
    assert adjusted_rand_score(truth, clustering.labels) > 0.99
    assert (clustering.labels != OUTLIER).all()


def test_the_rest_keep_the_samples_outlier_share():
    rng = np.random.default_rng(1)
    unit = normalise(rng.normal(size=(400, 8)))
    picked = np.arange(0, 400, 4)
    sample_labels = np.where(np.arange(100) < 10, OUTLIER, np.arange(100) % 3)
    labels = place_rest(unit, picked, sample_labels, batch=7)  # several batches
    rest = np.setdiff1d(np.arange(400), picked)
    assert int(np.sum(labels[rest] == OUTLIER)) == 30  # 10% of the 300 placed
    assert (labels[picked] == sample_labels).all()


def test_a_sampled_fit_covers_every_document_and_agrees_with_a_full_one(
    claims_store: MilvusStore,
):
    ids, texts, vectors = read_stored_vectors(claims_store, "claims", progress=False)
    full = fit_topics(ids, texts, vectors, seed=42)
    sampled = [fit_topics(ids, texts, vectors, seed=s, sample_size=700) for s in (42, 7)]
    assert sampled[0].params.fit_sample == 700 and full.params.fit_sample == 0
    assert set(sampled[0].assignments) == set(ids)
    assert sampled[0].outlier_share <= 0.10 and sampled[0].topic_count >= 5
    assert sum(s.size for s in sampled[0].summaries) == len(ids)
    runs = [[f.assignments[i] for i in ids] for f in (full, *sampled)]
    assert adjusted_rand_score(runs[1], runs[2]) >= 0.95  # the sample ignores the seed
    assert adjusted_rand_score(runs[0], runs[1]) >= 0.5
    # Only a bigger corpus than the sample is sampled.
    assert fit_topics(ids, texts, vectors, sample_size=5000).params.fit_sample == 0
