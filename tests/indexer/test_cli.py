"""The `corpusmap` command line: help on every command, JSON output, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.cli.app import app
from tests.conftest import ClaimsIndex

runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["index", "topics", "search", "info", "serve", "report", "diff"]
)
def test_every_command_explains_itself(command: str):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output) > 200


def test_top_level_help_names_env_configuration():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "CORPUSMAP_" in result.output


def _cli(claims_index: ClaimsIndex, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "indexer", "--data-dir", str(claims_index.settings.data_dir)]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_info_and_search_print_json(claims_index: ClaimsIndex):
    info = _cli(claims_index, "info")
    assert info.returncode == 0, info.stderr
    (collection,) = json.loads(info.stdout)["collections"]
    assert collection["name"] == "claims" and collection["documents"] == 1100
    found = _cli(
        claims_index, "search", "claims", "golf club head", "--top-k", "3", "--cpc", "A63B"
    )
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert len(hits) == 3 and all("A63B" in h["cpc"] for h in hits)


def test_report_writes_a_folder(claims_index: ClaimsIndex, tmp_path: Path):
    written = _cli(claims_index, "report", "claims", "--out", str(tmp_path / "r"))
    assert written.returncode == 0, written.stderr
    summary = json.loads(written.stdout)
    assert summary["collection"] == "claims" and summary["documents_on_map"] == 1100
    pages = sorted(p.name for p in (tmp_path / "r" / "topics").iterdir())
    assert len(pages) == summary["topic_pages"] and "-1.html" in pages
    assert {p.name for p in (tmp_path / "r").iterdir()} == {
        "index.html",
        "plotly.min.js",
        "corpusmap.css",
        "report.js",
        "topics",
    }
    missing = _cli(claims_index, "report", "nope", "--out", str(tmp_path / "n"))
    assert missing.returncode == 2 and "no collection named 'nope'" in missing.stderr


def test_errors_are_one_clear_line_and_exit_2(claims_index: ClaimsIndex):
    missing = _cli(claims_index, "search", "nope", "x")
    assert missing.returncode == 2 and "no collection named 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_date = _cli(claims_index, "search", "claims", "x", "--date-from", "yesterday")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr


def test_search_like_a_document(claims_index: ClaimsIndex):
    found = _cli(claims_index, "search", "claims", "--like", "9470577", "--top-k", "4")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert len(hits) == 4 and "9470577" not in {h["id"] for h in hits}
    neither = _cli(claims_index, "search", "claims")
    assert neither.returncode == 2 and "--like" in neither.stderr
