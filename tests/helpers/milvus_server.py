"""The milvus-lite 3.x gRPC test server (`milvus_server_main.py`) in a child process.

Run with the server venv's Python (`make milvus-server-venv`), on a free loopback
port; tests skip, saying how to make the venv, where it is missing.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

SERVER_VENV = ROOT / ".venv-milvus-server"
LAUNCHER = Path(__file__).parent / "milvus_server_main.py"
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_python() -> Path:
    """The server venv's Python, or skip saying how to make one."""
    python = SERVER_VENV / "bin" / "python"
    if not python.exists() or not any(SERVER_VENV.glob(".installed-*")):
        pytest.skip(
            f"no Milvus test server: {SERVER_VENV.name}/ is missing or incomplete; "
            "`make milvus-server-venv` installs milvus-lite 3.x there (CI runs it before "
            "`make test`), or set CORPUSMAP_TEST_MILVUS_URI to a running Milvus"
        )
    return python


@contextmanager
def running_server(folder: Path, *, expr_templates: bool = False) -> Iterator[str]:
    """A test server keeping its data under `folder`, yielding its URI; stopped after.
    `expr_templates`: with the launcher's `filter_params` emulation."""
    python = server_python()
    port = free_port()
    log = folder / "server.log"
    command = [str(python), str(LAUNCHER), "--data-dir", str(folder / "data"), "--port", str(port)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*command, *(["--expr-templates"] if expr_templates else [])],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Milvus test server exited:\n{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the Milvus test server did not listen within {START_TIMEOUT_S:.0f} s")
