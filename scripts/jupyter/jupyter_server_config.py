"""JupyterLab as scripts/lab starts it (this folder is put on JUPYTER_CONFIG_PATH).

It lands on the tour (also when the printed URL is opened by hand, e.g. with --no-browser), the
file browser lists notebooks only (the .py pairs stay the reviewed source, in git), and a notebook
is saved in its stored form: no outputs, execution counts or kernel-added metadata, so opening,
running and saving a notebook leaves it (and its jupytext pair) byte for byte as it was.
"""

from typing import Any

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
