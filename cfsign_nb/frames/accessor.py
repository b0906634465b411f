"""The ``.cfsign`` Series accessor, registered when the pandas layer is imported."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .batch import decode_many, diagnose_many

__all__ = ["CfSignAccessor"]


@pd.api.extensions.register_series_accessor("cfsign")
class CfSignAccessor:
    """``series.cfsign.decode()`` and ``series.cfsign.diagnose(...)`` on a Series of URLs or cookie headers."""

    def __init__(self, series: pd.Series) -> None:
        self._series = series

    def decode(self) -> pd.DataFrame:
        """:func:`~cfsign_nb.frames.decode_many` of this Series (index kept)."""
        return decode_many(self._series)

    def diagnose(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`~cfsign_nb.frames.diagnose_many` of this Series (index kept); keywords as for it."""
        return diagnose_many(self._series, **kwargs)
