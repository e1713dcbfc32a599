"""The two topic benchmark corpora, read by corpusmap's own readers, with cached vectors.

AG News (7,600 test texts, title + description, 4 labels) and the 1,100 PatentSBERTa
claims (labels: the CPC section most of a claim's subclasses fall in, ties broken
alphabetically). Vectors come from MiniLM and are cached under `bench/.cache/`
(git-ignored), keyed by a hash of the texts, so reruns never re-embed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.common import ROOT, SHARED_DATA
from corpusmap.documents import Document
from corpusmap.topics.metrics import main_cpc_section

CACHE = ROOT / "bench" / ".cache"
MODEL = "minilm"
CORPORA: dict[str, tuple[str, list[Path]]] = {
    "ag_news": ("ag-news", [SHARED_DATA / "topics" / "ag_news_test.csv"]),
    "patent_claims": (
        "patentsberta-claims",
        [
            SHARED_DATA / "patents" / "patentsberta_claims_train.csv",
            SHARED_DATA / "patents" / "patentsberta_claims_test.csv",
        ],
    ),
}


@dataclass
class Corpus:
    """Documents of one benchmark corpus with their vectors and one label each."""

    name: str
    ids: list[str]
    texts: list[str]
    labels: list[str]
    vectors: npt.NDArray[np.float32]
    #: Each document's CPC codes (empty lists for AG News).
    cpc: list[list[str]]


def _label(doc: Document) -> str:
    return main_cpc_section(doc.cpc) if doc.cpc else (doc.labels[0] if doc.labels else "")


def _vectors(name: str, texts: list[str]) -> npt.NDArray[np.float32]:
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
    path = CACHE / f"{name}_{MODEL}_{digest}.npy"
    if path.exists():
        return np.load(path)
    from corpusmap.embedding.embedder import Embedder

    vectors = Embedder(MODEL).embed_documents(texts, progress=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def load_corpus(name: str) -> Corpus:
    """Read a benchmark corpus and its (cached) MiniLM vectors."""
    from indexer.reading.presets import PRESETS
    from indexer.reading.sources import ReadReport, read_corpus

    preset, files = CORPORA[name]
    docs = list(read_corpus([str(f) for f in files], PRESETS[preset], ReadReport()))
    texts = [d.text for d in docs]
    return Corpus(
        name,
        [d.id for d in docs],
        texts,
        [_label(d) for d in docs],
        _vectors(name, texts),
        [list(d.cpc) for d in docs],
    )
