"""One build of a collection: rows into a fresh Milvus target, topics, report, publish.

Every write to a collection goes through `run_build`: a full index run, a topic
refit and an `--add` run each make a new build, and the served build changes
only when the new one is complete. A run that fails or is killed leaves the
served build in place; the next run clears the dead one and, thanks to the
embedding cache, embeds only what the dead run had not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from corpusmap.builds.publishing import (
    build_target,
    open_store_at,
    prune,
    publish,
    record_failure,
)
from corpusmap.builds.registry import BuildInfo, BuildRegistry
from corpusmap.builds.snapshots import (
    SNAPSHOT_FILE,
    TOPICS_FILE,
    Partition,
    SnapshotWriter,
    load_partition,
    save_partition,
)
from corpusmap.builds.space import SpaceWatch, is_disk_full
from corpusmap.config import Settings
from corpusmap.documents import Document
from corpusmap.embedding.cache import EmbeddingCache
from corpusmap.embedding.embedder import Embedder
from corpusmap.errors import CollectionNotFoundError, ConfigError, CorpusError, DiskFullError
from corpusmap.reports.data import collect_report_data
from corpusmap.reports.pages import app_document_url
from corpusmap.reports.render import render_report
from corpusmap.reports.saved import REPORT_DATA_FILE, save_report_data
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import OUTLIER_TOPIC
from indexer.pipeline.add import place_added_documents
from indexer.pipeline.load import LoadProgress, LoadResult, fit_and_store_topics, load_documents

log = logging.getLogger(__name__)

BuildKind = Literal["index", "add", "refit"]


@dataclass
class BuildRequest:
    """What to build: a collection's documents and how its topics are made.

    `index` and `refit` fit topics afresh, ids matched to `parent_partition` (the
    published build's topics when not given); `add` keeps the parent's topics and
    places `added_ids` into them.
    """

    collection: str
    kind: BuildKind
    docs: Iterable[Document]
    fit_topics: bool = True
    parent: BuildInfo | None = None
    parent_partition: Partition | None = None
    added_ids: set[str] | None = None
    #: How many documents `docs` holds, if known beforehand (the progress bar's total).
    expected: int | None = None
    #: The first topic id no build of the collection has given (set by `run_build`).
    next_topic_id: int = 0


def run_build(settings: Settings, request: BuildRequest, embedder: Embedder) -> dict[str, Any]:
    """Build, then publish; a failed build is recorded as failed and never served.

    A full disk anywhere in the run is a `DiskFullError` that says about how much
    more space the build needs; the failed build's files go so that its record can
    be written, and the served build is never touched.
    """
    watch = SpaceWatch.start(settings.data_dir, embedder.dimension, lite=settings.uses_lite())
    try:
        return _build(settings, request, embedder, watch)
    except BaseException as exc:
        if isinstance(exc, DiskFullError) or not (watch.shortfall or is_disk_full(exc)):
            raise
        then = "; the served build is unchanged, and a rerun reuses what was embedded"
        raise watch.error(f"building {request.collection!r}", exc, then) from exc


def _build(
    settings: Settings, request: BuildRequest, embedder: Embedder, watch: SpaceWatch
) -> dict[str, Any]:
    registry = BuildRegistry(settings.data_dir)
    with registry.writing(request.collection):
        if served := _served(registry, request.collection):
            served_dir = registry.build_dir(served.collection, served.build_id)
            watch.like(served_dir, served.documents)
            if request.parent_partition is None:  # topic ids stay those of the served build
                served_topics = load_partition(served_dir / TOPICS_FILE)
                request = replace(request, parent_partition=served_topics)
        request = replace(request, next_topic_id=ids_given(registry, request.collection))
        parent = request.parent.build_id if request.parent else None
        info = registry.start(request.collection, kind=request.kind, parent=parent)
        log.info("building %s build %s (%s)", info.collection, info.build_id, info.kind)
        progress = LoadProgress()
        try:
            summary = _fill(settings, registry, info, request, embedder, progress)
            info = registry.finish(info, summary["documents"], summary)
        except BaseException as exc:  # KeyboardInterrupt too: never leave it "building"
            # Milvus Lite may say only "Unexpected error in RPC handling" on a full disk.
            if full := is_disk_full(exc) or (isinstance(exc, Exception) and watch.is_full()):
                watch.measure(progress.documents, request.expected)
            record_failure(settings, registry, info, f"{type(exc).__name__}: {exc}", free=full)
            raise
        publish(settings, registry, info)
        summary["pruned_builds"] = prune(settings, registry, request.collection)
    return summary


def ids_given(registry: BuildRegistry, collection: str) -> int:
    """The first topic id that no recorded build of a collection has given (each build
    records its `next_topic_id`, so a pruned build's ids are counted by those after it;
    a build rolled back from counts too)."""
    recorded = (b.summary.get("topics", {}).get("ids", {}) for b in registry.builds(collection))
    return max((int(ids.get("next_topic_id", 0)) for ids in recorded), default=0)


def _served(registry: BuildRegistry, collection: str) -> BuildInfo | None:
    try:
        return registry.current(collection)
    except CollectionNotFoundError:
        return None


def _fill(
    settings: Settings,
    registry: BuildRegistry,
    info: BuildInfo,
    request: BuildRequest,
    embedder: Embedder,
    progress: LoadProgress,
) -> dict[str, Any]:
    folder = registry.build_dir(info.collection, info.build_id)
    target = build_target(settings, registry, info)
    cache = EmbeddingCache.for_model(
        settings.cache_dir(), embedder.name, embedder.dimension, embedder_backend(embedder)
    )
    with (
        open_store_at(settings, target.uri) as store,
        cache,
        SnapshotWriter(folder / SNAPSHOT_FILE) as snapshot,
    ):
        loaded = load_documents(
            request.docs,
            store=store,
            embedder=embedder,
            collection=target.name,
            max_text_chars=settings.max_text_chars,
            passages=settings.passages,
            chunk_size=settings.chunk_size,
            cache=cache,
            snapshot=snapshot,
            expected=request.expected,
            tracker=progress,
        )
        if loaded.documents == 0:
            raise CorpusError(f"no valid documents for {info.collection!r}")
        summary = _load_summary(info, embedder, loaded)
        if request.fit_topics:
            summary["topics"] = _topics(settings, store, target.name, folder, request, embedder)
    return summary


def embedder_backend(embedder: Embedder) -> str:
    """The backend an embedder runs on (cache entries of different backends differ)."""
    return str(getattr(embedder, "backend", "torch"))


def _load_summary(info: BuildInfo, embedder: Embedder, loaded: LoadResult) -> dict[str, Any]:
    log.info(
        "loaded %d documents (%d embedded, %d from the cache) at %.1f docs/s",
        loaded.documents,
        loaded.embedded,
        loaded.cached,
        loaded.docs_per_s,
    )
    return {
        "collection": info.collection,
        "build": info.build_id,
        "kind": info.kind,
        "model": embedder.name,
        "documents": loaded.documents,
        "embedded": loaded.embedded,
        "from_cache": loaded.cached,
        "embed_load_seconds": round(loaded.seconds, 1),
        "docs_per_s": round(loaded.docs_per_s, 1),
    }


def _topics(
    settings: Settings,
    store: MilvusStore,
    name: str,
    folder: Path,
    request: BuildRequest,
    embedder: Embedder,
) -> dict[str, Any]:
    if request.kind == "add" and request.parent_partition is not None:
        placed = place_added_documents(
            store, name, request.parent_partition, request.added_ids or set(), request.next_topic_id
        )
        save_partition(folder / TOPICS_FILE, placed.partition)
        summary = placed.summary(settings.drift_threshold)
    else:
        try:
            summary = _fit(settings, store, name, folder, embedder, request)
        except ConfigError as exc:  # e.g. too few documents: the index itself is fine
            log.warning("topics skipped: %s", exc)
            return {"skipped": str(exc)}
    summary["report"] = str(_write_report(settings, store, name, folder, request.collection))
    return summary


def _fit(
    settings: Settings,
    store: MilvusStore,
    name: str,
    folder: Path,
    embedder: Embedder,
    request: BuildRequest,
) -> dict[str, Any]:
    fit, ids = fit_and_store_topics(
        store,
        name,
        topics_dir=folder / "topic_model",
        seed=settings.seed,
        min_topic_size=settings.min_topic_size,
        max_outlier_share=settings.max_outlier_share,
        embedder=embedder,
        sample_size=settings.topic_sample_size,
        previous=request.parent_partition,
        next_free=request.next_topic_id,
    )
    partition = Partition(
        fit.assignments, fit.summaries, fit.vectors, ids.next_topic_id, fit.mixtures
    )
    save_partition(folder / TOPICS_FILE, partition)
    return {
        "topics": sum(1 for s in fit.summaries if s.topic_id != OUTLIER_TOPIC),
        "outlier_share_before": round(fit.outlier_share_before, 4),
        "outlier_share": round(fit.outlier_share, 4),
        "max_outlier_share": fit.params.max_outlier_share,
        "seed": fit.params.seed,
        "min_topic_size": fit.params.min_topic_size,
        "fit_sample": fit.params.fit_sample,
        "ids": ids.record(),
    }


def _write_report(
    settings: Settings, store: MilvusStore, name: str, folder: Path, collection: str
) -> Path:
    """The build's report data, kept in its folder for the API and `corpusmap report`,
    and its one-page report, documents linked to the app at the public URL."""
    data = collect_report_data(store, name)
    data.collection = collection
    save_report_data(data, folder / REPORT_DATA_FILE)
    report = folder / "report.html"
    url = app_document_url(settings.public_url, collection)
    report.write_text(render_report(data, document_url=url), encoding="utf-8")
    log.info("topic report written to %s", report)
    return report
