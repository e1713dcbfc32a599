"""Load while publishing: concurrent clients on the live API while new builds publish.

The API runs as `corpusmap serve` in its own process; clients are threads here;
an index run in a child process publishes new builds of the served collection
(alternating two corpora, so the served document count flips with each publish)
for as long as the clients run. Every response must be a 200: errors must be 0.

    python -m bench.load [--clients 8] [--seconds 45]  ->  bench/results/load.json
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import ROOT, SHARED_DATA, write_result

AG_NEWS = SHARED_DATA / "topics" / "ag_news_test.csv"
QUERIES = ["oil prices rise", "world cup final", "new chip from intel", "election results"]


@dataclass
class LoadStats:
    """What the clients saw."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ms: float, error: str | None) -> None:
        """Count one request."""
        with self.lock:
            self.latencies_ms.append(ms)
            if error:
                self.errors.append(error)

    def percentile(self, q: float) -> float:
        """A latency percentile in ms."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def client_loop(base: str, collection: str, stop: threading.Event, stats: LoadStats) -> None:
    """One client: searches, collection info and topic lists until `stop`."""
    with httpx.Client(base_url=base, timeout=30) as http:
        for n in range(10**9):
            if stop.is_set():
                return
            started = time.perf_counter()
            try:
                response = _request(http, collection, n)
                error = None if response.status_code == 200 else f"{response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            stats.record(1000 * (time.perf_counter() - started), error)


def _request(http: httpx.Client, collection: str, n: int) -> httpx.Response:
    kind = n % 4
    if kind == 0:
        return http.get(f"/collections/{collection}")
    if kind == 1:
        return http.get(f"/collections/{collection}/topics")
    body = {"query": QUERIES[n % len(QUERIES)], "top_k": 10}
    return http.post(f"/collections/{collection}/search", json=body)


def drive(
    base: str, collection: str, clients: int, seconds: float, during: Callable[[], int]
) -> tuple[LoadStats, int]:
    """Run `clients` threads for at least `seconds` and until `during()` returns; the
    stats (with the time it really ran) and what `during()` returned."""
    stats, stop = LoadStats(), threading.Event()
    started = time.monotonic()
    threads = [
        threading.Thread(target=client_loop, args=(base, collection, stop, stats))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    ends = time.monotonic() + seconds
    try:
        result = during()
        time.sleep(max(0.0, ends - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        stats.seconds = time.monotonic() - started
    return stats, result


def write_news(path: Path, first: int, count: int) -> Path:
    """Rows `first .. first + count - 1` of AG News as a CSV with ids `n<row>`."""
    with open(AG_NEWS, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))[first : first + count]
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "title", "description", "label"])
        for number, row in enumerate(rows, start=first):
            writer.writerow([f"n{number}", row["title"], row["description"], row["label"]])
    return path


def news_cli_args(path: Path, collection: str) -> list[str]:
    """`corpusmap index` arguments for a file `write_news` made."""
    return [
        "index", str(path), "--collection", collection, "--id-field", "id",
        "--text-field", "title", "--text-field", "description", "--title-field", "title",
        "--label-field", "label",
    ]  # fmt: skip


def index_command(data_dir: Path, corpus: Path) -> list[str]:
    """The `corpusmap index` command line that (re)publishes the `news` collection."""
    return [
        sys.executable, "-m", "indexer", "--data-dir", str(data_dir),
        *news_cli_args(corpus, "news"),
    ]  # fmt: skip


@contextmanager
def served(data_dir: Path, port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """`corpusmap serve` in a child process (`env` added to its environment), until the
    block ends; yields its URL."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CORPUSMAP_RELOAD_INTERVAL_S": "0.5", **(env or {})}
    command = [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the API exited before it was ready")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the API did not start in 180 s")


def main() -> None:
    """Index two corpora (warming the cache), serve, load it while republishing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        corpora = [write_news(data / "a.csv", 0, 600), write_news(data / "b.csv", 600, 500)]
        for corpus in reversed(corpora):  # both embedded once; a's build is published last
            subprocess.run(index_command(data, corpus), cwd=ROOT, env=env, check=True)
        with served(data, args.port) as base:
            stats, publishes = drive(
                base, "news", args.clients, args.seconds, lambda: _republish(data, corpora, env)
            )
    _report(args.clients, stats, publishes)


def _republish(data: Path, corpora: list[Path], env: dict[str, str]) -> int:
    """Publish b, then a: two new builds while the clients run."""
    for corpus in [corpora[1], corpora[0]]:
        subprocess.run(index_command(data, corpus), cwd=ROOT, env=env, check=True)
    return 2


def _report(clients: int, stats: LoadStats, publishes: int) -> None:
    figures = {
        "clients": clients,
        "seconds": round(stats.seconds, 1),
        "requests": len(stats.latencies_ms),
        "errors": len(stats.errors),
        "p50_ms": round(statistics.median(stats.latencies_ms), 1) if stats.latencies_ms else 0,
        "p99_ms": round(stats.percentile(0.99), 1),
        "publishes_during_run": publishes,
        "error_kinds": sorted(set(stats.errors)),
    }
    write_result("load", figures)


if __name__ == "__main__":
    main()
