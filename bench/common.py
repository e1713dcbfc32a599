"""Helpers shared by the benchmarks: machine info, result files, child processes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SHARED_DATA = ROOT.parent / "shared" / "data"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            p: version(p)
            for p in ("torch", "sentence-transformers", "pymilvus", "milvus-lite", "bertopic")
        },
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` with the machine info, and print it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {**figures, "machine": machine()}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
    return path


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[str, float]:
    """Run a Python child process; its stdout and its own peak RSS in MB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, *args],
            stdout=out,
            stderr=err,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{args} failed:\n{err.read()[-3000:]}")
        return out.read(), usage.ru_maxrss / 1024  # KiB on Linux
