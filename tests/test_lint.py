"""ruff and mypy run in the suite: strict typing on the core and the diagnosis, plain on the rest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRICT = ["errors", "protocol", "settings", "extras", "encoding", "times", "logformat", "findings", "keys", "wildcard",
          "policy", "signer", "parameters", "paste", "paste_curl", "paste_forms", "decode",
          "diagnosis"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is part of the test extra: scripts/setup test"
    return found


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff() -> None:
    _run(_tool("ruff"), "check", "--no-cache", "cfsign_nb", "tests", "benchmarks", "notebooks")


def test_mypy(tmp_path: Path) -> None:
    _run(_tool("mypy"), "--cache-dir", str(tmp_path), "cfsign_nb")


def test_mypy_strict_on_the_core_and_the_diagnosis(tmp_path: Path) -> None:
    paths = [str(p) for name in STRICT for p in (ROOT / "cfsign_nb" / f"{name}.py", ROOT / "cfsign_nb" / name)
             if p.exists()]
    _run(_tool("mypy"), "--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path), *paths)
