"""Batch decode and diagnose: many URLs or cookie headers in, one typed row each out. Never raises on data.

The inputs become one Arrow array, cut into chunks bounded in rows and bytes; each chunk takes
the vectorised path (:mod:`~cfsign_nb.frames.fast`) where it provably agrees with
:func:`cfsign_nb.diagnose` and the per-row functions elsewhere. A row whose processing raises
(a bug) gets code ``INTERNAL_ERROR`` and a :class:`CfSignWarning`; the batch goes on. Chunks may
run in worker processes (keys travel as PEM text).
"""

from __future__ import annotations

import functools
import gc
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..decode import decode
from ..diagnosis import diagnose
from ..errors import CfSignWarning, InputError
from ..keys import PublicKey, load_public_key
from ..protocol import URL_LIMIT
from ..times import TimeLike
from .assemble import (
    DECODE_COLUMNS,
    DIAGNOSE_COLUMNS,
    INTERNAL_ERROR,
    assemble,
    decoded_row,
    diagnosis_row,
    error_row,
)
from .fast import FastRows, eligible_rows, fast_canned, fast_input
from .fastverify import fast_verify
from .inputs import ObjectArray, as_arrow, now_array, per_row_values, rows_of

__all__ = ["decode_many", "diagnose_many"]

_CHUNK = 100_000
_CHUNK_BYTES = 32 << 20  # of rows the fast path reads: bounds its temporary arrays whatever the input


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
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Diagnose every URL or cookie header in ``values``, as :func:`cfsign_nb.diagnose` would. Never raises on data.

    ``now``, ``client_ip`` and ``request_url`` are one value for all rows or one per row (a list
    or a Series aligned with ``values``). ``public_keys`` maps key pair ids to public keys (PEM
    text or key objects); with ``verify=False`` they are ignored and rows equal
    ``diagnose(value, public_keys=None, ...)``. ``workers`` > 1 spreads chunks over processes.
    ``code`` is the primary finding code or ``"OK"``; ``codes`` equals ``Diagnosis.codes``.
    ``columns`` picks some of :data:`DIAGNOSE_COLUMNS` (in that order): the others are never built.
    """
    keys = _load_keys(public_keys) if verify else {}
    if columns is not None:
        unknown = [c for c in columns if c not in DIAGNOSE_COLUMNS]
        if unknown or not columns:
            raise InputError(
                f"columns={list(columns)!r}: give one or more of the diagnosis columns "
                f"{', '.join(DIAGNOSE_COLUMNS)}" + (f" ({unknown} are not among them)" if unknown else "")
            )
        columns = tuple(c for c in DIAGNOSE_COLUMNS if c in columns)
    options = _Options(keys={kid: key.to_pem() for kid, key in keys.items()}, columns=columns)
    return _run(values, options, {"now": now, "client_ip": client_ip, "request_url": request_url}, workers=workers)


class _Options:
    """What every chunk needs, picklable (keys travel as PEM text, never as private keys)."""

    def __init__(
        self, *, decode_only: bool = False, keys: Mapping[str, str] | None = None, columns: Sequence[str] | None = None
    ) -> None:
        self.decode_only = decode_only
        self.keys = dict(keys or {})
        self.columns = None if columns is None else tuple(columns)  # None: every column


def _load_keys(public_keys: object) -> dict[str, PublicKey]:
    if public_keys is None:
        return {}
    if not isinstance(public_keys, Mapping):
        raise InputError(
            "diagnose_many needs public_keys as a mapping {key_pair_id: public key}, because each "
            "row names its own Key-Pair-Id; e.g. public_keys={'K2JCJMDEHXQW5F': pem_text}"
        )
    return {str(kid): load_public_key(source) for kid, source in public_keys.items()}


@functools.lru_cache(maxsize=64)
def _public_key(pem: str) -> PublicKey:
    """Keys travel to chunks (and worker processes) as PEM; each process parses each one once."""
    return load_public_key(pem)


@dataclass(frozen=True, repr=False, eq=False)
class _RememberingKey(PublicKey):
    """A public key that verifies each (hash, signature, data) once: a chunk's per-row rows repeat them.

    Signed cookies travel with every request of a session, so a log holds the same cookies many times.
    """

    seen: dict[tuple[str, bytes, bytes], bool] = field(default_factory=dict, repr=False)

    def verify(self, signature: bytes, data: bytes, hash_algorithm: str = "SHA1") -> bool:
        job = (hash_algorithm, signature, data)
        known = self.seen.get(job)
        if known is None:
            known = self.seen[job] = super().verify(signature, data, hash_algorithm)
        return known


# --- the whole batch -------------------------------------------------------------------------

def _run(
    values: Iterable[object] | pd.Series, options: _Options, context: Mapping[str, object], *, workers: int
) -> pd.DataFrame:
    index = values.index if isinstance(values, pd.Series) else None
    array = as_arrow(values)
    n = len(array)
    per_row = {name: per_row_values(value, n, name) for name, value in context.items() if name != "now"}
    if not options.decode_only:
        moments = now_array(context["now"], n)
        per_row["now"] = moments  # epoch seconds; where they cannot be read, each row's own value goes to diagnose()
        per_row["now_raw"] = per_row_values(context["now"], n, "now") if moments is None else None
    size = max(1, min(_CHUNK, -(-n // max(workers, 1))))
    jobs = [(array.slice(lo, hi - lo), options, rows_of(per_row, lo, hi)) for lo, hi in _bounds(array, n, size)]
    parts = _in_processes(jobs, workers) if workers > 1 and len(jobs) > 1 else [_chunk_frame(*job) for job in jobs]
    errors = _errors_of(parts)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.attrs = {}
    if "key_pair_id" in frame:
        frame["key_pair_id"] = frame["key_pair_id"].astype("category")
    if index is not None:
        frame.index = index
    if errors:
        _warn_errors(frame, errors)
    return frame


def _bounds(array: pa.Array | ObjectArray, n: int, size: int) -> list[tuple[int, int]]:
    """Chunks of at most ``size`` rows and about ``_CHUNK_BYTES`` of fast-path bytes, so hostile rows stay cheap."""
    if n == 0:
        return [(0, 0)]
    strings = array.strings if isinstance(array, ObjectArray) else array
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset : strings.offset + n + 1]
    lengths = np.diff(offsets)
    if int(lengths.sum()) <= _CHUNK_BYTES:
        return [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    fast_bytes = np.concatenate([[0], np.cumsum(np.where(lengths <= URL_LIMIT, lengths, 0))])
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
            futures = [pool.submit(_chunk_frame, _own_copy(job[0]), *job[1:]) for job in jobs]
            for i, future in enumerate(futures):
                try:
                    parts[i] = future.result()
                except Exception:  # the chunk is redone in this process, where it cannot fail the batch
                    parts[i] = None
    except Exception:  # no processes at all (e.g. a sandbox): everything runs here
        pass
    return [part if part is not None else _chunk_frame(*job) for part, job in zip(parts, jobs, strict=True)]


def _own_copy(array: pa.Array | ObjectArray) -> pa.Array | ObjectArray:
    """A chunk with buffers of its own: pickled, an Arrow slice carries the whole array's buffers with it."""
    if isinstance(array, ObjectArray):
        return ObjectArray(array.values, pa.concat_arrays([array.strings]))
    return pa.concat_arrays([array])


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


