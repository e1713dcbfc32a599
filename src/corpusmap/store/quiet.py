"""Milvus library noise that a user cannot act on, stopped at its cause or dropped by name.

- gRPC's `GOAWAY ... ENHANCE_YOUR_CALM "too_many_pings"`: pymilvus pings every 10 s,
  and Milvus Lite's server (gRPC's defaults) allows a ping only every 5 minutes. On a
  local socket to a child process there is nothing to keep alive: Lite clients do not
  ping (`LITE_GRPC_OPTIONS`).
- milvus-lite 2.5.1 imports `pkg_resources`, deprecated by setuptools: the warning
  names milvus-lite's code, not the user's.
- pymilvus' query iterator warns on every iterator that Milvus Lite does not return an
  MVCC timestamp ("failed to get mvccTs"); it then uses the client's clock, which is
  what a single-process Lite file needs.
"""

from __future__ import annotations

import logging
import warnings
from typing import Final

#: gRPC channel options of a Milvus Lite client: no keepalive pings (INT_MAX disables).
LITE_GRPC_OPTIONS: Final = {
    "grpc.keepalive_time_ms": 2**31 - 1,
    "grpc.keepalive_permit_without_calls": 0,
}


class _DropMessages(logging.Filter):
    def __init__(self, *fragments: str) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def quiet_milvus_libraries() -> None:
    """Filter the two warnings above (idempotent; called when the store is imported)."""
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    iterator_log = logging.getLogger("pymilvus.orm.iterator")
    if not any(isinstance(f, _DropMessages) for f in iterator_log.filters):
        iterator_log.addFilter(_DropMessages("failed to get mvccTs"))
