"""The one error hierarchy of corpusmap.

Every error the library raises on purpose derives from `CorpusmapError`, so the
CLI and the API can each map the whole tree once (to an exit message, or to an
HTTP status) instead of catching library-specific exceptions in every call::

    CorpusmapError
    ├── ConfigError                  bad settings or arguments (CLI: usage error)
    ├── CorpusError                  a corpus cannot be read at all
    │   └── PresetError              unknown preset or a field mapping that does not fit
    ├── ModelLoadError               an embedding model cannot be loaded (HTTP 503)
    ├── StoreError                   Milvus failed or cannot be reached (HTTP 503)
    │   └── StoreLockedError         a Milvus Lite file is open in another process
    ├── BuildError                   a build cannot be started, published or rolled back (409)
    ├── DiskFullError                a build ran out of disk space (says how much more, where)
    ├── NotFoundError                something asked for does not exist (HTTP 404)
    │   ├── CollectionNotFoundError
    │   ├── BuildNotFoundError       no (complete) build of that id
    │   ├── DocumentNotFoundError
    │   └── TopicNotFoundError
    │       └── TopicsNotFittedError no topic model for the collection yet
    └── InvalidQueryError            a request's values are unusable (HTTP 422)
        └── UnsafeFilterValueError   a filter value that cannot be expressed safely

Rows of a corpus that are malformed are not errors: the reader counts, reports
and skips them (see `indexer.reading.sources`).
"""

from __future__ import annotations


class CorpusmapError(Exception):
    """Base class of every error corpusmap raises on purpose."""


class ConfigError(CorpusmapError):
    """Settings or arguments that cannot work together."""


class CorpusError(CorpusmapError):
    """A corpus that cannot be read at all (missing file, unknown format)."""


class PresetError(CorpusError):
    """An unknown preset, or a field mapping that does not match the corpus."""


class ModelLoadError(CorpusmapError):
    """An embedding model that cannot be loaded; the message says what to do."""


class StoreError(CorpusmapError):
    """Milvus failed, or cannot be reached."""


class StoreLockedError(StoreError):
    """A Milvus Lite file is already open in another process (`pid`, if known)."""

    def __init__(self, path: str, pid: int | None):
        self.path, self.pid = path, pid
        holder = f"pid {pid}" if pid else "a process that is not corpusmap, or has not said"
        super().__init__(
            f"{path} is open in another process ({holder}): a Milvus Lite file can be "
            "open in one process at a time"
        )


class BuildError(CorpusmapError):
    """A build that cannot be started, published or rolled back (e.g. one is running)."""


class DiskFullError(CorpusmapError):
    """A build ran out of disk space; the message says about how much more it needs, where."""


class NotFoundError(CorpusmapError):
    """Something asked for does not exist."""


class CollectionNotFoundError(NotFoundError):
    """No collection of that name."""


class BuildNotFoundError(NotFoundError):
    """No complete build of that id in the collection (never made, failed or pruned)."""


class DocumentNotFoundError(NotFoundError):
    """No document with that id in the collection."""


class TopicNotFoundError(NotFoundError):
    """No topic with that id in the collection."""


class TopicsNotFittedError(TopicNotFoundError):
    """The collection has no topic model yet (indexed with --no-topics)."""


class InvalidQueryError(CorpusmapError):
    """A request whose values cannot be used."""


class UnsafeFilterValueError(InvalidQueryError):
    """A filter value that cannot be put into a Milvus expression safely."""
