"""Embedding on Ray Data, on a real local Ray cluster with the real MiniLM model:
the same vectors as the single-process path, no document lost when an actor is
killed mid-run, and a killed driver's rerun embeds nothing the killed run had done."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from corpusmap.config import Settings
from corpusmap.distributed import ShardDir, embed_on_ray, run_folder
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache, passages_hash
from corpusmap.embedding.embedder import Embedder, EmbedderPool
from indexer.pipeline.load import ChunkEmbedder
from indexer.reading.sources import ReadReport, mapping_from_options, read_corpus
from tests.conftest import CLAIM_FILES, require_shared_data

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray", reason="the `ray` extra is not installed")

DOCS = 300


def claims(limit: int = DOCS) -> list[Document]:
    require_shared_data()
    mapping = mapping_from_options("patentsberta-claims", None, None, None, None, None, None, None)
    return list(read_corpus([CLAIM_FILES[0]], mapping, ReadReport(), limit=limit))


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A Ray cluster of two CPUs in this process, shut down after the module."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _settings(data_dir: Path, chunk_size: int) -> Settings:
    return Settings(data_dir=data_dir, milvus_uri="", ray_address="local", chunk_size=chunk_size)


def _cached(settings: Settings, embedder: Embedder, docs: list[Document]) -> dict[str, np.ndarray]:
    splitter = ChunkEmbedder(embedder).splitter
    texts = splitter.split_many([d.text[: settings.max_text_chars] for d in docs])
    cache = EmbeddingCache.for_model(settings.cache_dir(), embedder.name, embedder.dimension)
    with cache:
        return cache.get_many([d.id for d in docs], [passages_hash(t) for t in texts])


def test_ray_vectors_match_the_single_process_path(
    local_ray: None, embedders: EmbedderPool, tmp_path: Path
):
    docs = claims()
    embedder = embedders.get("minilm")
    settings = _settings(tmp_path, chunk_size=50)
    report = embed_on_ray(settings, embedder, docs, "claims")
    assert (report.documents, report.embedded_documents, report.shards) == (DOCS, DOCS, 6)
    on_ray = _cached(settings, embedder, docs)
    assert len(on_ray) == DOCS
    _, single = ChunkEmbedder(embedder).embed(docs)
    ray_stacked = np.concatenate([on_ray[d.id] for d in docs])
    assert ray_stacked.shape == single.shape and len(single) >= DOCS
    cosines = np.sum(ray_stacked * single, axis=1)
    assert float(cosines.min()) >= 0.9999
    again = embed_on_ray(settings, embedder, docs, "claims")  # the cache is cached work
    assert (again.embedded_documents, again.cached_documents) == (0, DOCS)


def _kill_first_writer(shards: ShardDir, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the actor process that wrote the first shard, as soon as it has."""
    while not stop.is_set():
        if keys := shards.written():
            pid = int(shards.read(keys[0]).writer.rsplit(":", 1)[1])
            assert pid != os.getpid()
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.05)


def test_a_killed_actor_loses_no_document(local_ray: None, embedders: EmbedderPool, tmp_path: Path):
    docs = claims()
    embedder = embedders.get("minilm")
    settings = _settings(tmp_path, chunk_size=20)
    shards = ShardDir(run_folder(settings, embedder, "claims"))
    killed: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_first_writer, args=(shards, killed, stop))
    watcher.start()
    try:
        report = embed_on_ray(settings, embedder, docs, "claims")
    finally:
        stop.set()
        watcher.join()
    assert killed, "no actor was killed"
    assert (report.documents, report.embedded_documents) == (DOCS, DOCS)
    assert len(shards.written()) == report.shards == 15
    writers = {shards.read(k).writer.rsplit(":", 1)[1] for k in shards.written()}
    assert writers - {str(killed[0])}, "no shard written after the kill"
    assert len(_cached(settings, embedder, docs)) == DOCS
    assert sorted(
        itertools.chain.from_iterable(shards.read(k).doc_ids for k in shards.written())
    ) == sorted(d.id for d in docs)
