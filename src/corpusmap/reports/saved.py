"""A build's report data, computed once at index time and kept in the build's folder.

Computing `ReportData` reads every text and lays out the document map: tens of
seconds at 10k documents. The indexer computes it anyway for the build's
`report.html`, so it keeps it beside the build (`REPORT_DATA_FILE`); the API's
report pages and `corpusmap report` then read that file instead of the store, so a
report's first open costs a file read, and `corpusmap report` works while the API
has the build's Milvus Lite file open.

The file is a pickle written by this process's own indexer into the data dir (which
the server trusts anyway: it opens the Milvus files there). A file of another layout
(written by another version of `ReportData`), damaged or missing reads as None, and
the caller computes the data from the store as before.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import pickle
from pathlib import Path
from typing import Any

from corpusmap.files import atomic_path
from corpusmap.reports.data import ReportData

log = logging.getLogger(__name__)

REPORT_DATA_FILE = "report_data.pickle"
#: Raised whenever `ReportData` or a type it holds changes shape.
REPORT_DATA_FORMAT = 2
#: Saved reports kept in memory per process (a server store has no per-build cache).
_KEPT = 8


def _fields() -> list[str]:
    return sorted(f.name for f in dataclasses.fields(ReportData))


def save_report_data(data: ReportData, path: Path) -> None:
    """Write a build's report data (atomically: a reader sees all of it or none)."""
    payload: dict[str, Any] = {"format": REPORT_DATA_FORMAT, "fields": _fields(), "data": data}
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def load_report_data(path: Path) -> ReportData | None:
    """A build's saved report data; None when the build has none or it is unreadable."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _load(str(path), stamp)


@functools.lru_cache(maxsize=_KEPT)
def _load(path: str, stamp: int) -> ReportData | None:
    try:
        payload = pickle.loads(Path(path).read_bytes())
    except Exception as exc:  # a damaged or foreign file: compute from the store instead
        log.warning("ignoring the saved report data in %s (%s)", path, exc)
        return None
    if not isinstance(payload, dict) or payload.get("format") != REPORT_DATA_FORMAT:
        return None
    data = payload.get("data") if payload.get("fields") == _fields() else None
    return data if isinstance(data, ReportData) else None
