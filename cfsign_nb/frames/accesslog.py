"""CloudFront access logs as DataFrames: read every format, and diagnose every request.

:func:`read_access_log` reads what standard logging writes, told apart by its first bytes: the
legacy 33-field W3C file, v2 W3C with any fields in any order (its ``#Fields:`` line), v2 JSON
lines and v2 Parquet, gzip-compressed or not, from a file, a folder, a glob or Hive-partitioned
folders (``year=2026/month=01/...`` become columns). :func:`read_realtime_log` reads real-time log
records (tab-separated, no header, the configured field order). Every format gives the same
table (:mod:`.logtable`), so everything downstream is unchanged; ``columns="diagnosis"`` reads
only the fields a diagnosis needs (Parquet and JSON skip the others while parsing). A record
that cannot be read is skipped with one :class:`CfSignWarning`; reading never raises on a line.

:func:`diagnose_access_log` diagnoses each request as of its own time and ``c-ip``. A log
without the field a request's signature travels in (``cs(Cookie)``, ``cs-uri-query``) reports
that request ``NOT_CHECKABLE_FROM_LOG``, never ``NO_SIGNING_DATA``; :func:`coverage` and
``table.attrs["unsupported"]`` say which checks the log could not support.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from ..errors import CfSignWarning, InputError
from ..findings import CATALOG
from ..logformat import FIELDS, KNOWN_FIELDS, REALTIME_FIELDS, TIMESTAMP, canonical_name
from ..protocol import COOKIE_PREFIX, SIGNED_QUERY_PATTERN, signing_names
from .assemble import STR
from .batch import diagnose_many
from .inputs import one_array
from .logchunk import RawChunk
from .logformats import read_json_lines, read_parquet
from .logsource import Format, LogFile, Source, log_files, open_binary, sniff
from .logtable import DIAGNOSIS_FIELDS, DICTIONARY_FIELDS, category_series, typed
from .logtext import read_text
from .logwrite import write_access_log

__all__ = ["ADDED_COLUMNS", "DIAGNOSIS_COLUMNS", "DIAGNOSIS_FIELDS", "FIELDS", "coverage", "diagnose_access_log",
           "iter_access_log", "read_access_log", "read_realtime_log", "write_access_log"]

Columns = Literal["all", "diagnosis"] | Sequence[str]
"""Which fields to read: every one, those :data:`DIAGNOSIS_FIELDS` names, or a list of field names."""


# --- reading ----------------------------------------------------------------------------------

def read_access_log(
    source: Source, *, columns: Columns = "all", format: Format | Literal["auto"] = "auto",
    chunk_lines: int = 200_000,
) -> pd.DataFrame:
    """Read CloudFront standard logs of any format (a file, a folder, a glob, several paths or an open file).

    Adds ``timestamp`` (tz-aware UTC, from ``date`` + ``time``) and ``url`` (the request URL rebuilt
    from ``cs-protocol``, ``x-host-header`` or ``cs(Host)``, ``cs-uri-stem`` and ``cs-uri-query``).
    ``attrs["fields"]`` holds the fields every file logged. Unreadable records are skipped with a
    :class:`CfSignWarning`.
    """
    return _collect(_iter(source, columns=columns, format=format, chunk_lines=chunk_lines, realtime=None))


def iter_access_log(
    source: Source, *, columns: Columns = "all", format: Format | Literal["auto"] = "auto",
    chunk_lines: int = 200_000,
) -> Iterator[pd.DataFrame]:
    """Yield the log as typed frames of at most ``chunk_lines`` rows, file by file, so memory stays bounded.

    Each frame has the columns and dtypes of :func:`read_access_log`'s result (few-valued fields as
    categories, each frame with the categories it holds).
    """
    return _iter(source, columns=columns, format=format, chunk_lines=chunk_lines, realtime=None)


def read_realtime_log(
    source: Source, fields: Sequence[str], *, columns: Columns = "all", chunk_lines: int = 200_000
) -> pd.DataFrame:
    """Read real-time log records: tab-separated, no header, ``fields`` in the order the configuration lists them.

    Field names are the real-time ones (``timestamp``, ``c-ip``, ``cs-host``, ``cs-cookie``, ...;
    the W3C spellings work too). ``timestamp`` (epoch seconds with milliseconds) gives the
    ``timestamp``, ``date`` and ``time`` columns, to the second; the table is the standard one.
    """
    names = [canonical_name(str(f)) for f in fields]
    unknown = [f for f, n in zip(fields, names, strict=True) if n not in KNOWN_FIELDS]
    if unknown or not names:
        raise InputError(
            f"unknown real-time log field(s) {unknown}: give the fields in the order of the real-time log "
            f"configuration, from {', '.join(REALTIME_FIELDS)}"
        )
    return _collect(_iter(source, columns=columns, format="w3c", chunk_lines=chunk_lines, realtime=names))


def wanted_fields(columns: Columns) -> frozenset[str] | None:
    """The field names a ``columns=`` choice reads (None: every field)."""
    if isinstance(columns, str):
        if columns == "all":
            return None
        if columns == "diagnosis":
            return frozenset(DIAGNOSIS_FIELDS)
        raise InputError(f"columns={columns!r}: give 'all', 'diagnosis' or a list of field names")
    return frozenset(canonical_name(str(c)) for c in columns) | {"date", "time", TIMESTAMP}


def _iter(
    source: Source, *, columns: Columns, format: str, chunk_lines: int,
    realtime: list[str] | None,
) -> Iterator[pd.DataFrame]:
    if format not in ("auto", "w3c", "json", "parquet"):
        raise InputError(f"format={format!r}: give 'auto', 'w3c', 'json' or 'parquet'")
    wanted = wanted_fields(columns)
    skipped = 0
    for log in log_files(source):
        for chunk in _read_file(log, format, wanted, max(1, chunk_lines), realtime):
            skipped += chunk.skipped
            if chunk.table.num_rows or not chunk.skipped:
                yield typed(chunk, wanted=wanted, partitions=log.partitions)
    if skipped:
        warnings.warn(
            f"skipped {skipped} malformed log line(s) without the header's number of tab-separated "
            "fields, with raw control bytes or that are not JSON objects; check that the files are "
            "CloudFront logs (for real-time logs, the configured fields) and were not truncated or edited",
            CfSignWarning,
            stacklevel=3,
        )


def _read_file(
    log: LogFile, format: str, wanted: frozenset[str] | None, chunk_lines: int,
    realtime: list[str] | None,
) -> Iterator[RawChunk]:
    with ExitStack() as stack:
        handle, head = open_binary(log, stack)
        kind = sniff(head) if format == "auto" else format
        if realtime is not None:
            yield from read_text(handle, fields=realtime, wanted=wanted, chunk_lines=chunk_lines, headers=False)
        elif kind == "parquet":
            yield from read_parquet(handle, wanted=wanted, chunk_lines=chunk_lines, dictionary=DICTIONARY_FIELDS)
        elif kind == "json":
            yield from read_json_lines(handle, wanted=wanted, chunk_lines=chunk_lines)
        else:
            yield from read_text(handle, fields=None, wanted=wanted, chunk_lines=chunk_lines)


def _collect(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One frame of the chunks (their categories unioned); ``attrs["fields"]`` what every file logged."""
    frames = list(parts)
    if not frames:
        return typed(RawChunk.empty(FIELDS, FIELDS), wanted=None)
    logged = [f for f in frames[0].attrs["fields"] if all(f in p.attrs["fields"] for p in frames[1:])]
    frame = concat_frames(frames) if len(frames) > 1 else frames[0]
    frame.attrs = {"fields": tuple(logged)}
    return frame


