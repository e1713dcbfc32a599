"""The topic changes between two builds of a collection, read from their `topics.json`
files alone (no Milvus is opened: this works while the API serves the builds)."""

from __future__ import annotations

import functools
from pathlib import Path

from corpusmap.builds.registry import BuildInfo, BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, Partition, load_partition
from corpusmap.errors import BuildNotFoundError, CollectionNotFoundError, TopicsNotFittedError
from corpusmap.store.schema import is_valid_collection_name
from corpusmap.topics.changes import TopicChanges, topic_changes


def build_changes(
    registry: BuildRegistry,
    collection: str,
    from_build: str | None = None,
    to_build: str | None = None,
) -> TopicChanges:
    """What changed in the topics from build `from_build` to `to_build`: by default the
    published build, and the newest complete build before the later one. An unknown,
    failed or pruned build is a `BuildNotFoundError`."""
    if not is_valid_collection_name(collection):  # a name no build can have, as the API says
        raise CollectionNotFoundError(f"no collection named {collection[:80]!r}")
    current = registry.current(collection)  # CollectionNotFoundError if none is published
    complete = [b for b in registry.builds(collection) if b.status == "complete"]
    later = _find(complete, to_build or current.build_id, collection)
    if from_build is None:
        older = [b for b in complete if b.build_id < later.build_id]
        if not older:
            raise BuildNotFoundError(
                f"{collection!r} has no complete build before {later.build_id}"
            )
        earlier = older[-1]
    else:
        earlier = _find(complete, from_build, collection)
    folders = (registry.build_dir(collection, b.build_id) for b in (earlier, later))
    return _changes(*folders, collection)


@functools.lru_cache(maxsize=16)
def _changes(earlier: Path, later: Path, collection: str) -> TopicChanges:
    """The changes between two complete builds, cached (a complete build never changes,
    and its topics.json may be large): callers share the result and only read it."""
    return topic_changes(
        _partition(earlier, collection),
        _partition(later, collection),
        collection=collection,
        from_build=earlier.name,
        to_build=later.name,
    )


def _find(builds: list[BuildInfo], build_id: str, collection: str) -> BuildInfo:
    # Looked up among the listed builds, never as a path: any text is safe to pass.
    for info in builds:
        if info.build_id == build_id:
            return info
    known = ", ".join(b.build_id for b in builds[-5:]) or "none"
    raise BuildNotFoundError(
        f"no complete build {build_id[:80]!r} of {collection!r} (latest complete: {known})"
    )


def _partition(folder: Path, collection: str) -> Partition:
    partition = load_partition(folder / TOPICS_FILE)
    if partition is None:
        raise TopicsNotFittedError(f"build {folder.name} of {collection!r} has no topics")
    return partition
