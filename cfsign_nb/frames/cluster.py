"""Access logs diagnosed at scale: one partition per file (or per bounded row count), on a Dask cluster or here.

:func:`diagnose_access_logs` plans partitions (a whole file; or slices of ``rows_per_partition``
records: a text log is cut at line boundaries found by one pass, a Parquet file by its row-group
metadata), then diagnoses each with :func:`~cfsign_nb.frames.diagnose_access_log`: on a
``dask.distributed`` cluster as a lazy Dask DataFrame, or here as a lazy :class:`DiagnosedLogs`
that reads one partition at a time. Both give the same rows, dtypes and index (each row's position
in its file), Hive partition columns included. Public keys travel as PEM text and each process
parses each key once (:func:`_worker_key`); key objects are never pickled.
:func:`~cfsign_nb.frames.logsummary.summarise` reduces either result partition by partition.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, cast

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .. import extras
from ..errors import InputError
from ..keys import PublicKey, load_public_key
from ..logformat import KNOWN_FIELDS
from ..times import TimeLike, now_epoch
from .accesslog import (
    ADDED_COLUMNS,
    READ_BY_DIAGNOSIS,
    concat_frames,
    diagnose_access_log,
    read_access_log,
    read_realtime_log,
    wanted_fields,
)
from .logsource import LogFile, Source, log_files
from .logtable import category_series

__all__ = ["DiagnosedLogs", "LogPart", "concat_parts", "diagnose_access_logs", "plan_file"]

_BLOCK = 1 << 20  # bytes read at a time when skipping into a compressed file
_PARQUET_MAGIC = b"PAR1"
Layout = Literal["text", "parquet", "whole"]  # how a file can be cut: at lines, at rows, not at all


# --- values ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogPart:
    """One partition: a whole log file, or its records ``lo`` to ``hi`` (a text log's from byte ``offset``)."""

    path: str
    lo: int = 0
    hi: int | None = None  # None: to the end of the file
    offset: int = 0  # of record ``lo`` in the (decompressed) text
    header: bytes = b""  # the ``#Version``/``#Fields`` lines in force at ``offset``
    layout: Layout = "text"
    partitions: tuple[tuple[str, str], ...] = ()  # Hive values from the file's folders

    @property
    def whole(self) -> bool:
        """Whether this partition is the whole file."""
        return self.lo == 0 and self.hi is None


@dataclass(frozen=True)
class _Job:
    """What every partition needs, picklable: keys as PEM text, options as plain values."""

    keys: tuple[tuple[str, str], ...] = ()
    verify: bool = True
    now: int | None = None
    read_options: tuple[tuple[str, Any], ...] = ()
    realtime_fields: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class DiagnosedLogs:
    """The local result: lazy; iterating diagnoses one partition at a time, ``compute()`` gives them all.

    ``result[["code", "key_pair_id"]]`` is a result of those columns only, as on a Dask DataFrame:
    neither reads nor computes what no column needs.
    """

    parts: tuple[LogPart, ...]
    job: _Job = field(default_factory=_Job)
    selected: tuple[str, ...] | None = None  # None: every column

    @property
    def npartitions(self) -> int:
        """How many partitions (as on a Dask DataFrame)."""
        return len(self.parts)

    @functools.cached_property
    def columns(self) -> pd.Index:
        """The result's column names (read off the first record, as Dask's ``meta``)."""
        return pd.Index(self.selected) if self.selected is not None else _meta(self.parts[0], self.job).columns

    def __getitem__(self, columns: Sequence[str]) -> DiagnosedLogs:
        """The result with only ``columns`` (a list of column names), still lazy."""
        if isinstance(columns, str) or not columns:
            raise InputError(f"select columns with a list of names, e.g. result[['code', 'ok']], not {columns!r}")
        unknown = [c for c in columns if c not in self.columns]
        if unknown:
            raise InputError(f"no column {unknown} in the diagnosed logs: choose from {', '.join(self.columns)}")
        return DiagnosedLogs(self.parts, self.job, tuple(str(c) for c in columns))

    def partition(self, i: int) -> pd.DataFrame:
        """Partition ``i`` diagnosed."""
        return diagnose_part(self.parts[i], self.job, self.selected)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """The partitions diagnosed in order, one in memory at a time."""
        for part in self.parts:
            yield diagnose_part(part, self.job, self.selected)

    def compute(self) -> pd.DataFrame:
        """Every partition diagnosed, concatenated as Dask concatenates them (categories unioned)."""
        return concat_parts(list(self))


# --- the entry point ---------------------------------------------------------------------------

def diagnose_access_logs(
    paths: Source,
    *,
    public_keys: Mapping[str, object] | None = None,
    client: object | None = None,
    now: TimeLike | None = None,
    verify: bool = True,
    rows_per_partition: int | None = None,
    read_options: Mapping[str, Any] | None = None,
    realtime_fields: Sequence[str] | None = None,
) -> Any:
    """Diagnose every request of many log files: a lazy Dask DataFrame with ``client``, else :class:`DiagnosedLogs`.

    ``paths`` is what ``read_access_log`` takes, but paths only (every worker must see them): a
    file, a folder, a glob, Hive-partitioned folders or a list. One partition per file, or per
    ``rows_per_partition`` records of a big file. Each row is judged at its own time unless ``now``
    is given. ``read_options`` (``columns=``, ``format=``) go to ``read_access_log``; with
    ``realtime_fields`` the files are real-time logs read by ``read_realtime_log``. Verification is
    CPU-bound: workers started with ``distributed.worker.profile.enabled: False`` lose less to Dask.
    """
    if hasattr(paths, "read"):
        raise InputError("diagnose_access_logs reads files by path (workers open them): give paths, not an open file")
    if rows_per_partition is not None and (type(rows_per_partition) is not int or rows_per_partition < 1):
        raise InputError(f"rows_per_partition must be a whole number >= 1 or None, not {rows_per_partition!r}")
    job = _Job(keys=_pem_keys(public_keys) if verify else (), verify=verify,
               now=None if now is None else now_epoch(now), read_options=tuple(sorted((read_options or {}).items())),
               realtime_fields=None if realtime_fields is None else tuple(str(f) for f in realtime_fields))
    files = log_files(paths)
    if client is None:
        return DiagnosedLogs(tuple(part for log in files for part in plan_file(log, rows_per_partition)), job)
    extras.require("dask", needed_for="diagnose_access_logs(client=...)")
    import dask
    import dask.dataframe as dd
    from dask.dataframe.utils import clear_known_categories
    from distributed import Client

    if not isinstance(client, Client):
        raise InputError(f"client must be a dask.distributed.Client, not {type(client).__name__}")
    if rows_per_partition is None:
        parts = [part for log in files for part in plan_file(log)]
    else:  # planned on the workers: each reads its files once
        plans = client.gather(client.map(plan_file, files, rows_per_partition=rows_per_partition, pure=False))
        parts = [part for plan in plans for part in plan]
    meta = clear_known_categories(_meta(parts[0], job))
    with dask.config.set({"dataframe.convert-string": False}):  # keep our string dtype, as the local result has it
        return dd.from_map(diagnose_part, parts, meta=meta, job=job, label="diagnose-access-log")


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

def plan_file(log: LogFile | str, rows_per_partition: int | None = None) -> list[LogPart]:
    """The partitions of one file: the whole file, or slices of ``rows_per_partition`` records."""
    log = LogFile(log) if isinstance(log, str) else log
    path = cast(str, log.path)
    partitions = tuple(log.partitions.items())
    layout = _layout(path)
    if rows_per_partition is None or layout == "whole":
        return [LogPart(path, layout=layout, partitions=partitions)]
    if layout == "parquet":  # cut at rows, read by row groups
        rows = pq.ParquetFile(path).metadata.num_rows
        bounds = [(lo, min(lo + rows_per_partition, rows)) for lo in range(0, rows, rows_per_partition)] or [(0, 0)]
        parts = [LogPart(path, lo, hi, layout=layout, partitions=partitions) for lo, hi in bounds]
    else:
        parts = _text_plan(path, rows_per_partition, partitions)
    last = parts[-1]
    parts[-1] = LogPart(path, last.lo, None, last.offset, last.header, last.layout, partitions)
    return parts


def _text_plan(path: str, rows_per_partition: int, partitions: tuple[tuple[str, str], ...]) -> list[LogPart]:
    """Slices of a text log at line boundaries, each with the header lines in force where it starts."""
    parts = [LogPart(path, partitions=partitions)]
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
                if rows and rows % rows_per_partition == 0:
                    parts[-1] = LogPart(path, parts[-1].lo, rows, parts[-1].offset, parts[-1].header,
                                        partitions=partitions)
                    parts.append(LogPart(path, rows, None, offset, version + fields, partitions=partitions))
                rows += 1
            offset += len(line)
    return parts


def _layout(path: str) -> Layout:
    """How a file can be cut: a plain Parquet file at rows, text at lines, a compressed Parquet file not at all."""
    with open(path, "rb") as raw:
        head = raw.read(4)
    if head == _PARQUET_MAGIC:
        return "parquet"
    with _open_binary(path) as handle:
        return "whole" if handle.read(4) == _PARQUET_MAGIC else "text"


def _open_binary(path: str) -> IO[bytes]:
    """The file's bytes, decompressed when gzip."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    handle = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115 - the caller closes it
    return cast(IO[bytes], handle)


# --- one partition -----------------------------------------------------------------------------

def diagnose_part(part: LogPart, job: _Job, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read and diagnose one partition (runs on a worker); the index is each row's position in its file.

    With ``columns`` (Dask passes them when a computation selects some), only those the result has
    are returned, and fields and diagnosis columns none of them needs are neither read nor computed.
    """
    log = read_part(part, job, columns)
    added = ADDED_COLUMNS if columns is None else tuple(c for c in ADDED_COLUMNS if c in columns)
    if not added:
        return log.loc[:, [c for c in columns or () if c in log]]
    keys = {kid: _worker_key(pem) for kid, pem in job.keys}
    if job.now is None:
        out = diagnose_access_log(log, public_keys=keys or None, verify=job.verify, columns=added)
    else:
        moment = pd.Series(pd.Timestamp(job.now, unit="s", tz="UTC"), index=log.index, dtype=log["timestamp"].dtype)
        out = diagnose_access_log(log.assign(timestamp=moment), public_keys=keys or None, verify=job.verify,
                                  columns=added)
        out["timestamp"] = log["timestamp"]  # aligned by index: the request times, as read
    return out if columns is None else out.loc[:, [c for c in columns if c in out]]


def read_part(part: LogPart, job: _Job, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The log rows of one partition, indexed by their position in the file, with its Hive partition columns.

    With ``columns`` (of the diagnosed result), only the fields they and the diagnosis need are read.
    """
    options = dict(job.read_options)
    if columns is not None:
        options["columns"] = _fields_for(columns, options.get("columns", "all"), part)
    if part.whole:
        source: Any = part.path
    else:
        source = io.BytesIO(_parquet_slice(part) if part.layout == "parquet" else _text_slice(part))
    if job.realtime_fields is not None:
        log = read_realtime_log(source, list(job.realtime_fields), **options)
    else:
        log = read_access_log(source, **options)
    if not part.whole:
        log.index = pd.RangeIndex(part.lo, part.lo + len(log))
    for name, value in part.partitions:  # as read_access_log adds them when it reads the folder
        if name not in log:
            column = category_series(np.zeros(len(log), np.int8), [value], log.index)
            log.insert(log.columns.get_loc("url") if "url" in log else len(log.columns), name, column)
    return log


def _fields_for(columns: Sequence[str], read: Any, part: LogPart) -> Any:
    """What to read for ``columns``: the fields they name and those the diagnosis reads, within the ``read`` choice.

    A column that is none of those (a field the reader does not know) keeps the ``read`` choice as it is.
    """
    made = {"timestamp", "url", *ADDED_COLUMNS, *(name for name, _ in part.partitions)}
    if any(c not in KNOWN_FIELDS and c not in made for c in columns):
        return read
    allowed = wanted_fields(read)
    names = READ_BY_DIAGNOSIS | {c for c in columns if c in KNOWN_FIELDS}
    return sorted(n for n in names if allowed is None or n in allowed)


def _text_slice(part: LogPart) -> bytes:
    """The header in force and the records ``lo`` to ``hi`` of a text log (comment lines among them kept)."""
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


def _parquet_slice(part: LogPart) -> bytes:
    """Rows ``lo`` to ``hi`` of a Parquet file as a Parquet file: only the row groups holding them are read."""
    parquet = pq.ParquetFile(part.path)
    sizes = [parquet.metadata.row_group(g).num_rows for g in range(parquet.num_row_groups)]
    starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
    hi = int(starts[-1]) if part.hi is None else part.hi
    groups = [g for g in range(len(sizes)) if starts[g] < hi and starts[g + 1] > part.lo]
    table = parquet.read_row_groups(groups) if groups else parquet.schema_arrow.empty_table()
    first = int(starts[groups[0]]) if groups else 0
    buffer = io.BytesIO()
    pq.write_table(table.slice(part.lo - first, hi - part.lo), buffer)
    return buffer.getvalue()


def _meta(part: LogPart, job: _Job) -> pd.DataFrame:
    """The empty result with the columns and dtypes of a real partition (read from ``part``'s first record).

    Kept per file version: running the same cell again does not read and diagnose a record again.
    """
    try:
        stat = os.stat(part.path)
        return _kept_meta(part, job, stat.st_mtime_ns, stat.st_size).copy()
    except (OSError, TypeError):  # a path that is not a local file, or read options that cannot be hashed
        return _read_meta(part, job)


@functools.lru_cache(maxsize=16)
def _kept_meta(part: LogPart, job: _Job, mtime_ns: int, size: int) -> pd.DataFrame:
    return _read_meta(part, job)


def _read_meta(part: LogPart, job: _Job) -> pd.DataFrame:
    one = part if part.layout == "whole" else LogPart(part.path, part.lo, part.lo + 1, part.offset, part.header,
                                                      part.layout, part.partitions)
    return diagnose_part(one, job).iloc[:0]


def concat_parts(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Partitions as one frame, as Dask concatenates them: empty ones dropped, categories unioned in order."""
    kept = [f for f in frames if len(f)] or list(frames[:1])
    if len(kept) == 1:
        return kept[0]
    return concat_frames(kept, sort_categories=False, ignore_index=False)
