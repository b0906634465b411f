"""The README's two commands work as written: the test command is what CI runs; the tour command is run
here, on a fresh clone in a fresh virtual environment, until JupyterLab serves the tour notebook."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .browser import free_port

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


@pytest.mark.timeout(900)
def test_tour_command_on_a_fresh_clone(tmp_path: Path) -> None:
    tour = _two_commands()[0]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "CFSIGN_LAB_ARGS": f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
                              f"--LabApp.workspaces_dir={tmp_path / 'workspaces'} --allow-root"}
    env.pop("VIRTUAL_ENV", None)
    log = (tmp_path / "tour.log").open("wb")
    process = subprocess.Popen(["bash", "-c", tour], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        # `jupyter lab notebooks/01_tour.ipynb` serves the notebook's folder and opens the tour in it.
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
