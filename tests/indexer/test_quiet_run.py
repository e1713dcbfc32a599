"""A first run says what happened and nothing a user cannot act on: `corpusmap index`
and `corpusmap search` on the shared claims print no WARNING or ERROR line, no library
bar, and an index bar that counts towards the corpus's size."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PATENTS, require_shared_data

#: What a complaint looks like: a logging level, gRPC's `E1201 ...` lines, a Python
#: warning (`UserWarning: ...`) or a traceback.
COMPLAINT = re.compile(
    r"\b(WARNING|ERROR|CRITICAL)\b|^[EW]\d{4} |Warning: |Traceback", re.MULTILINE
)


def _corpusmap(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORPUSMAP_")}
    command = [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def _lines(stderr: str) -> list[str]:
    return [line for line in re.split(r"[\r\n]+", stderr) if line.strip()]


def test_index_and_search_print_no_warning_or_error(tmp_path: Path):
    require_shared_data()
    corpus = PATENTS / "patentsberta_claims_test.csv"
    indexed = _corpusmap(
        tmp_path, "index", str(corpus), "--preset", "patentsberta-claims", "--collection", "c"
    )
    assert indexed.returncode == 0, indexed.stderr
    found = _corpusmap(tmp_path, "search", "c", "golf club head", "--top-k", "3")
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 3
    for run in (indexed, found):
        complaints = [line for line in _lines(run.stderr) if COMPLAINT.search(line)]
        assert complaints == [], "\n".join(complaints)
        assert "Loading weights" not in run.stderr
    bars = [line for line in _lines(indexed.stderr) if line.startswith("embed+load c:")]
    # A total (the corpus's 100 rows counted first), reached at the end.
    assert bars and all("/100 " in line for line in bars), bars
    assert "100/100" in bars[-1]


@pytest.mark.parametrize("flag", [["--milvus-uri", "not-a-uri"]])
def test_a_bad_flag_is_a_one_line_error(tmp_path: Path, flag: list[str]):
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(tmp_path), *flag, "info"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    (line,) = _lines(result.stderr)
    assert line.startswith("error (ConfigError): invalid option: milvus_uri")
