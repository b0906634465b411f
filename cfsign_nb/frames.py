"""pandas views of cfsign_nb results, and batch decode/diagnose over many URLs or cookie headers.

Importing this module imports pandas, numpy and pyarrow and registers the ``.cfsign`` Series
accessor; the core (``import cfsign_nb``) never does. Every batch result agrees row by row with
:func:`cfsign_nb.diagnose.diagnose`: well-formed canned signed URLs (the SDK layout
``...Expires=&Signature=&Key-Pair-Id=[&Hash-Algorithm=]``) are decoded with vectorised byte
operations, and everything else goes through the per-row :func:`~cfsign_nb.diagnose` itself.
Codes, severities and CloudFront responses come from :data:`cfsign_nb.findings.CATALOG`.

The functions are pure per partition, so they run unchanged under Dask::

    import dask.dataframe as dd
    urls = dd.from_pandas(series, npartitions=8)
    table = urls.map_partitions(diagnose_many, now=now, meta=diagnose_many([]))
"""

from __future__ import annotations

import binascii
import functools
import gc
import html
import ipaddress
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .decode import Decoded, decode
from .diagnose import Diagnosis, diagnose
from .errors import CfSignError, CfSignWarning
from .findings import CATALOG, SEVERITY_ORDER
from .keys import PublicKey, load_public_key
from .times import MAX_EPOCH_32, MAX_SECONDS, TimeLike, now_epoch

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from .policy import Policy

__all__ = [
    "DECODE_COLUMNS",
    "DIAGNOSE_COLUMNS",
    "EXPECTED_CODES",
    "FIELDS",
    "SAMPLE_KINDS",
    "counts_by_code",
    "counts_by_hour",
    "counts_by_key",
    "decode_many",
    "decoded_frame",
    "diagnose_access_log",
    "diagnose_many",
    "diagnosis_frame",
    "expiry_distribution",
    "iter_access_log",
    "policy_frame",
    "read_access_log",
    "sample_access_log",
    "signed_cookies_frame",
    "style",
    "write_access_log",
]

STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas 3's default string dtype (Arrow-backed, NaN for missing)."""

UTC_SECONDS = pd.DatetimeTZDtype("s", "UTC")
INTERNAL_ERROR = "INTERNAL_ERROR"
"""The code of a row whose processing raised (a bug): the row says so instead of failing the batch."""
CODE_CATEGORIES = ("OK", *CATALOG, *(() if INTERNAL_ERROR in CATALOG else (INTERNAL_ERROR,)))
_ERROR_CATEGORIES = ("MissingKey", "InvalidKey", "MalformedPolicy", "MalformedSignature", "AccessDenied")
_CHUNK = 100_000
_CHUNK_BYTES = 32 << 20  # of rows the fast path reads: bounds its temporary arrays whatever the input
_FAST_MAX_BYTES = 8192  # CloudFront's URL limit; longer rows go per-row, and their bytes never enter the fast path
_FAST_MAX_PAIRS = 32  # '?' and '&' a row may have on the fast path when a chunk has many (each costs ~80 bytes)
_INT64 = (-(2**63), 2**63 - 1)
_LONG_LIFETIME = 30 * 86400

DECODE_COLUMNS = (
    "source", "url", "resource_url", "policy_kind", "resource", "expires", "expires_at", "starts",
    "starts_at", "ip_address", "key_pair_id", "hash_algorithm", "signature_bytes", "problems",
)
"""Columns of :func:`decode_many`, in order."""

DIAGNOSE_COLUMNS = (
    *DECODE_COLUMNS, "ok", "code", "codes", "cloudfront_error", "verified", "now", "now_at",
    "seconds_to_expiry",
)
"""Columns of :func:`diagnose_many`, in order."""


# --- to_frame() of single results -------------------------------------------------------------

def policy_frame(policy: Policy) -> pd.DataFrame:
    """One row: the policy's fields, epochs beside UTC datetimes, and the exact JSON that is signed."""
    frame = pd.DataFrame({
        "resource": pd.array([policy.resource], dtype=STR),
        "date_less_than": pd.array([policy.date_less_than], dtype="Int64"),
        "date_greater_than": pd.array([policy.date_greater_than], dtype="Int64"),
        "ip_address": pd.array([policy.ip_address], dtype=STR),
        "is_canned": [policy.is_canned],
        "policy_json": pd.array([policy.to_json().decode()], dtype=STR),
    })
    frame.insert(2, "expires_at", _datetimes(frame["date_less_than"]))
    frame.insert(4, "starts_at", _datetimes(frame["date_greater_than"]))
    return frame


def decoded_frame(decoded: Decoded) -> pd.DataFrame:
    """One row with the columns of :func:`decode_many` for one decoded URL or set of cookies."""
    return _frame([_decoded_row(decoded)], DECODE_COLUMNS)


def diagnosis_frame(diagnosis: Diagnosis) -> pd.DataFrame:
    """One row per finding, most likely cause first; severity, code and response are categoricals."""
    findings = diagnosis.findings
    return pd.DataFrame({
        "severity": pd.Categorical([f.severity for f in findings], categories=list(SEVERITY_ORDER)),
        "code": pd.Categorical([f.code for f in findings], categories=list(CATALOG)),
        "message": pd.array([f.message for f in findings], dtype=STR),
        "fix": pd.array([f.fix for f in findings], dtype=STR),
        "cloudfront_error": pd.Categorical([f.cloudfront_error for f in findings], categories=_ERROR_CATEGORIES),
        "evidence": pd.Series([dict(f.evidence) for f in findings], dtype=object),
    })


