"""Document map layouts: how well the report's map keeps topics apart, old against new.

The shared patent abstracts (6,186 documents) and claims (1,100), each indexed by
the real pipeline (`corpusmap index` with its preset: MiniLM vectors, topics fitted
with seed 42), give the report's map sample (at most 5,000 documents, stratified by
topic: `corpusmap.topics.document_map.read_sample`). The same run lays that sample
out three ways: `centroid`, the map as it was (documents on the first two principal
axes of the topic centroids, `centroid_layout`); `umap`, the map now (a seeded 2-D
UMAP of each document's nearest neighbours overall and within its topic, guided by
the topics: `map_layout.umap_layout(vectors, topics)`); and `umap_vectors_only`, a
UMAP of the nearest neighbours alone, no topics (`umap_layout(vectors)`). For each: the
silhouette of the 2-D points by topic and the mean share of each point's 10 nearest
points in 2-D that share its topic (`separation`; outliers, topic -1, left out), and
the seconds it took. `embedding_knn10_agreement` is that share among each
document's 10 nearest neighbours by cosine in the embedding itself: what a layout
of the vectors alone can at best keep. The map's UMAP runs twice: `seconds_first`
is the first run in the process, which pays numba's compilation of UMAP (the
abstracts come first), `seconds` the second, and `deterministic` says whether both
gave the same coordinates.

    python -m bench.document_map  -> bench/results/document_map.json

BENCH_DATA_DIR keeps the two builds for the next run (default: a temporary folder).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from bench.common import SHARED_DATA, write_result
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.store.topic_store import OUTLIER_TOPIC, TopicStore
from corpusmap.topics.document_map import MapSample, read_sample
from corpusmap.topics.map_layout import (
    AGREEMENT_K,
    IN_TOPIC_NEIGHBOURS,
    LAYOUT_MIN_DIST,
    LAYOUT_SEED,
    LAYOUT_TOPIC_WEIGHT,
    OVERALL_NEIGHBOURS,
    centroid_layout,
    separation,
    umap_layout,
)

PATENTS = SHARED_DATA / "patents"
#: Collection -> (preset, files), as the Makefile's demo-index target indexes them.
CORPORA: dict[str, tuple[str, list[Path]]] = {
    "patent_abstracts": (
        "patentsview-abstracts",
        [PATENTS / "abstracts_neural_network.csv", PATENTS / "abstracts_baseball.csv"],
    ),
    "patent_claims": (
        "patentsberta-claims",
        [PATENTS / "patentsberta_claims_train.csv", PATENTS / "patentsberta_claims_test.csv"],
    ),
}
T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """What `work` returns and the seconds it took."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def ensure_build(settings: Settings, collection: str) -> None:
    """Index a corpus with its preset unless a build of it is published already."""
    if BuildRegistry(settings.data_dir).current_id(collection):
        return
    from indexer.cli.commands import IndexOptions, run_index

    preset, files = CORPORA[collection]
    options = IndexOptions(sources=[str(f) for f in files], preset=preset, collection=collection)
    run_index(settings, options)


def map_inputs(settings: Settings, collection: str) -> tuple[MapSample, npt.NDArray[np.float32]]:
    """The map sample of a published collection and its topic centroids."""
    with open_published(settings, collection) as (store, name):
        batches = store.iter_rows(name, ["doc_id", "topic"], expression="passage == 0")
        doc_topics = [(str(r["doc_id"]), int(r["topic"])) for b in batches for r in b]
        sample = read_sample(store, name, doc_topics)
        _, centroids = TopicStore(store).topic_vectors(name)
    assert sample is not None, collection
    return sample, centroids


def embedding_agreement(sample: MapSample, k: int = AGREEMENT_K) -> float:
    """The mean share of each document's `k` nearest others by cosine in the embedding
    that share its topic (outliers left out, as `separation` does in 2-D)."""
    from sklearn.neighbors import NearestNeighbors

    topics = np.asarray(sample.topics)
    keep = topics != OUTLIER_TOPIC
    vectors, topics = sample.vectors[keep], topics[keep]
    search = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute")
    _, near = search.fit(vectors).kneighbors(vectors)
    return round(float((topics[near[:, 1:]] == topics[:, None]).mean()), 4)


def measure(sample: MapSample, centroids: npt.NDArray[np.float32]) -> dict[str, Any]:
    """The three layouts of one sample: separation and seconds (the map's UMAP twice,
    compared)."""
    vectors, topics = sample.vectors, sample.topics
    old, old_seconds = timed(lambda: centroid_layout(vectors, centroids))
    new, first_seconds = timed(lambda: umap_layout(vectors, topics))
    again, seconds = timed(lambda: umap_layout(vectors, topics))
    plain, plain_seconds = timed(lambda: umap_layout(vectors))
    return {
        "documents": sample.total,
        "on_map": len(sample.ids),
        "topics": len(set(topics) - {OUTLIER_TOPIC}),
        "embedding_knn10_agreement": embedding_agreement(sample),
        "centroid": {**separation(old, topics), "seconds": round(old_seconds, 3)},
        "umap": {
            **separation(new, topics),
            "seconds_first": round(first_seconds, 2),
            "seconds": round(seconds, 2),
            "deterministic": bool(np.array_equal(new, again)),
        },
        "umap_vectors_only": {**separation(plain, topics), "seconds": round(plain_seconds, 2)},
    }


def main() -> None:
    """Index both corpora (unless built), measure both layouts, write the results."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_before = os.getloadavg()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="corpusmap-bench-") as scratch:
        data_dir = Path(os.environ.get("BENCH_DATA_DIR") or scratch)
        settings = Settings(data_dir=data_dir, milvus_uri="", model="minilm")
        for collection in CORPORA:
            ensure_build(settings, collection)
            figures[collection] = measure(*map_inputs(settings, collection))
            print(collection, figures[collection], flush=True)
    setup = {
        "umap": f"2-D, exact cosine graph of {OVERALL_NEIGHBOURS} nearest neighbours + "
        f"{IN_TOPIC_NEIGHBOURS} nearest in the topic, min_dist {LAYOUT_MIN_DIST}, "
        f"random_state {LAYOUT_SEED} (single-threaded), topics as categorical target "
        f"(target_weight {LAYOUT_TOPIC_WEIGHT}, outliers unlabelled)",
        "umap_vectors_only": f"the same UMAP on the {OVERALL_NEIGHBOURS + IN_TOPIC_NEIGHBOURS} "
        "nearest neighbours alone, no topics",
        "separation": f"silhouette (euclidean, 2-D) and {AGREEMENT_K}-NN topic agreement "
        "in 2-D, outliers left out",
        "embedding_model": "all-MiniLM-L6-v2 (minilm)",
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    write_result("document_map", {**figures, "setup": setup})


if __name__ == "__main__":
    main()
