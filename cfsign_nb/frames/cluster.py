"""Access logs diagnosed at scale: one partition per file (or per bounded row count), on a Dask cluster or here.

:func:`diagnose_access_logs` plans partitions (a whole file, or a slice of ``rows_per_partition``
data lines found by one pass over the file), then diagnoses each with
:func:`~cfsign_nb.frames.diagnose_access_log`: on a ``dask.distributed`` cluster as a lazy Dask
DataFrame, or here as a lazy :class:`DiagnosedLogs` that reads one partition at a time. Both give
the same rows, dtypes and index (each row's position in its file). Public keys travel as PEM text
and each process parses each key once (:func:`_worker_key`); key objects are never pickled.
:func:`summarise` reduces either result partition by partition, so memory stays bounded.
"""

from __future__ import annotations

import functools
import glob
import gzip
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, cast

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from .. import extras
from ..errors import InputError
from ..findings import CATALOG
from ..keys import PublicKey, load_public_key
from ..times import TimeLike, now_epoch
from .accesslog import diagnose_access_log, read_access_log

__all__ = ["DiagnosedLogs", "LogPart", "LogSummary", "diagnose_access_logs", "log_files", "summarise"]

_BLOCK = 1 << 20  # bytes read at a time when skipping into a compressed file
_PARQUET_MAGIC = b"PAR1"

Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


# --- values ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogPart:
    """One partition: a whole log file, or its data lines ``lo`` to ``hi`` starting at byte ``offset``."""

    path: str
    lo: int = 0
    hi: int | None = None  # None: to the end of the file
    offset: int = 0  # of line ``lo`` in the (decompressed) file
    header: bytes = b""  # the ``#Version``/``#Fields`` lines in force at ``offset``


@dataclass(frozen=True)
class _Job:
    """What every partition needs, picklable: keys as PEM text, options as plain values."""

    keys: tuple[tuple[str, str], ...] = ()
    verify: bool = True
    now: int | None = None
    read_options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, eq=False)
class DiagnosedLogs:
    """The local result: lazy; iterating diagnoses one partition at a time, ``compute()`` gives them all."""

    parts: tuple[LogPart, ...]
    job: _Job = field(default_factory=_Job)

    @property
    def npartitions(self) -> int:
        """How many partitions (as on a Dask DataFrame)."""
        return len(self.parts)

    def partition(self, i: int) -> pd.DataFrame:
        """Partition ``i`` diagnosed."""
        return diagnose_part(self.parts[i], self.job)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """The partitions diagnosed in order, one in memory at a time."""
        for part in self.parts:
            yield diagnose_part(part, self.job)

    def compute(self) -> pd.DataFrame:
        """Every partition diagnosed, concatenated as Dask concatenates them (categories unioned)."""
        return concat_parts(list(self)) if self.parts else _meta(None, self.job)


@dataclass(frozen=True, eq=False)
class LogSummary:
    """Totals of a diagnosed log, and the requests per code and per key pair id."""

    requests: int
    ok: int
    refused_by_cloudfront: int  # sc-status 403
    unexplained_403: int
    counts_by_code: pd.DataFrame  # as frames.counts_by_code, ties in code order
    counts_by_key: pd.DataFrame  # as frames.counts_by_key, ties in key order


# --- the entry point ---------------------------------------------------------------------------

def diagnose_access_logs(
    paths: Paths,
    *,
    public_keys: Mapping[str, object] | None = None,
    client: object | None = None,
    now: TimeLike | None = None,
    verify: bool = True,
    rows_per_partition: int | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> Any:
    """Diagnose every request of many log files: a lazy Dask DataFrame with ``client``, else :class:`DiagnosedLogs`.

    ``paths`` is a file, a folder, a glob or a list of them (every worker must see the same paths).
    One partition per file, or per ``rows_per_partition`` data lines of a big text file. Each row is
    judged at its own time unless ``now`` is given. ``read_options`` go to ``read_access_log``.
    """
    if rows_per_partition is not None and (type(rows_per_partition) is not int or rows_per_partition < 1):
        raise InputError(f"rows_per_partition must be a whole number >= 1 or None, not {rows_per_partition!r}")
    job = _Job(keys=_pem_keys(public_keys) if verify else (), verify=verify,
               now=None if now is None else now_epoch(now), read_options=tuple(sorted((read_options or {}).items())))
    files = log_files(paths)
    if client is None:
        plans = [plan_file(path, rows_per_partition) for path in files]
        return DiagnosedLogs(tuple(part for plan in plans for part in plan), job)
    extras.require("dask", needed_for="diagnose_access_logs(client=...)")
    import dask
    import dask.dataframe as dd
    from dask.dataframe.utils import clear_known_categories
    from distributed import Client

    if not isinstance(client, Client):
        raise InputError(f"client must be a dask.distributed.Client, not {type(client).__name__}")
    if rows_per_partition is None:
        parts = [LogPart(path) for path in files]
    else:  # planned on the workers: each reads its files once
        plans = client.gather(client.map(plan_file, files, rows_per_partition=rows_per_partition, pure=False))
        parts = [part for plan in plans for part in plan]
    meta = clear_known_categories(_meta(files[0], job))
    with dask.config.set({"dataframe.convert-string": False}):  # keep our string dtype, as the local result has it
        return dd.from_map(diagnose_part, parts, meta=meta, job=job, label="diagnose-access-log")


def log_files(paths: Paths) -> list[str]:
    """The log files ``paths`` names, in order: a file, every file under a folder, a glob's matches, or a list."""
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[str] = []
    for item in items:
        path = os.fspath(item)
        if os.path.isdir(path):
            found = sorted(p for p in glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(p))
        elif os.path.isfile(path):
            found = [path]
        else:
            found = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        files.extend(found)
    if not files:
        raise InputError(
            f"no access log at {paths!r}: give log files, folders of log files or globs "
            "such as 'logs/E2EXAMPLE.2026-01-*.gz'"
        )
    return files


def _pem_keys(public_keys: Mapping[str, object] | None) -> tuple[tuple[str, str], ...]:
    """Keys as (key pair id, PEM text), loaded here once so a bad key fails before any work is sent."""
    if public_keys is None:
        return ()
    if not isinstance(public_keys, Mapping):
        raise InputError("public_keys must map key pair ids to public keys, e.g. {'K2JCJMDEHXQW5F': pem_text}")
    return tuple(sorted((str(kid), load_public_key(source).to_pem()) for kid, source in public_keys.items()))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=64)
