"""The tour's JupyterLab (scripts/lab, which scripts/tour runs after its set-up), started for real.

It lands on the tour notebook (the printed URL too, as with --no-browser), lists notebooks only,
and starts as root (containers, CI) and as a normal user alike.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .browser import free_port, stop_session

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def _start(home: Path, *, as_user: int | None = None) -> tuple[subprocess.Popen, str, str]:
    """``scripts/lab --no-browser`` on a free port with a fresh Jupyter home; the process, base URL, token."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "CFSIGN_LAB_ARGS": f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
                              f"--LabApp.workspaces_dir={home / 'workspaces'}"}
    env.pop("JUPYTER_CONFIG_PATH", None)
    command = [str(ROOT / "scripts" / "lab")]
    if as_user is not None:
        command = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups", *command]
    log = (home / "lab.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (home / "lab.log").read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                return process, base, token
        except OSError:
            time.sleep(0.5)
    stop_session(process)
    pytest.fail("JupyterLab never answered: " + (home / "lab.log").read_text()[-3000:])


def _check_the_tour(home: Path, base: str, token: str) -> None:
    printed = (home / "lab.log").read_text()
    assert f"{base}/lab/tree/01_tour.ipynb?token=" in printed, printed[-2000:]  # the URL people copy
    opener = urllib.request.build_opener(urllib.request.HTTPRedirectHandler())
    with opener.open(f"{base}/?token={token}") as response:  # what opening the server's address shows
        assert response.url.startswith(f"{base}/lab/tree/01_tour.ipynb"), response.url
    with urllib.request.urlopen(f"{base}/api/contents?token={token}") as response:
        names = sorted(item["name"] for item in json.loads(response.read())["content"])
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")), names  # no .py pairs


def test_the_tour_starts_on_the_tour_notebook_as_this_user(tmp_path: Path) -> None:
    process, base, token = _start(tmp_path)
    try:
        _check_the_tour(tmp_path, base, token)  # as root (CI, containers) Jupyter exits unless --allow-root is given
    finally:
        stop_session(process)


@pytest.mark.skipif(os.getuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root (as in CI) to start the tour as another, normal user")
def test_the_tour_starts_as_a_normal_user_too(tmp_path: Path) -> None:
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            str(ROOT / "scripts" / "lab"), "--version"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this machine's .venv cannot run as a normal user (its Python lives under /root?): "
                    + probe.stderr.decode(errors="replace")[:200])
    home = tmp_path / "nobody"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    tmp_path.chmod(0o755)
    process, base, token = _start(home, as_user=NOBODY)
    try:
        _check_the_tour(home, base, token)
    finally:
        stop_session(process)
