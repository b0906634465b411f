"""The house rules: imports point one way (down), no cycles, small files, a light core.

The layer order lives in pyproject.toml (``[tool.importlinter]``), checked here by import-linter;
the rest is read off the source with :mod:`ast`, imports inside functions included.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cfsign_nb"
COMPATIBILITY = {"diagnose", "stages", "accesslog"}  # old module paths, kept as re-exports
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The cfsign_nb modules ``module`` imports (anywhere in the file, but not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, node.module] if node.module else base) if node.level else (node.module or "")
            targets = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target not in (module, "cfsign_nb"):
                found.add(target)
    return found


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra: scripts/setup test"
    result = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


def test_nothing_inside_imports_the_compatibility_modules() -> None:
    modules = _modules()
    old = {f"cfsign_nb.{name}" for name in COMPATIBILITY}
    users = {name: sorted(_imports(name, path, set(modules)) & old) for name, path in modules.items()
             if name not in old and name != "cfsign_nb"}
    assert {name: found for name, found in users.items() if found} == {}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_files_stay_small(path: Path) -> None:
    assert path.read_text().count("\n") <= MAX_LINES, f"{path.name}: one concept per file; split it"


def test_import_cfsign_nb_loads_neither_pandas_nor_ipywidgets() -> None:
    code = "import sys, cfsign_nb; print(sorted(m for m in ('pandas', 'ipywidgets', 'numpy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
