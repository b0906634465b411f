"""One typed table for every log format: the columns, dtypes and order the log functions work on.

Whatever the file (legacy or v2 W3C, JSON, Parquet, real-time), a chunk of raw text becomes the
same frame: ``timestamp`` (tz-aware UTC seconds, from ``date`` + ``time`` or the real-time
``timestamp``), the wanted standard fields in the legacy order (missing ones empty; few-valued
ones as categories), any other logged field as text, the Hive partition values, and ``url``.
Values are unescaped once with :mod:`cfsign_nb.logformat`'s rules, in Arrow (a dictionary column
only in its dictionary; only values with an escape other than ``%20`` one by one).
``frame.attrs["fields"]`` lists the fields the file logged, which the diagnosis needs to tell
"not sent" from "not logged".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..logformat import EMPTY, FIELDS, TIMESTAMP, unescape_field
from .assemble import STR, UTC_SECONDS
from .inputs import one_array
from .logchunk import RawChunk

__all__ = ["CATEGORIES", "DIAGNOSIS_FIELDS", "DICTIONARY_FIELDS", "FLOATS", "INTS", "category_series", "typed"]

INTS = ("sc-bytes", "sc-status", "cs-bytes", "c-port", "sc-content-len", "sc-range-start", "sc-range-end")
FLOATS = ("time-taken", "time-to-first-byte")
CATEGORIES = (
    "x-edge-location", "cs-method", "cs(Host)", "x-edge-result-type", "x-host-header", "cs-protocol",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "x-edge-detailed-result-type", "sc-content-type",
)
"""Fields with few distinct values, stored as categories by :func:`~cfsign_nb.frames.read_access_log`."""

DICTIONARY_FIELDS = (*CATEGORIES, "date", "time", "sc-status")
"""Fields a reader may hand over as Arrow dictionaries (Parquet stores them so): typed value by distinct value."""

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
    table = raw.table
    n = table.num_rows
    index = pd.RangeIndex(n)
    logged = {name: one_array(table.column(name)) for name in table.column_names}
    epoch = logged.pop(TIMESTAMP, None)
    standard = [name for name in FIELDS if wanted is None or name in wanted]
    extra = [name for name in logged if name not in FIELDS]
    texts: dict[str, pa.Array] = {}  # unescaped text of the logged text fields, as Arrow (some dictionaries)
    columns: dict[str, pd.Series] = {}
    for name in (*standard, *extra):
        values = logged.get(name)
        if values is None:  # not logged: all missing, in the field's dtype
            columns[name] = _missing(name, n, index)
        elif name in INTS:
            columns[name] = pd.Series(pd.array(_plain(_by_value(values, _ints)), dtype="Int64"), index=index)
        elif name in FLOATS:
            columns[name] = pd.Series(_plain(_by_value(values, _floats)).to_numpy(zero_copy_only=False), index=index)
        else:
            texts[name] = _by_value(values, functools.partial(_unescaped, name=name))
            columns[name] = _pandas_text(texts[name], categorical=name in CATEGORIES, index=index)
    for key, value in (partitions or {}).items():
        if key not in columns:
            columns[key] = category_series(np.zeros(n, np.int8), [value], index)
    stamp = _timestamp(texts, epoch, index)
    if epoch is not None and ("date" not in texts or "time" not in texts):
        for name, fmt in (("date", "%Y-%m-%d"), ("time", "%H:%M:%S")):
            if name in columns:
                columns[name] = stamp.dt.strftime(fmt).astype(STR)
    out = pd.DataFrame({"timestamp": stamp, **columns, "url": _url(texts, index)}, index=index, copy=False)
    out.attrs["fields"] = tuple(raw.fields)
    out.attrs["partitions"] = tuple(k for k in (partitions or {}) if k in columns)
    return out


def _missing(name: str, n: int, index: pd.Index) -> pd.Series:
    """A field the file does not log: every value missing, in the dtype the field has when logged."""
    if name in INTS:
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool)), index=index)
    if name in FLOATS:
        return pd.Series(np.full(n, np.nan), index=index)
    if name in CATEGORIES:
        return category_series(np.full(n, -1, np.int8), [], index)
    return pd.Series(pa.nulls(n, pa.large_string()), index=index, dtype=STR)


def _by_value(values: pa.Array, convert: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``convert`` (text array → array) applied to a text array, or to a dictionary's values only."""
    if pa.types.is_dictionary(values.type):
        return pa.DictionaryArray.from_arrays(values.indices, convert(values.dictionary))
    return convert(values)


def _plain(values: pa.Array) -> pa.Array:
    """A dictionary array as the plain array of its values, row by row (other arrays as they are)."""
    return values.dictionary.take(values.indices) if pa.types.is_dictionary(values.type) else values


def category_series(codes: np.ndarray, categories: Sequence[str] | pd.api.extensions.ExtensionArray,
                    index: pd.Index | None = None) -> pd.Series:
    """A category column of text categories (STR) from its codes (-1: missing), as the log tables hold them."""
    dtype = pd.CategoricalDtype(pd.Index(categories, dtype=STR))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=index, copy=False)


def _pandas_text(text: pa.Array, *, categorical: bool, index: pd.Index) -> pd.Series:
    """Arrow text as pandas: a category column (sorted categories, as ``astype("category")`` makes) or STR."""
    if not categorical:
        return pd.Series(pd.array(_plain(text).cast(pa.large_string()), dtype=STR), index=index, copy=False)
    encoded = _encoded(text)
    # A dictionary entry may be null, or repeat once unescaped: the categories are its distinct values, sorted.
    order, categories = pd.factorize(pd.array(encoded.dictionary.cast(pa.large_string()), dtype=STR), sort=True)
    rows = np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)
    codes = np.append(np.asarray(order, dtype=np.int64), -1)[rows]  # row -1 (missing) takes the appended -1
    return category_series(codes, categories, index)


