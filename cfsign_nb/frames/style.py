"""``style(table)``: a batch table as a notebook Styler, refused rows tinted, everything escaped.

URLs, cookies and evidence come from viewers, so every cell, label and name goes through the
escaper (:func:`cfsign_nb.render.esc` for the names Styler leaves alone); the tint follows
JupyterLab's light or dark theme.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..render import PALETTE, esc

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["style"]

_REFUSED = f"background-color: {PALETTE['error-background']}"


def style(table: pd.DataFrame) -> Styler:
    """A Styler for notebooks: refused rows tinted; every cell, label and name HTML-escaped (URLs come from viewers)."""
    shown = pd.DataFrame(
        {i: _column_shown(table.iloc[:, i]) for i in range(table.shape[1])}, index=pd.RangeIndex(len(table))
    )
    shown.index = _labels_text(table.index)
    shown.columns = _labels_text(table.columns)
    styler = shown.style.format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if "ok" in table.columns and table.columns.is_unique:
        refused = [i for i, ok in enumerate(table["ok"].tolist()) if not _truthy(ok)]
        # CSS by row position, not Styler.apply: that needs unique labels, which a table need not have.
        styler = styler.set_table_styles(
            [{"selector": f"td.row{i}", "props": _REFUSED} for i in refused], overwrite=False
        )
    return styler


def _column_shown(column: pd.Series) -> pd.Series | list[str]:
    """Numbers, booleans and times as they are (Styler formats them; they hold no markup); the rest as text."""
    dtype = column.dtype
    api = pd.api.types
    text_like = isinstance(dtype, pd.CategoricalDtype) or api.is_object_dtype(dtype) or api.is_string_dtype(dtype)
    typed = api.is_numeric_dtype(dtype) or api.is_bool_dtype(dtype) or api.is_datetime64_any_dtype(dtype)
    if not text_like and (typed or api.is_timedelta64_dtype(dtype)):
        return column.reset_index(drop=True)
    return [_cell_text(v) for v in column.tolist()]


def _cell_text(value: object) -> str:
    """A cell as plain text: tuples and lists joined, dicts as ``key: value`` pairs, bytes as their repr."""
    try:
        if isinstance(value, str):
            return value
        if isinstance(value, tuple | list):
            return ", ".join(_cell_text(v) for v in value)
        if isinstance(value, Mapping):
            return ", ".join(f"{_cell_text(k)}: {_cell_text(v)}" for k, v in value.items())
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return ""
        return str(value)
    except Exception:  # a value whose str() raises still gets a cell
        return f"<{type(value).__name__}>"


def _labels_text(labels: pd.Index) -> pd.Index:
    """Index or column labels (and their names) as text, so the escaper sees every one of them."""
    names = [None if name is None else esc(_cell_text(name)) for name in labels.names]
    if isinstance(labels, pd.MultiIndex):
        tuples = [tuple(_cell_text(part) for part in label) for label in labels.tolist()]
        return pd.MultiIndex.from_tuples(tuples, names=names) if tuples else pd.MultiIndex.from_arrays(
            [[] for _ in names], names=names
        )
    return pd.Index([_cell_text(label) for label in labels.tolist()], dtype=object, name=names[0])


def _truthy(value: object) -> bool:
    try:
        return bool(value) if not pd.isna(value) else True  # type: ignore[arg-type]
    except Exception:
        return True
