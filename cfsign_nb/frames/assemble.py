"""Frame assembly: the vectorised rows and the per-row results of one chunk, as one typed table.

The columns, their dtypes and order are defined here once; :func:`assemble` fills them from the
fast path's arrays (:class:`~cfsign_nb.frames.fast.FastRows`) and overwrites the rows that went
per-row with the values :func:`decoded_row` and :func:`diagnosis_row` read off the results.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import CATALOG
from ..protocol import ERROR_CODES, LONG_LIFETIME_SECONDS
from ..times import MAX_EPOCH_32, MAX_SECONDS, now_epoch
from .fast import PATTERNS, FastRows

if TYPE_CHECKING:
    from ..decode import Decoded
    from ..diagnosis import Diagnosis

__all__ = [
    "CODE_CATEGORIES",
    "DECODE_COLUMNS",
    "DIAGNOSE_COLUMNS",
    "ERROR_CATEGORIES",
    "INTERNAL_ERROR",
    "STR",
    "UTC_SECONDS",
    "assemble",
    "datetimes",
    "decoded_row",
    "diagnosis_row",
    "error_row",
    "frame_of_rows",
    "int64",
    "utc_seconds",
]

STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas 3's default string dtype (Arrow-backed, NaN for missing)."""

UTC_SECONDS = pd.DatetimeTZDtype("s", "UTC")
INTERNAL_ERROR = "INTERNAL_ERROR"
"""The code of a row whose processing raised (a bug): the row says so instead of failing the batch."""
CODE_CATEGORIES = ("OK", *CATALOG, *(() if INTERNAL_ERROR in CATALOG else (INTERNAL_ERROR,)))
ERROR_CATEGORIES = ERROR_CODES
"""The categories of ``cloudfront_error``: the 403 codes CloudFront answers with."""

DECODE_COLUMNS = (
    "source", "url", "resource_url", "policy_kind", "resource", "expires", "expires_at", "starts",
    "starts_at", "ip_address", "key_pair_id", "hash_algorithm", "signature_bytes", "problems",
)
"""Columns of :func:`~cfsign_nb.frames.decode_many`, in order."""

DIAGNOSE_COLUMNS = (
    *DECODE_COLUMNS, "ok", "code", "codes", "cloudfront_error", "verified", "now", "now_at",
    "seconds_to_expiry",
)
"""Columns of :func:`~cfsign_nb.frames.diagnose_many`, in order."""

_INT64 = (-(2**63), 2**63 - 1)
_PATTERN_CODE = [next((c for c in codes if CATALOG[c].severity == "error"), "OK") for codes in PATTERNS]
_CODE_INDEX = {code: i for i, code in enumerate(CODE_CATEGORIES)}
_PATTERN_CODE_INDEX = np.array([_CODE_INDEX[code] for code in _PATTERN_CODE], dtype=np.int16)
_ERROR_OF_CODE = np.array([  # CloudFront's answer to each code, as an index into ERROR_CATEGORIES (-1: none)
    ERROR_CATEGORIES.index(error) if (error := CATALOG[code].cloudfront_error if code in CATALOG else None)
    in ERROR_CATEGORIES else -1
    for code in CODE_CATEGORIES
], dtype=np.int16)
_ERROR_OF_CODE[_CODE_INDEX["OK"]] = -1


# --- rows of per-row results -----------------------------------------------------------------

def decoded_row(d: Decoded) -> dict[str, Any]:
    """The decode columns of one decoded URL or set of cookies."""
    policy = d.policy
    return {
        "source": d.source,
        "url": d.url,
        "resource_url": d.resource_url,
        "policy_kind": d.policy_kind,
        "resource": policy.resource if policy else None,
        "expires": policy.date_less_than if policy else d.expires,
        "starts": policy.date_greater_than if policy else None,
        "ip_address": policy.ip_address if policy else None,
        "key_pair_id": d.key_pair_id,
        "hash_algorithm": d.hash_algorithm,
        "signature_bytes": None if d.signature is None else len(d.signature),
        "problems": tuple(p.code for p in d.problems),
    }


def diagnosis_row(result: Diagnosis) -> dict[str, Any]:
    """The diagnose columns of one diagnosis."""
    row = decoded_row(result.decoded)
    cause = result.cause
    row.update(
        ok=result.ok,
        code=cause.code if cause else "OK",
        codes=result.codes,
        cloudfront_error=result.cloudfront_error,
        verified=result.verified,
        now=result.context.now,
    )
    return row


def error_row(decode_only: bool, now: int | None) -> dict[str, Any]:
    """The row of an input whose processing raised: no fields, code ``INTERNAL_ERROR``."""
    row: dict[str, Any] = dict.fromkeys(
        ("url", "resource_url", "policy_kind", "resource", "expires", "starts", "ip_address",
         "key_pair_id", "hash_algorithm", "signature_bytes")
    )
    row.update(source="unknown", problems=(INTERNAL_ERROR,))
    if not decode_only:
        row.update(
            ok=False, code=INTERNAL_ERROR, codes=(INTERNAL_ERROR,), cloudfront_error=None, verified=None,
            now=now if now is not None else now_epoch(None),
        )
    return row