# --- one chunk -------------------------------------------------------------------------------

def _chunk_frame(array: pa.Array | ObjectArray, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    """Decode or diagnose one chunk; if that raises (a bug), each row is redone alone so only it is lost."""
    try:
        return _chunk_frame_unguarded(array, options, per_row)
    except Exception:  # a batch never fails on its data
        return _row_by_row(array, options, per_row)


def _row_by_row(array: pa.Array | ObjectArray, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    parts, errors = [], {}
    for i in range(len(array)):
        one = rows_of(per_row, i, i + 1)
        try:
            part = _chunk_frame_unguarded(array.slice(i, 1), options, one)
        except Exception as error:  # this row alone is lost, and says why
            part = _error_frame(error, options, one)
        if part.attrs.get("cfsign_errors"):
            errors[i] = next(iter(part.attrs["cfsign_errors"].values()))
        parts.append(part)
    if not parts:
        return _chunk_frame_unguarded(ObjectArray([]), options, per_row)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.attrs = {"cfsign_errors": errors} if errors else {}
    return frame


def _error_frame(error: BaseException, options: _Options, per_row: Mapping[str, object]) -> pd.DataFrame:
    now = per_row.get("now")
    row = error_row(options.decode_only, int(now[0]) if isinstance(now, np.ndarray) else None)
    frame = assemble(1, FastRows(1), np.arange(1), [row], options.decode_only, None, wanted=options.columns)
    frame.attrs = {"cfsign_errors": {0: _one_line(error)}}
    return frame


def _chunk_frame_unguarded(
    array: pa.Array | ObjectArray, options: _Options, per_row: Mapping[str, object]
) -> pd.DataFrame:
    """Decode or diagnose one chunk: the fast path where it provably agrees, ``diagnose()`` elsewhere."""
    n = len(array)
    keys = {kid: _public_key(pem) for kid, pem in options.keys.items()}
    moments = per_row.get("now")
    now = moments if isinstance(moments, np.ndarray) else None
    fast = None
    objects = array.values if isinstance(array, ObjectArray) else None
    strings = array.strings if isinstance(array, ObjectArray) else array
    if n:
        strings = fast_input(strings)
        eligible = eligible_rows(strings, options.decode_only, per_row, n)
        if eligible.any():
            fast = fast_canned(strings, eligible)
    if fast is None:
        fast = FastRows(n)
    if not options.decode_only and fast.mask.any():
        fast_verify(fast, keys)
    rows = np.flatnonzero(~fast.mask)
    slow: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    if len(rows):
        keys = {kid: _RememberingKey(key.key) for kid, key in keys.items()}
        taken = pa.array(rows)
        values = [objects[r] for r in rows] if objects is not None else array.take(taken).to_pylist()  # type: ignore[union-attr]
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for i, row in enumerate(rows):
                try:
                    slow.append(_slow_row(values[i], int(row), options, keys, per_row, now))
                except Exception as error:  # the row says what raised; the batch goes on
                    slow.append(error_row(options.decode_only, int(now[row]) if now is not None else None))
                    errors[int(row)] = _one_line(error)
        finally:
            if was_enabled:
                gc.enable()
    frame = assemble(n, fast, rows, slow, options.decode_only, now, strings if fast.mask.any() else None,
                     wanted=options.columns)
    if errors:
        frame.attrs = {"cfsign_errors": errors}
    return frame


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
        return decoded_row(decode(value, request_url=request_url))  # type: ignore[arg-type]
    moment = int(now[i]) if now is not None else _value_at(per_row.get("now_raw"), i)
    client_ip = _value_at(per_row.get("client_ip"), i)
    result = diagnose(
        value, public_keys=keys or None, now=moment,  # type: ignore[arg-type]
        client_ip=None if client_ip is None else str(client_ip),
        request_url=None if request_url is None else str(request_url),
    )
    return diagnosis_row(result)