def signed_cookies_frame(cookies: Mapping[str, str]) -> pd.DataFrame:
    """One row per cookie: name, value, size in bytes, and (when present) the expiry it carries."""
    names = list(cookies)
    frame = pd.DataFrame({
        "name": pd.Categorical(names),
        "value": pd.array([cookies[n] for n in names], dtype=STR),
        "bytes": pd.array([len(n) + 1 + len(cookies[n].encode()) for n in names], dtype="Int64"),
    })
    decoded = decode(dict(cookies))
    expires = decoded.policy.date_less_than if decoded.policy else decoded.expires
    frame["expires"] = pd.array([expires] * len(names), dtype="Int64")
    frame["expires_at"] = _datetimes(frame["expires"])
    return frame


# --- batch decode and diagnose ----------------------------------------------------------------

def decode_many(values: Iterable[object] | pd.Series) -> pd.DataFrame:
    """Decode every URL or cookie header in ``values``: one row per input, in order. Never raises.

    A Series keeps its index. Columns are :data:`DECODE_COLUMNS`; ``problems`` holds the codes of
    what went wrong while parsing (see :func:`cfsign_nb.decode`).
    """
    frame = _run(values, _Options(decode_only=True), {}, workers=1)
    return frame.loc[:, list(DECODE_COLUMNS)]


def diagnose_many(
    values: Iterable[object] | pd.Series,
    *,
    public_keys: Mapping[str, object] | object | None = None,
    now: TimeLike | Sequence[Any] | pd.Series | None = None,
    client_ip: str | Sequence[Any] | pd.Series | None = None,
    request_url: str | Sequence[Any] | pd.Series | None = None,
    verify: bool = True,
    workers: int = 1,
) -> pd.DataFrame:
    """Diagnose every URL or cookie header in ``values``, as :func:`cfsign_nb.diagnose` would. Never raises on data.

    ``now``, ``client_ip`` and ``request_url`` are one value for all rows or one per row (a list
    or a Series aligned with ``values``). ``public_keys`` maps key pair ids to public keys (PEM
    text or key objects); with ``verify=False`` they are ignored and rows equal
    ``diagnose(value, public_keys=None, ...)``. ``workers`` > 1 spreads chunks over processes.
    ``code`` is the primary finding code or ``"OK"``; ``codes`` equals ``Diagnosis.codes``.
    """
    keys = _load_keys(public_keys) if verify else {}
    options = _Options(keys=_pem_keys(keys))
    return _run(values, options, {"now": now, "client_ip": client_ip, "request_url": request_url}, workers=workers)


class _Options:
    """What every chunk needs, picklable (keys travel as PEM text, never as private keys)."""

    def __init__(self, *, decode_only: bool = False, keys: Mapping[str, str] | None = None) -> None:
        self.decode_only = decode_only
        self.keys = dict(keys or {})


def _load_keys(public_keys: object) -> dict[str, PublicKey]:
    if public_keys is None:
        return {}
    if not isinstance(public_keys, Mapping):
        raise CfSignError(
            "diagnose_many needs public_keys as a mapping {key_pair_id: public key}, because each "
            "row names its own Key-Pair-Id; e.g. public_keys={'K2JCJMDEHXQW5F': pem_text}"
        )
    return {str(kid): load_public_key(source) for kid, source in public_keys.items()}  # type: ignore[arg-type]


def _pem_keys(keys: Mapping[str, PublicKey]) -> dict[str, str]:
    return {kid: key.to_pem() for kid, key in keys.items()}


def _run(
    values: Iterable[object] | pd.Series, options: _Options, context: Mapping[str, object], *, workers: int
) -> pd.DataFrame:
    index = values.index if isinstance(values, pd.Series) else None
    array = _as_arrow(values)
    n = len(array)
    per_row = {name: _per_row(value, n, name) for name, value in context.items()}
    if not options.decode_only:
        per_row["now_raw"] = per_row.pop("now")
        per_row["now"] = _now_array(context["now"], n)
    size = max(1, min(_CHUNK, -(-n // max(workers, 1))))
    jobs = [(array.slice(lo, hi - lo), options, _rows_of(per_row, lo, hi)) for lo, hi in _bounds(array, n, size)]
    parts = _in_processes(jobs, workers) if workers > 1 and len(jobs) > 1 else [_chunk_frame(*job) for job in jobs]
    errors = _errors_of(parts)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.attrs = {}
    frame["key_pair_id"] = frame["key_pair_id"].astype("category")
    if index is not None:
        frame.index = index
    if errors:
        _warn_errors(frame, errors)
    return frame


def _rows_of(per_row: Mapping[str, object], lo: int, hi: int) -> dict[str, object]:
    """The per-row arguments of rows ``lo:hi`` (one-for-all values stay as they are)."""
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in per_row.items()}


def _bounds(array: pa.Array | _ObjectArray, n: int, size: int) -> list[tuple[int, int]]:
    """Chunks of at most ``size`` rows and about ``_CHUNK_BYTES`` of fast-path bytes, so hostile rows stay cheap."""
    if n == 0:
        return [(0, 0)]
    strings = array.strings if isinstance(array, _ObjectArray) else array
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset : strings.offset + n + 1]
    lengths = np.diff(offsets)
    if int(lengths.sum()) <= _CHUNK_BYTES:
        return [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    fast_bytes = np.concatenate([[0], np.cumsum(np.where(lengths <= _FAST_MAX_BYTES, lengths, 0))])
    bounds = []
    lo = 0
    while lo < n:
        hi = min(lo + size, n)
        if fast_bytes[hi] - fast_bytes[lo] > _CHUNK_BYTES:
            hi = max(lo + 1, int(np.searchsorted(fast_bytes, fast_bytes[lo] + _CHUNK_BYTES, side="right")) - 1)
        bounds.append((lo, hi))
        lo = hi
    return bounds


def _in_processes(jobs: list[tuple[Any, ...]], workers: int) -> list[pd.DataFrame]:
    """Chunks in worker processes; a chunk that cannot travel (an unpicklable row) or whose worker died runs here."""
    parts: list[pd.DataFrame | None] = [None] * len(jobs)
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_chunk_frame, *job) for job in jobs]
            for i, future in enumerate(futures):
                try:
                    parts[i] = future.result()
                except Exception:  # the chunk is redone in this process, where it cannot fail the batch
                    parts[i] = None
    except Exception:  # no processes at all (e.g. a sandbox): everything runs here
        pass
    return [part if part is not None else _chunk_frame(*job) for part, job in zip(parts, jobs, strict=True)]


