"""The index run: read -> embed -> load into Milvus -> fit topics on the stored vectors."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpusmap.builds.snapshots import SnapshotWriter
from corpusmap.config import CHUNK_SIZE, MAX_OUTLIER_SHARE, MAX_TEXT_CHARS
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache, passages_hash
from corpusmap.embedding.embedder import Embedder
from corpusmap.embedding.models import resolve_model
from corpusmap.errors import ModelLoadError
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.passages import PassageSplitter
from corpusmap.store.schema import CollectionMeta
from corpusmap.store.topic_store import TopicStore
from corpusmap.topics.fit import (
    TopicFit,
    corpus_fingerprint,
    fit_topics,
    save_topic_model,
)
from corpusmap.topics.matching import IdMatch, TopicPartition, stable_fit
from indexer.pipeline.stored import read_stored_passages, stored_mixtures
from indexer.pipeline.stored import read_stored_vectors as read_stored_vectors

log = logging.getLogger(__name__)


@dataclass
class LoadProgress:
    """Documents embedded so far: how far a run got, kept when it fails."""

    documents: int = 0


@dataclass
class LoadResult:
    """What the load step did."""

    documents: int
    seconds: float
    embedded: int = 0
    cached: int = 0

    @property
    def docs_per_s(self) -> float:
        """Documents embedded and stored per second."""
        return self.documents / self.seconds if self.seconds > 0 else 0.0


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(docs)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class ChunkEmbedder:
    """Embeds chunks of documents as passages, through the embedding cache if given."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        cache: EmbeddingCache | None = None,
        max_text_chars: int = MAX_TEXT_CHARS,
        passages: bool = True,
    ):
        self.embedder = embedder
        self.cache = cache
        self.max_text_chars = max_text_chars
        self.splitter = PassageSplitter(
            embedder.tokenizer, embedder.passage_tokens, enabled=passages
        )
        self.embedded = 0
        self.cached = 0

    def embed(
        self, chunk: Sequence[Document], on_docs: Callable[[int], None] = lambda n: None
    ) -> tuple[list[list[str]], np.ndarray]:
        """Each document's passages, and their vectors stacked in the same order;
        `on_docs(n)` hears of documents done as they are (cached ones at once)."""
        texts = self.splitter.split_many([d.text[: self.max_text_chars] for d in chunk])
        if self.cache is None:
            return texts, self._encode(texts, on_docs)
        ids = [d.id for d in chunk]
        hashes = [passages_hash(t) for t in texts]
        found = self.cache.get_many(ids, hashes)
        missing = [i for i, doc_id in enumerate(ids) if doc_id not in found]
        on_docs(len(chunk) - len(missing))
        fresh = self._encode([texts[i] for i in missing], on_docs)
        split = np.cumsum([len(texts[i]) for i in missing])[:-1]
        fresh_parts = np.split(fresh, split) if missing else []
        # Committed before the insert: a run killed after this point embeds it never again.
        self.cache.put_many([ids[i] for i in missing], [hashes[i] for i in missing], fresh_parts)
        found.update(zip((ids[i] for i in missing), fresh_parts, strict=True))
        self.cached += len(chunk) - len(missing)
        return texts, np.concatenate([found[doc_id] for doc_id in ids])

    def _encode(self, texts: Sequence[Sequence[str]], on_docs: Callable[[int], None]) -> np.ndarray:
        self.embedded += len(texts)
        flat = [p for parts in texts for p in parts]
        if not flat:
            on_docs(len(texts))
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return self.embedder.embed_documents(
            flat, on_batch=_DocCounter(len(texts), len(flat), on_docs)
        )


class _DocCounter:
    """Turns passages embedded into documents done (in proportion), for a progress bar."""

    def __init__(self, docs: int, passages: int, on_docs: Callable[[int], None]) -> None:
        self.docs, self.passages, self.on_docs = docs, passages, on_docs
        self.passages_done = self.docs_done = 0

    def __call__(self, passages: int) -> None:
        self.passages_done += passages
        now = self.docs * self.passages_done // self.passages
        self.on_docs(now - self.docs_done)
        self.docs_done = now


