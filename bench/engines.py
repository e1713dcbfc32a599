"""Milvus Lite index types compared on one published build: search time and recall@10.

The build's vector index is swapped in place (release, drop, create, load) while
no API serves it, measured through corpusmap's own store search (grouped by
document, with the hit fields), and put back to what it was.

On milvus-lite 2.5.1 every row stays in one growing segment, so a non-FLAT index
only switches on the engine's interim IVF index (its own nlist and nprobe): the
nlist and nprobe a client passes are ignored. `nprobe_changes_results` checks
that in every run (the same queries at nprobe 1 and nlist).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
from pymilvus import MilvusClient

from bench.exact import recall_at_10
from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.store.milvus import MilvusStore

IVF_NLIST = 1024


def _set_index(client: MilvusClient, name: str, index_type: str, params: dict[str, Any]) -> None:
    client.release_collection(name)
    client.drop_index(name, "vector")
    index = MilvusClient.prepare_index_params()
    index.add_index("vector", index_type=index_type, metric_type="COSINE", params=params)
    client.create_index(name, index)
    client.load_collection(name)


@contextmanager
def index_swapped(store: MilvusStore, name: str, index_type: str) -> Iterator[None]:
    """The build's vector index replaced for the block, then put back."""
    before = store.client.describe_index(name, "vector")
    params = {"nlist": IVF_NLIST} if index_type.startswith("IVF") else {}
    _set_index(store.client, name, index_type, params)
    try:
        yield
    finally:
        kept = {k: v for k, v in before.items() if k == "nlist"}
        _set_index(store.client, name, before["index_type"], kept)


def _timed_search(
    store: MilvusStore, name: str, vectors: npt.NDArray[np.float32]
) -> tuple[float, list[list[str]]]:
    """p50 ms of corpusmap's dense store search, and the ids each query found."""
    store.search(name, vector=vectors[0], mode="dense", top_k=10)  # warm-up
    times, found = [], []
    for vector in vectors:
        started = time.perf_counter()
        hits = store.search(name, vector=vector, mode="dense", top_k=10)
        times.append(1000 * (time.perf_counter() - started))
        found.append([h.fields["id"] for h in hits])
    return statistics.median(times), found


def _raw_ids(store: MilvusStore, name: str, vectors: npt.NDArray[np.float32], nprobe: int) -> list:
    result = store.client.search(
        name,
        data=[v.tolist() for v in vectors],
        anns_field="vector",
        limit=10,
        group_by_field="doc_id",
        search_params={"metric_type": "COSINE", "params": {"nprobe": nprobe}},
    )
    return [[h["id"] for h in hits] for hits in result]


def compare_engines(
    settings: Settings,
    collection: str,
    vectors: npt.NDArray[np.float32],
    exact_ids: list[list[str]],
) -> dict[str, dict[str, Any]]:
    """FLAT versus IVF_FLAT on the published build: search p50 and recall@10."""
    figures: dict[str, dict[str, Any]] = {}
    with open_published(settings, collection) as (store, name):
        for index_type in ("FLAT", "IVF_FLAT"):
            with index_swapped(store, name, index_type):
                p50, found = _timed_search(store, name, vectors)
                figures[index_type] = {
                    "store_search_p50_ms": round(p50, 2),
                    "recall@10": recall_at_10(found, exact_ids),
                }
                if index_type.startswith("IVF"):
                    few, many = (_raw_ids(store, name, vectors, n) for n in (1, IVF_NLIST))
                    figures[index_type]["nlist"] = IVF_NLIST
                    figures[index_type]["nprobe_changes_results"] = few != many
    return figures