def _timestamp(texts: Mapping[str, pa.Array], epoch: pa.Array | None, index: pd.Index) -> pd.Series:
    """UTC seconds from ``date`` + ``time`` when logged, else from the real-time epoch (milliseconds dropped)."""
    if "date" in texts and "time" in texts:
        # A log has few distinct (date, time) pairs: each is parsed once.
        dates, times = (_encoded(texts[name]) for name in ("date", "time"))
        width = max(len(times.dictionary), 1)
        day, second = (_codes(part) for part in (dates, times))
        pairs, distinct = pd.factorize(np.where((day < 0) | (second < 0), -1, day * width + second))
        known = distinct >= 0
        words = np.full(len(distinct), "", dtype=object)
        date_words, time_words = (np.asarray(part.dictionary.to_pylist(), dtype=object) for part in (dates, times))
        words[known] = date_words[distinct[known] // width] + " " + time_words[distinct[known] % width]
        when = pd.to_datetime(pd.Series(words, dtype=object), format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
        return pd.Series(when.astype(UTC_SECONDS).array.take(pairs), index=index)
    if epoch is not None:
        numbers = pd.to_numeric(pd.Series(_plain(epoch).to_pylist(), dtype=object), errors="coerce")
        seconds = np.floor(numbers.astype("float64"))
        seconds = seconds.where((seconds >= 0) & (seconds <= _MAX_EPOCH))
        return pd.Series(pd.to_datetime(seconds, unit="s", utc=True).astype(UTC_SECONDS).array, index=index)
    return pd.Series(pd.NaT, index=index, dtype=UTC_SECONDS)


def _codes(text: pa.DictionaryArray) -> np.ndarray:
    """Each row's dictionary index, -1 where the row or its dictionary entry is missing."""
    codes = np.asarray(text.indices.fill_null(-1), dtype=np.int64)
    if text.dictionary.null_count:
        codes[codes >= 0] = np.where(np.asarray(text.dictionary.is_valid(), dtype=bool)[codes[codes >= 0]],
                                     codes[codes >= 0], -1)
    return codes


def _encoded(text: pa.Array) -> pa.DictionaryArray:
    """Text as a dictionary array (as it is when it already is one)."""
    return text if pa.types.is_dictionary(text.type) else pc.dictionary_encode(text)


def _url(texts: Mapping[str, pa.Array], index: pd.Index) -> pd.Series:
    """The request URL from ``cs-protocol``, ``x-host-header`` or ``cs(Host)``, ``cs-uri-stem`` and ``cs-uri-query``."""
    def text(name: str) -> pa.Array:
        if name not in texts:
            return pa.nulls(len(index), pa.large_string())
        return _plain(texts[name]).cast(pa.large_string())

    def word(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    host = pc.coalesce(text("x-host-header"), text("cs(Host)"))
    scheme = pc.coalesce(text("cs-protocol"), word("https"))
    stem = text("cs-uri-stem")
    query = text("cs-uri-query")
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
    return pd.Series(pd.array(url, dtype=STR), index=index)


_PERCENT = re.compile(b"%")


def _unescaped(text: pa.Array, name: str) -> pa.Array:
    """Text as logged → as sent: ``-`` missing, :func:`~cfsign_nb.logformat.unescape_field` applied where a ``%`` is."""
    dash = pc.equal(text, EMPTY)
    if dash.true_count:
        text = pc.if_else(dash, pa.scalar(None, text.type), text)
    if not _any_percent(text):  # one search of the whole column's bytes: most columns have no escape at all
        return text
    escaped = pc.fill_null(pc.match_substring(text, "%"), False)
    # Most escapes are spaces (a user agent, "; " between cookies): where %20 is the only one, decode at once.
    spaced = pc.replace_substring(text, "%20", " ")
    text = pc.if_else(escaped, spaced, text)
    escaped = pc.and_(escaped, pc.fill_null(pc.match_substring(spaced, "%"), False))
    if escaped.true_count:
        values = text.filter(escaped).to_pylist()
        text = pc.replace_with_mask(text, escaped, pa.array([unescape_field(v, name) for v in values], text.type))
    return text


def _any_percent(text: pa.Array) -> bool:
    """Whether any value of a string array holds a ``%`` (its data buffer searched in place)."""
    data = text.buffers()[2]
    if data is None or len(text) == 0:
        return False
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=width)[text.offset : text.offset + len(text) + 1]
    return _PERCENT.search(memoryview(data)[int(offsets[0]) : int(offsets[-1])]) is not None


def _floats(text: pa.Array) -> pa.Array:
    """Numbers as float64; ``-`` and anything that is not a number are missing (NaN)."""
    numbers = pd.to_numeric(pd.Series(text.to_pylist(), dtype=object), errors="coerce").astype("float64")
    return pa.array(numbers.to_numpy(), pa.float64(), from_pandas=False)


def _ints(text: pa.Array) -> pa.Array:
    """Whole numbers that fit an int64; anything else (``-``, ``1.5``, ``1e400``, 5,000 digits) is missing."""
    digits = pc.match_substring_regex(text, r"^-?[0-9]{1,18}$")  # surely an int64: Arrow parses it at once
    if pc.all(pc.or_kleene(digits, pc.equal(text, EMPTY))).as_py() is not False:
        return pc.cast(pc.if_else(digits, text, pa.scalar(None, text.type)), pa.int64())
    numbers = pd.to_numeric(pd.Series(text.to_pylist(), dtype=object), errors="coerce").astype("float64")
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**63))
    return pa.array(whole.astype("Int64"), pa.int64())