def _worker_key(pem: str) -> PublicKey:
    """A public key from its PEM text, parsed once per process (keyed by the text itself)."""
    return load_public_key(pem)


# --- planning ----------------------------------------------------------------------------------

def plan_file(path: str, rows_per_partition: int | None = None) -> list[LogPart]:
    """The partitions of one file: the whole file, or slices of ``rows_per_partition`` data lines (one pass)."""
    if rows_per_partition is None or _is_parquet(path):
        return [LogPart(path)]
    parts: list[LogPart] = []
    version, fields = b"", b""
    offset = rows = 0
    with _open_binary(path) as handle:
        for line in handle:
            if line.startswith(b"#"):
                if line.startswith(b"#Version:"):
                    version = line
                elif line.startswith(b"#Fields:"):
                    fields = line
            elif line.strip():
                if rows % rows_per_partition == 0:
                    parts.append(LogPart(path, rows, rows + rows_per_partition, offset, version + fields))
                rows += 1
            offset += len(line)
    if not parts:
        return [LogPart(path)]
    last = parts[-1]
    parts[-1] = LogPart(path, last.lo, None, last.offset, last.header)
    return parts


def _is_parquet(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == _PARQUET_MAGIC


def _open_binary(path: str) -> IO[bytes]:
    """The file's bytes, decompressed when gzip."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    handle = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115 - the caller closes it
    return cast(IO[bytes], handle)


# --- one partition -----------------------------------------------------------------------------

def diagnose_part(part: LogPart, job: _Job) -> pd.DataFrame:
    """Read and diagnose one partition (runs on a worker); the index is each row's position in its file."""
    log = read_part(part, job)
    keys = {kid: _worker_key(pem) for kid, pem in job.keys}
    if job.now is None:
        return diagnose_access_log(log, public_keys=keys or None, verify=job.verify)
    moment = pd.Series(pd.Timestamp(job.now, unit="s", tz="UTC"), index=log.index, dtype=log["timestamp"].dtype)
    out = diagnose_access_log(log.assign(timestamp=moment), public_keys=keys or None, verify=job.verify)
    out["timestamp"] = log["timestamp"]  # aligned by index: the request times, as read
    return out


def read_part(part: LogPart, job: _Job) -> pd.DataFrame:
    """The log rows of one partition, indexed by their position in the file."""
    options = dict(job.read_options)
    if part.lo == 0 and part.hi is None:
        return read_access_log(part.path, **options)
    log = read_access_log(io.BytesIO(_slice_bytes(part)), **options)
    log.index = pd.RangeIndex(part.lo, part.lo + len(log))
    return log


def _slice_bytes(part: LogPart) -> bytes:
    """The header in force and the data lines ``lo`` to ``hi`` of a text log (comment lines among them kept)."""
    taken = [part.header]
    wanted = None if part.hi is None else part.hi - part.lo
    rows = 0
    with _open_binary(part.path) as handle:
        if isinstance(handle, gzip.GzipFile):
            _skip(handle, part.offset)
        else:
            handle.seek(part.offset)
        for line in handle:
            if not line.startswith(b"#") and line.strip():
                if wanted is not None and rows >= wanted:
                    break
                rows += 1
            taken.append(line)
    return b"".join(taken)


def _skip(handle: IO[bytes], count: int) -> None:
    """Read and drop ``count`` bytes (a compressed file cannot seek cheaply)."""
    while count > 0:
        block = handle.read(min(count, _BLOCK))
        if not block:
            return
        count -= len(block)


def _meta(path: str | None, job: _Job) -> pd.DataFrame:
    """The empty result with the columns and dtypes of a real partition (from ``path``'s first row when it has one)."""
    if path is not None and not _is_parquet(path):
        return diagnose_part(LogPart(path, 0, 1), job).iloc[:0]
    if path is not None:
        return diagnose_part(LogPart(path), job).iloc[:0]
    empty = io.BytesIO(b"")
    return diagnose_access_log(read_access_log(empty, **dict(job.read_options))).iloc[:0]


def concat_parts(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Partitions as one frame, as Dask concatenates them: empty ones dropped, categories unioned in order."""
    kept = [f for f in frames if len(f)] or list(frames[:1])
    if len(kept) == 1:
        return kept[0]
    categorical = [name for name, dtype in kept[0].dtypes.items() if isinstance(dtype, pd.CategoricalDtype)]
    out = pd.concat([f.drop(columns=categorical) for f in kept])
    for name in categorical:
        out[name] = pd.Series(union_categoricals([f[name] for f in kept]), index=out.index)
    return out.loc[:, list(kept[0].columns)]


# --- summaries ---------------------------------------------------------------------------------

_COUNT_COLUMNS = ("code", "key_pair_id", "ok", "refused_by_cloudfront", "unexplained_403", "requests")


def summarise(result: Any, *, client: object | None = None) -> LogSummary:
    """Totals and the per-code and per-key tables of a diagnosed log, reduced partition by partition.

    ``result`` is what :func:`diagnose_access_logs` returned (a Dask DataFrame is reduced on the
    cluster: only small counts come back), or a diagnosed pandas frame.
    """
    if isinstance(result, pd.DataFrame):
        counts = _partial_counts(result)
    elif isinstance(result, DiagnosedLogs):
        counts = pd.concat([_partial_counts(frame) for frame in result], ignore_index=True)
    elif hasattr(result, "map_partitions"):
        partial = result.map_partitions(_partial_counts, meta=_partial_counts(result._meta))
        counts = client.compute(partial).result() if client is not None else partial.compute()  # type: ignore[attr-defined]
    else:
        raise InputError(f"summarise takes the result of diagnose_access_logs, not {type(result).__name__}")
    return _summary(counts)


def _partial_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Requests per (code, key, ok, 403, unexplained) in one partition: a few rows, whatever its size."""
    status = frame["sc-status"] if "sc-status" in frame else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    keys = pd.DataFrame({
        "code": frame["code"].astype(str).to_numpy(dtype=object),
        "key_pair_id": frame["key_pair_id"].astype(object).fillna("(none)").to_numpy(dtype=object),
        "ok": frame["ok"].astype(bool).to_numpy(),
        "refused_by_cloudfront": status.eq(403).fillna(False).astype(bool).to_numpy(),
        "unexplained_403": frame["unexplained_403"].astype(bool).to_numpy(),
    })
    counts = keys.groupby(list(_COUNT_COLUMNS[:-1]), sort=True).size().rename("requests").reset_index()
    return counts.astype({"code": object, "key_pair_id": object, "requests": "int64"}).loc[:, list(_COUNT_COLUMNS)]


def _summary(counts: pd.DataFrame) -> LogSummary:
    total = int(counts["requests"].sum())
    by_code = counts.groupby("code")["requests"].sum()
    by_code = by_code[by_code > 0]
    order = sorted(by_code.index, key=lambda c: (-int(by_code[c]), c))
    codes = pd.DataFrame({"requests": by_code.reindex(order).astype("int64")})
    codes["share"] = codes["requests"] / max(total, 1)
    codes["cloudfront_error"] = [CATALOG[c].cloudfront_error if c in CATALOG else None for c in order]
    codes["title"] = [CATALOG[c].title if c in CATALOG else "served" for c in order]
    codes.index = pd.Index(order, dtype=object, name="code")
    return LogSummary(
        requests=total,
        ok=int(counts.loc[counts["ok"], "requests"].sum()),
        refused_by_cloudfront=int(counts.loc[counts["refused_by_cloudfront"], "requests"].sum()),
        unexplained_403=int(counts.loc[counts["unexplained_403"], "requests"].sum()),
        counts_by_code=codes,
        counts_by_key=_by_key(counts),
    )


def _by_key(counts: pd.DataFrame) -> pd.DataFrame:
    """Requests, served, refused and the most common refusal code per key pair id."""
    grouped = counts.groupby("key_pair_id", sort=True)
    frame = pd.DataFrame({
        "requests": grouped["requests"].sum().astype("int64"),
        "ok": counts[counts["ok"]].groupby("key_pair_id")["requests"].sum().reindex(grouped.size().index, fill_value=0),
    }).astype("int64")
    frame["refused"] = frame["requests"] - frame["ok"]
    refused = counts[~counts["ok"]].groupby(["key_pair_id", "code"], sort=True)["requests"].sum().reset_index()
    refused = refused.sort_values(["key_pair_id", "requests", "code"], ascending=[True, False, True], kind="stable")
    top = refused.drop_duplicates("key_pair_id").set_index("key_pair_id")["code"]
    frame["top_code"] = top.reindex(frame.index).astype(object)
    frame.index = frame.index.astype(object)
    frame.index.name = "key_pair_id"
    order = np.lexsort((np.arange(len(frame)), -frame["requests"].to_numpy()))
    return frame.iloc[order]

