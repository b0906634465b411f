"""JupyterLab as scripts/lab starts it (this folder is put on JUPYTER_CONFIG_PATH).

It lands on the tour (also when the printed URL is opened by hand, e.g. with --no-browser), the
file browser lists notebooks only (the .py pairs stay the reviewed source, in git), and a notebook
is saved in its stored form: no outputs, execution counts or kernel-added metadata, so opening,
running and saving a notebook leaves it (and its jupytext pair) byte for byte as it was; and a notebook
is served with the language_info its kernel reports, so opening it without an edit does not mark it modified.
"""

import os
import sys
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

try:
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class
except ImportError:  # no jupytext: no pairs, the rest as below
    _Base: type = AsyncLargeFileManager
else:
    _Base = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - Jupyter's config loader provides it

c.LabApp.default_url = "/lab/tree/01_tour.ipynb"
c.ContentsManager.hide_globs = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.py", "jupytext.toml"]

_RUN_METADATA = ("language_info", "widgets", "signature")  # what a kernel (on connecting) or widgets add
_CELL_RUN_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def stored_form(model: dict[str, Any], **_: Any) -> None:
    """Before a notebook is written: drop what running it added (as scripts/sync-notebooks stores it)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    notebook = model["content"]
    metadata = notebook.get("metadata", {})
    for key in _RUN_METADATA:
        metadata.pop(key, None)
    if isinstance(metadata.get("jupytext"), dict):  # jupytext copies notebooks/jupytext.toml's filter in
        metadata["jupytext"].pop("notebook_metadata_filter", None)
    for cell in notebook.get("cells", []):
        for key in _CELL_RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None


c.ContentsManager.pre_save_hook = stored_form


def _kernel_language_info(spec_manager: Any, name: str) -> dict[str, Any] | None:
    """The ``language_info`` the notebook's kernel will report on connecting, when it is ipykernel in this very
    Python (jupyter_client runs a kernel spec's ``python`` as the server's interpreter); else None."""
    try:
        argv = list(spec_manager.get_kernel_spec(name).argv)
        from ipykernel.ipkernel import IPythonKernel
    except Exception:  # no such kernel, no ipykernel: nothing is known, nothing is added
        return None
    python = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}
    native = argv[:1] and (argv[0] in python or os.path.realpath(argv[0]) == os.path.realpath(sys.executable))
    if not native or argv[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    return dict(IPythonKernel.language_info)


class StoredFormContentsManager(_Base):  # type: ignore[misc, valid-type]
    """jupytext's pairs, and a notebook served with the ``language_info`` its kernel will report.

    The stored form has no ``language_info`` (it names the machine's Python patch version). JupyterLab
    writes the kernel's into the notebook as the kernel connects, and an unchanged value is no change:
    served with it already, a notebook opened and not edited stays unmodified. Saving drops it again.
    """

    async def get(self, path: str, content: bool = True, type: str | None = None,
                  format: str | None = None, **kwargs: Any) -> dict[str, Any]:
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            metadata = model["content"].setdefault("metadata", {})
            kernel = (metadata.get("kernelspec") or {}).get("name")
            if "language_info" not in metadata and isinstance(kernel, str) and self.parent is not None:
                info = _kernel_language_info(self.parent.kernel_spec_manager, kernel)
                if info is not None:
                    metadata["language_info"] = info
        return model


c.ServerApp.contents_manager_class = StoredFormContentsManager
