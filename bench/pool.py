"""Embedding with a worker pool versus one process, on the same texts in one run.

`CORPUSMAP_EMBED_PROCESSES` (`corpusmap index --embed-processes`) embeds with
sentence-transformers' multi-process pool, the CPU threads shared between the
workers. Baseline: the same `Embedder` in one process (torch's own threads on
every core). The pool's start-up (spawning workers that import torch and get the
model) is timed apart from the encoding. The pool runs sentence-transformers' own
encode in each worker, which sorts by characters; one process sorts by tokens.

    python -m bench.pool [--docs 500] [--processes 2]  ->  bench/results/pool.json
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pandas as pd

from bench.common import SHARED_DATA, write_result
from corpusmap.embedding.embedder import Embedder


def _texts(limit: int) -> list[str]:
    paths = sorted((SHARED_DATA / "patents").glob("abstracts_*.csv"))
    frame = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths])
    texts = (frame["patent_title"] + "\n\n" + frame["patent_abstract"]).tolist()
    return texts[:limit]


def _rate(embedder: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - started)


def measure(docs: int, processes: int) -> dict[str, Any]:
    """Docs/s in one process and with a pool of `processes` workers, same texts."""
    texts = _texts(docs)
    single = Embedder("minilm")
    single.embed_documents(texts[:64])  # warm-up
    single_rate = _rate(single, texts)
    pooled = Embedder("minilm", processes=processes)
    started = time.perf_counter()
    pooled.embed_documents(texts[: processes * pooled.batch_size])  # starts the workers
    startup_s = time.perf_counter() - started
    try:
        pooled_rate = _rate(pooled, texts)
    finally:
        pooled.close()
    return {
        "docs": len(texts),
        "processes": processes,
        "single_process_docs_per_s": round(single_rate, 1),
        "pool_docs_per_s": round(pooled_rate, 1),
        "ratio": round(pooled_rate / single_rate, 3),
        "pool_startup_s": round(startup_s, 1),
    }


def main() -> None:
    """Measure and write bench/results/pool.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    figures = measure(args.docs, args.processes)
    print(figures)
    write_result("pool", figures)


if __name__ == "__main__":
    main()
