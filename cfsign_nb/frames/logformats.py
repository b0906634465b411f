"""The JSON-lines and Parquet log readers, as raw chunks (W3C and real-time text: :mod:`.logtext`).

Each reader yields :class:`~.logchunk.RawChunk` values: an Arrow table of the fields as logged
(text, ``-`` for empty; a Parquet file's few-valued fields as dictionaries, as it stores them),
under their canonical W3C names (:func:`cfsign_nb.logformat.canonical_name`), limited to the
``wanted`` fields when a projection is asked for, plus the fields the file logs at all. A JSON
file is parsed by pyarrow in one call, a Parquet file in row groups of only the wanted columns;
a line that is not a JSON object is counted in ``skipped``, never raised.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq

from ..logformat import canonical_name
from .logchunk import ANY_TEXT, MAX_FIELDS, RawChunk, no_columns, slice_rows, unique_names

__all__ = ["read_json_lines", "read_parquet"]


# --- JSON lines -------------------------------------------------------------------------------

def read_json_lines(handle: IO[bytes], *, wanted: Collection[str] | None, chunk_lines: int) -> Iterator[RawChunk]:
    """v2 JSON: one object a line, keys the W3C names in any case; values text (numbers are taken as text)."""
    data = handle.read()
    skipped = 0
    try:
        table, keys = _json_table(data, wanted)
    except pa.ArrowInvalid:  # a line that is not a JSON object, or a value pyarrow cannot hold
        records, skipped = _records(data)
        table, keys = _record_table(records, wanted)
    fields = tuple(unique_names([canonical_name(k) for k in keys]))
    for lo in range(0, max(table.num_rows, 1), chunk_lines):
        yield _chunk(slice_rows(table, lo, chunk_lines), fields, skipped if lo == 0 else 0)


def _json_table(data: bytes, wanted: Collection[str] | None) -> tuple[pa.Table, list[str]]:
    """The wanted keys parsed as text (fast, projected), and every key the records have.

    When some values are not text (numbers), pyarrow infers the types and they are cast to text.
    """
    if not ANY_TEXT.search(data):
        return pa.table({}), []
    keys = _first_keys(data)
    chosen = [k for k in keys if wanted is None or canonical_name(k) in wanted]
    schema = pa.schema([(k, pa.string()) for k in chosen])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        return pj.read_json(pa.BufferReader(data), parse_options=options), keys
    except pa.ArrowInvalid:
        table = pj.read_json(pa.BufferReader(data))
        every = table.column_names
        return table.select([k for k in every if wanted is None or canonical_name(k) in wanted]), every


def _first_keys(data: bytes) -> list[str]:
    """The keys of the first record (CloudFront writes the same keys on every line)."""
    found = ANY_TEXT.search(data)  # searched in place: a strip would copy the whole file
    start = found.start() if found else len(data)
    end = data.find(b"\n", start)
    first = data[start : end if end >= 0 else len(data)]
    try:
        record = json.loads(first)
    except ValueError:
        return []
    return [str(k) for k in record][:MAX_FIELDS] if isinstance(record, dict) else []


def _records(data: bytes) -> tuple[list[dict[str, object]], int]:
    """The lines that are JSON objects, parsed one by one (when pyarrow refused the file); how many were not."""
    records, skipped = [], 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            skipped += 1
    return records, skipped


def _record_table(records: list[dict[str, object]], wanted: Collection[str] | None) -> tuple[pa.Table, list[str]]:
    """The records as a table of text columns (a number as its JSON text), keys in first-seen order."""
    keys = list(dict.fromkeys(str(k) for record in records for k in record))[:MAX_FIELDS]
    chosen = [k for k in keys if wanted is None or canonical_name(k) in wanted]
    columns = {k: pa.array([_text(r.get(k)) for r in records], pa.string()) for k in chosen}
    return (pa.table(columns) if columns else no_columns(len(records))), keys


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)


# --- Parquet ----------------------------------------------------------------------------------

def read_parquet(
    handle: IO[bytes], *, wanted: Collection[str] | None, chunk_lines: int, dictionary: Collection[str] = ()
) -> Iterator[RawChunk]:
    """v2 Parquet: the underscore names; only the wanted columns are read, a row group batch at a time.

    Text fields named in ``dictionary`` (canonical names) are read as dictionaries, as Parquet
    stores few-valued columns: their values are never turned into one string per row.
    """
    parquet = pq.ParquetFile(handle)
    schema = parquet.schema_arrow
    names = schema.names
    columns = [n for n in names if wanted is None or canonical_name(n) in wanted]
    as_dictionary = [n for n in columns if canonical_name(n) in dictionary and pa.types.is_string(schema.field(n).type)]
    if as_dictionary:
        handle.seek(0)  # the footer already read is handed over, not parsed again
        parquet = pq.ParquetFile(handle, metadata=parquet.metadata, read_dictionary=as_dictionary)
    fields = tuple(unique_names([canonical_name(n) for n in names]))
    any_rows = False
    for batch in parquet.iter_batches(batch_size=chunk_lines, columns=columns):
        any_rows = True
        yield _chunk(pa.Table.from_batches([batch]), fields)
    if not any_rows:
        yield _chunk(schema.empty_table().select(columns), fields)


def _chunk(table: pa.Table, fields: tuple[str, ...], skipped: int = 0) -> RawChunk:
    """A pyarrow table as a raw chunk: canonical names, every column text (or a dictionary of text)."""
    names = unique_names([canonical_name(n) for n in table.column_names])
    columns = [
        column if pa.types.is_string(column.type) or _text_dictionary(column.type) else pc.cast(column, pa.string())
        for column in table.columns
    ]
    return RawChunk(pa.Table.from_arrays(columns, names=names) if names else table, fields, skipped)


def _text_dictionary(kind: pa.DataType) -> bool:
    return pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)
