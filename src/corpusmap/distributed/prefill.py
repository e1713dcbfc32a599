"""The driver's side of a Ray run: fill the embedding cache from shards embedded on Ray.

The corpus is read in chunks of `chunk_size` documents, split into passages and
hashed exactly as the single-process path does (`ChunkEmbedder`), so the cache keys
match. Each chunk is one shard. A chunk whose documents are all in the embedding
cache is skipped; a chunk whose shard file is already written (by a run that was
killed before loading it) is read into the cache; the rest go to the Ray actor pool.
Each shard the actors write is committed to the cache as soon as it is reported.
The index run that follows then finds every vector in the cache, and loads Milvus
through its usual resumable inserts (`"embedded": 0`).

A killed driver leaves written shards and committed cache rows: the rerun embeds
neither again. A killed actor is restarted by Ray and its shard retried.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpusmap.config import Settings
from corpusmap.distributed.ray_embed import ActorConfig, ShardTask, embed_shards, import_ray
from corpusmap.distributed.shards import ShardDir, shard_key
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache, cache_file_name, passages_hash
from corpusmap.embedding.embedder import Embedder
from corpusmap.store.passages import PassageSplitter

log = logging.getLogger(__name__)


@dataclass
class RayReport:
    """What a Ray run did, in documents and shards."""

    address: str
    documents: int = 0
    shards: int = 0
    #: Chunks whose every document was already in the embedding cache.
    cached_shards: int = 0
    cached_documents: int = 0
    #: Shards found written on disk (by a killed run), read into the cache.
    reused_shards: int = 0
    reused_documents: int = 0
    #: Shards and documents embedded by the actors in this run.
    embedded_shards: int = 0
    embedded_documents: int = 0
    actors: int = 0
    gpus_per_actor: float = 0.0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as the index run's summary shows it (under `ray`)."""
        return {**asdict(self), "seconds": round(self.seconds, 1)}


def run_folder(settings: Settings, embedder: Embedder, collection: str) -> Path:
    """The shard folder of one run key: the model and backend's cache name, the collection."""
    model_key = cache_file_name(embedder.name, embedder.backend).removesuffix(".sqlite")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", collection)
    return settings.ray_shards_dir() / f"{model_key}__{safe}"


def remove_run_folder(settings: Settings, embedder: Embedder, collection: str) -> None:
    """Drop a run's shards once its build is published (the cache holds every vector)."""
    shutil.rmtree(run_folder(settings, embedder, collection), ignore_errors=True)


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(docs)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Planner:
    """Sorts chunks into cached, reused (shard on disk) and to-embed, filling the cache."""

    def __init__(
        self, settings: Settings, embedder: Embedder, cache: EmbeddingCache, shards: ShardDir
    ):
        self.settings = settings
        self.splitter = PassageSplitter(
            embedder.tokenizer, embedder.passage_tokens, enabled=settings.passages
        )
        self.cache = cache
        self.shards = shards

    def plan(self, docs: Iterable[Document], report: RayReport) -> list[ShardTask]:
        tasks: list[ShardTask] = []
        for chunk in _chunks(docs, self.settings.chunk_size):
            texts = self.splitter.split_many(
                [d.text[: self.settings.max_text_chars] for d in chunk]
            )
            ids = [d.id for d in chunk]
            hashes = [passages_hash(t) for t in texts]
            key = shard_key(ids, hashes)
            report.documents += len(chunk)
            report.shards += 1
            found = self.cache.get_many(ids, hashes)
            missing = [i for i, doc_id in enumerate(ids) if doc_id not in found]
            if not missing:
                report.cached_shards += 1
                report.cached_documents += len(chunk)
            elif self.shards.has(key):
                report.reused_shards += 1
                report.reused_documents += self.ingest(key)
            else:
                report.cached_documents += len(chunk) - len(missing)
                pick = [ids[i] for i in missing], [hashes[i] for i in missing]
                tasks.append(ShardTask(key, *pick, [texts[i] for i in missing]))
        return tasks

    def ingest(self, key: str) -> int:
        """Commit a written shard's vectors to the cache; the number of documents."""
        shard = self.shards.read(key)
        self.cache.put_many(shard.doc_ids, shard.hashes, shard.vectors)
        return len(shard.doc_ids)


def embed_on_ray(
    settings: Settings, embedder: Embedder, docs: Iterable[Document], collection: str
) -> RayReport:
    """Embed on Ray every document of `docs` missing from the embedding cache."""
    address = settings.ray_address or "local"
    import_ray()  # a missing Ray fails before the corpus is read
    started = time.perf_counter()
    report = RayReport(address=address)
    shards = ShardDir(run_folder(settings, embedder, collection))
    if cleared := shards.clear_partial():
        log.info("removed %d partial shard files of a killed run", cleared)
    cache = EmbeddingCache.for_model(
        settings.cache_dir(), embedder.name, embedder.dimension, embedder.backend
    )
    with cache:
        planner = _Planner(settings, embedder, cache, shards)
        tasks = planner.plan(docs, report)

        def landed(key: str, documents: int) -> None:
            planner.ingest(key)
            report.embedded_shards += 1
            report.embedded_documents += documents

        config = ActorConfig(
            embedder.name, embedder.backend, settings.batch_size, str(shards.root), settings.device
        )
        shape = embed_shards(address, config, tasks, actors=settings.ray_actors, on_shard=landed)
    report.actors, report.gpus_per_actor = shape.actors, shape.gpus_per_actor
    report.seconds = time.perf_counter() - started
    log.info(
        "Ray run: %d documents, %d embedded on %d actors, %d from written shards, %d cached",
        report.documents,
        report.embedded_documents,
        report.actors,
        report.reused_documents,
        report.cached_documents,
    )
    return report