def load_documents(
    docs: Iterable[Document],
    *,
    store: MilvusStore,
    embedder: Embedder,
    collection: str,
    max_text_chars: int = MAX_TEXT_CHARS,
    passages: bool = True,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
    cache: EmbeddingCache | None = None,
    snapshot: SnapshotWriter | None = None,
    expected: int | None = None,
    tracker: LoadProgress | None = None,
) -> LoadResult:
    """Split, embed and insert documents chunk by chunk into a fresh collection.

    With `passages`, a text longer than the model's window becomes several
    passages, each embedded; otherwise the model truncates it. With a `cache`,
    only documents it lacks are embedded; a `snapshot` records the rows. The progress
    bar moves per embedding batch, towards `expected` documents when that is known;
    a `tracker` counts the documents embedded (cached ones included).
    """
    meta = CollectionMeta(model=embedder.name, dimension=embedder.dimension)
    store.create_collection(collection, meta, replace=True)
    chunks = ChunkEmbedder(embedder, cache=cache, max_text_chars=max_text_chars, passages=passages)
    started = time.perf_counter()
    total = 0
    # Milvus inserts chunk i on a worker thread while the model embeds chunk i + 1
    # (torch releases the GIL); one chunk in flight keeps memory flat.
    pending: Future[int] | None = None
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="milvus-insert") as inserter,
        tqdm(
            desc=f"embed+load {collection}", unit="doc", total=expected, disable=not progress
        ) as bar,
    ):
        for chunk in _chunks(docs, chunk_size):
            texts, vectors = chunks.embed(chunk, lambda n: bar.update(n) and None)
            if tracker is not None:
                tracker.documents += len(chunk)
            if pending is not None:
                total += pending.result()
            pending = inserter.submit(store.insert_documents, collection, chunk, texts, vectors)
            if snapshot is not None:
                snapshot.write(chunk)
        if pending is not None:
            total += pending.result()
    return LoadResult(
        documents=total,
        seconds=time.perf_counter() - started,
        embedded=chunks.embedded,
        cached=chunks.cached,
    )


def fit_and_store_topics(
    store: MilvusStore,
    collection: str,
    *,
    topics_dir: Path,
    seed: int,
    min_topic_size: int | None = None,
    max_outlier_share: float = MAX_OUTLIER_SHARE,
    embedder: Embedder | None = None,
    progress: bool = True,
    sample_size: int = 0,
    previous: TopicPartition | None = None,
    next_free: int = 0,
) -> tuple[TopicFit, IdMatch]:
    """Fit topics on the stored vectors, give them stable ids (matched to `previous`,
    the published build's topics; new ones from `next_free` at the least), write each
    document's topic, save the model.

    `embedder` (the collection's model, already loaded by an index run) embeds
    candidate label keywords; without it the model is loaded here.
    """
    stored = read_stored_passages(store, collection, progress=progress)
    ids, texts, vectors = stored.ids, stored.texts, stored.vectors
    fit = fit_topics(
        ids,
        texts,
        vectors,
        seed=seed,
        min_topic_size=min_topic_size,
        max_outlier_share=max_outlier_share,
        embedder=embedder or label_embedder(store.meta(collection).model),
        sample_size=sample_size,
    )
    fit, match = stable_fit(fit, previous, next_free)  # before anything is written
    fit.mixtures = stored_mixtures(stored, fit.assignments, fit.summaries, fit.vectors)
    written = store.set_topics(collection, fit.assignments, fit.mixtures)
    TopicStore(store).replace(collection, fit.summaries, fit.vectors)
    meta = store.meta(collection)
    save_topic_model(
        fit,
        topics_dir,
        embedding_model=_hub_name(meta.model),
        fingerprint=corpus_fingerprint(ids, texts),
        topic_ids=match.mapping,
    )
    log.info(
        "topics for %s: %d topics, %.1f%% outliers (%.1f%% before reassignment), "
        "%d passage rows given their topic, model in %s",
        collection,
        fit.topic_count,
        100 * fit.outlier_share,
        100 * fit.outlier_share_before,
        written,
        topics_dir,
    )
    return fit, match


def label_embedder(model: str) -> Embedder | None:
    """The collection's model, to pick topic labels by embedding keywords; None if unloadable."""
    try:
        return Embedder(model)
    except ModelLoadError as exc:
        log.warning("topic labels fall back to c-TF-IDF order: %s", exc)
        return None


def _hub_name(model: str) -> str:
    """The name recorded in a saved topic model for its embedding model."""
    resolved = resolve_model(model)
    return "sentence-transformers/all-MiniLM-L6-v2" if model == "minilm" else resolved
