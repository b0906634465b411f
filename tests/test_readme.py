"""The README's two commands work as written: the test command is what CI runs; the tour command is run
here, on a fresh clone in a fresh virtual environment, until JupyterLab serves the tour notebook."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .browser import free_port, stop_session

ROOT = Path(__file__).resolve().parent.parent


def _two_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    tour, test = _two_commands()
    assert tour == "scripts/tour"
    assert test == "scripts/test"
    assert test in (ROOT / ".ci" / "run").read_text()


_RUN_NOTEBOOKS = """
import json, pathlib, sys
import jupytext
from nbclient import NotebookClient
failed = []
for source in sorted(pathlib.Path("notebooks").glob("*.py")):
    notebook = jupytext.read(source)
    try:
        NotebookClient(notebook, timeout=180, startup_timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": sys.argv[1]}}).execute()
    except Exception as err:
        failed.append(f"{source.name}: {type(err).__name__}: {str(err)[-1500:]}")
print(json.dumps(failed))
"""


def _every_notebook_runs_in(clone: Path, env: dict[str, str], tmp_path: Path) -> None:
    """Each notebook, top to bottom, with the interpreter and kernel the tour set up (nothing from ours)."""
    work = tmp_path / "notebook-work"
    work.mkdir()
    result = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", _RUN_NOTEBOOKS, str(work)], cwd=clone,
                            env={**env, "JUPYTER_PLATFORM_DIRS": "1"}, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.timeout(1500)
def test_tour_command_on_a_fresh_clone(tmp_path: Path) -> None:
    tour = _two_commands()[0]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "CFSIGN_LAB_ARGS": f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
                              f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"}  # the tour adds --allow-root as root
    env.pop("VIRTUAL_ENV", None)
    log = (tmp_path / "tour.log").open("wb")
    process = subprocess.Popen(["bash", "-c", tour], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        # scripts/lab serves notebooks/ and lands on the tour in it.
        url = f"http://127.0.0.1:{port}/api/contents?token={token}"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "tour.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = json.loads(response.read())
                    break
            except urllib.error.HTTPError:
                raise
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("JupyterLab never answered: " + (tmp_path / "tour.log").read_text()[-3000:])
        assert "01_tour.ipynb" in [item["name"] for item in listing["content"]]
        assert (clone / ".venv" / "bin" / "cfsign").exists()
        _every_notebook_runs_in(clone, env, tmp_path)
    finally:
        stop_session(process)
        log.close()
