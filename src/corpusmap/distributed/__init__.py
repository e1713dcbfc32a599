"""Distributed embedding: an index run's vectors computed on a Ray Data actor pool.

Public API: the names in `__all__`. `ray` is imported only when a run asks for it.
"""

from corpusmap.distributed.prefill import RayReport, embed_on_ray, remove_run_folder, run_folder
from corpusmap.distributed.ray_embed import EmbedderActor, import_ray
from corpusmap.distributed.shards import Shard, ShardDir, shard_key

__all__ = [
    "EmbedderActor",
    "RayReport",
    "Shard",
    "ShardDir",
    "embed_on_ray",
    "import_ray",
    "remove_run_folder",
    "run_folder",
    "shard_key",
]
