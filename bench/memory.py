"""Peak memory of `corpusmap index` at two corpus sizes: does it stay flat in N?

Each size is indexed twice in a data folder of its own (the BEIR subsets, no
topics): first embedding every document, then again with every vector in the
embedding cache, which leaves reading, splitting, the cache, the snapshot and the
Milvus insert. Peak RSS is the index child's (`ru_maxrss`, which covers the
Milvus Lite server it waits for too). Not part of `make bench` (about 2 minutes).
`--embedder-only` instead embeds all 10,000 documents in this process, chunk by
chunk as the pipeline does, and records the peak RSS after each chunk (where in
embedding the memory goes): bench/results/memory_embedder.json.

    python -m bench.memory [--sizes 1000,4000] [--embedder-only]  ->  bench/results/memory.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.common import SHARED_DATA, run_child, write_result
from bench.synthetic import BASE_SETS

FILES = [str(SHARED_DATA / "retrieval" / name / "corpus.jsonl") for name in BASE_SETS]


def index_peak_mb(data_dir: str, documents: int) -> dict[str, float]:
    """Index the first `documents` documents; what it embedded and its peak RSS in MB."""
    args = ["-m", "indexer", "--data-dir", data_dir, "index", *FILES, "--preset", "beir"]
    args += ["--collection", "memory", "--no-topics", "--limit", str(documents)]
    out, peak = run_child(args, env={"HF_HUB_OFFLINE": "1"})
    summary = json.loads(out)
    return {
        "documents": summary["documents"],
        "embedded": summary["embedded"],
        "peak_rss_mb": round(peak, 1),
    }


def embedder_peaks() -> None:
    """Peak RSS after each 1,024-document chunk embedded by one `Embedder` (no store)."""
    from bench.synthetic import base_documents
    from corpusmap.embedding.embedder import Embedder
    from corpusmap.store.passages import PassageSplitter

    docs = base_documents()
    embedder = Embedder("minilm")
    splitter = PassageSplitter(embedder.tokenizer, embedder.passage_tokens)
    peaks = {"0": _peak_mb()}
    for start in range(0, len(docs), 1024):
        parts = splitter.split_many([d.text for d in docs[start : start + 1024]])
        embedder.embed_documents([p for doc in parts for p in doc])
        peaks[str(min(len(docs), start + 1024))] = _peak_mb()
        print(start + 1024, peaks, flush=True)
    write_result("memory_embedder", {"peak_rss_mb_after_documents": peaks})


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return round(int(next(x for x in status if x.startswith("VmHWM:")).split()[1]) / 1024, 1)


def main() -> None:
    """Measure each size embedded and cached; write bench/results/memory.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000")
    parser.add_argument("--embedder-only", action="store_true")
    args = parser.parse_args([] if __name__ != "__main__" else None)
    if args.embedder_only:
        embedder_peaks()
        return
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as data_dir:
            embedded = index_peak_mb(data_dir, size)
            cached = index_peak_mb(data_dir, size)
        figures[str(size)] = {"embedding": embedded, "vectors_cached": cached}
        print(size, figures[str(size)], flush=True)
    write_result("memory", figures)


if __name__ == "__main__":
    main()
