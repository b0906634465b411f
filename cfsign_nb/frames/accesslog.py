"""CloudFront standard access logs as DataFrames: read, write, and diagnose every request.

The format is tab-separated W3C with ``#Version:`` and ``#Fields:`` header lines, gzip or plain.
Its fields and escaping are :mod:`cfsign_nb.logformat`'s (the edge writes with the same rules):
the viewer's text fields were percent-encoded once more when logged and are decoded once, other
fields have only their escaped controls, spaces, ``%``, DEL and non-ASCII bytes decoded. The
reader stays vectorised: only values holding a ``%`` are unescaped, one by one. A line with a raw
control byte or the wrong number of fields is skipped with a :class:`CfSignWarning`; reading never
raises on a line.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any, cast

import numpy as np
import pandas as pd

from ..errors import CfSignWarning, InputError
from ..logformat import EMPTY, FIELDS, RAW_CONTROL, escape_field, header_lines, unescape_field
from ..protocol import COOKIE_PREFIX, signing_names
from .assemble import STR
from .batch import diagnose_many

__all__ = ["DIAGNOSIS_COLUMNS", "FIELDS", "diagnose_access_log", "iter_access_log", "read_access_log",
           "write_access_log"]

_INTS = ("sc-bytes", "sc-status", "cs-bytes", "c-port", "sc-content-len", "sc-range-start", "sc-range-end")
_FLOATS = ("time-taken", "time-to-first-byte")
_CATEGORIES = (
    "x-edge-location", "cs-method", "cs(Host)", "x-edge-result-type", "x-host-header", "cs-protocol",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "x-edge-detailed-result-type", "sc-content-type",
)
# The ASCII a line may hold (its tabs and line ends included): a cheap first test for RAW_CONTROL.
_ASCII_ALLOWED = bytes(b for b in range(0x80) if not RAW_CONTROL.match(chr(b))) + b"\n"


# --- reading ----------------------------------------------------------------------------------

def read_access_log(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], *, chunk_lines: int = 200_000
) -> pd.DataFrame:
    """Read CloudFront standard logs (a file, a folder of them, a glob, or an open file) into one frame.

    Adds ``timestamp`` (tz-aware UTC, from ``date`` + ``time``) and ``url`` (the request URL rebuilt
    from ``cs-protocol``, ``x-host-header`` or ``cs(Host)``, ``cs-uri-stem`` and ``cs-uri-query``).
    Lines that do not have the header's number of fields are skipped with a :class:`CfSignWarning`.
    """
    parts = list(iter_access_log(source, chunk_lines=chunk_lines))
    if not parts:
        return _typed(pd.DataFrame({name: pd.Series([], dtype=object) for name in FIELDS}))
    frame = pd.concat(parts, ignore_index=True)
    for name in _CATEGORIES:
        if name in frame:
            frame[name] = frame[name].astype("category")
    return frame


def iter_access_log(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], *, chunk_lines: int = 200_000
) -> Iterator[pd.DataFrame]:
    """Yield the log as typed frames of at most ``chunk_lines`` rows, so memory stays bounded."""
    skipped = 0
    for handle in _open_all(source):
        fields: list[str] = list(FIELDS)
        buffer: list[str] = []
        with handle:
            for line in handle:
                if line.startswith("#"):
                    if line.startswith("#Fields:"):
                        if buffer:
                            frame, bad = _parse(buffer, fields)
                            skipped += bad
                            yield frame
                            buffer = []
                        fields = _field_names(line[len("#Fields:"):])
                    continue
                if not line.strip():
                    continue
                if line.count("\t") != len(fields) - 1:
                    skipped += 1
                    continue
                buffer.append(line)
                if len(buffer) >= chunk_lines:
                    frame, bad = _parse(buffer, fields)
                    skipped += bad
                    yield frame
                    buffer = []
        if buffer:
            frame, bad = _parse(buffer, fields)
            skipped += bad
            yield frame
    if skipped:
        warnings.warn(
            f"skipped {skipped} malformed log line(s) without the header's number of tab-separated "
            "fields or with raw control bytes; check that the files are CloudFront standard logs and "
            "were not truncated or edited",
            CfSignWarning,
            stacklevel=3,
        )


def _field_names(header: str) -> list[str]:
    """The names of a ``#Fields:`` line; a repeated name is kept once (the later ones get a ``#2``...)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for name in header.split():
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _open_all(source: str | os.PathLike[str] | IO[bytes] | IO[str]) -> Iterator[IO[str]]:
    if hasattr(source, "read"):
        yield _text(source)  # type: ignore[arg-type]
        return
    path = os.fspath(source)  # type: ignore[arg-type]
    if os.path.isdir(path):
        paths = sorted(p for p in glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(p))
    elif os.path.exists(path):
        paths = [path]
    else:
        paths = sorted(glob.glob(path, recursive=True))
        if not paths:
            raise InputError(
                f"no access log at {path!r}: give a log file, a folder of log files or a glob "
                "such as 'logs/E2EXAMPLE.2026-01-01-*.gz'"
            )
    for name in paths:
        yield _text(open(name, "rb"))  # noqa: SIM115 - closed by the caller's with-block