def concat_frames(
    frames: Sequence[pd.DataFrame], *, sort_categories: bool = True, ignore_index: bool = True
) -> pd.DataFrame:
    """Frames one after the other; a category column stays one, its categories unioned (sorted, or in order).

    (``pd.concat`` turns categories that differ into text.) A column some frames lack is missing there.
    """
    names = list(dict.fromkeys(n for f in frames for n in f.columns))
    categorical = [n for n in names if any(isinstance(f[n].dtype, pd.CategoricalDtype) for f in frames if n in f)]
    out = pd.concat([f.drop(columns=[n for n in categorical if n in f]) for f in frames], ignore_index=ignore_index)
    for name in categorical:
        parts = [f[name].astype("category") if name in f else category_series(np.full(len(f), -1), []) for f in frames]
        out[name] = pd.Series(union_categoricals(parts, sort_categories=sort_categories), index=out.index)
    return out.loc[:, names]


# --- diagnosing -------------------------------------------------------------------------------

DIAGNOSIS_COLUMNS = (
    "artifact", "ok", "code", "codes", "cloudfront_error", "verified", "key_pair_id",
    "hash_algorithm", "policy_kind", "resource", "expires", "expires_at", "seconds_to_expiry",
)
"""Columns :func:`diagnose_access_log` adds to the log (and ``unexplained_403``: CloudFront refused
the request but the diagnosis found no cause, usually because no public key was given)."""

