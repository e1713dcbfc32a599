"""The shape of the code base, checked: `python -m tests.helpers.layout` prints it.

- Apps import one way: indexer -> corpusmap <- api; the apps never import each other,
  and the core has no web or CLI code.
- The core is subpackages by capability; at its top only `__init__`, `config`,
  `errors` and `documents`.
- Inside the core, imports run down the layers: base <- embedding <- store <-
  search | topics <- reports | builds (a package imports only lower layers and itself).
- No import circle between modules (imports inside functions or `TYPE_CHECKING`
  blocks are deferred and do not count).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "src" / "corpusmap"
#: Allowed at the top of the core (modules or packages).
TOP_LEVEL = {"__init__", "config", "errors", "documents"}
#: The core's layers, lowest first: a package may import its own and lower layers.
LAYERS: list[set[str]] = [
    {"config", "errors", "documents", "files"},
    {"embedding"},
    {"store"},
    {"search", "topics", "distributed"},
    {"reports", "builds"},
]
FORBIDDEN_APPS = {"src/corpusmap": {"api", "indexer"}, "indexer": {"api"}, "api": {"indexer"}}
WEB_OR_CLI = {"fastapi", "typer", "uvicorn", "starlette"}


def module_name(path: Path) -> str:
    """`corpusmap.store.milvus` for src/corpusmap/store/milvus.py (packages: no __init__)."""
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _eager_imports(body: list[ast.stmt], names: set[str]) -> None:
    for node in body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            _eager_imports(node.body + node.orelse, names)
        elif isinstance(node, ast.Try):
            _eager_imports(node.body + node.orelse + node.finalbody, names)


def imports(path: Path, *, eager_only: bool = False) -> set[str]:
    """Dotted names a file imports (every import, or only those run at import time)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    if eager_only:
        _eager_imports(tree.body, names)
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def misplaced_top_level() -> list[str]:
    """Modules or packages at the top of the core that belong in a subpackage."""
    found = {p.stem for p in CORE.glob("*.py")} | {p.name for p in CORE.iterdir() if p.is_dir()}
    found -= {"__pycache__"}
    packages = {name for layer in LAYERS for name in layer}
    return sorted(found - TOP_LEVEL - packages)


def _layer(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def layer_violations() -> list[str]:
    """`module imports package` for each import that runs up or across the layers."""
    problems = []
    for path in sorted(CORE.rglob("*.py")):
        parts = module_name(path).split(".")
        if len(parts) < 2:
            continue
        mine = parts[1]
        for name in imports(path):
            target = name.split(".")
            if target[0] != "corpusmap" or len(target) < 2 or target[1] == mine:
                continue
            if _layer(target[1]) >= _layer(mine):
                problems.append(f"{module_name(path)} imports {name}")
    return problems


def _graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # A module's own packages are initialised before it whatever it imports.
        ancestors = {name.rsplit(".", k)[0] for k in range(1, name.count(".") + 1)}
        eager = imports(path, eager_only=True)
        graph[name] = {n for n in eager if n in modules and n != name and n not in ancestors}
    return graph


def import_cycles() -> list[list[str]]:
    """Circles of eager imports between the core's modules (Tarjan's strongly connected
    components of more than one module)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def app_violations() -> list[str]:
    """Imports between the apps, or of web/CLI libraries from the core."""
    problems = []
    for package, banned in FORBIDDEN_APPS.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            tops = {n.split(".")[0] for n in imports(path)}
            if package == "src/corpusmap":
                banned = banned | WEB_OR_CLI
            for bad in sorted(tops & banned):
                problems.append(f"{path.relative_to(ROOT)} imports {bad}")
    return problems


def main() -> int:
    checks = {
        "modules at the top of the core": misplaced_top_level(),
        "imports up or across the core's layers": layer_violations(),
        "import circles": [" <-> ".join(c) for c in import_cycles()],
        "imports between apps, or web/CLI code in the core": app_violations(),
    }
    for title, problems in checks.items():
        print(f"{title}: {len(problems) or 'none'}")
        for problem in problems:
            print(f"  {problem}")
    layers = " <- ".join(" | ".join(sorted(layer)) for layer in LAYERS)
    print(f"layers: {layers}")
    return 1 if any(checks.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
