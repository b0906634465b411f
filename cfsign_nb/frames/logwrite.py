"""Writing access logs in every format CloudFront delivers, with the fields chosen in the order chosen.

``format="w3c"`` is the legacy file (the 33 fields; with ``fields`` it is a v2 W3C file, which
``"w3c-v2"`` names too), ``"json"`` v2 JSON lines (W3C names, text values), ``"parquet"`` v2
Parquet (the underscore names, text columns), ``"realtime"`` real-time records (the real-time
names' order, no header, ``timestamp`` as epoch seconds with milliseconds). Every value is
escaped by :func:`cfsign_nb.logformat.escape_field`, empty ones written ``-``, as CloudFront does.
For tests, notebooks and benchmarks: what it writes, the readers read back to the same table.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Sequence
from typing import IO, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..logformat import (
    EMPTY,
    FIELDS,
    REALTIME_FIELDS,
    TIMESTAMP,
    canonical_name,
    escape_field,
    header_lines,
    parquet_name,
    realtime_name,
)

__all__ = ["WRITE_FORMATS", "WriteFormat", "write_access_log"]

WriteFormat = Literal["w3c", "w3c-v2", "json", "parquet", "realtime"]
WRITE_FORMATS: tuple[WriteFormat, ...] = ("w3c", "w3c-v2", "json", "parquet", "realtime")


def write_access_log(
    frame: pd.DataFrame,
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    format: WriteFormat = "w3c",
    fields: Sequence[str] | None = None,
    compress: bool | None = None,
) -> None:
    """Write ``frame`` as a CloudFront log of ``format`` with ``fields`` (any spelling) in that order.

    ``fields`` defaults to the 33 standard fields (the real-time list for ``"realtime"``).
    ``compress`` defaults to gzip when ``target`` is a path ending in ``.gz`` (Parquet compresses
    its pages instead).
    """
    if format not in WRITE_FORMATS:
        raise InputError(f"format={format!r}: give one of {', '.join(WRITE_FORMATS)}")
    default = REALTIME_FIELDS if format == "realtime" else FIELDS
    names = [canonical_name(str(f)) for f in (fields if fields is not None else default)]
    if not names:
        raise InputError("fields=[]: a log has at least one field")
    cells = {name: _rendered(frame, name) for name in dict.fromkeys(names)}
    if format == "parquet":
        table = pa.table({parquet_name(name): pa.array(cells[name], pa.string()) for name in dict.fromkeys(names)})
        if hasattr(target, "write"):
            pq.write_table(table, cast(IO[bytes], target))
        else:
            pq.write_table(table, os.fspath(cast(str, target)))
        return
    rows = zip(*(cells[name] for name in names), strict=True)
    if format == "json":
        body = pd.DataFrame({name: cells[name] for name in dict.fromkeys(names)}).to_json(
            orient="records", lines=True, force_ascii=False
        ).replace("\\/", "/")  # pandas escapes "/" as "\/"; CloudFront does not (both mean "/")
        text = body if body.endswith("\n") or not body else body + "\n"
    elif format == "realtime":
        text = "".join("\t".join(row) + "\n" for row in rows)
    else:
        text = header_lines(names) + "".join("\t".join(row) + "\n" for row in rows)
    _write_text(text, target, compress)


def _rendered(frame: pd.DataFrame, name: str) -> list[str]:
    """Field ``name`` of every row as logged: escaped, ``-`` when empty (``timestamp`` as epoch.milliseconds)."""
    if name == TIMESTAMP:
        return _epochs(frame)
    if name in frame:
        column = frame[name]
    else:
        spelt = realtime_name(name)
        column = frame[spelt] if spelt in frame else pd.Series([None] * len(frame), index=frame.index)
    return [escape_field(_cell(v), name) for v in column.astype(object).tolist()]


def _epochs(frame: pd.DataFrame) -> list[str]:
    """The request times as a real-time log writes them: epoch seconds with milliseconds."""
    if "timestamp" in frame and pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
        when = frame["timestamp"]
    else:
        stamp = frame["date"].astype(str) + " " + frame["time"].astype(str)
        when = pd.to_datetime(stamp, format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    millis = (when - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return [EMPTY if pd.isna(m) else f"{int(m) // 1000}.{int(m) % 1000:03d}" for m in millis.tolist()]


def _cell(value: object) -> str | None:
    """A frame cell as the text to log, None when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _write_text(text: str, target: str | os.PathLike[str] | IO[str] | IO[bytes], compress: bool | None) -> None:
    if isinstance(target, io.BufferedIOBase | io.RawIOBase):  # binary buffers, e.g. BytesIO
        data = text.encode("utf-8")
        target.write(gzip.compress(data) if compress else data)
        return
    if hasattr(target, "write"):
        cast(IO[str], target).write(text)
        return
    path = os.fspath(cast(str, target))
    if compress if compress is not None else path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