ADDED_COLUMNS = (*DIAGNOSIS_COLUMNS, "unexplained_403")
"""Every column :func:`diagnose_access_log` adds, in order (its ``columns=`` picks some)."""

NOT_CHECKABLE = "NOT_CHECKABLE_FROM_LOG"

_CHECKS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    # (check, the fields it needs: every group must have one of its fields logged)
    ("signed URLs", (("cs-uri-query",),)),
    ("signed cookies", (("cs(Cookie)",),)),
    ("request URL and resource", (("cs-uri-stem",), ("x-host-header", "cs(Host)"))),
    ("expiry and start times", (("date", TIMESTAMP), ("time", TIMESTAMP))),
    ("IP address conditions", (("c-ip",),)),
    ("CloudFront's answer (403s)", (("sc-status",),)),
)
READ_BY_DIAGNOSIS = frozenset(f for _, groups in _CHECKS for group in groups for f in group) | {"cs-protocol"}
"""The fields :func:`diagnose_access_log` reads: those of its checks, and the scheme of the request URL."""


def coverage(log: pd.DataFrame | Collection[str]) -> pd.DataFrame:
    """Which checks a log supports: per check, ``supported`` and the ``missing`` fields it would need.

    ``log`` is a log frame (its ``attrs["fields"]``, else its columns) or the logged field names.
    """
    logged = _logged(log) if isinstance(log, pd.DataFrame) else frozenset(canonical_name(str(f)) for f in log)
    rows = []
    for check, groups in _CHECKS:
        missing = [" or ".join(group) for group in groups if not any(f in logged for f in group)]
        rows.append({"check": check, "supported": not missing, "missing": ", ".join(missing) or None})
    return pd.DataFrame(rows).set_index("check")


def _logged(log: pd.DataFrame) -> frozenset[str]:
    """The fields the log logged: what its reader recorded, else the columns it has."""
    fields = log.attrs.get("fields")
    return frozenset(fields) if fields is not None else frozenset(log.columns)


