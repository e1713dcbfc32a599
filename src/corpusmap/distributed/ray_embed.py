"""Embedding on Ray Data: an actor pool of `Embedder`s, each shard written as Parquet.

The driver hands Ray Data one item per shard (its documents' ids, passage hashes and
passage texts); `map_batches` runs them through a pool of `EmbedderActor`s, one GPU
each when the cluster has GPUs, one CPU each otherwise. An actor embeds a shard's
passages, writes the shard file itself (atomically) and returns only its name, so
vectors never travel through the driver's object store. Ray restarts a killed actor
and retries its shard (`max_restarts`, `max_task_retries`); a shard is written whole
or not at all, so a retry never leaves a torn one.

`ray` is imported here only, and only when a run asks for it: the project works
without it, and `--ray` without it is a `ConfigError` that says what to install.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpusmap.distributed.shards import Shard, ShardDir
from corpusmap.embedding.embedder import Embedder
from corpusmap.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActorConfig:
    """What an actor needs to load its embedder and write its shards (picklable)."""

    model: str
    backend: str
    batch_size: int | None
    shard_root: str
    device: str | None = None


@dataclass
class ShardTask:
    """The documents of one shard still to embed: ids, hashes, passages per document."""

    key: str
    doc_ids: list[str]
    hashes: list[bytes]
    passages: list[list[str]]

    def item(self) -> dict[str, str]:
        """The shard as one Ray Data row (a JSON payload: no nested Arrow types)."""
        payload = {"ids": self.doc_ids, "hashes": [h.hex() for h in self.hashes]}
        return {"shard": self.key, "payload": json.dumps({**payload, "texts": self.passages})}


class EmbedderActor:
    """A Ray Data callable class: loads the model once, then embeds shard after shard."""

    def __init__(self, config: ActorConfig):
        self.config = config
        self.embedder = Embedder(
            config.model,
            device=config.device,
            batch_size=config.batch_size,
            backend=config.backend,
        )
        self.shards = ShardDir(Path(config.shard_root))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        keys, counts = [], []
        for key, payload in zip(batch["shard"], batch["payload"], strict=True):
            data = json.loads(str(payload))
            self._embed_shard(
                str(key), data["ids"], [bytes.fromhex(h) for h in data["hashes"]], data["texts"]
            )
            keys.append(str(key))
            counts.append(len(data["ids"]))
        return {"shard": np.array(keys), "documents": np.array(counts, dtype=np.int64)}

    def _embed_shard(
        self, key: str, ids: list[str], hashes: list[bytes], texts: Sequence[Sequence[str]]
    ) -> None:
        flat = [p for parts in texts for p in parts]
        vectors = self.embedder.embed_documents(flat)
        parts = np.split(vectors, np.cumsum([len(t) for t in texts])[:-1]) if texts else []
        shard = Shard(ids, hashes, [np.asarray(p, np.float32) for p in parts])
        self.shards.write(key, shard, model=self.config.model, dimension=self.embedder.dimension)


def import_ray() -> Any:
    """The `ray` module, or a `ConfigError` that says how to install it."""
    try:
        import ray
        import ray.data  # Ray Data ships in the `ray[data]` extra
    except ImportError as exc:
        raise ConfigError(
            f"--ray / CORPUSMAP_RAY_ADDRESS needs Ray Data, which is not installed ({exc}); "
            "install it with: pip install 'corpusmap[ray]' (or pip install 'ray[data]')"
        ) from None
    return ray


@dataclass
class PoolShape:
    """How many actors a run starts and what each holds."""

    actors: int
    gpus_per_actor: float
    cpus_per_actor: float


def pool_shape(ray: Any, actors: int) -> PoolShape:
    """One actor per GPU of the cluster (or per CPU without GPUs), unless `actors` is set."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    cpus = int(resources.get("CPU", 1))
    if gpus:
        return PoolShape(actors or gpus, 1.0, 0.0)
    return PoolShape(actors or max(1, cpus), 0.0, 1.0)


def connect(ray: Any, address: str) -> bool:
    """Join (or start, for `local`) a Ray cluster; False when this process already had one."""
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    ray.init(address=address, **kwargs)
    return True


def embed_shards(
    address: str,
    config: ActorConfig,
    tasks: Sequence[ShardTask],
    *,
    actors: int = 0,
    on_shard: Callable[[str, int], None] = lambda key, docs: None,
) -> PoolShape:
    """Embed `tasks` on a Ray actor pool; `on_shard(key, documents)` hears of each shard
    written, as it is (in the order they finish)."""
    ray = import_ray()
    started = connect(ray, address)
    try:
        shape = pool_shape(ray, actors)
        shape.actors = max(1, min(shape.actors, len(tasks)))
        if tasks:
            _run(ray, config, tasks, shape, on_shard)
        return shape
    finally:
        if started:
            ray.shutdown()


def _run(
    ray: Any,
    config: ActorConfig,
    tasks: Sequence[ShardTask],
    shape: PoolShape,
    on_shard: Callable[[str, int], None],
) -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    dataset = ray.data.from_items([t.item() for t in tasks], override_num_blocks=len(tasks))
    written = dataset.map_batches(
        EmbedderActor,
        fn_constructor_args=(config,),
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=shape.actors),
        num_gpus=shape.gpus_per_actor,
        num_cpus=shape.cpus_per_actor,
        max_restarts=-1,
        max_task_retries=-1,
    )
    log.info(
        "embedding %d shards on Ray: %d actors (%g GPU, %g CPU each)",
        len(tasks),
        shape.actors,
        shape.gpus_per_actor,
        shape.cpus_per_actor,
    )
    for row in written.iter_rows():
        on_shard(str(row["shard"]), int(row["documents"]))
