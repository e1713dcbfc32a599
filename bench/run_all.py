"""`make bench`: run every benchmark in turn; each writes bench/results/<name>.json."""

from __future__ import annotations

from bench import indexing, passages, retrieval, topics

BENCHMARKS = [indexing.main, retrieval.main, passages.main, topics.main]


def main() -> None:
    """Run the benchmarks in order."""
    for benchmark in BENCHMARKS:
        benchmark()


if __name__ == "__main__":
    main()