def diagnose_access_log(
    log: pd.DataFrame,
    *,
    public_keys: Mapping[str, object] | None = None,
    verify: bool = True,
    chunk_rows: int = 100_000,
    workers: int = 1,
    fields: Collection[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The log with each request diagnosed as of its own time and ``c-ip``, in the log's order and index.

    (Reordering a million rows would copy every column for a view ``table[table["sc-status"] == 403]``
    gives at once.)

    A request whose query has no signing parameter but whose ``cs(Cookie)`` holds CloudFront
    cookies is diagnosed as signed cookies for its URL. ``code`` is the primary finding code or
    ``"OK"``. ``fields`` are the fields the log logged (default: ``log.attrs["fields"]`` as the
    reader records it, else the columns): a request whose signature may travel in a field the log
    lacks, or whose time or URL the log lacks, gets the one code ``NOT_CHECKABLE_FROM_LOG``, and
    ``attrs["unsupported"]`` maps each check the log cannot support to the missing fields.
    Rows are processed ``chunk_rows`` at a time. ``columns`` picks some of :data:`ADDED_COLUMNS`
    (in that order): the others are never computed, which a summary that only counts codes wants.
    """
    added_columns = _added_columns(columns)
    missing = [name for name in ("timestamp", "url") if name not in log]
    if missing:
        raise InputError(
            f"the log frame lacks {missing}; read it with cfsign_nb.frames.read_access_log() so the "
            "timestamp and url columns exist"
        )
    logged = frozenset(canonical_name(str(f)) for f in fields) if fields is not None else _logged(log)
    diagnosed = [c for c in added_columns if c != "unexplained_403"]
    if "unexplained_403" in added_columns and "ok" not in diagnosed:
        diagnosed.append("ok")
    parts = []
    for lo in range(0, len(log), chunk_rows) if len(log) else [0]:
        chunk = log if len(log) <= chunk_rows else log.iloc[lo : lo + chunk_rows]
        parts.append(_diagnose_chunk(chunk, logged, public_keys, verify, workers, diagnosed))
    added = pd.concat(parts) if len(parts) > 1 else parts[0]
    if "key_pair_id" in added and not isinstance(added["key_pair_id"].dtype, pd.CategoricalDtype):
        added["key_pair_id"] = added["key_pair_id"].astype(STR).astype("category")  # chunks with different ids
    if "unexplained_403" in added_columns:
        # CloudFront said 403 but the diagnosis found no cause: most often no public key was given,
        # so the signature could not be checked (or the cause lies outside the signature).
        refused = log["sc-status"].eq(403).fillna(False).to_numpy(dtype=bool) if "sc-status" in log else False
        added["unexplained_403"] = refused & added["ok"].to_numpy(dtype=bool)
    if list(added.columns) != list(added_columns):
        added = added.loc[:, list(added_columns)]
    out = pd.concat([log, added], axis=1)
    out.attrs = {**log.attrs, "unsupported": dict(_unsupported(logged))}
    return out


def _added_columns(columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is None:
        return ADDED_COLUMNS
    if isinstance(columns, str) or not columns or any(c not in ADDED_COLUMNS for c in columns):
        raise InputError(
            f"columns={columns!r}: give a list of one or more of the diagnosis columns {', '.join(ADDED_COLUMNS)}"
        )
    return tuple(c for c in ADDED_COLUMNS if c in columns)


@functools.lru_cache(maxsize=64)
def _unsupported(logged: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Each check the logged fields cannot support, with the fields it would need (worked out once per field set)."""
    return tuple((check, str(missing)) for check, missing in coverage(logged)["missing"].dropna().items())


def _column(chunk: pd.DataFrame, name: str, logged: frozenset[str]) -> pd.Series:
    """Field ``name`` of the chunk, all missing when the log does not log it."""
    if name in chunk and name in logged:
        return chunk[name]
    return pd.Series([None] * len(chunk), index=chunk.index, dtype=object)


def _strings(column: pd.Series) -> pa.Array | None:
    """A text column as one Arrow string array (null where not text), or None if Arrow cannot hold it."""
    inner = getattr(column.array, "_pa_array", None)
    if inner is not None and (pa.types.is_string(inner.type) or pa.types.is_large_string(inner.type)):
        return one_array(inner).cast(pa.large_string())
    try:
        return pa.array([v if type(v) is str else None for v in column.astype(object)], pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException):  # a lone surrogate: the caller goes value by value
        return None


def _where(mask: np.ndarray, values: pa.Array | None, column: pd.Series, other: pd.Series) -> pd.Series:
    """``column``'s values where ``mask``, ``other``'s elsewhere (Arrow when both are text)."""
    others = _strings(other)
    if values is not None and others is not None:
        return pd.Series(pc.if_else(pa.array(mask), values, others), dtype=STR)
    return column.astype(object).where(mask, other.astype(object)).reset_index(drop=True)


def _diagnose_chunk(
    chunk: pd.DataFrame, logged: frozenset[str], public_keys: Mapping[str, object] | None, verify: bool, workers: int,
    wanted: Sequence[str],
) -> pd.DataFrame:
    """The ``wanted`` diagnosis columns of one chunk of the log."""
    query, cookie = _column(chunk, "cs-uri-query", logged), _column(chunk, "cs(Cookie)", logged)
    queries, cookies = _strings(query), _strings(cookie)
    if cookies is not None:
        has_cookie = _true(pc.match_substring(cookies, COOKIE_PREFIX))
    else:
        has_cookie = cookie.map(lambda c: isinstance(c, str) and COOKIE_PREFIX in c).to_numpy(bool)
    # Whether the query is signed matters where CloudFront cookies were sent, or everywhere when the
    # log lacks the cookies: only those rows are searched.
    asked = np.flatnonzero(has_cookie) if "cs(Cookie)" in logged else np.arange(len(chunk))
    signed_query = np.zeros(len(chunk), dtype=bool)
    if len(asked) and queries is not None:
        signed_query[asked] = _true(pc.match_substring_regex(queries.take(pa.array(asked)), SIGNED_QUERY_PATTERN))
    elif len(asked):
        signed = query.iloc[asked].map(lambda q: isinstance(q, str) and bool(signing_names(q)))
        signed_query[asked] = signed.to_numpy(bool)
    use_cookie = ~signed_query & has_cookie
    # Where the signature might travel in a field the log lacks, no diagnosis can be sure.
    unknowable = ~signed_query & ~use_cookie & (("cs-uri-query" not in logged) or ("cs(Cookie)" not in logged))
    if not {"cs-uri-stem"} <= logged or not logged & {"x-host-header", "cs(Host)"} or not (
        {"date", "time"} <= logged or TIMESTAMP in logged
    ):
        unknowable = np.ones(len(chunk), dtype=bool)
    url = chunk["url"]
    any_cookie = bool(use_cookie.any())
    artifact = _where(use_cookie, cookies, cookie, url) if any_cookie else url.reset_index(drop=True)
    request_url = (
        _where(use_cookie, _strings(url), url, pd.Series([None] * len(chunk), dtype=object)) if any_cookie else None
    )
    table = diagnose_many(
        artifact,
        public_keys=public_keys,
        now=chunk["timestamp"].reset_index(drop=True),
        client_ip=_column(chunk, "c-ip", logged).reset_index(drop=True),
        request_url=request_url,
        verify=verify,
        workers=workers,
        columns=[name for name in wanted if name != "artifact"] or ["ok"],
    )
    table.index = chunk.index
    table["artifact"] = pd.Categorical.from_codes(use_cookie.astype(np.int8), categories=["url", "cookies"])
    table = table.loc[:, list(wanted)]
    if unknowable.any():
        rows = unknowable
        overrides = {
            "code": NOT_CHECKABLE, "codes": pd.Series([(NOT_CHECKABLE,)] * int(rows.sum()), index=table.index[rows]),
            "ok": CATALOG[NOT_CHECKABLE].severity != "error", "cloudfront_error": None, "verified": pd.NA,
        }
        for name, value in overrides.items():
            if name in table:
                table.loc[rows, name] = value
    return table


def _true(mask: pa.Array) -> np.ndarray:
    """An Arrow boolean array as numpy, null as False."""
    return np.asarray(pc.fill_null(mask, False), dtype=bool)
