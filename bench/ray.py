"""Embedding on Ray Data (`corpusmap index --ray`) versus the single-process path, in one run.

The same patent abstracts are embedded three ways: the single-process path (the
`ChunkEmbedder` of an index run, torch's threads on every core: the baseline), then
`embed_on_ray` with 1 and with 2 `EmbedderActor`s on a local Ray cluster of this
machine's CPUs (one CPU, so one torch thread, per actor), each into a fresh data dir.
Ray's figures are wall time from the driver's call to the last shard in the cache:
actor start and model load included. `min_cosine` compares every passage vector of
the 2-actor run with the single-process one.

    python -m bench.ray [--docs 2000]  ->  bench/results/ray.json
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import SHARED_DATA, write_result
from corpusmap.config import Settings
from corpusmap.distributed import embed_on_ray
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache, passages_hash
from corpusmap.embedding.embedder import Embedder
from indexer.pipeline.load import ChunkEmbedder
from indexer.reading.sources import ReadReport, mapping_from_options, read_corpus


def _docs(limit: int) -> list[Document]:
    paths = sorted((SHARED_DATA / "patents").glob("abstracts_*.csv"))
    mapping = mapping_from_options(
        "patentsview-abstracts", None, None, None, None, None, None, None
    )
    return list(read_corpus(paths, mapping, ReadReport(), limit=limit))


def _single(embedder: Embedder, docs: list[Document], chunk: int) -> tuple[float, np.ndarray]:
    chunks = ChunkEmbedder(embedder)
    started = time.perf_counter()
    parts = [chunks.embed(docs[i : i + chunk])[1] for i in range(0, len(docs), chunk)]
    return len(docs) / (time.perf_counter() - started), np.concatenate(parts)


def _on_ray(embedder: Embedder, docs: list[Document], actors: int, chunk: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as folder:
        settings = Settings(data_dir=Path(folder), ray_actors=actors, chunk_size=chunk)
        report = embed_on_ray(settings, embedder, docs, "bench")
        texts = ChunkEmbedder(embedder).splitter.split_many(
            [d.text[: settings.max_text_chars] for d in docs]
        )
        cache = EmbeddingCache.for_model(settings.cache_dir(), embedder.name, embedder.dimension)
        with cache:
            found = cache.get_many([d.id for d in docs], [passages_hash(t) for t in texts])
    assert report.embedded_documents == len(docs) == len(found), report
    return {
        "actors": report.actors,
        "docs_per_s": round(len(docs) / report.seconds, 1),
        "seconds": round(report.seconds, 1),
        "vectors": np.concatenate([found[d.id] for d in docs]),
    }


def _actors(run: dict[str, Any]) -> str:
    return f"{run['actors']}_actor" + ("s" if run["actors"] > 1 else "")


def measure(docs_wanted: int, chunk: int) -> dict[str, Any]:
    """Docs/s single-process and on Ray (1 and 2 actors), and the vectors' agreement."""
    import ray

    load_before = os.getloadavg()[0]
    docs = _docs(docs_wanted)
    embedder = Embedder("minilm")
    embedder.embed_documents([d.text for d in docs[:64]])  # warm-up
    single_rate, single = _single(embedder, docs, chunk)
    started = time.perf_counter()
    ray.init(
        address="local", num_cpus=os.cpu_count() or 1, include_dashboard=False, log_to_driver=False
    )
    init_s = time.perf_counter() - started
    try:
        runs = [_on_ray(embedder, docs, actors, chunk) for actors in (1, 2)]
    finally:
        ray.shutdown()
    cosines = np.sum(runs[-1].pop("vectors") * single, axis=1)
    runs[0].pop("vectors")
    return {
        "docs": len(docs),
        "passages": len(single),
        "shard_docs": chunk,
        "cpus": os.cpu_count(),
        "single_process_docs_per_s": round(single_rate, 1),
        "ray_init_s": round(init_s, 1),
        **{f"ray_{_actors(r)}_docs_per_s": r["docs_per_s"] for r in runs},
        **{f"ray_{_actors(r)}_s": r["seconds"] for r in runs},
        "workers": [r["actors"] for r in runs],
        "ratio_1_actor": round(runs[0]["docs_per_s"] / single_rate, 3),
        "ratio_2_actors": round(runs[1]["docs_per_s"] / single_rate, 3),
        "per_actor_docs_per_s": round(runs[0]["docs_per_s"], 1),
        "min_cosine": round(float(cosines.min()), 6),
        "loadavg_start_end": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    """Measure and write bench/results/ray.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--shard-docs", type=int, default=200)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    figures = measure(args.docs, args.shard_docs)
    print(figures)
    write_result("ray", figures)


if __name__ == "__main__":
    main()