def frame_of_rows(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """The table of per-row results only (no fast rows), with ``columns``."""
    n = len(rows)
    frame = assemble(n, FastRows(n), np.arange(n), rows, "ok" not in columns, None)
    return frame.loc[:, list(columns)]


# --- the chunk's table -----------------------------------------------------------------------

def assemble(
    n: int, fast: FastRows, rows: np.ndarray, slow: list[dict[str, Any]], decode_only: bool,
    now: np.ndarray | None, array: pa.Array | None = None, wanted: Collection[str] | None = None,
) -> pd.DataFrame:
    """The table of a chunk of ``n`` rows: ``fast.mask`` rows from the arrays, ``rows`` from ``slow``.

    ``wanted`` (default: all) names the columns to build; the others are never computed.
    """
    def want(name: str) -> bool:
        return wanted is None or name in wanted

    mask = fast.mask
    columns: dict[str, Any] = {}
    slow_mask = pa.array(~mask)
    all_fast = bool(mask.all())

    def strings(fast_values: pa.Array | None, name: str) -> Any:
        if fast_values is None:
            fast_values = pa.nulls(n, pa.large_string())
        elif not all_fast:
            fast_values = _null_where(fast_values, ~mask)
        if len(rows):
            fast_values = _replace(fast_values, slow_mask, [r[name] for r in slow], pa.large_string())
        return pd.array(fast_values, dtype=STR)

    def categorical(fast_codes: np.ndarray, name: str, categories: Sequence[str]) -> pd.Categorical:
        codes = fast_codes.astype(np.int16)
        if len(rows):
            lookup = {category: i for i, category in enumerate(categories)}
            codes[rows] = [lookup.get(r[name], -1) for r in slow]
        return pd.Categorical.from_codes(codes, categories=categories)

    url_fast = array if mask.any() else None
    resource_fast = fast.strings(fast.start, fast.resource_end) if mask.any() and (
        want("resource_url") or want("resource")) else None
    zeros = np.zeros(n, dtype=np.int16)
    expires = _ints(fast.expires, mask, rows, [r["expires"] for r in slow])  # the diagnosis reads it too
    starts = _ints(np.zeros(n, np.int64), np.zeros(n, bool), rows, [r["starts"] for r in slow])
    builders: dict[str, Callable[[], Any]] = {  # each column, built only when wanted
        "source": lambda: categorical(zeros, "source", ["url", "cookies", "unknown"]),
        "url": lambda: strings(url_fast, "url"),
        "resource_url": lambda: strings(resource_fast, "resource_url"),
        "policy_kind": lambda: categorical(zeros, "policy_kind", ["canned", "custom"]),
        "resource": lambda: strings(resource_fast, "resource"),
        "expires": lambda: expires,
        "expires_at": lambda: utc_seconds(expires),
        "starts": lambda: starts,
        "starts_at": lambda: utc_seconds(starts),
        "ip_address": lambda: strings(None, "ip_address"),
        "key_pair_id": lambda: _key_pair_ids(fast, rows, [r["key_pair_id"] for r in slow]),
        "hash_algorithm": lambda: categorical(fast.sha256, "hash_algorithm", ["SHA1", "SHA256"]),
        "signature_bytes": lambda: _ints(fast.signature_bytes, mask, rows, [r["signature_bytes"] for r in slow]),
        "problems": lambda: _problems(n, rows, slow),
    }
    for name, build in builders.items():
        if want(name):
            columns[name] = build()
    if not decode_only:
        diagnosis = _diagnosis_columns(n, expires, fast, rows, slow, now)
        columns.update({name: values for name, values in diagnosis.items() if want(name)})
    return pd.DataFrame(columns)


def _problems(n: int, rows: np.ndarray, slow: list[dict[str, Any]]) -> np.ndarray:
    """Each row's parsing problems: none for fast rows."""
    empty: tuple[str, ...] = ()
    problems = np.empty(n, dtype=object)
    problems[:] = [empty] * n
    if len(rows):
        problems[rows] = [r["problems"] for r in slow]
    return problems


def _diagnosis_columns(
    n: int, expires_column: pd.arrays.IntegerArray, fast: FastRows, rows: np.ndarray, slow: list[dict[str, Any]],
    now: np.ndarray | None,
) -> dict[str, Any]:
    """The diagnose columns: fast rows' codes by pattern (see :data:`~cfsign_nb.frames.fast.PATTERNS`)."""
    moments = now if now is not None else np.zeros(n, dtype=np.int64)
    expires = fast.expires
    expired = expires <= moments
    long_lifetime = ~expired & (expires - moments > LONG_LIFETIME_SECONDS)
    after_2038 = expires > MAX_EPOCH_32
    pattern = expired * 1 + long_lifetime * 2 + after_2038 * 4 + fast.verified * 8
    pattern_table = np.empty(16, dtype=object)
    pattern_table[:] = PATTERNS
    codes = pattern_table[pattern]
    code = _PATTERN_CODE_INDEX[pattern]
    ok = ~expired
    verified = np.full(n, None, dtype=object)
    verified[fast.verified] = True
    now_column = np.array(moments, dtype=np.int64, copy=True)
    if len(rows):
        codes[rows] = [r["codes"] for r in slow]
        code[rows] = [_CODE_INDEX[r["code"]] for r in slow]
        ok = ok.copy()
        ok[rows] = [r["ok"] for r in slow]
        verified[rows] = [r["verified"] for r in slow]
        now_column[rows] = [int64(r["now"]) or 0 for r in slow]
    # Only real expiries count: a millisecond or absurd value would look like "valid for ages".
    expiry = expires_column.to_numpy(dtype=np.int64, na_value=0)
    known = ~np.asarray(expires_column.isna()) & (expiry < MAX_SECONDS)
    remaining = expiry - now_column
    return {
        "ok": ok.astype(bool),
        "code": pd.Categorical.from_codes(code, categories=CODE_CATEGORIES),
        "codes": codes,
        "cloudfront_error": pd.Categorical.from_codes(_ERROR_OF_CODE[code], categories=ERROR_CATEGORIES),
        "verified": pd.array(verified, dtype="boolean"),
        "now": now_column,
        "now_at": utc_seconds(pd.arrays.IntegerArray(now_column, np.zeros(n, dtype=bool))),
        "seconds_to_expiry": pd.arrays.IntegerArray(np.where(known, remaining, 0), ~known),
    }


# --- typed columns ---------------------------------------------------------------------------

def _key_pair_ids(fast: FastRows, rows: np.ndarray, slow: list[Any]) -> pd.Categorical:
    """The key pair ids as a categorical: the fast rows' few distinct ids are decoded once each."""
    codes = np.full(len(fast.mask), -1, dtype=np.int64)
    categories: dict[str, int] = {}
    if fast.mask.any():
        fast_codes, distinct = pd.factorize(fast.kid[fast.mask])
        lookup = np.array([categories.setdefault(kid.decode(), len(categories)) for kid in distinct], dtype=np.int64)
        codes[fast.mask] = lookup[fast_codes]
    if len(rows):
        texts = [_arrow_text(v) if isinstance(v, str) else None for v in slow]
        codes[rows] = [-1 if t is None else categories.setdefault(t, len(categories)) for t in texts]
    names = sorted(categories)  # the order astype("category") gives, so chunked and whole batches agree
    position = np.empty(len(names) + 1, dtype=np.int64)
    position[[categories[name] for name in names]] = np.arange(len(names))
    position[-1] = -1
    return pd.Categorical.from_codes(position[codes], categories=pd.Index(names, dtype=STR))


def _null_where(values: pa.Array, where: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(where), pa.nulls(len(values), values.type), values)


def _replace(values: pa.Array, mask: pa.Array, replacements: list[Any], type_: pa.DataType) -> pa.Array:
    try:
        replacement = pa.array(replacements, type=type_)
    except (UnicodeEncodeError, pa.ArrowException, TypeError):
        replacement = pa.array([_arrow_text(v) for v in replacements], type=type_)
    return pc.replace_with_mask(values, mask, replacement)


def _arrow_text(value: object) -> str | None:
    """``value`` as text Arrow can hold: a lone surrogate is shown as its escape (``\\ud800``)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def int64(value: object) -> int | None:
    """``value`` if it is an int that fits a column of int64, else None (missing)."""
    if isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
        return int(value)
    return None


def _ints(fast_values: np.ndarray, mask: np.ndarray, rows: np.ndarray, slow: list[Any]) -> pd.arrays.IntegerArray:
    values = np.where(mask, fast_values, 0).astype(np.int64)
    missing = ~mask.copy()
    if len(rows):
        fitting = [int64(v) for v in slow]
        values[rows] = np.array([0 if v is None else v for v in fitting], dtype=np.int64)
        missing[rows] = [v is None for v in fitting]
    return pd.arrays.IntegerArray(values, missing)


def datetimes(epochs: pd.Series) -> pd.Series:
    """Epoch seconds as tz-aware UTC datetimes; NaT where missing or beyond seconds (milliseconds)."""
    return pd.Series(utc_seconds(epochs.astype("Int64").array), index=epochs.index)


def utc_seconds(epochs: pd.arrays.IntegerArray) -> pd.arrays.DatetimeArray:
    """:func:`datetimes` of an array of epoch seconds, at numpy speed."""
    values = epochs.to_numpy(dtype=np.int64, na_value=0)
    plausible = ~np.asarray(epochs.isna()) & (values >= 0) & (values < MAX_SECONDS)
    stamps = np.where(plausible, values, np.iinfo(np.int64).min).view("M8[s]")  # int64's minimum is NaT
    return pd.DatetimeIndex(stamps).tz_localize("UTC").array
