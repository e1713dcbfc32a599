"""What each CLI command does, apart from parsing its arguments."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpusmap.builds.announce import SERVING_URL_ENV, local_url
from corpusmap.builds.publishing import open_published, rollback
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import (
    SNAPSHOT_FILE,
    TOPICS_FILE,
    load_partition,
    read_snapshot,
    snapshot_ids,
)
from corpusmap.config import Settings, get_settings
from corpusmap.distributed import RayReport, embed_on_ray, remove_run_folder
from corpusmap.documents import Document
from corpusmap.embedding.embedder import Embedder, EmbedderPool
from corpusmap.errors import (
    CollectionNotFoundError,
    ConfigError,
    CorpusError,
)
from corpusmap.search.fusion import Fusion
from indexer.evaluation.retrieval import evaluate
from indexer.pipeline.build import BuildRequest, run_build
from indexer.reading.counting import expected_rows
from indexer.reading.presets import FieldMapping
from indexer.reading.sources import ReadReport, RowProblem, mapping_from_options, read_corpus

log = logging.getLogger(__name__)


@dataclass
class IndexOptions:
    """The corpus and field mapping of an index run."""

    sources: list[str]
    preset: str | None = None
    collection: str | None = None
    id_field: str | None = None
    text_fields: list[str] | None = None
    title_field: str | None = None
    date_field: str | None = None
    label_fields: list[str] | None = None
    metadata_fields: list[str] | None = None
    encoding: str | None = None
    split: str = "train"
    limit: int | None = None
    fit_topics: bool = True


def default_collection_name(source: str, model: str) -> str:
    """A collection name from a corpus source and a model: `<stem>_<model>`."""
    stem = Path(source.rstrip("/")).stem or "corpus"
    raw = f"{stem}_{Path(model).name}"
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")
    return name if re.match(r"^[A-Za-z_]", name) else f"c_{name}"


def _embedder(settings: Settings) -> Embedder:
    return Embedder.from_settings(settings)


def _mapping(options: IndexOptions) -> FieldMapping:
    return mapping_from_options(
        options.preset,
        options.id_field,
        options.text_fields,
        options.title_field,
        options.date_field,
        options.label_fields,
        options.metadata_fields,
        options.encoding,
    )


def _read_options(options: IndexOptions, report: ReadReport) -> Iterator[Document]:
    mapping = _mapping(options)
    return read_corpus(options.sources, mapping, report, split=options.split, limit=options.limit)


def _expected(options: IndexOptions) -> int | None:
    """The corpus's rows counted beforehand (None for a hub dataset)."""
    return expected_rows(options.sources, _mapping(options), limit=options.limit)


def _plus(known: int | None, more: int | None) -> int | None:
    return None if known is None or more is None else known + more


def run_index(settings: Settings, options: IndexOptions) -> dict[str, Any]:
    """Read, embed and load a corpus into a new build, fit topics, publish it."""
    collection = options.collection or default_collection_name(options.sources[0], settings.model)
    report = ReadReport()
    docs = _read_options(options, report)
    request = BuildRequest(
        collection, "index", docs, fit_topics=options.fit_topics, expected=_expected(options)
    )
    prefill = None
    if settings.ray_address:

        def prefill(embedder: Embedder) -> RayReport:
            fresh = _read_options(options, ReadReport())  # its problems: the build's report
            return embed_on_ray(settings, embedder, fresh, collection)

    return _build_reporting(settings, request, report, prefill)


def run_add(settings: Settings, options: IndexOptions) -> dict[str, Any]:
    """Append new documents to a collection as a new build: the old ones from the
    published build (no embedding), the new ones placed into its topics."""
    if not options.collection:
        raise ConfigError("--add needs --collection NAME: the collection to add to")
    registry = BuildRegistry(settings.data_dir)
    parent = registry.current(options.collection)
    folder = registry.build_dir(parent.collection, parent.build_id)
    old_ids = snapshot_ids(folder / SNAPSHOT_FILE)
    report = ReadReport()
    added: set[str] = set()
    new_docs = _only_new(_read_options(options, report), old_ids, added, report)
    partition = load_partition(folder / TOPICS_FILE)
    request = BuildRequest(
        options.collection,
        "add",
        itertools.chain(read_snapshot(folder / SNAPSHOT_FILE), new_docs),
        fit_topics=partition is not None,
        parent=parent,
        parent_partition=partition,
        added_ids=added,
        expected=_plus(parent.documents, _expected(options)),
    )
    return {**_build_reporting(settings, request, report), "added_documents": len(added)}


def _only_new(
    docs: Iterable[Document], old_ids: set[str], added: set[str], report: ReadReport
) -> Iterator[Document]:
    """The documents whose id is not in the collection yet (others counted as skipped)."""
    for number, doc in enumerate(docs, start=1):
        if doc.id in old_ids:
            report.valid -= 1
            report.add(RowProblem("--add", number, "id already in collection", doc.id[:80]))
            continue
        added.add(doc.id)
        yield doc


