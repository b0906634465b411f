"""A batch's inputs as the chunks read them: one Arrow array of rows, and per-row arguments.

Rows that are all UTF-8 strings become one ``large_string`` array the fast path reads; anything
else (dicts of cookies, None, bytes, lone surrogates) rides along as Python objects in an
:class:`ObjectArray`. ``now``, ``client_ip`` and ``request_url`` are one value for all rows or
one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..times import now_epoch
from .assemble import int64

__all__ = ["ObjectArray", "as_arrow", "now_array", "one_array", "per_row_values", "rows_of"]


def as_arrow(values: Iterable[object] | pd.Series) -> pa.Array | ObjectArray:
    """The inputs as one Arrow array: strings stay strings; anything else rides along as objects."""
    if isinstance(values, pd.Series):
        values = values.array
        if isinstance(values, pd.arrays.ArrowStringArray):
            return one_array(values._pa_array).cast(pa.large_string())
        values = list(values)
    elif not isinstance(values, list):
        values = list(values)
    if all(type(v) is str for v in values):
        try:
            return pa.array(values, type=pa.large_string())
        except (UnicodeEncodeError, pa.ArrowException):
            pass  # a lone surrogate: Arrow holds UTF-8 only, so that row goes per-row
    return ObjectArray(values)


def one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``values`` as one array; a single chunk is taken as it is (``combine_chunks`` would copy it)."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values


class ObjectArray:
    """Inputs that are not all UTF-8 strings (dicts of cookies, None, bytes, surrogates...).

    ``strings`` holds the rows that are strings Arrow can hold (null elsewhere), for the fast
    path; every other row goes per-row with its original value.
    """

    def __init__(self, values: list[object], strings: pa.Array | None = None) -> None:
        self.values = values
        self.strings = strings if strings is not None else _utf8_strings(values)

    def __len__(self) -> int:
        return len(self.values)

    def slice(self, offset: int, length: int) -> ObjectArray:
        return ObjectArray(self.values[offset : offset + length], self.strings.slice(offset, length))


def _utf8_strings(values: list[object]) -> pa.Array:
    """The rows that are ``str`` as a large_string array, null where a row is anything else."""
    strings = [v if type(v) is str else None for v in values]
    try:
        return pa.array(strings, type=pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException):
        return pa.array([v if v is None or _is_utf8(v) else None for v in strings], type=pa.large_string())


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- per-row arguments -----------------------------------------------------------------------

def per_row_values(value: object, n: int, name: str) -> object:
    """``value`` as an object array of ``n`` values if it is a sequence, else as it is (one for all rows)."""
    if isinstance(value, pd.Series | pd.Index | np.ndarray | list | tuple) and not isinstance(value, str):
        array = _objects(value.array if isinstance(value, pd.Series) else value)
        if len(array) != n:
            raise InputError(
                f"{name} has {len(array)} values for {n} inputs; give one value for all rows "
                "or exactly one per row"
            )
        return array
    return value


def rows_of(per_row: Mapping[str, object], lo: int, hi: int) -> dict[str, object]:
    """The per-row arguments of rows ``lo:hi`` (one-for-all values stay as they are)."""
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in per_row.items()}


def _objects(values: Iterable[object]) -> np.ndarray:
    """A 1-d object array of ``values`` (never 2-d, even when every value is a list of the same length)."""
    try:
        array: np.ndarray | None = np.asarray(values, dtype=object)
    except ValueError:  # ragged nested sequences
        array = None
    if array is not None and array.ndim == 1:
        return array
    items = list(values)
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


def now_array(now: object, n: int) -> np.ndarray | None:
    """Per-row epoch seconds, or None when ``now`` cannot be read (rows then go the per-row way)."""
    if isinstance(now, pd.Series) and pd.api.types.is_datetime64_any_dtype(now.dtype):
        return _datetime_epochs(now, n)
    if isinstance(now, pd.Series | pd.Index | np.ndarray | list | tuple):
        series = pd.Series(_objects(now.array if isinstance(now, pd.Series) else now))
        if len(series) != n:
            raise InputError(f"now has {len(series)} values for {n} inputs; give one or one per row")
        if series.map(lambda v: type(v) is int and int64(v) is not None).all():
            return series.to_numpy(dtype=np.int64)
        try:
            stamps = pd.to_datetime(series, utc=True)
            if stamps.isna().any():
                return None
            return stamps.astype("datetime64[s, UTC]").astype("int64").to_numpy()
        except Exception:  # any unreadable moment: those rows go per-row, where diagnose() says why
            return None
    try:
        return np.full(n, now_epoch(now), dtype=np.int64)  # type: ignore[arg-type]
    except Exception:  # as above
        return None


def _datetime_epochs(now: pd.Series, n: int) -> np.ndarray | None:
    """A datetime Series (a log's ``timestamp``) as epoch seconds at once; naive values are UTC, as above."""
    if len(now) != n:
        raise InputError(f"now has {len(now)} values for {n} inputs; give one or one per row")
    if now.isna().any():
        return None
    stamps = now.dt.tz_localize("UTC") if now.dt.tz is None else now.dt.tz_convert("UTC")
    return stamps.astype("datetime64[s, UTC]").astype("int64").to_numpy()