def _errors_of(parts: list[pd.DataFrame]) -> dict[int, str]:
    """Messages of the rows whose processing raised, by position in the whole batch."""
    errors: dict[int, str] = {}
    offset = 0
    for part in parts:
        for row, message in part.attrs.get("cfsign_errors", {}).items():
            errors[offset + row] = message
        offset += len(part)
    return errors


def _warn_errors(frame: pd.DataFrame, errors: Mapping[int, str]) -> None:
    labels = frame.index
    frame.attrs["errors"] = {labels[row]: message for row, message in errors.items()}
    first = next(iter(errors.items()))
    warnings.warn(
        f"{len(errors)} row(s) raised while being processed and have code {INTERNAL_ERROR} "
        f"(first: row {labels[first[0]]!r}: {first[1]}); this is a cfsign_nb bug, please report it "
        "with the row; table.attrs['errors'] has every message",
        CfSignWarning,
        stacklevel=4,
    )


def _as_arrow(values: Iterable[object] | pd.Series) -> pa.Array | _ObjectArray:
    """The inputs as one Arrow array: strings stay strings; anything else rides along as objects."""
    if isinstance(values, pd.Series):
        values = values.array
        if isinstance(values, pd.arrays.ArrowStringArray):
            chunked = values._pa_array
            return chunked.combine_chunks().cast(pa.large_string())
        values = list(values)
    elif not isinstance(values, list):
        values = list(values)
    if all(type(v) is str for v in values):
        try:
            return pa.array(values, type=pa.large_string())
        except (UnicodeEncodeError, pa.ArrowException):
            pass  # a lone surrogate: Arrow holds UTF-8 only, so that row goes per-row
    return _ObjectArray(values)


class _ObjectArray:
    """Inputs that are not all UTF-8 strings (dicts of cookies, None, bytes, surrogates...).

    ``strings`` holds the rows that are strings Arrow can hold (null elsewhere), for the fast
    path; every other row goes per-row with its original value.
    """

    def __init__(self, values: list[object], strings: pa.Array | None = None) -> None:
        self.values = values
        self.strings = strings if strings is not None else _utf8_strings(values)

    def __len__(self) -> int:
        return len(self.values)

    def slice(self, offset: int, length: int) -> _ObjectArray:
        return _ObjectArray(self.values[offset : offset + length], self.strings.slice(offset, length))


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


def _per_row(value: object, n: int, name: str) -> object:
    if isinstance(value, pd.Series | pd.Index | np.ndarray | list | tuple) and not isinstance(value, str):
        array = _objects(value.array if isinstance(value, pd.Series) else value)
        if len(array) != n:
            raise CfSignError(
                f"{name} has {len(array)} values for {n} inputs; give one value for all rows "
                "or exactly one per row"
            )
        return array
    return value


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


def _now_array(now: object, n: int) -> np.ndarray | None:
    """Per-row epoch seconds, or None when ``now`` cannot be read (rows then go the per-row way)."""
    if isinstance(now, pd.Series | pd.Index | np.ndarray | list | tuple):
        series = pd.Series(_objects(now.array if isinstance(now, pd.Series) else now))
        if len(series) != n:
            raise CfSignError(f"now has {len(series)} values for {n} inputs; give one or one per row")
        if series.map(lambda v: type(v) is int and _INT64[0] <= v <= _INT64[1]).all():
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


# --- one chunk -------------------------------------------------------------------------------

