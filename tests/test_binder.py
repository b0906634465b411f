"""binder/ is what repo2docker expects: checked statically and with `repo2docker --no-build` when available."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def test_binder_layout() -> None:
    assert BINDER.is_dir() and not (ROOT / ".binder").exists(), "exactly one of binder/ and .binder/"
    assert not (BINDER / "Dockerfile").exists() and not (ROOT / "Dockerfile").exists()
    assert re.fullmatch(r"python-3\.\d+", (BINDER / "runtime.txt").read_text().strip())
    requirements = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    tour = (ROOT / "scripts" / "tour-extras").read_text().strip()
    assert requirements == [f".[{tour}]"], "Binder installs what the tour installs, so every notebook runs there"
    for script in ("postBuild", "start"):
        assert not (BINDER / script).exists()


def test_extras_named_by_binder_exist() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {"lab", "app"} <= set(extras)
    assert any(requirement.startswith("jupyterlab") for requirement in extras["lab"])


def test_readme_links_open_the_tour_in_jupyterlab() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "urlpath=lab/tree/notebooks/01_tour.ipynb" in readme
    assert "urlpath=voila/render/notebooks/inspector.ipynb" in readme


def test_repo2docker_dry_run() -> None:
    beside = Path(sys.executable).parent / "jupyter-repo2docker"
    tool = str(beside) if beside.exists() else shutil.which("jupyter-repo2docker")
    if tool is None:
        pytest.skip("jupyter-repo2docker is not installed (optional: pip install jupyter-repo2docker)")
    result = subprocess.run([tool, "--no-build", "--no-run", str(ROOT)], capture_output=True, text=True,
                            timeout=300)
    dockerfile = result.stdout + result.stderr
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile, dockerfile[-2000:]
