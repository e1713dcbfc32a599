"""Where a build's rows live, and how a build is published, rolled back and pruned.

Milvus Lite: a build is its own file, the collection keeps its name inside it,
and publishing rewrites `CURRENT`. Milvus server: a build is the collection
`<name>__<build_id>` (topics: `<name>__<build_id>__topics`); publishing moves
the aliases `<name>` and `<name>__topics` to it, then rewrites `CURRENT`, so
readers that query `<name>` switch on the server at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from corpusmap.builds.registry import BuildInfo, BuildRegistry
from corpusmap.config import Settings
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import TOPICS_SUFFIX
from corpusmap.store.vector_index import index_spec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildTarget:
    """The Milvus and the collection name that hold one build."""

    uri: str
    name: str


def build_target(settings: Settings, registry: BuildRegistry, info: BuildInfo) -> BuildTarget:
    """Where a build's rows are."""
    if settings.uses_lite():
        return BuildTarget(uri=registry.lite_uri(info), name=info.collection)
    return BuildTarget(uri=settings.milvus_uri, name=info.physical_name)


def open_store_at(settings: Settings, uri: str) -> MilvusStore:
    """A store on a Milvus URI with these settings' token and batch size."""
    return MilvusStore(
        uri,
        settings.milvus_token.get_secret_value(),
        insert_batch_size=settings.insert_batch_size,
        index=index_spec(settings),
        keyword_compounds=settings.keyword_compounds,
    )


def server_store(settings: Settings) -> MilvusStore:
    """The store on the configured Milvus server (not for Lite)."""
    return open_store_at(settings, settings.milvus_uri)


def publish(settings: Settings, registry: BuildRegistry, info: BuildInfo) -> None:
    """Make a complete build the served one: alias swap on a server, then `CURRENT`."""
    if not settings.uses_lite():
        with server_store(settings) as store:
            aliases = set(store.client.list_aliases().get("aliases", []))
            _point_alias(store, aliases, info.physical_name, info.collection)
            topics_alias = info.collection + TOPICS_SUFFIX
            if store.client.has_collection(info.physical_name + TOPICS_SUFFIX):
                _point_alias(store, aliases, info.physical_name + TOPICS_SUFFIX, topics_alias)
            elif topics_alias in aliases:  # a build without topics: serve none, not the old ones
                store.client.drop_alias(topics_alias)
    registry.publish(info)


def _point_alias(store: MilvusStore, aliases: set[str], collection: str, alias: str) -> None:
    """Point an alias at a collection: moved if it exists (the server's atomic swap),
    created for the first build (asked first: a failed RPC logs a traceback)."""
    if alias in aliases:
        store.client.alter_alias(collection, alias)
    else:
        store.client.create_alias(collection, alias)


def rollback(settings: Settings, registry: BuildRegistry, collection: str) -> BuildInfo:
    """Publish the newest complete build before the published one."""
    with registry.writing(collection):
        previous = registry.previous(collection)
        publish(settings, registry, previous)
    return previous


def prune(settings: Settings, registry: BuildRegistry, collection: str) -> list[str]:
    """Remove builds beyond `keep_builds` (folders, and collections on a server)."""
    removed = registry.prune(collection, settings.keep_builds)
    if removed and not settings.uses_lite():
        with server_store(settings) as store:
            for build_id in removed:
                store.drop_collection(f"{collection}__{build_id}")
    if removed:
        log.info("pruned %d old builds of %s: %s", len(removed), collection, ", ".join(removed))
    return removed


def discard(settings: Settings, registry: BuildRegistry, info: BuildInfo) -> None:
    """Drop a failed server build's collections (a Lite build's file goes with pruning)."""
    if settings.uses_lite():
        return
    try:
        with server_store(settings) as store:
            store.drop_collection(info.physical_name)
    except Exception as exc:  # cleanup must not hide the failure that led here
        log.warning("could not drop failed build %s: %s", info.physical_name, exc)


def record_failure(
    settings: Settings, registry: BuildRegistry, info: BuildInfo, error: str, *, free: bool
) -> BuildInfo | None:
    """Record a build as failed, even on a full disk: with `free` its own files go
    first (a failed build is never served); if `build.json` still cannot be written,
    the build's folder goes too, and None is returned. Never raises `OSError`."""
    discard(settings, registry, info)
    if free:
        registry.clear_files(info)
    try:
        return registry.fail(info, error)
    except OSError as exc:
        log.warning("could not record build %s as failed (%s); removing it", info.build_id, exc)
        registry.remove(info.collection, info.build_id)
        return None


@contextmanager
def open_published(settings: Settings, collection: str) -> Iterator[tuple[MilvusStore, str]]:
    """The published build of a collection: its store and the name to query there."""
    registry = BuildRegistry(settings.data_dir)
    info = registry.current(collection)
    target = build_target(settings, registry, info)
    with open_store_at(settings, target.uri) as store:
        yield store, target.name