def _text(handle: IO[bytes] | IO[str]) -> IO[str]:
    if isinstance(handle, io.TextIOBase):
        return handle  # type: ignore[return-value]
    binary: Any = handle  # a binary file, buffered or raw
    buffered = binary if hasattr(binary, "peek") else io.BufferedReader(binary)
    raw = gzip.GzipFile(fileobj=buffered) if buffered.peek(2)[:2] == b"\x1f\x8b" else buffered
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n")


def _parse(lines: list[str], fields: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """The typed frame of ``lines``, and how many of them were skipped for raw control bytes."""
    text = "".join(lines)
    skipped = 0
    if _has_raw_controls(text):  # rare: look line by line
        kept = [line for line in lines if not RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r"))]
        skipped = len(lines) - len(kept)
        text = "".join(kept)
    if not text:
        return _typed(pd.DataFrame({name: pd.Series([], dtype=object) for name in fields})), skipped
    frame = pd.read_csv(
        io.StringIO(text), sep="\t", names=list(fields), header=None, dtype=str,
        na_filter=False, quoting=3, engine="c",
    )
    return _typed(frame), skipped


def _has_raw_controls(text: str) -> bool:
    """Whether some line holds a control byte other than its tabs and line end (cheap for ASCII text)."""
    if not text.isascii():
        return any(RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r")) for line in text.splitlines(True))
    data = text.encode("ascii")
    rest = data.translate(None, _ASCII_ALLOWED)  # what is left: controls, DEL, and the \r of CRLF line ends
    return bool(rest) and (rest.strip(b"\r") != b"" or data.count(b"\r\n") != len(rest))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.replace({EMPTY: None}) if len(frame) else frame
    for name in FIELDS:
        if name not in frame:
            frame[name] = None
    for name in frame.columns:
        if name not in _INTS and name not in _FLOATS:
            frame[name] = _unescaped(frame[name], name)
    for name in _INTS:
        frame[name] = _int_column(frame[name])
    for name in _FLOATS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    stamp = frame["date"].astype(str) + " " + frame["time"].astype(str)
    timestamp = pd.to_datetime(stamp, format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    frame.insert(0, "timestamp", timestamp.astype(pd.DatetimeTZDtype("s", "UTC")))
    host = frame["x-host-header"].fillna(frame["cs(Host)"])
    query = frame["cs-uri-query"]
    url = frame["cs-protocol"].fillna("https") + "://" + host + frame["cs-uri-stem"]
    frame["url"] = url.where(query.isna(), url + "?" + query).astype(STR)
    return frame


def _unescaped(column: pd.Series, name: str) -> pd.Series:
    """Field ``name`` as text with :func:`~cfsign_nb.logformat.unescape_field` applied where a value holds ``%``."""
    text = column.astype(STR)
    escaped = text.str.contains("%", regex=False).fillna(False).to_numpy(dtype=bool)
    if not escaped.any():
        return text
    values = text.astype(object)
    values[escaped] = [unescape_field(v, name) for v in values[escaped]]
    return values.astype(STR)


def _int_column(column: pd.Series) -> pd.Series:
    """Whole numbers that fit an int64 as Int64; anything else (``1.5``, ``1e400``, 5,000 digits) is missing."""
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**63))
    return whole.astype("Int64")


# --- writing ----------------------------------------------------------------------------------

def write_access_log(
    frame: pd.DataFrame, target: str | os.PathLike[str] | IO[str] | IO[bytes], *, compress: bool | None = None
) -> None:
    """Write ``frame`` as a CloudFront standard log (the 33 fields, W3C headers, CloudFront's escaping).

    ``compress`` defaults to gzip when ``target`` is a path ending in ``.gz``.
    """
    columns = [frame[name] if name in frame else pd.Series([None] * len(frame)) for name in FIELDS]
    rendered = [[escape_field(_cell(v), name) for v in column.astype(object).tolist()]
                for name, column in zip(FIELDS, columns, strict=True)]
    text = header_lines(FIELDS) + "".join("\t".join(row) + "\n" for row in zip(*rendered, strict=True))
    if isinstance(target, io.BufferedIOBase | io.RawIOBase):  # binary buffers, e.g. BytesIO
        target.write(text.encode("utf-8"))
        return
    if hasattr(target, "write"):
        cast(IO[str], target).write(text)
        return
    path = os.fspath(target)  # type: ignore[arg-type]
    if compress if compress is not None else path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)


def _cell(value: object) -> str | None:
    """A frame cell as the text to log, None when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


# --- diagnosing -------------------------------------------------------------------------------

DIAGNOSIS_COLUMNS = (
    "artifact", "ok", "code", "codes", "cloudfront_error", "verified", "key_pair_id",
    "hash_algorithm", "policy_kind", "resource", "expires", "expires_at", "seconds_to_expiry",
)
"""Columns :func:`diagnose_access_log` adds to the log (and ``unexplained_403``: CloudFront refused
the request but the diagnosis found no cause, usually because no public key was given)."""


def diagnose_access_log(
    log: pd.DataFrame,
    *,
    public_keys: Mapping[str, object] | None = None,
    verify: bool = True,
    chunk_rows: int = 100_000,
    workers: int = 1,
) -> pd.DataFrame:
    """The log with each request diagnosed as of its own time and ``c-ip``; 403 rows first.

    A request whose query has no signing parameter but whose ``cs(Cookie)`` holds CloudFront
    cookies is diagnosed as signed cookies for its URL. ``code`` is the primary finding code or
    ``"OK"``. Rows are processed ``chunk_rows`` at a time.
    """
    missing = [name for name in ("timestamp", "url", "c-ip", "cs(Cookie)", "cs-uri-query") if name not in log]
    if missing:
        raise InputError(
            f"the log frame lacks {missing}; read it with cfsign_nb.frames.read_access_log() so the "
            "timestamp and url columns exist"
        )
    parts = []
    for lo in range(0, len(log), chunk_rows) if len(log) else [0]:
        chunk = log.iloc[lo : lo + chunk_rows]
        query = chunk["cs-uri-query"].astype(object)
        cookie = chunk["cs(Cookie)"].astype(object)
        signed_query = query.map(lambda q: isinstance(q, str) and bool(signing_names(q)))
        use_cookie = ~signed_query & cookie.map(lambda c: isinstance(c, str) and COOKIE_PREFIX in c)
        artifact = chunk["url"].astype(object).where(~use_cookie, cookie)
        request_url = chunk["url"].astype(object).where(use_cookie, None)
        table = diagnose_many(
            artifact.reset_index(drop=True),
            public_keys=public_keys,
            now=chunk["timestamp"].reset_index(drop=True),
            client_ip=chunk["c-ip"].astype(object).reset_index(drop=True),
            request_url=request_url.reset_index(drop=True),
            verify=verify,
            workers=workers,
        )
        table.index = chunk.index
        table["artifact"] = pd.Categorical(np.where(use_cookie, "cookies", "url"), categories=["url", "cookies"])
        parts.append(table.loc[:, list(DIAGNOSIS_COLUMNS)])
    added = pd.concat(parts) if len(parts) > 1 else parts[0]
    added["key_pair_id"] = added["key_pair_id"].astype(str).astype("category")
    out = pd.concat([log, added], axis=1)
    refused = (
        out["sc-status"].eq(403).fillna(False).astype(bool) if "sc-status" in out else pd.Series(False, index=out.index)
    )
    # CloudFront said 403 but the diagnosis found no cause: most often no public key was given,
    # so the signature could not be checked (or the cause lies outside the signature).
    out["unexplained_403"] = refused & out["ok"].astype(bool)
    order = np.argsort(~refused.to_numpy(), kind="stable")
    return out.iloc[order]
