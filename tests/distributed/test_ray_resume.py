"""A killed `corpusmap index --ray` driver: the rerun embeds none of the documents the
killed run had embedded (written shards and committed cache rows), on a Ray head
started on 127.0.0.1 as a cluster would be."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpusmap.config import Settings
from corpusmap.distributed import ShardDir
from corpusmap.embedding.cache import cache_file_name
from tests.conftest import CLAIM_FILES, ROOT, require_shared_data

pytestmark = pytest.mark.slow
pytest.importorskip("ray", reason="the `ray` extra is not installed")

DOCS = 300
#: The head's ports (GCS, then the client server, agents and workers): away from Ray's defaults.
PORT = 6390
HEAD_PORTS = [
    "--port", str(PORT), "--ray-client-server-port", "6391", "--node-manager-port", "6392",
    "--object-manager-port", "6393", "--metrics-export-port", "6394",
    "--dashboard-agent-listen-port", "6395", "--dashboard-agent-grpc-port", "6396",
    "--min-worker-port", "6400", "--max-worker-port", "6499",
]  # fmt: skip


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CORPUSMAP_", "RAY_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    # Ray 2.60's `ray start` turns token authentication on (the token in ~/.ray); its
    # clients send the token in this mode only.
    env["RAY_AUTH_MODE"] = "token"
    return {**env, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """`ray start --head --block` on 127.0.0.1 with two CPUs; stopped with its process."""
    ray_bin = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
    command = [ray_bin, "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
               "--num-cpus", "2", "--include-dashboard", "false", *HEAD_PORTS]  # fmt: skip
    head = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    address = f"127.0.0.1:{PORT}"
    try:
        _wait_for_head(ray_bin, address, head)
        yield address
    finally:
        head.send_signal(signal.SIGTERM)  # `--block` stops the node's processes on exit
        head.wait(timeout=120)


def _wait_for_head(ray_bin: str, address: str, head: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if head.poll() is not None:
            pytest.fail(
                f"ray start failed: {head.stderr.read().decode()[-2000:] if head.stderr else ''}"
            )
        status = subprocess.run(
            [ray_bin, "status", "--address", address], env=_env(), capture_output=True
        )
        if status.returncode == 0:
            return
        time.sleep(1)
    pytest.fail("the Ray head did not come up in 120 s")


def _index(data_dir: Path, address: str) -> list[str]:
    return [
        sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "index",
        str(CLAIM_FILES[0]), "--preset", "patentsberta-claims", "--limit", str(DOCS),
        "--no-topics", "--chunk-size", "20", "--collection", "claims", "--ray", address,
    ]  # fmt: skip


def _embedded_ids(data_dir: Path, shards: ShardDir) -> set[str]:
    """Documents with vectors: committed to the cache or in a written shard."""
    ids = {doc_id for key in shards.written() for doc_id in shards.read(key).doc_ids}
    cache = Settings(data_dir=data_dir).cache_dir() / cache_file_name("minilm", "torch")
    if cache.exists():
        with sqlite3.connect(cache) as db:
            ids |= {row[0] for row in db.execute("SELECT doc_id FROM vectors")}
    return ids


def test_a_killed_driver_resumes_with_nothing_embedded_again(ray_head: str, tmp_path: Path):
    require_shared_data()
    shards_root = tmp_path / "ray_shards"
    driver = subprocess.Popen(_index(tmp_path, ray_head), env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 480
    while time.monotonic() < deadline and driver.poll() is None:
        if sum(len(ShardDir(f).written()) for f in shards_root.glob("*")) >= 3:
            break
        time.sleep(0.1)
    assert driver.poll() is None, "the driver finished before it could be killed"
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    time.sleep(10)  # Ray stops a dead driver's actors; let any last write land first
    (folder,) = shards_root.glob("*")
    done = _embedded_ids(tmp_path, ShardDir(folder))
    assert 3 * 20 <= len(done) < DOCS
    rerun = subprocess.run(_index(tmp_path, ray_head), env=_env(), capture_output=True,
                           text=True, timeout=600)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    summary = json.loads(rerun.stdout)
    ray_run = summary["ray"]
    assert ray_run["documents"] == DOCS
    assert ray_run["embedded_documents"] == DOCS - len(done)  # 0 re-embedded
    assert ray_run["reused_documents"] + ray_run["cached_documents"] == len(done)
    assert (summary["documents"], summary["embedded"], summary["from_cache"]) == (DOCS, 0, DOCS)
    assert not folder.exists()  # the published build's shards are dropped: the cache has them
