"""Corpora of N documents for the scaling benchmarks: real texts and vectors, varied.

Embedding 100k texts on 2 cores takes ~45 min, so the scaling benchmarks embed a
real set once and vary it. The base is the 10,000 documents of the two shared
BEIR subsets (msmarco_5k, dbpedia_5k), read with the `beir` preset and embedded
with MiniLM through corpusmap's embedding cache: the very entries that
`bench.retrieval`'s index runs make, so with one BENCH_DATA_DIR nothing is
embedded twice. Document i of N is base document i % B (B = 10,000), so N = 10k
is the real corpus; a copy (i >= B) gets the id `<id>~<copy>`, the same text
and the base passage vectors plus Gaussian noise (NOISE per dimension: a noise
norm of ~0.2, cosine ~0.98 to the original, so copies are near duplicates, never
ties), renormalised. Copies' vectors go into the embedding cache under their own
ids, so an index run of the N documents (`corpusmap`'s own build path) embeds none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.common import SHARED_DATA
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache, passages_hash
from corpusmap.embedding.embedder import Embedder
from indexer.pipeline.build import BuildRequest, embedder_backend, run_build
from indexer.pipeline.load import ChunkEmbedder

BASE_SETS = ("msmarco_5k", "dbpedia_5k")
NOISE = 0.01
SEED = 7
Vectors = npt.NDArray[np.float32]


@dataclass
class Corpus:
    """N documents, their passage vectors (rows of `vectors`, document i owning rows
    offsets[i]:offsets[i+1]) and, per document, the unit mean of its passages."""

    docs: list[Document]
    offsets: npt.NDArray[np.int64]
    vectors: Vectors
    doc_vectors: Vectors

    @property
    def size(self) -> int:
        """Number of documents."""
        return len(self.docs)


def base_set_documents(name: str) -> list[Document]:
    """The real documents of one base set, read as `corpusmap eval` reads them."""
    from indexer.reading.presets import PRESETS
    from indexer.reading.sources import ReadReport, read_corpus

    source = str(SHARED_DATA / "retrieval" / name / "corpus.jsonl")
    return list(read_corpus([source], PRESETS["beir"], ReadReport()))


def base_documents() -> list[Document]:
    """The real documents of every base set, in order."""
    return [doc for name in BASE_SETS for doc in base_set_documents(name)]


def _unit(vectors: Vectors) -> Vectors:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _doc_means(vectors: Vectors, offsets: npt.NDArray[np.int64]) -> Vectors:
    return _unit(np.add.reduceat(vectors, offsets[:-1], axis=0))


def _open_cache(settings: Settings, embedder: Embedder) -> EmbeddingCache:
    return EmbeddingCache.for_model(
        settings.cache_dir(), embedder.name, embedder.dimension, embedder_backend(embedder)
    )


def embed_base(
    settings: Settings, embedder: Embedder, docs: list[Document]
) -> tuple[list[list[str]], Vectors]:
    """Each base document's passages and their vectors (from the cache, or embedded)."""
    passages: list[list[str]] = []
    parts: list[Vectors] = []
    with _open_cache(settings, embedder) as cache:
        chunker = ChunkEmbedder(
            embedder,
            cache=cache,
            max_text_chars=settings.max_text_chars,
            passages=settings.passages,
        )
        for first in range(0, len(docs), 1024):
            texts, vectors = chunker.embed(docs[first : first + 1024])
            passages.extend(texts)
            parts.append(vectors)
    if chunker.embedded:
        print(f"embedded {chunker.embedded} base documents (cached from now on)", flush=True)
    return passages, np.concatenate(parts)


def make_corpus(settings: Settings, embedder: Embedder, n: int) -> Corpus:
    """N documents from the base set (copies noised), their copies' vectors cached."""
    base = base_documents()
    passages, base_vectors = embed_base(settings, embedder, base)
    counts = np.array([len(p) for p in passages], dtype=np.int64)
    rng = np.random.default_rng(SEED)
    docs, blocks, sizes = [], [], []
    with _open_cache(settings, embedder) as cache:
        for copy in range((n + len(base) - 1) // len(base)):
            take = min(len(base), n - copy * len(base))
            rows = int(counts[:take].sum())
            block = base_vectors[:rows]
            batch = base[:take]
            if copy:
                noise = rng.normal(scale=NOISE, size=block.shape).astype(np.float32)
                block = _unit(block + noise)
                batch = [dataclasses.replace(d, id=f"{d.id}~{copy}") for d in batch]
                _cache_copies(cache, batch, passages[:take], block, counts[:take])
            docs.extend(batch)
            blocks.append(block)
            sizes.append(counts[:take])
    offsets = np.concatenate([[0], np.cumsum(np.concatenate(sizes))]).astype(np.int64)
    vectors = np.concatenate(blocks)
    return Corpus(docs, offsets, vectors, _doc_means(vectors, offsets))


def _cache_copies(
    cache: EmbeddingCache,
    docs: list[Document],
    passages: list[list[str]],
    vectors: Vectors,
    counts: npt.NDArray[np.int64],
) -> None:
    """Put the copies' vectors in the embedding cache (keyed by id and passage texts)."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    for first in range(0, len(docs), 5000):
        last = min(len(docs), first + 5000)
        cache.put_many(
            [d.id for d in docs[first:last]],
            [passages_hash(p) for p in passages[first:last]],
            [vectors[bounds[i] : bounds[i + 1]] for i in range(first, last)],
        )


def collection_name(n: int) -> str:
    """The collection a corpus of N documents is published as."""
    return f"scale_{n // 1000}k" if n % 1000 == 0 else f"scale_{n}"


def publish_corpus(settings: Settings, embedder: Embedder, corpus: Corpus) -> dict:
    """Index the corpus through corpusmap's build path (nothing to embed: all cached),
    no topics, and publish it; the run's summary."""
    request = BuildRequest(
        collection_name(corpus.size), "index", iter(corpus.docs), fit_topics=False
    )
    summary = run_build(settings, request, embedder)
    if summary.get("embedded"):
        raise RuntimeError(f"expected every vector cached, embedded {summary['embedded']}")
    return summary


def build_folder_mb(settings: Settings, collection: str) -> float:
    """Disk size of a collection's published build folder, in MB."""
    registry = BuildRegistry(settings.data_dir)
    info = registry.current(collection)
    folder: Path = registry.build_dir(collection, info.build_id)
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def iter_sizes(sizes: str) -> Iterator[int]:
    """`10000,100000` as integers."""
    return (int(s) for s in sizes.split(",") if s.strip())
