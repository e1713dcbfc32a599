"""Prometheus metrics of the API: requests by route template, and what is served.

Each app has its own registry (tests build several apps in one process). Under
several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by
the workers: request metrics are then summed over all of them on every scrape.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

import corpusmap

log = logging.getLogger(__name__)

#: Label of requests no route matched: raw paths would let any client create series.
UNMATCHED_ROUTE = "unmatched"

#: Seconds; from a cached topic list (ms) to a hybrid search with a cold model (s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServedCollector(Collector):
    """Read at scrape time: version, readiness, models, builds and documents served."""

    #: Seconds a document count is reused: counting a large collection on a server
    #: scans it, and a build's count only changes when documents are added to it.
    COUNT_TTL_S = 60.0

    def __init__(self, state: Any) -> None:
        self._state = state
        self._counts: dict[tuple[str, str], tuple[int, float]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges, from whatever the lifespan has put on the app so far."""
        services = getattr(self._state, "services", None)
        settings = getattr(self._state, "settings", None)
        info = GaugeMetricFamily(
            "corpusmap_build_info", "Version and store kind served.", labels=["version", "store"]
        )
        store_kind = "none" if settings is None else "lite" if settings.uses_lite() else "server"
        info.add_metric([corpusmap.__version__, store_kind], 1)
        yield info
        ready = float(bool(getattr(self._state, "ready", False)))
        yield GaugeMetricFamily("corpusmap_ready", "1 once store and models are up.", ready)
        if services is None:
            return
        models = GaugeMetricFamily("corpusmap_model_loaded", "Models loaded.", labels=["model"])
        for name in services.embedders.loaded():
            models.add_metric([name], 1)
        yield models
        yield from self._collections(services.stores)

    def _collections(self, stores: Any) -> Iterator[GaugeMetricFamily]:
        builds = GaugeMetricFamily(
            "corpusmap_served_build",
            "The published build each collection is served from.",
            labels=["collection", "build"],
        )
        docs = GaugeMetricFamily(
            "corpusmap_collection_documents", "Documents per collection.", labels=["collection"]
        )
        up = 1
        for name, build in stores.served_builds().items():
            builds.add_metric([name, build], 1)
            try:
                docs.add_metric([name], self._count(stores, name, build))
            except Exception:  # a scrape must answer even when Milvus does not
                log.warning("metrics: no document count for %s", name, exc_info=True)
                up = 0
        yield builds
        yield docs
        yield GaugeMetricFamily("corpusmap_store_up", "1 if every served store answered.", up)

    def _count(self, stores: Any, name: str, build: str) -> int:
        cached = self._counts.get((name, build))
        if cached is not None and time.monotonic() - cached[1] < self.COUNT_TTL_S:
            return cached[0]
        with stores.lease(name) as store:
            count = int(store.count(name))
        # One entry per collection: a new build replaces the old one's.
        self._counts = {k: v for k, v in self._counts.items() if k[0] != name}
        self._counts[(name, build)] = (count, time.monotonic())
        return count


class Metrics:
    """The request metrics of one app, and its scrape output."""

    def __init__(self, state: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "corpusmap_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "corpusmap_http_request_duration_seconds",
            "HTTP request latency by route template, method and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.served = ServedCollector(state)
        self.registry.register(self.served)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        labels = (route, method, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def render(self) -> bytes:
        """The text exposition: this process's registry, or all workers' in multiprocess mode."""
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        merged.register(self.served)
        return generate_latest(merged)
