"""What every log reader yields: a raw chunk of records as logged, and the helpers the readers share."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pyarrow as pa

__all__ = ["ANY_TEXT", "MAX_FIELDS", "RawChunk", "no_columns", "slice_rows", "unique_names", "wanted_names"]

ANY_TEXT = re.compile(rb"\S")  # bytes with any of it hold records (searched in place, never copied)
MAX_FIELDS = 1_000  # more names than any log has: a header naming more is junk


@dataclass(frozen=True)
class RawChunk:
    """Up to a chunk of records as logged (text columns, canonical names) and the fields their file logs."""

    table: pa.Table
    fields: tuple[str, ...]
    skipped: int = 0

    @classmethod
    def empty(cls, columns: Sequence[str], fields: Sequence[str], skipped: int = 0) -> RawChunk:
        """No records: text columns ``columns``, of a file that logs ``fields``."""
        return cls(pa.table({n: pa.array([], pa.string()) for n in columns}), tuple(fields), skipped)


def no_columns(n: int) -> pa.Table:
    """A table of ``n`` rows and no columns (``pa.table({})`` would have none)."""
    return pa.table({"": pa.nulls(n)}).drop_columns([""])


def slice_rows(table: pa.Table, lo: int, count: int) -> pa.Table:
    """Up to ``count`` rows from ``lo`` (pyarrow's slice of a table without columns is always ``count`` long)."""
    return table.slice(lo, max(0, min(count, table.num_rows - lo)))


def wanted_names(names: Sequence[str], wanted: Collection[str] | None) -> list[str]:
    """The ``names`` that are ``wanted`` (None: all), in their order."""
    return [n for n in names if wanted is None or n in wanted]


def unique_names(names: list[str]) -> list[str]:
    """Names with a repeated one kept once (the later ones get a ``#2``, ``#3``...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out
