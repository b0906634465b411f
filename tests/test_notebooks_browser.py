"""Opening, running and saving each notebook in JupyterLab (headless Debian chromium) leaves it as stored,
and opening it without an edit does not mark it modified.

JupyterLab runs as ``scripts/lab`` configures it (scripts/jupyter on JUPYTER_CONFIG_PATH) on a copy of
notebooks/ made into a git repository of its own, so the shared tree is never written and ``git
status`` there says exactly what a save changed: nothing, for the .ipynb and for its .py pair.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import Server, browser_page, chromium_path, jupyter_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
# Stored before scripts/sync-notebooks dropped jupytext's copied filter; back in once re-synced by its author.
_RESYNC_PENDING: set[str] = set()


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    root = tmp_path_factory.mktemp("stable") / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    _git(root, "init", "--quiet")
    shutil.copy(ROOT / ".gitignore", root / ".git" / "info" / "exclude")  # what the project ignores, as there
    _git(root, "add", ".")
    _git(root, "commit", "--quiet", "-m", "as stored")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_CONFIG_PATH", str(ROOT / "scripts" / "jupyter"))
        with jupyter_server("lab", root, tmp_path_factory.mktemp("stable-home")) as server:
            yield server


_OPENED = """(name) => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = widget && widget.sessionContext;
    const kernel = session && session.session && session.session.kernel;
    return widget && widget.context.path.endsWith(name) && widget.context.isReady && session.isReady && kernel
        && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


# Once the kernel has answered (its language_info and spec land in the model as it connects): is it modified?
_AFTER_KERNEL_INFO = """async () => {
    const widget = window.jupyterapp.shell.currentWidget;
    const kernel = widget.sessionContext.session.kernel;
    const info = await kernel.info;
    await kernel.spec;
    await new Promise(resolve => setTimeout(resolve, 1000));
    return {dirty: widget.context.model.dirty, model: widget.context.model.getMetadata('language_info'),
            kernel: info.language_info};
}"""


def test_the_file_browser_lists_notebooks_only(lab: Server) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(lab.url("api/contents")) as response:
        names = sorted(item["name"] for item in json.loads(response.read())["content"])
    assert names == NOTEBOOKS


@pytest.mark.parametrize("notebook", [name for name in NOTEBOOKS if name not in _RESYNC_PENDING])
def test_open_run_and_save_leaves_the_notebook_and_its_pair_as_stored(lab: Server, notebook: str) -> None:
    with browser_page() as page:
        page.goto(lab.url(f"lab/tree/{notebook}") + "&reset")
        page.wait_for_function(_OPENED, arg=notebook, timeout=90_000)
        opened = page.evaluate(_AFTER_KERNEL_INFO)
        # The kernel's language_info really reached the model (the check is not vacuous), and changed nothing.
        assert opened["model"] == opened["kernel"] and opened["kernel"]["name"] == "python", opened
        assert opened["dirty"] is False, f"{notebook} is marked modified by just opening it"
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(
            """() => {
                const widget = window.jupyterapp.shell.currentWidget;
                const cells = widget.content.widgets.filter(cell => cell.model.type === 'code');
                const kernel = widget.sessionContext.session.kernel;
                return kernel.status === 'idle' && cells.every(cell => cell.model.executionCount !== null);
            }""", timeout=240_000, polling=500)
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
        page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
    status = _git(lab.root, "status", "--porcelain")
    diff = _git(lab.root, "diff", "--stat") + _git(lab.root, "diff")[:3000]
    _git(lab.root, "checkout", "--quiet", "--", ".")  # the next notebook starts from the stored files again
    assert status == "", diff
