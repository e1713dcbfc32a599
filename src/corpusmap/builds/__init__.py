"""Builds: each index run writes a new build, published atomically; the registry,
publishing and rollback, the stores a server keeps open, the build snapshots and the
topic changes between two builds.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.builds.changes import build_changes
from corpusmap.builds.publishing import open_published, publish, rollback
from corpusmap.builds.registry import BuildInfo, BuildRegistry
from corpusmap.builds.serving import PublishedStores
from corpusmap.builds.snapshots import Partition, SnapshotWriter, read_snapshot

__all__ = [
    "BuildInfo",
    "BuildRegistry",
    "Partition",
    "PublishedStores",
    "SnapshotWriter",
    "build_changes",
    "open_published",
    "publish",
    "read_snapshot",
    "rollback",
]
