"""`make bench`: run every benchmark in turn; each writes bench/results/<name>.json.

All of them share one BENCH_DATA_DIR (a temporary folder unless it is set), so
the embedding cache is shared: bench.retrieval embeds the two BEIR subsets once
and bench.query and bench.topic_fit build their corpora from those vectors
without embedding anything. `run_all.json` records how long each one took.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from bench import encoding, indexing, load, passages, pool, query, retrieval, topic_fit, topics
from bench.common import write_result

BENCHMARKS: list[tuple[str, Callable[[], None]]] = [
    ("indexing", indexing.main),
    ("retrieval", retrieval.main),
    ("passages", passages.main),
    ("topics", topics.main),
    ("query", query.main),
    ("topic_fit", topic_fit.main),
    ("encoding", encoding.main),
    ("pool", pool.main),
    ("load", load.main),
]


def _run_each() -> tuple[dict[str, float], dict[str, str]]:
    """Each benchmark's seconds, and the error of each that failed (the rest still run)."""
    seconds: dict[str, float] = {}
    failed: dict[str, str] = {}
    for name, benchmark in BENCHMARKS:
        started = time.perf_counter()
        try:
            benchmark()
        except Exception as exc:  # recorded and reported; the run still fails at the end
            failed[name] = f"{type(exc).__name__}: {exc}"
            print(f"== {name} FAILED: {failed[name]}", flush=True)
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"== {name}: {seconds[name]:.0f} s", flush=True)
    return seconds, failed


def main() -> None:
    """Run the benchmarks in order, sharing one data folder, and record their times."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="corpusmap-bench-") as scratch:
        os.environ.setdefault("BENCH_DATA_DIR", scratch)
        seconds, failed = _run_each()
    figures = {
        "seconds": seconds,
        "failed": failed,
        "total_minutes": round(sum(seconds.values()) / 60, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    write_result("run_all", figures)
    if failed:
        raise SystemExit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
