"""Which process serves a data dir, so that commands can ask it rather than fail.

A Milvus Lite file is open in one process at a time, and the API keeps every
published build open. So the API that `corpusmap serve` starts (which hands it its
address in `SERVING_URL_ENV`) writes `<data_dir>/serving.json`, its URL and pid, once
it has opened the builds, and removes it at shutdown (in the app's lifespan: uvicorn
ends the process by re-raising the signal that stopped it, so code after
`uvicorn.run` never runs). A command that finds a build's file held reads it to ask
that API (see `indexer.cli.remote`). A record left by a killed server names a dead
pid and is ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from corpusmap.files import write_atomically

SERVING_FILE = "serving.json"
#: Where `corpusmap serve` tells the app it starts the address it listens on.
SERVING_URL_ENV = "CORPUSMAP_SERVING_URL"


@dataclass(frozen=True)
class ServingRecord:
    """An API serving a data dir: where it listens, and its process."""

    url: str
    pid: int


def local_url(host: str, port: int) -> str:
    """The URL a local client reaches a server listening on `host:port` at."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def announced(data_dir: Path, url: str) -> Iterator[ServingRecord]:
    """Record this process as the server of `data_dir` until the block ends."""
    record = ServingRecord(url=url, pid=os.getpid())
    path = data_dir / SERVING_FILE
    write_atomically(path, json.dumps(asdict(record)) + "\n")
    try:
        yield record
    finally:
        if find_server(data_dir) == record:  # another server may have taken over
            path.unlink(missing_ok=True)


def find_server(data_dir: Path) -> ServingRecord | None:
    """The live API serving `data_dir`, if one has said so."""
    try:
        record = ServingRecord(**json.loads((data_dir / SERVING_FILE).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    valid = isinstance(record.url, str) and isinstance(record.pid, int) and record.pid > 0
    return record if valid and _alive(record.pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
