"""A served API in a child process, for tests that need real processes."""

from __future__ import annotations

import socket

from bench.load import served

__all__ = ["free_port", "served"]


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
