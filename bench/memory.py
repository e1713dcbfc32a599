"""Peak memory of `corpusmap index` at two corpus sizes: does it stay flat in N?

Each size is indexed twice in a data folder of its own (the BEIR subsets, no
topics): first embedding every document, then again with every vector in the
embedding cache, which leaves reading, splitting, the cache, the snapshot and the
Milvus insert. Peak RSS is the index child's (`ru_maxrss`, which covers the
Milvus Lite server it waits for too). Not part of `make bench` (about 2 minutes).

`--embedder-only N` instead embeds N documents (the 10,000 real ones, then their
words rotated, so batch shapes keep varying) with one `Embedder` in a child
process, 1,000 at a time as the pipeline does, and records RSS and peak RSS after
each chunk: once as corpusmap runs (freed heap handed back after each chunk,
`corpusmap.embedding.memory`), then without, to `--baseline-documents` (20,000).
`embedder_rss_growth_mb` is RSS after N minus RSS after 5,000 (N = 50,000: about 15
minutes for the first child on a quiet 2-core machine).

    python -m bench.memory [--sizes 1000,5000] [--embedder-only 50000]  ->  results/memory.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RESULTS, SHARED_DATA, run_child, write_result
from bench.synthetic import BASE_SETS

FILES = [str(SHARED_DATA / "retrieval" / name / "corpus.jsonl") for name in BASE_SETS]
OFFLINE = {"HF_HUB_OFFLINE": "1"}
#: Documents embedded per chunk in `--embedder-only`, and where its growth is counted from.
CHUNK = 1000
GROWTH_FROM = 5000


def index_peak_mb(data_dir: str, documents: int) -> dict[str, float]:
    """Index the first `documents` documents; what it embedded and its peak RSS in MB."""
    args = ["-m", "indexer", "--data-dir", data_dir, "index", *FILES, "--preset", "beir"]
    args += ["--collection", "memory", "--no-topics", "--limit", str(documents)]
    out, peak = run_child(args, env=OFFLINE)
    summary = json.loads(out)
    return {
        "documents": summary["documents"],
        "embedded": summary["embedded"],
        "peak_rss_mb": round(peak, 1),
    }


def varied_text(texts: list[str], i: int) -> str:
    """Text i of a corpus longer than the real one: a real text, and past the end the
    same words rotated and shortened by copy, so lengths (batch shapes) keep varying."""
    text = texts[i % len(texts)]
    copy = i // len(texts)
    if not copy:
        return text
    words = text.split()
    k = (copy * 7) % max(1, len(words))
    return " ".join(words[k:] + words[:k][: len(words) // 2])


def embedder_child(documents: int, release: bool) -> None:
    """Embed `documents` texts with one `Embedder`, 1,000 at a time as split passages
    (as the pipeline does, no store); print RSS and peak RSS in MB after each chunk."""
    from bench.synthetic import base_documents
    from corpusmap.embedding.embedder import Embedder
    from corpusmap.store.passages import PassageSplitter

    texts = [d.text for d in base_documents()]
    embedder = Embedder("minilm")
    embedder.release_memory = release
    splitter = PassageSplitter(embedder.tokenizer, embedder.passage_tokens)
    rows: dict[str, list[float]] = {"0": _memory_mb()}
    for start in range(0, documents, CHUNK):
        chunk = [varied_text(texts, i) for i in range(start, min(documents, start + CHUNK))]
        parts = splitter.split_many(chunk)
        embedder.embed_documents([p for doc in parts for p in doc])
        rows[str(start + len(chunk))] = _memory_mb()
        print(start + len(chunk), rows[str(start + len(chunk))], file=sys.stderr, flush=True)
    print(json.dumps(rows))


def embedder_growth(documents: int, baseline: int) -> dict[str, Any]:
    """RSS growth of the embedder from 5k documents to `documents`, with freed heap
    handed back after each chunk (the default), and to `baseline` documents without
    (the baseline; shorter, as its growth shows early)."""
    figures: dict[str, Any] = {}
    for name, release, size in (("released", True, documents), ("not_released", False, baseline)):
        args = ["-m", "bench.memory", "--embedder-child", str(size)]
        out, _ = run_child(args + ([] if release else ["--keep-freed"]), env=OFFLINE)
        figures[name] = growth_figures(json.loads(out.splitlines()[-1]))
        print(name, figures[name]["rss_growth_mb"], flush=True)
    figures["embedder_rss_growth_mb"] = figures["released"]["rss_growth_mb"]
    return figures


def growth_figures(rows: dict[str, list[float]]) -> dict[str, Any]:
    """One child's rows as RSS and peak RSS by documents embedded, and its RSS growth
    from `GROWTH_FROM` documents to the last chunk."""
    last = max(rows, key=int)
    return {
        "rss_mb_after_documents": {k: v[0] for k, v in rows.items()},
        "peak_rss_mb_after_documents": {k: v[1] for k, v in rows.items()},
        "growth_from_to": [GROWTH_FROM, int(last)],
        "rss_growth_mb": round(rows[last][0] - rows[str(GROWTH_FROM)][0], 1),
    }


def _memory_mb() -> list[float]:
    """This process's RSS and peak RSS (VmRSS, VmHWM) in MB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return [round(int(status[key].split()[0]) / 1024, 1) for key in ("VmRSS", "VmHWM")]


def main() -> None:
    """Measure each size embedded and cached; write bench/results/memory.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--embedder-only", type=int, metavar="DOCUMENTS", default=0)
    parser.add_argument("--baseline-documents", type=int, default=20_000)
    parser.add_argument("--embedder-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--keep-freed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    if args.embedder_child:
        embedder_child(args.embedder_child, release=not args.keep_freed)
        return
    figures = _previous()
    if args.embedder_only:
        figures["embedder"] = embedder_growth(args.embedder_only, args.baseline_documents)
        figures["embedder_rss_growth_mb"] = figures["embedder"]["embedder_rss_growth_mb"]
    else:
        for size in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory() as data_dir:
                embedded = index_peak_mb(data_dir, size)
                cached = index_peak_mb(data_dir, size)
            figures[str(size)] = {"embedding": embedded, "vectors_cached": cached}
            print(size, figures[str(size)], flush=True)
    write_result("memory", figures)


def _previous() -> dict[str, Any]:
    """The figures already in bench/results/memory.json (one part is measured at a time)."""
    path = RESULTS / "memory.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures.pop("machine", None)
    return figures


if __name__ == "__main__":
    main()
