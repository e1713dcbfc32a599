"""Freed heap handed back to the system after embedding (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from corpusmap.embedding.memory import release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(
    platform.system() != "Linux" or "libc" not in str(ctypes.util.find_library("c")),
    reason="malloc_trim is glibc's",
)
def test_freed_small_blocks_go_back_to_the_system():
    """Many small blocks (below malloc's mmap threshold, as torch's per-batch buffers
    mostly are) freed in a scattered order stay in the process until trimmed."""
    blocks = [bytearray(4000) for _ in range(50_000)]  # ~200 MB on the heap
    keep = blocks[::50]  # a few survivors pin the heap's top, as live tensors do
    del blocks
    before = _rss_mb()
    assert release_freed_memory() is True
    assert _rss_mb() < before - 100
    assert len(keep) == 1000