def _build_reporting(
    settings: Settings,
    request: BuildRequest,
    report: ReadReport,
    prefill: Callable[[Embedder], RayReport] | None = None,
) -> dict[str, Any]:
    """Build; with `prefill` (a Ray run), the embedding cache is filled on Ray first."""
    try:
        embedder = _embedder(settings)
        try:
            ray_report = prefill(embedder) if prefill is not None else None
            summary = run_build(settings, request, embedder)
            if ray_report is not None:
                summary["ray"] = ray_report.to_dict()
                remove_run_folder(settings, embedder, request.collection)
        finally:
            embedder.close()
    except CorpusError as exc:
        raise CorpusError(f"{exc}\n{report.summary()}") from exc
    finally:
        log.info("read report:\n%s", report.summary())
    return {**summary, "read_report": report.to_dict()}


def run_topics(settings: Settings, collection: str) -> dict[str, Any]:
    """Refit the topics of a collection as a new build (rows and vectors reused)."""
    registry = BuildRegistry(settings.data_dir)
    parent = registry.current(collection)
    folder = registry.build_dir(parent.collection, parent.build_id)
    meta_model = str(parent.summary.get("model", settings.model))
    request = BuildRequest(
        collection,
        "refit",
        read_snapshot(folder / SNAPSHOT_FILE),
        parent=parent,
        expected=parent.documents,
    )
    embedder = Embedder.from_settings(settings, meta_model)
    summary = run_build(settings, request, embedder)
    if summary["embedded"]:
        log.warning("the refit embedded %d documents missing from the cache", summary["embedded"])
    return summary


def run_builds(settings: Settings, collection: str) -> dict[str, Any]:
    """The builds of a collection, oldest first, and which one is published."""
    registry = BuildRegistry(settings.data_dir)
    current = registry.current_id(collection)
    builds = [
        {
            "build": b.build_id,
            "status": b.status,
            "published": b.build_id == current,
            "kind": b.kind,
            "created": b.created,
            "finished": b.finished,
            "documents": b.documents,
            "parent": b.parent,
            "error": b.error,
        }
        for b in registry.builds(collection)
    ]
    if not builds:
        raise CollectionNotFoundError(f"no builds of collection {collection[:80]!r}")
    return {"collection": collection, "published": current, "builds": builds}


def run_rollback(settings: Settings, collection: str) -> dict[str, Any]:
    """Publish the build before the published one."""
    registry = BuildRegistry(settings.data_dir)
    before = registry.current(collection).build_id
    previous = rollback(settings, registry, collection)
    return {"collection": collection, "published": previous.build_id, "replaced": before}


def run_serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run the API under uvicorn (referenced by name: the indexer never imports the api)."""
    import os

    import uvicorn

    if workers > 1 and settings.uses_lite():
        raise ConfigError(
            "a Milvus Lite file can be opened by one process only: use --workers 1, or set "
            "CORPUSMAP_MILVUS_URI to a Milvus server (see docker-compose.yml)"
        )
    # Every setting (env, .env and flags alike) reaches the app's own get_settings(),
    # in this process and in each worker, through the environment.
    os.environ.update(settings.to_environ())
    get_settings.cache_clear()  # the CLI read them before the flags were in the environment
    # The app names itself in the data dir: commands that find a build held ask it.
    os.environ[SERVING_URL_ENV] = local_url(host, port)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers)


def _fusion(settings: Settings, method: str) -> Fusion:
    """A fusion method with the settings' parameters (convex fusion's alpha)."""
    return Fusion(method=method, alpha=settings.hybrid_alpha)


def run_eval(
    settings: Settings,
    folder: Path,
    *,
    collection: str | None,
    modes: list[str],
    reindex: bool = False,
    split: str = "test",
    fusions: list[str] | None = None,
) -> dict[str, Any]:
    """Index a BEIR folder if needed, then measure each search mode and exact search;
    hybrid with each of `fusions` (default: the settings' fusion)."""
    name = collection or default_collection_name(f"beir_{folder.name}", settings.model)
    exists = BuildRegistry(settings.data_dir).current_id(name) is not None
    if reindex or not exists:
        options = IndexOptions(
            sources=[str(folder / "corpus.jsonl")],
            preset="beir",
            collection=name,
            fit_topics=False,
        )
        run_index(settings, options)
    pool = EmbedderPool.from_settings(settings)
    with open_published(settings, name) as (store, physical):
        results = evaluate(
            store,
            pool,
            physical,
            folder,
            modes=modes,
            split=split,
            fusions=[_fusion(settings, f) for f in fusions or [settings.hybrid_fusion]],
        )
    return {"dataset": folder.name, "collection": name, "model": settings.model, **results}
