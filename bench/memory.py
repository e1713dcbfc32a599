"""Peak memory of `corpusmap index` at two corpus sizes: does it stay flat in N?

Each size is indexed twice in a data folder of its own (the BEIR subsets, no
topics): first embedding every document, then again with every vector in the
embedding cache, which leaves reading, splitting, the cache, the snapshot and the
Milvus insert. Peak RSS is the index child's (`ru_maxrss`, which covers the
Milvus Lite server it waits for too). Not part of `make bench` (about 2 minutes).

    python -m bench.memory [--sizes 1000,4000]  ->  bench/results/memory.json
"""

from __future__ import annotations

import argparse
import json
import tempfile

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


def main() -> None:
    """Measure each size embedded and cached; write bench/results/memory.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000")
    args = parser.parse_args([] if __name__ != "__main__" else None)
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
