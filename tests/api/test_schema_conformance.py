"""`schemathesis run --checks all` against a served API finds nothing: every answer has
a documented status, content type and shape, valid requests are accepted and invalid
ones refused, undeclared methods get 405 with `Allow`.

The schemathesis engine (its coverage phase too, which probes methods and edge values
that the fuzzing in `test_fuzz_api` never draws) against `corpusmap serve` in a child
process over a small news collection; `tests.helpers.schema_hooks` keeps out requests
that break the one rule no schema can state (`date_from` after `date_to`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpusmap.config import Settings
from indexer.cli.commands import IndexOptions, run_index
from tests.conftest import ROOT
from tests.helpers.news import NEWS_OPTIONS, write_news
from tests.helpers.serving import free_port, served

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
#: Bounded: the coverage phase, then up to 40 fuzzed cases per operation, seeded; a
#: generous per-request timeout, so that a loaded machine is not taken for a failure.
RUN = [
    "--checks",
    "all",
    "--max-examples",
    "40",
    "--seed",
    "1",
    "--workers",
    "1",
    "--no-color",
    "--request-timeout",
    "120",
]


@pytest.mark.slow
def test_schemathesis_with_all_checks_finds_nothing(tmp_path: Path):
    if not SCHEMATHESIS.exists():
        pytest.skip(f"no schemathesis command beside {sys.executable}")
    settings = Settings(data_dir=tmp_path / "data")
    corpus = write_news(tmp_path / "news.csv", 0, 60)
    options = IndexOptions(sources=[str(corpus)], collection="news", **NEWS_OPTIONS)  # type: ignore[arg-type]
    run_index(settings, options)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.helpers.schema_hooks"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with served(settings.data_dir, free_port()) as base:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{base}/openapi.json", *RUN],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "failure" not in run.stdout.splitlines()[-1], run.stdout[-6000:]
