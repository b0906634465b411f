"""One typed table for every log format: the columns, dtypes and order the log functions work on.

Whatever the file (legacy or v2 W3C, JSON, Parquet, real-time), a chunk of raw text becomes the
same frame: ``timestamp`` (tz-aware UTC seconds, from ``date`` + ``time`` or the real-time
``timestamp``), the wanted standard fields in the legacy order (missing ones empty), any other
logged field as text, the Hive partition values, and ``url``. Values are unescaped once with
:mod:`cfsign_nb.logformat`'s rules (with pyarrow; only values with an escape other than ``%20`` one by one).
``frame.attrs["fields"]`` lists the fields the file logged, which the diagnosis needs to tell
"not sent" from "not logged".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..logformat import EMPTY, FIELDS, TIMESTAMP, unescape_field
from .assemble import STR, UTC_SECONDS
from .inputs import one_array
from .logformats import RawChunk

__all__ = ["CATEGORIES", "DIAGNOSIS_FIELDS", "FLOATS", "INTS", "typed"]

INTS = ("sc-bytes", "sc-status", "cs-bytes", "c-port", "sc-content-len", "sc-range-start", "sc-range-end")
FLOATS = ("time-taken", "time-to-first-byte")
CATEGORIES = (
    "x-edge-location", "cs-method", "cs(Host)", "x-edge-result-type", "x-host-header", "cs-protocol",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "x-edge-detailed-result-type", "sc-content-type",
)
"""Fields with few distinct values, stored as categories by :func:`~cfsign_nb.frames.read_access_log`."""

DIAGNOSIS_FIELDS = (
    "date", "time", TIMESTAMP, "c-ip", "cs(Host)", "x-host-header", "cs-protocol", "cs-uri-stem", "cs-uri-query",
    "cs(Cookie)", "sc-status", "x-edge-result-type", "x-edge-response-result-type", "x-edge-detailed-result-type",
)
"""The fields a diagnosis of the log reads (``columns="diagnosis"`` reads only these)."""

_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: a later real-time timestamp is junk


def typed(
    raw: RawChunk, *, wanted: Collection[str] | None, partitions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The typed frame of one raw chunk (see the module docstring); ``wanted`` None means every field."""
    frame = raw.frame
    n = len(frame)
    epoch = frame.pop(TIMESTAMP) if TIMESTAMP in frame else None
    standard = [name for name in FIELDS if wanted is None or name in wanted]
    extra = [name for name in frame.columns if name not in FIELDS]
    columns: dict[str, pd.Series] = {}
    for name in (*standard, *extra):
        if name not in frame:  # not logged: all missing, in the field's dtype
            columns[name] = _missing(name, n, frame.index)
        elif name in INTS:
            columns[name] = _int_column(frame[name])
        elif name in FLOATS:
            columns[name] = _numbers(frame[name])
        else:
            columns[name] = _unescaped(frame[name], name)
    for key, value in (partitions or {}).items():
        if key not in columns:
            columns[key] = pd.Series([value] * n, index=frame.index, dtype=STR)
    stamp = _timestamp(frame, epoch)
    if epoch is not None and ("date" not in frame or "time" not in frame):
        for name, fmt in (("date", "%Y-%m-%d"), ("time", "%H:%M:%S")):
            if name in columns:
                columns[name] = stamp.dt.strftime(fmt).astype(STR)
    url = _url(columns, frame.index)
    out = pd.DataFrame({"timestamp": stamp, **columns, "url": url}, index=frame.index)
    out.attrs["fields"] = tuple(raw.fields)
    out.attrs["partitions"] = tuple(k for k in (partitions or {}) if k in columns)
    return out


def _missing(name: str, n: int, index: pd.Index) -> pd.Series:
    """A field the file does not log: every value missing, in the dtype the field has when logged."""
    if name in INTS:
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool)), index=index)
    if name in FLOATS:
        return pd.Series(np.full(n, np.nan), index=index)
    return pd.Series(pa.nulls(n, pa.large_string()), index=index, dtype=STR)


