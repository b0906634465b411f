"""Optional extras: one clear error when one is missing, and the hook core values reach pandas through.

The core never imports the pandas layer. A value's ``to_frame()`` calls :func:`to_frame`, which
looks up the builder the pandas layer registered for that type; the package façade tells this
module how to load that layer on first use (:func:`set_frame_loader`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .errors import MissingExtraError

__all__ = ["EXTRAS", "register_frame", "require", "set_frame_loader", "to_frame"]

EXTRAS = {
    "pandas": ("pandas", "numpy", "pyarrow", "jinja2"),
    "widgets": ("ipywidgets",),
    "edge": ("starlette", "uvicorn"),
    "aws": ("boto3",),
    "dask": ("dask", "distributed"),
    "lab": ("jupyterlab",),
    "app": ("voila",),
}
"""Each extra and the top-level modules it brings (pyproject.toml's optional dependencies)."""

_BUILDERS: dict[type, Callable[[Any], Any]] = {}
_LOADER: list[Callable[[], object]] = []


def require(extra: str, *, needed_for: str = "") -> None:
    """Raise :class:`MissingExtraError` naming the ``pip install`` command unless ``extra`` is importable."""
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError as err:
            what = f" for {needed_for}" if needed_for else ""
            raise MissingExtraError(
                f"{module} is not installed{what}: pip install \"cfsign-nb[{extra}]\"", extra=extra
            ) from err


def register_frame(kind: type, build: Callable[[Any], Any]) -> None:
    """Called by the pandas layer: ``build(value)`` makes the DataFrame for values of ``kind``."""
    _BUILDERS[kind] = build


def set_frame_loader(load: Callable[[], object]) -> None:
    """Called by the package façade: how to import the pandas layer when a frame is first asked for."""
    _LOADER[:] = [load]


def to_frame(value: object) -> Any:
    """The pandas DataFrame of a core value, loading the pandas layer on first use."""
    build = _builder(type(value))
    if build is None:
        require("pandas", needed_for="to_frame()")
        for load in _LOADER:
            load()
        build = _builder(type(value))
    if build is None:
        raise TypeError(f"no DataFrame view is registered for {type(value).__name__}")
    return build(value)


def _builder(kind: type) -> Callable[[Any], Any] | None:
    for base in kind.__mro__:
        if base in _BUILDERS:
            return _BUILDERS[base]
    return None
