"""Where access logs come from: a file, an open file, a folder, a glob or a list, and what each file holds.

A source becomes a list of :class:`LogFile` values, each with its Hive-style partition values
(``year=2026/month=01/...`` folders below the folder or glob given) and, once opened, its format,
sniffed from its first bytes: Parquet (``PAR1``), JSON lines (``{``) or W3C text (anything else),
gzip-compressed or not. Files whose name starts with ``_`` or ``.`` (``_SUCCESS``, ``.crc``) are
passed over in folders, as Hive tools do.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import re
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from ..errors import InputError

__all__ = ["FORMATS", "Format", "LogFile", "Source", "log_files", "open_binary", "sniff"]

Format = Literal["w3c", "json", "parquet"]
FORMATS: tuple[Format, ...] = ("w3c", "json", "parquet")
"""The standard-log formats the reader tells apart (v2's plain-text output is W3C without headers)."""

Source = str | os.PathLike[str] | IO[bytes] | IO[str] | Iterable["str | os.PathLike[str] | LogFile"]
"""What the readers accept: a path, a glob, a folder, an open file, or several paths or :class:`LogFile` values."""

_PARTITION = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,63})=([^/\\=]{0,200})")
_GLOB_MAGIC = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class LogFile:
    """One log file to read: its path (or open handle) and the Hive partition values its folders give."""

    path: str | None
    handle: Any = None
    partitions: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The path, or a description of the open file."""
        return self.path if self.path is not None else str(getattr(self.handle, "name", "<open file>"))


def log_files(source: Source) -> list[LogFile]:
    """The files ``source`` names, sorted, each with its partition values; InputError when there are none."""
    if hasattr(source, "read"):
        return [LogFile(None, source)]
    if isinstance(source, str | os.PathLike):
        return _files_of(os.fspath(source))
    found = [f for item in source  # type: ignore[union-attr]
             for f in ([item] if isinstance(item, LogFile) else _files_of(os.fspath(item)))]
    if not found:
        raise InputError("no access log in the list of paths given: give at least one log file or folder")
    return found


def _files_of(path: str) -> list[LogFile]:
    if os.path.isdir(path):
        names = glob.glob(os.path.join(glob.escape(path), "**", "*"), recursive=True)
        return [LogFile(p, None, _partitions(os.path.relpath(p, path))) for p in sorted(names) if _is_log(p)]
    if os.path.exists(path):
        return [LogFile(path)]
    names = sorted(p for p in glob.glob(path, recursive=True) if _is_log(p))
    if not names:
        raise InputError(
            f"no access log at {path!r}: give a log file, a folder of log files or a glob "
            "such as 'logs/E2EXAMPLE.2026-01-01-*.gz'"
        )
    root = _fixed_prefix(path)
    return [LogFile(p, None, _partitions(os.path.relpath(p, root) if root else p)) for p in names]


def _is_log(path: str) -> bool:
    """A file a log folder holds as data (not a folder, not ``_SUCCESS`` or a hidden file)."""
    return os.path.isfile(path) and not os.path.basename(path).startswith(("_", "."))


def _fixed_prefix(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: partitions are read below it."""
    parts = re.split(r"[/\\]", pattern)
    fixed = []
    for part in parts[:-1]:
        if _GLOB_MAGIC.search(part):
            break
        fixed.append(part)
    return "/".join(fixed)


def _partitions(relative: str) -> dict[str, str]:
    """``year=2026/month=01/x.gz`` → ``{"year": "2026", "month": "01"}`` (folder names only)."""
    values: dict[str, str] = {}
    for part in re.split(r"[/\\]", relative)[:-1][:32]:
        match = _PARTITION.fullmatch(part)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def open_binary(log: LogFile, stack: ExitStack) -> tuple[IO[bytes], bytes]:
    """The file's bytes, gunzipped when they start with gzip's magic number, and its first bytes.

    ``stack`` closes what was opened; the first bytes are only peeked at, not consumed.
    """
    handle: Any = stack.enter_context(log.handle if log.handle is not None else open(log.path or "", "rb"))  # noqa: SIM115
    if isinstance(handle, io.TextIOBase):
        handle = io.BufferedReader(io.BytesIO(handle.read().encode("utf-8", "surrogatepass")))
    buffered = handle if hasattr(handle, "peek") else io.BufferedReader(handle)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        buffered = stack.enter_context(gzip.GzipFile(fileobj=buffered))
    return buffered, bytes(buffered.peek(64)[:64])


def sniff(data: bytes) -> Format:
    """The format of a (decompressed) file from its first bytes."""
    if data[:4] == b"PAR1":
        return "parquet"
    start = data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    return "json" if start == b"{" else "w3c"
