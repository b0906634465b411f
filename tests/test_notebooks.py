"""Every notebook runs top to bottom, matches its jupytext pair, and is stored without outputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))


def _cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


@pytest.mark.notebooks
@pytest.mark.timeout(300)
@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_runs_top_to_bottom(source: Path, tmp_path: Path) -> None:
    notebook = jupytext.read(source)
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    NotebookClient(notebook, timeout=180, startup_timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    assert "PRIVATE KEY-----" not in outputs, "a notebook output shows private key material"
    assert "Traceback" not in outputs
    if source.stem == "06_exercises":  # the exercises really are unsolved; the answers notebook asserts its own
        assert outputs.count("not yet") == 3
    if source.stem == "05_log_analysis":  # shares as percentages, empty cells empty (a colour per cause: its own assert)
        assert re.search(r">\d{1,3}\.\d%</td>", outputs)
        assert not re.search(r">0\.\d{4,}</td>", outputs) and not re.search(r">(NaN|nan|None)</td>", outputs)


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_pairs_hold_the_same_cells_and_no_outputs(source: Path) -> None:
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"run: jupytext --to ipynb {source.name}"
    stored = nbformat.read(paired, as_version=4)
    assert _cells(jupytext.read(source)) == _cells(stored), f"out of sync: jupytext --sync {source.name}"
    assert stored.metadata.get("kernelspec", {}).get("name") == "python3"
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{paired.name} has saved outputs"
    assert "widgets" not in stored.metadata


def test_nbstripout_finds_nothing_to_strip() -> None:
    paired = sorted(str(p) for p in NOTEBOOKS.glob("*.ipynb"))
    result = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", *paired], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


TOUR_EXTRAS = set((NOTEBOOKS.parent / "scripts" / "tour-extras").read_text().strip().split(","))
_IN_FLIGHT = {"05_log_analysis"}  # being written by others now: their line comes with them


@pytest.mark.parametrize("source", [s for s in SOURCES if s.stem not in _IN_FLIGHT],
                         ids=[s.stem for s in SOURCES if s.stem not in _IN_FLIGHT])
def test_first_cell_names_the_extras_the_tour_installs(source: Path) -> None:
    import re
    import tomllib

    first = jupytext.read(source).cells[0]
    assert first.cell_type == "markdown"
    named = re.search(r'pip install "cfsign-nb\[([a-z,]+)\]"', first.source)
    assert named, f"{source.name}: say which extra it needs in the first cell"
    extras = tomllib.loads((NOTEBOOKS.parent / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for extra in named.group(1).split(","):
        assert extra in extras
        covered = TOUR_EXTRAS | {e for tour in TOUR_EXTRAS for e in re.findall(r"cfsign-nb\[(\w+)\]", str(extras[tour]))}
        assert extra in covered, f"scripts/tour does not install {extra}"