def _chunk_frame(array: pa.Array | _ObjectArray, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    """Decode or diagnose one chunk; if that raises (a bug), each row is redone alone so only it is lost."""
    try:
        return _chunk_frame_unguarded(array, options, per_row)
    except Exception:  # a batch never fails on its data
        return _row_by_row(array, options, per_row)


def _row_by_row(array: pa.Array | _ObjectArray, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    parts, errors = [], {}
    for i in range(len(array)):
        one = _rows_of(per_row, i, i + 1)
        try:
            part = _chunk_frame_unguarded(array.slice(i, 1), options, one)
        except Exception as error:  # this row alone is lost, and says why
            part = _error_frame(error, i, options, one)
        if part.attrs.get("cfsign_errors"):
            errors[i] = next(iter(part.attrs["cfsign_errors"].values()))
        parts.append(part)
    if not parts:
        return _chunk_frame_unguarded(_ObjectArray([]), options, per_row)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.attrs = {"cfsign_errors": errors} if errors else {}
    return frame


def _error_frame(error: BaseException, i: int, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    now = per_row.get("now")
    row = _error_row(error, options, int(now[0]) if isinstance(now, np.ndarray) else None)
    frame = _assemble(1, _FastRows(1), np.arange(1), [row], options, None)
    frame.attrs = {"cfsign_errors": {0: _one_line(error)}}
    return frame


def _chunk_frame_unguarded(
    array: pa.Array | _ObjectArray, options: _Options, per_row: Mapping[str, object]
) -> pd.DataFrame:
    """Decode or diagnose one chunk: the fast path where it provably agrees, ``diagnose()`` elsewhere."""
    n = len(array)
    keys = {kid: _public_key(pem) for kid, pem in options.keys.items()}
    now = per_row.get("now")
    fast = None
    objects = array.values if isinstance(array, _ObjectArray) else None
    strings = array.strings if isinstance(array, _ObjectArray) else array
    if n:
        strings = _fast_input(strings)
        eligible = _eligible(strings, options, per_row, n)
        if eligible.any():
            fast = _fast_canned(strings, eligible)
    if fast is None:
        fast = _FastRows(n)
    if not options.decode_only and fast.mask.any():
        _fast_verify(fast, keys, strings)
    rows = np.flatnonzero(~fast.mask)
    slow: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    if len(rows):
        taken = pa.array(rows)
        values = [objects[r] for r in rows] if objects is not None else array.take(taken).to_pylist()  # type: ignore[union-attr]
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for i, row in enumerate(rows):
                try:
                    slow.append(_slow_row(values[i], int(row), options, keys, per_row, now))
                except Exception as error:  # the row says what raised; the batch goes on
                    slow.append(_error_row(error, options, int(now[row]) if now is not None else None))
                    errors[int(row)] = _one_line(error)
        finally:
            if was_enabled:
                gc.enable()
    frame = _assemble(n, fast, rows, slow, options, now, strings if fast.mask.any() else None)
    if errors:
        frame.attrs = {"cfsign_errors": errors}
    return frame


def _fast_input(array: pa.Array) -> pa.Array:
    """A compact copy of the chunk for the byte passes; rows too long for the fast path become null."""
    lengths = pc.binary_length(array)
    too_long = pc.greater(lengths, _FAST_MAX_BYTES)
    if too_long.true_count:
        return pc.if_else(too_long, pa.scalar(None, array.type), array)
    return pa.concat_arrays([array])  # then the byte passes touch this chunk only


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _error_row(error: BaseException, options: _Options, now: int | None) -> dict[str, Any]:
    """The row of an input whose processing raised: no fields, code ``INTERNAL_ERROR``."""
    row: dict[str, Any] = dict.fromkeys(
        ("url", "resource_url", "policy_kind", "resource", "expires", "starts", "ip_address",
         "key_pair_id", "hash_algorithm", "signature_bytes")
    )
    row.update(source="unknown", problems=(INTERNAL_ERROR,))
    if not options.decode_only:
        row.update(
            ok=False, code=INTERNAL_ERROR, codes=(INTERNAL_ERROR,), cloudfront_error=None, verified=None,
            now=now if now is not None else now_epoch(None),
        )
    return row


@functools.lru_cache(maxsize=64)
def _public_key(pem: str) -> PublicKey:
    """Keys travel to chunks (and worker processes) as PEM; each process parses each one once."""
    return load_public_key(pem)


def _eligible(array: pa.Array, options: _Options, per_row: Mapping[str, object], n: int) -> np.ndarray:
    eligible = np.asarray(array.is_valid(), dtype=bool) if array.null_count else np.ones(n, dtype=bool)
    if options.decode_only:
        return eligible
    if per_row.get("now") is None:
        return np.zeros(n, dtype=bool)
    request_url = per_row.get("request_url")
    if isinstance(request_url, np.ndarray):
        eligible &= pd.isna(request_url)
    elif request_url is not None:
        return np.zeros(n, dtype=bool)
    client_ip = per_row.get("client_ip")
    if isinstance(client_ip, np.ndarray):
        eligible &= _ips_ok(client_ip)
    elif not _ip_ok(client_ip):
        return np.zeros(n, dtype=bool)
    return eligible


def _ips_ok(values: np.ndarray) -> np.ndarray:
    """:func:`_ip_ok` of every value, each distinct string checked once (other values may be unhashable)."""
    seen: dict[str, bool] = {}

    def check(value: object) -> bool:
        if type(value) is not str:
            return _ip_ok(value)
        known = seen.get(value)
        if known is None:
            known = seen[value] = _ip_ok(value)
        return known

    return np.fromiter((check(v) for v in values), bool, len(values))


def _ip_ok(value: object) -> bool:
    """Whether ``value`` is no client IP or a valid one (anything else goes per-row, where diagnose() says why)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    try:
        ipaddress.ip_address(str(value).strip())
    except Exception:  # not an address, or a value whose str() raises
        return False
    return True


class _FastRows:
    """Columns computed for the rows that took the vectorised path (``mask``)."""

    def __init__(self, n: int) -> None:
        self.mask = np.zeros(n, dtype=bool)
        self.start = np.zeros(n, dtype=np.int64)
        self.resource_end = np.zeros(n, dtype=np.int64)
        self.sig_start = np.zeros(n, dtype=np.int64)
        self.sig_end = np.zeros(n, dtype=np.int64)
        self.expires = np.zeros(n, dtype=np.int64)
        self.signature_bytes = np.zeros(n, dtype=np.int64)
        self.sha256 = np.zeros(n, dtype=bool)
        self.kid = np.empty(n, dtype=object)
        self.kid_start = np.zeros(n, dtype=np.int64)
        self.kid_end = np.zeros(n, dtype=np.int64)
        self.verified = np.zeros(n, dtype=bool)
        self.data: pa.Buffer | None = None


    def strings(self, start: np.ndarray, end: np.ndarray) -> pa.Array:
        """Substrings ``data[start:end]`` of the fast rows (empty elsewhere), without a per-row loop."""
        return _substrings(self.data, np.where(self.mask, start, 0), np.where(self.mask, end, 0))


_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[0x21:0x7F] = True
_ALLOWED[[ord('"'), ord("#"), ord("\\")]] = False
_CLOUDFRONT_B64 = r"^[A-Za-z0-9~-]*_{0,2}$"  # what the strict decoder accepts (lengths are checked apart)
_ALNUM = np.zeros(256, dtype=bool)
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789":
    _ALNUM[_c] = True
_NAMES = (b"Expires", b"Policy", b"Signature", b"Key-Pair-Id", b"Hash-Algorithm")
_POWERS = 10 ** np.arange(11, -1, -1, dtype=np.int64)


def _name_words(name: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``name`` and a mask over its bytes, as the two little-endian 8-byte words of a 16-byte window."""
    pattern = np.frombuffer(name.ljust(16, b"\0"), dtype="<u8")
    mask = np.frombuffer((b"\xff" * len(name)).ljust(16, b"\0"), dtype="<u8")
    return pattern, mask


_NAME_WORDS = {name: _name_words(name) for name in _NAMES}


def _fast_canned(array: pa.Array, eligible: np.ndarray) -> _FastRows | None:
    """Vectorised decode of canned signed URLs in the SDK layout; other rows are left unmarked.

    A row qualifies only when ``decode()`` provably reads it the same way: printable ASCII without
    quotes, backslashes, fragments or spaces; lower-case ``http(s)://``; each of ``Expires``,
    ``Signature``, ``Key-Pair-Id`` exactly once as trailing query pairs in that order (then an
    optional valid ``Hash-Algorithm``), no ``Policy``; digits, CloudFront base64 and an
    alphanumeric key id as values; at most 8,192 bytes; a signature that is not 64 bytes.
    """
    n = len(array)
    fast = _FastRows(n)
    buffers = array.buffers()
    if buffers[2] is None:
        return None
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    fast.data = buffers[2]
    start, end = offsets[:-1], offsets[1:]
    lo, hi = int(start[0]), int(end[-1])
    ok = eligible & (end - start >= 12) & (end - start <= 8192)
    head = data[np.minimum(start[:, None] + np.arange(8), len(data) - 1)]
    is_http = (head[:, :7] == np.frombuffer(b"http://", np.uint8)).all(1)
    ok &= is_http | (head == np.frombuffer(b"https://", np.uint8)).all(1)
    segment = data[lo:hi]
    ok[np.searchsorted(offsets, np.flatnonzero(~_ALLOWED[segment]) + lo, side="right") - 1] = False

    # Pair boundaries: the first '?' of each row, then every '&' after it.
    marks = np.flatnonzero((segment == 0x3F) | (segment == 0x26)) + lo
    mark_row = np.searchsorted(offsets, marks, side="right") - 1
    if len(marks) > 8 * n:  # rows full of '&' (SDK URLs have a handful): they go per-row, their marks are dropped
        many = np.bincount(mark_row, minlength=n) > _FAST_MAX_PAIRS
        ok &= ~many
        kept = ~many[mark_row]
        marks, mark_row = marks[kept], mark_row[kept]
    is_q = data[marks] == 0x3F
    q_pos = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(q_pos, mark_row[is_q], marks[is_q])
    boundary = (marks == q_pos[mark_row]) | (~is_q & (marks > q_pos[mark_row]))
    pair_start = marks[boundary] + 1
    pair_row = mark_row[boundary]
    ok &= q_pos < np.iinfo(np.int64).max

    found: dict[bytes, np.ndarray] = {}
    padded = np.concatenate([data, np.zeros(16, dtype=np.uint8)])
    row_end = end[pair_row]
    # The first 16 bytes of every pair as two little-endian 8-byte words (an unaligned view, one
    # word per byte offset), so names compare as integers without a 16-wide gather.
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    first, second = words[pair_start], words[pair_start + 8]
    for name in _NAMES:
        size = len(name)
        pattern, mask = _NAME_WORDS[name]
        hit = ((first & mask[0]) == pattern[0]) & ((second & mask[1]) == pattern[1])
        after = pair_start + size
        following = padded[after]
        terminated = (after == row_end) | (following == 0x3D) | (following == 0x26)
        hit &= terminated & (after <= row_end)
        count = np.bincount(pair_row[hit], minlength=n)
        position = np.full(n, -1, dtype=np.int64)
        position[pair_row[hit]] = pair_start[hit]
        found[name] = position
        if name == b"Policy":
            ok &= count == 0
        elif name == b"Hash-Algorithm":
            ok &= count <= 1
        else:
            ok &= count == 1
    p_exp, p_sig, p_kid, p_hash = (found[k] for k in (b"Expires", b"Signature", b"Key-Pair-Id", b"Hash-Algorithm"))
    has_hash = p_hash >= 0
    ok &= (p_exp < p_sig) & (p_sig < p_kid) & (~has_hash | (p_kid < p_hash))
    ok &= padded[p_exp + 7] == 0x3D
    ok &= padded[p_sig + 9] == 0x3D
    ok &= padded[p_kid + 11] == 0x3D
    if not ok.any():
        return None

    exp_len = p_sig - 1 - (p_exp + 8)
    ok &= (exp_len >= 1) & (exp_len <= 12)
    digits = padded[np.clip(p_sig[:, None] - 13 + np.arange(12), 0, len(padded) - 1)].astype(np.int64) - 48
    in_value = np.arange(12)[None, :] >= (12 - exp_len)[:, None]
    ok &= ((digits >= 0) & (digits <= 9) | ~in_value).all(1)
    fast.expires = np.where(in_value, digits, 0) @ _POWERS

    sig_start, sig_end = p_sig + 10, p_kid - 1
    sig_len = sig_end - sig_start
    ok &= (sig_len >= 4) & (sig_len % 4 == 0)
    pads = (padded[sig_end - 1] == 0x5F).astype(np.int64) * (1 + (padded[sig_end - 2] == 0x5F))
    bounds_ok = ok & (sig_start >= start) & (sig_end <= end)
    signatures = _substrings(buffers[2], np.where(bounds_ok, sig_start, 0), np.where(bounds_ok, sig_end, 0))
    alphabet = pc.match_substring_regex(signatures, _CLOUDFRONT_B64).to_numpy(zero_copy_only=False)
    ok &= bounds_ok & alphabet
    fast.signature_bytes = sig_len // 4 * 3 - pads
    ok &= fast.signature_bytes != 64

    kid_start = p_kid + 12
    kid_end = np.where(has_hash, p_hash - 1, end)
    kid_len = kid_end - kid_start
    ok &= (kid_len >= 1) & (kid_len <= 64)
    width = int(kid_len[ok].max()) if ok.any() else 1
    kid_bytes = padded[np.clip(kid_start[:, None] + np.arange(width), 0, len(padded) - 1)]
    in_kid = np.arange(width)[None, :] < kid_len[:, None]
    ok &= (_ALNUM[kid_bytes] | ~in_kid).all(1)

    hash_start = p_hash + 15
    hash_len = end - hash_start
    hash_bytes = padded[np.clip(hash_start[:, None] + np.arange(6), 0, len(padded) - 1)]
    is_sha1 = (hash_len == 4) & (hash_bytes[:, :4] == np.frombuffer(b"SHA1", np.uint8)).all(1)
    is_sha256 = (hash_len == 6) & (hash_bytes == np.frombuffer(b"SHA256", np.uint8)).all(1)
    ok &= ~has_hash | ((padded[p_hash + 14] == 0x3D) & (is_sha1 | is_sha256))
    fast.sha256 = has_hash & is_sha256
    if not ok.any():
        return None

    fast.mask = ok
    fast.start = start.copy()
    fast.resource_end = p_exp - 1
    fast.sig_start, fast.sig_end = sig_start, sig_end
    kid_fixed = np.where(in_kid, kid_bytes, 0).astype(np.uint8)
    kid_text = kid_fixed.view(f"S{width}").ravel()
    fast.kid = np.where(ok, kid_text.astype(object), None)
    fast.kid_start, fast.kid_end = kid_start, kid_end
    return fast


def _substrings(data: pa.Buffer | None, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``data[start:end]`` per row as a large_string array, through an Arrow string_view."""
    n = len(start)
    if data is None or n == 0:
        return pa.array([""] * n, type=pa.large_string())
    length = (end - start).astype(np.int32)
    raw = np.frombuffer(data, dtype=np.uint8)
    views = np.zeros((n, 16), dtype=np.uint8)
    words = views.view(np.int32)
    words[:, 0] = length
    gathered = raw[np.minimum(start[:, None] + np.arange(12), len(raw) - 1)]
    gathered[np.arange(12)[None, :] >= length[:, None]] = 0
    small = length <= 12
    views[small, 4:16] = gathered[small]
    views[~small, 4:8] = gathered[~small, :4]
    base = int(start[~small].min()) if (~small).any() else 0
    words[~small, 2] = 0
    words[~small, 3] = start[~small] - base
    window = pa.py_buffer(raw[base:]) if base else data
    view = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), window])
    return view.cast(pa.large_string())


def _fast_verify(fast: _FastRows, keys: Mapping[str, PublicKey], array: pa.Array) -> None:
    """Verify fast rows in bulk; a row whose key is unknown or whose signature fails goes per-row."""
    if not keys:
        return
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    from .keys import _HASHES

    rows = np.flatnonzero(fast.mask)
    kids = fast.kid[rows]
    taken = pa.array(rows)
    resources = fast.strings(fast.start, fast.resource_end).take(taken).cast(pa.large_binary()).to_pylist()
    signatures = fast.strings(fast.sig_start, fast.sig_end).take(taken).cast(pa.large_binary()).to_pylist()
    expires = fast.expires[rows].tolist()
    sha256 = fast.sha256[rows].tolist()
    table = bytes.maketrans(b"-_~", b"+=/")
    pkcs1 = padding.PKCS1v15()
    verifiers: dict[bytes, tuple[Callable[..., Any], tuple[Any, Any]] | None] = {}
    for kid_bytes in set(kids.tolist()):
        key = keys.get(kid_bytes.decode())
        if key is None or key.description not in ("RSA-2048", "ECDSA P-256"):
            verifiers[kid_bytes] = None
        elif isinstance(key.key, rsa.RSAPublicKey):
            verifiers[kid_bytes] = (key.key.verify, (pkcs1, _HASHES["SHA1"]), (pkcs1, _HASHES["SHA256"]))  # type: ignore[assignment]
        else:
            verifiers[kid_bytes] = (key.key.verify, (ec.ECDSA(_HASHES["SHA1"]),), (ec.ECDSA(_HASHES["SHA256"]),))  # type: ignore[assignment]
    a2b = binascii.a2b_base64
    verified = np.zeros(len(rows), dtype=bool)
    template = b'{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
    for i, (kid, signature, resource, expiry, use_sha256) in enumerate(
        zip(kids.tolist(), signatures, resources, expires, sha256, strict=True)
    ):
        verifier = verifiers[kid]
        if verifier is None:
            continue
        call, sha1_args, sha256_args = verifier  # type: ignore[misc]
        try:
            args = sha256_args if use_sha256 else sha1_args
            call(a2b(signature.translate(table)), template % (resource, expiry), *args)
        except (InvalidSignature, ValueError):
            continue
        verified[i] = True
    fast.verified[rows] = verified
    fast.mask[rows[~verified]] = False


# --- per-row path and assembly ----------------------------------------------------------------

def _value_at(value: object, i: int) -> object:
    if isinstance(value, np.ndarray):
        item = value[i]
        return None if item is None or (isinstance(item, float) and np.isnan(item)) else item
    return value


def _slow_row(
    value: object, i: int, options: _Options, keys: Mapping[str, PublicKey],
    per_row: Mapping[str, object], now: np.ndarray | None,
) -> dict[str, Any]:
    request_url = _value_at(per_row.get("request_url"), i)
    if options.decode_only:
        return _decoded_row(decode(value, request_url=request_url))  # type: ignore[arg-type]
    moment = int(now[i]) if now is not None else _value_at(per_row.get("now_raw"), i)
    client_ip = _value_at(per_row.get("client_ip"), i)
    result = diagnose(
        value, public_keys=keys or None, now=moment,  # type: ignore[arg-type]
        client_ip=None if client_ip is None else str(client_ip),
        request_url=None if request_url is None else str(request_url),
    )
    return _diagnosis_row(result)


def _decoded_row(d: Decoded) -> dict[str, Any]:
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


def _diagnosis_row(result: Diagnosis) -> dict[str, Any]:
    row = _decoded_row(result.decoded)
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


def _fast_codes(expired: bool, long_lifetime: bool, after_2038: bool, verified: bool) -> tuple[str, ...]:
    """The codes ``diagnose()`` gives a well-formed canned URL, in its order (checks, then severity)."""
    in_check_order = ["SIGNATURE_VERIFIED" if verified else "SIGNATURE_NOT_CHECKED"]
    in_check_order += ["EXPIRED"] if expired else ["LONG_LIFETIME"] if long_lifetime else []
    in_check_order += ["EXPIRES_AFTER_2038"] if after_2038 else []
    return tuple(sorted(in_check_order, key=lambda code: SEVERITY_ORDER[CATALOG[code].severity]))


_PATTERNS = [_fast_codes(bool(p & 1), bool(p & 2), bool(p & 4), bool(p & 8)) for p in range(16)]
_PATTERN_CODE = [next((c for c in codes if CATALOG[c].severity == "error"), "OK") for codes in _PATTERNS]
_CODE_INDEX = {code: i for i, code in enumerate(CODE_CATEGORIES)}
_PATTERN_CODE_INDEX = np.array([_CODE_INDEX[code] for code in _PATTERN_CODE], dtype=np.int16)


def _assemble(
    n: int, fast: _FastRows, rows: np.ndarray, slow: list[dict[str, Any]], options: _Options,
    now: np.ndarray | None, array: pa.Array | None = None,
) -> pd.DataFrame:
    mask = fast.mask
    columns: dict[str, Any] = {}
    slow_mask = pa.array(~mask)

    def strings(fast_values: pa.Array | None, name: str) -> Any:
        fast_values = pa.nulls(n, pa.large_string()) if fast_values is None else _null_where(fast_values, ~mask)
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
    resource_fast = fast.strings(fast.start, fast.resource_end) if mask.any() else None
    zeros = np.zeros(n, dtype=np.int16)
    columns["source"] = categorical(zeros, "source", ["url", "cookies", "unknown"])
    columns["url"] = strings(url_fast, "url")
    columns["resource_url"] = strings(resource_fast, "resource_url")
    columns["policy_kind"] = categorical(zeros, "policy_kind", ["canned", "custom"])
    columns["resource"] = strings(resource_fast, "resource")
    columns["expires"] = _ints(fast.expires, mask, rows, [r["expires"] for r in slow])
    columns["starts"] = _ints(np.zeros(n, np.int64), np.zeros(n, bool), rows, [r["starts"] for r in slow])
    columns["ip_address"] = strings(None, "ip_address")
    columns["key_pair_id"] = strings(fast.strings(fast.kid_start, fast.kid_end) if mask.any() else None, "key_pair_id")
    columns["hash_algorithm"] = categorical(fast.sha256, "hash_algorithm", ["SHA1", "SHA256"])
    columns["signature_bytes"] = _ints(fast.signature_bytes, mask, rows, [r["signature_bytes"] for r in slow])
    empty: tuple[str, ...] = ()
    problems = np.empty(n, dtype=object)
    problems[:] = [empty] * n
    if len(rows):
        problems[rows] = [r["problems"] for r in slow]
    columns["problems"] = problems
    frame = pd.DataFrame(columns)
    frame.insert(frame.columns.get_loc("expires") + 1, "expires_at", _datetimes(frame["expires"]))
    frame.insert(frame.columns.get_loc("starts") + 1, "starts_at", _datetimes(frame["starts"]))
    if options.decode_only:
        return frame

    moments = now if now is not None else np.zeros(n, dtype=np.int64)
    expires = fast.expires
    expired = expires <= moments
    long_lifetime = ~expired & (expires - moments > _LONG_LIFETIME)
    after_2038 = expires > MAX_EPOCH_32
    pattern = expired * 1 + long_lifetime * 2 + after_2038 * 4 + fast.verified * 8
    pattern_table = np.empty(16, dtype=object)
    pattern_table[:] = _PATTERNS
    codes = pattern_table[pattern]
    code = _PATTERN_CODE_INDEX[pattern]
    ok = ~expired
    verified = np.where(fast.verified, True, None).astype(object)
    if len(rows):
        codes[rows] = [r["codes"] for r in slow]
        code[rows] = [_CODE_INDEX[r["code"]] for r in slow]
        ok = ok.copy()
        ok[rows] = [r["ok"] for r in slow]
        verified[rows] = [r["verified"] for r in slow]
    now_column = np.array(moments, dtype=np.int64, copy=True)
    if len(rows):
        now_column[rows] = [_int64(r["now"]) or 0 for r in slow]
    frame["ok"] = ok.astype(bool)
    frame["code"] = pd.Categorical.from_codes(code, categories=CODE_CATEGORIES)
    frame["codes"] = codes
    errors = {c: CATALOG[c].cloudfront_error for c in CATALOG}
    frame["cloudfront_error"] = pd.Categorical(
        frame["code"].map(errors).astype(object).where(frame["code"] != "OK", None), categories=_ERROR_CATEGORIES
    ) if n else pd.Categorical([], categories=_ERROR_CATEGORIES)
    frame["verified"] = pd.array(verified, dtype="boolean")
    frame["now"] = now_column
    frame["now_at"] = _datetimes(frame["now"])
    # Only real expiries count: a millisecond or absurd value would look like "valid for ages".
    frame["seconds_to_expiry"] = (frame["expires"] - frame["now"]).where(frame["expires"] < MAX_SECONDS)
    return frame


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


def _int64(value: object) -> int | None:
    """``value`` if it is an int that fits a column of int64, else None (missing)."""
    if isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
        return int(value)
    return None


def _ints(fast_values: np.ndarray, mask: np.ndarray, rows: np.ndarray, slow: list[Any]) -> pd.arrays.IntegerArray:
    values = np.where(mask, fast_values, 0).astype(np.int64)
    missing = ~mask.copy()
    if len(rows):
        fitting = [_int64(v) for v in slow]
        values[rows] = np.array([0 if v is None else v for v in fitting], dtype=np.int64)
        missing[rows] = [v is None for v in fitting]
    return pd.arrays.IntegerArray(values, missing)


def _datetimes(epochs: pd.Series) -> pd.Series:
    """Epoch seconds as tz-aware UTC datetimes; NaT where missing or beyond seconds (milliseconds)."""
    values = epochs.astype("Int64")
    plausible = values.where((values >= 0) & (values < MAX_SECONDS))
    seconds = plausible.to_numpy(dtype="float64", na_value=np.nan)
    out = pd.to_datetime(seconds, unit="s", utc=True).astype(UTC_SECONDS)
    return pd.Series(out, index=epochs.index)


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    n = len(rows)
    fast = _FastRows(n)
    frame = _assemble(n, fast, np.arange(n), rows, _Options(decode_only="ok" not in columns), None)
    return frame.loc[:, list(columns)]


# --- summaries --------------------------------------------------------------------------------

def counts_by_code(table: pd.DataFrame) -> pd.DataFrame:
    """Requests per primary finding code, with CloudFront's answer, the code's title and the share."""
    counts = table["code"].value_counts(sort=True)
    counts = counts[counts > 0]
    frame = counts.rename("requests").to_frame()
    frame["share"] = frame["requests"] / max(len(table), 1)
    frame["cloudfront_error"] = [CATALOG[c].cloudfront_error if c in CATALOG else None for c in frame.index.astype(str)]
    frame["title"] = [CATALOG[c].title if c in CATALOG else "served" for c in frame.index.astype(str)]
    frame.index = frame.index.astype(str)
    frame.index.name = "code"
    return frame


def counts_by_key(table: pd.DataFrame) -> pd.DataFrame:
    """Requests per key pair id: total, served (``ok``), refused, and the most common refusal code."""
    keyed = table.assign(key_pair_id=table["key_pair_id"].astype(object).fillna("(none)"))
    grouped = keyed.groupby("key_pair_id", observed=True, sort=True)
    frame = pd.DataFrame({"requests": grouped.size(), "ok": grouped["ok"].sum()})
    frame["refused"] = frame["requests"] - frame["ok"]
    refused = keyed[~keyed["ok"]]
    top = refused.groupby("key_pair_id", observed=True)["code"].agg(lambda c: c.astype(str).value_counts().index[0])
    frame["top_code"] = top.reindex(frame.index)
    return frame.sort_values("requests", ascending=False)


def counts_by_hour(table: pd.DataFrame, *, time_column: str | None = None) -> pd.DataFrame:
    """Requests per UTC hour with served/refused counts and one column per refusal code."""
    column = time_column or ("timestamp" if "timestamp" in table else "now_at")
    hours = table[column].dt.floor("h")
    codes = pd.crosstab(hours, table["code"].astype(str))
    frame = pd.DataFrame({"requests": codes.sum(axis=1)})
    frame["ok"] = codes.get("OK", 0)
    frame["refused"] = frame["requests"] - frame["ok"]
    frame = frame.join(codes.drop(columns=["OK"], errors="ignore"))
    frame.index.name = "hour"
    return frame


_EXPIRY_BINS = (-np.inf, 0, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, np.inf)
_EXPIRY_LABELS = ("expired", "< 1 min", "1-5 min", "5-15 min", "15-60 min", "1-6 h", "6-24 h", "1-7 days", "> 7 days")


def expiry_distribution(table: pd.DataFrame) -> pd.DataFrame:
    """How long before their expiry signed URLs were used: requests per time-left bucket."""
    left = table["seconds_to_expiry"].astype("float64")
    buckets = pd.cut(left, bins=list(_EXPIRY_BINS), labels=list(_EXPIRY_LABELS), right=True)
    counts = buckets.value_counts(sort=False).rename("requests").to_frame()
    counts["share"] = counts["requests"] / max(int(left.notna().sum()), 1)
    counts.index.name = "time_left"
    stats = left.dropna()
    counts.attrs["median_seconds"] = float(stats.median()) if len(stats) else None
    return counts


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
            [{"selector": f"td.row{i}", "props": "background-color: #fdecea"} for i in refused], overwrite=False
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
    names = [None if name is None else html.escape(_cell_text(name)) for name in labels.names]
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


# --- the accessor -----------------------------------------------------------------------------

@pd.api.extensions.register_series_accessor("cfsign")
class CfSignAccessor:
    """``series.cfsign.decode()`` and ``series.cfsign.diagnose(...)`` on a Series of URLs or cookie headers."""

    def __init__(self, series: pd.Series) -> None:
        self._series = series

    def decode(self) -> pd.DataFrame:
        """:func:`decode_many` of this Series (index kept)."""
        return decode_many(self._series)

    def diagnose(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`diagnose_many` of this Series (index kept); keywords as for it."""
        return diagnose_many(self._series, **kwargs)


from .accesslog import (  # noqa: E402 - accesslog uses diagnose_many, defined above
    EXPECTED_CODES as EXPECTED_CODES,
)
from .accesslog import FIELDS as FIELDS  # noqa: E402
from .accesslog import SAMPLE_KINDS as SAMPLE_KINDS  # noqa: E402
from .accesslog import diagnose_access_log as diagnose_access_log  # noqa: E402
from .accesslog import iter_access_log as iter_access_log  # noqa: E402
from .accesslog import read_access_log as read_access_log  # noqa: E402
from .accesslog import sample_access_log as sample_access_log  # noqa: E402
from .accesslog import write_access_log as write_access_log  # noqa: E402