def _timestamp(frame: pd.DataFrame, epoch: pd.Series | None) -> pd.Series:
    """UTC seconds from ``date`` + ``time`` when logged, else from the real-time epoch (milliseconds dropped)."""
    if "date" in frame and "time" in frame:
        # A log has few distinct (date, time) pairs: each is parsed once, at one row that has it.
        dates, _ = pd.factorize(frame["date"])
        times, time_words = pd.factorize(frame["time"])
        key = np.where((dates < 0) | (times < 0), -1, dates.astype(np.int64) * max(len(time_words), 1) + times)
        pairs, distinct = pd.factorize(key)
        row = np.empty(len(distinct), dtype=np.int64)
        row[pairs] = np.arange(len(pairs))
        stamp = frame["date"].iloc[row].astype(str) + " " + frame["time"].iloc[row].astype(str)
        when = pd.to_datetime(stamp, format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce").astype(UTC_SECONDS)
        return pd.Series(when.array.take(pairs), index=frame.index)
    if epoch is not None:
        seconds = np.floor(pd.to_numeric(epoch, errors="coerce").astype("float64"))
        seconds = seconds.where((seconds >= 0) & (seconds <= _MAX_EPOCH))
        return pd.to_datetime(seconds, unit="s", utc=True).astype(UTC_SECONDS)
    return pd.Series(pd.NaT, index=frame.index, dtype=UTC_SECONDS)


def _url(columns: Mapping[str, pd.Series], index: pd.Index) -> pd.Series:
    """The request URL from ``cs-protocol``, ``x-host-header`` or ``cs(Host)``, ``cs-uri-stem`` and ``cs-uri-query``."""
    def text(name: str) -> pa.ChunkedArray:
        if name not in columns:
            return pa.chunked_array([pa.nulls(len(index), pa.large_string())])
        return pa.chunked_array(_arrow(columns[name])).cast(pa.large_string())

    def word(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    host = pc.coalesce(text("x-host-header"), text("cs(Host)"))
    scheme = pc.coalesce(text("cs-protocol"), word("https"))
    stem = text("cs-uri-stem")
    query = one_array(text("cs-uri-query"))
    base = (scheme, word("://"), host, stem)
    if query.null_count == len(query):
        url = pc.binary_join_element_wise(*base, word(""))
    else:
        # "?" where a query was logged: a dictionary of two words, so no per-row choice is made in Python;
        # the URL is joined in one pass (a missing query adds nothing).
        marks = pa.DictionaryArray.from_arrays(
            pa.array(np.asarray(query.is_valid(), dtype=np.int8)), pa.array(["", "?"], pa.large_string())
        ).cast(pa.large_string())
        url = pc.binary_join_element_wise(*base, marks, query, word(""), null_handling="replace")
        if host.null_count or stem.null_count:  # no URL without a host and a path
            url = pc.if_else(pc.is_null(pc.binary_join_element_wise(*base, word(""))), pa.scalar(None, url.type), url)
    return pd.Series(url, index=index, dtype=STR)


def _arrow(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow strings (no copy for pandas' Arrow-backed text)."""
    values = column.array
    inner = getattr(values, "_pa_array", None)
    if inner is not None and pa.types.is_string(inner.type) | pa.types.is_large_string(inner.type):
        return inner
    return pa.array(column.astype(STR).array)


def _unescaped(column: pd.Series, name: str) -> pd.Series:
    """Field ``name`` as text, ``-`` missing, :func:`~cfsign_nb.logformat.unescape_field` applied where a ``%`` is."""
    text = one_array(_arrow(column))
    dash = pc.equal(text, EMPTY)
    if pc.any(dash).as_py():
        text = pc.if_else(dash, pa.scalar(None, text.type), text)
    escaped = pc.fill_null(pc.match_substring(text, "%"), False)
    if pc.any(escaped).as_py():
        # Most escapes are spaces (a user agent, "; " between cookies): where %20 is the only one, decode at once.
        spaced = pc.replace_substring(text, "%20", " ")
        text = pc.if_else(escaped, spaced, text)
        escaped = pc.and_(escaped, pc.fill_null(pc.match_substring(spaced, "%"), False))
        if pc.any(escaped).as_py():
            values = column.astype(object)[np.asarray(escaped)].tolist()
            text = pc.replace_with_mask(text, escaped, pa.array([unescape_field(v, name) for v in values], text.type))
    return pd.Series(text, index=column.index, dtype=STR)


def _numbers(column: pd.Series) -> pd.Series:
    """Numbers as float64; ``-`` and anything that is not a number are missing."""
    return pd.to_numeric(column.astype(object), errors="coerce").astype("float64")


def _int_column(column: pd.Series) -> pd.Series:
    """Whole numbers that fit an int64 as Int64; anything else (``1.5``, ``1e400``, 5,000 digits) is missing."""
    text = one_array(_arrow(column))
    digits = pc.match_substring_regex(text, r"^-?[0-9]{1,18}$")  # surely an int64: Arrow parses it at once
    if pc.all(pc.or_kleene(digits, pc.equal(text, EMPTY))).as_py() is not False:
        numbers = pc.cast(pc.if_else(digits, text, pa.scalar(None, text.type)), pa.int64())
        return pd.Series(pd.array(numbers, dtype="Int64"), index=column.index)
    numbers = _numbers(column)
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**63))
    return whole.astype("Int64")
