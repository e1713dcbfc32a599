"""Imports run one way: indexer -> corpusmap <- api; the apps never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "src/corpusmap": {"api", "indexer"},
    "indexer": {"api"},
    "api": {"indexer"},
}


def imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package: str):
    files = list((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        bad = imported_top_modules(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_core_has_no_web_or_cli_code():
    for path in (ROOT / "src/corpusmap").rglob("*.py"):
        assert not imported_top_modules(path) & {"fastapi", "typer", "uvicorn", "starlette"}, path
