"""The per-format log readers: W3C text, JSON lines, Parquet and real-time records, as raw text chunks.

Each reader yields :class:`RawChunk` values: an Arrow table of the fields as logged (text, ``-``
for empty; a Parquet file's few-valued fields as dictionaries, as it stores them), under their
canonical W3C names (:func:`cfsign_nb.logformat.canonical_name`), limited to the ``wanted`` fields
when a projection is asked for, plus the fields the file logs at all. Everything is parsed by
pyarrow (a JSON file in one call, a Parquet file in row groups of only the wanted columns, text
in blocks of whole lines) except the rare text block that must go line by line. A line that is
not a record (raw control bytes, the wrong number of fields, invalid JSON) is counted in
``skipped``, never raised.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pj
import pyarrow.parquet as pq

from ..logformat import FIELDS, RAW_CONTROL, canonical_name

__all__ = ["RawChunk", "read_json_lines", "read_parquet", "read_text"]

# The ASCII a line may hold (its tabs and line ends included): a cheap first test for RAW_CONTROL.
_ASCII_ALLOWED = bytes(b for b in range(0x80) if not RAW_CONTROL.match(chr(b))) + b"\n"
_MAX_FIELDS = 1_000  # more names than any log has: a #Fields line beyond this is junk


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


def _no_columns(n: int) -> pa.Table:
    """A table of ``n`` rows and no columns (``pa.table({})`` would have none)."""
    return pa.table({"": pa.nulls(n)}).drop_columns([""])


def _keep(names: Sequence[str], wanted: Collection[str] | None) -> list[str]:
    return [n for n in names if wanted is None or n in wanted]


# --- W3C and real-time text -------------------------------------------------------------------

_BLOCK_BYTES = 16 << 20  # text is read in blocks of whole lines of about this size (glibc reuses, not maps, these)
_PARSE_BYTES = 1 << 20  # pyarrow parses a block in pieces of this size: twice as fast as one piece (its caches)
_TEXT = re.compile(rb"\S")  # a segment with any of it holds records (searched in place, never copied)


def read_text(
    handle: IO[bytes], *, fields: Sequence[str] | None, wanted: Collection[str] | None, chunk_lines: int,
    headers: bool = True,
) -> Iterator[RawChunk]:
    """Tab-separated records: W3C (``#Fields:`` lines name the fields; the 33 legacy ones until one
    does) or, with ``headers=False``, real-time records in the configured order ``fields``.

    Blocks of whole lines are parsed by pyarrow's CSV reader; a block with raw control bytes or
    other than ASCII text goes line by line (so such lines can be told apart and skipped).
    """
    yield from _joined(_text_chunks(handle, fields, wanted, chunk_lines, headers), chunk_lines)


def _text_chunks(
    handle: IO[bytes], fields: Sequence[str] | None, wanted: Collection[str] | None, chunk_lines: int, headers: bool
) -> Iterator[RawChunk]:
    """The records of each block of the stream, as they come (a block holds some 30,000)."""
    names = _unique([canonical_name(n) for n in (fields or FIELDS)])
    for i, (block, size) in enumerate(_blocks(handle)):
        first = 3 if i == 0 and block.startswith(b"\xef\xbb\xbf") else 0  # a byte order mark some editors add
        clean = _clean(block)  # then every segment is
        view = memoryview(block)
        for (start, end), header in _segments(block, first, size, headers):
            if _TEXT.search(block, start, end):
                yield from _parse_block(view[start:end], clean, names, wanted, chunk_lines)
            if header.startswith(b"#Fields:"):
                declared = header[len(b"#Fields:"):].decode("utf-8", "replace").split()[:_MAX_FIELDS]
                names = _unique([canonical_name(n) for n in declared])


def _joined(chunks: Iterator[RawChunk], chunk_lines: int) -> Iterator[RawChunk]:
    """Consecutive chunks of the same fields and columns as one, up to ``chunk_lines`` rows (no copy).

    Typing a frame has a fixed cost per column, and many frames cost a concatenation more: a file
    is typed in chunks of ``chunk_lines`` rows, not block by block.
    """
    tables: list[pa.Table] = []
    rows = skipped = 0
    kind: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    for chunk in chunks:
        this = (chunk.fields, tuple(chunk.table.column_names))
        if tables and (this != kind or rows + chunk.table.num_rows > chunk_lines):
            yield _join(tables, rows, kind[0], skipped)
            tables, rows, skipped = [], 0, 0
        tables.append(chunk.table)
        rows += chunk.table.num_rows
        skipped += chunk.skipped
        kind = this
    if tables:
        yield _join(tables, rows, kind[0], skipped)


def _join(tables: list[pa.Table], rows: int, fields: tuple[str, ...], skipped: int) -> RawChunk:
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables) if tables[0].num_columns else _no_columns(rows)
    return RawChunk(table, fields, skipped)


def _blocks(handle: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """The stream as ``(block, size)``: ``block[:size]`` is whole lines (or the end of the stream).

    A block is used as read, up to its last line end; the line it cuts follows as a block of its
    own (so no block is copied to complete its last line).
    """
    while block := handle.read(_BLOCK_BYTES):
        cut = block.rfind(b"\n") + 1
        rest = handle.readline() if cut < len(block) else b""
        if not rest:
            yield block, len(block)
            continue
        if cut:
            yield block, cut
        line = block[cut:] + rest
        yield line, len(line)


def _segments(block: bytes, start: int, size: int, headers: bool) -> Iterator[tuple[tuple[int, int], bytes]]:
    """Where ``block[start:size]``'s records lie between header lines (those starting ``#``), and the header after."""
    if not headers:
        yield (start, size), b""
        return
    body_start = start
    at = start if block.startswith(b"#", start) else _next_header(block, start, size)
    while at >= 0:
        end = block.find(b"\n", at, size)
        end = size if end < 0 else end + 1
        yield (body_start, at), block[at:end]
        body_start = end
        at = end if block.startswith(b"#", end, size) else _next_header(block, end, size)
    yield (body_start, size), b""


def _next_header(block: bytes, start: int, size: int) -> int:
    """Where the next line of ``block[:size]`` starting ``#`` starts (a search for a lone byte is memchr-fast)."""
    mark = block.find(b"#", start, size)
    if mark <= 0 or block[mark - 1] == 0x0A:
        return mark
    found = block.find(b"\n#", mark, size)  # a '#' inside a record: look on from there for one at a line start
    return -1 if found < 0 else found + 1


def _parse_block(
    body: memoryview, clean: bool, names: list[str], wanted: Collection[str] | None, chunk_lines: int
) -> Iterator[RawChunk]:
    """Records of some lines (``clean``: ASCII, no raw control bytes), in chunks of at most ``chunk_lines`` rows."""
    columns = _keep(names, wanted)
    if not clean or not names:
        data = body.tobytes()
        if not names or not _clean(data):
            lines = [line + "\n" for line in data.decode("utf-8", "replace").split("\n") if line.strip()]
            yield from _line_chunks(lines, names, wanted, chunk_lines)
            return
    skipped = 0

    def invalid(row: pacsv.InvalidRow) -> str:
        nonlocal skipped
        skipped += bool(row.text.strip())  # a blank line is no record, and no loss either
        return "skip"

    def read(block_size: int) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=block_size),
            parse_options=pacsv.ParseOptions(
                delimiter="\t", quote_char=False, escape_char=False, double_quote=False, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns, column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=False,
                null_values=[],
            ),
        )

    try:
        table = read(_PARSE_BYTES)
    except pa.ArrowInvalid as err:  # a line longer than a parse block: parse the body as one block
        if "straddl" not in str(err):
            raise
        skipped = 0
        table = read(max(len(body), 1))
    fields = tuple(names)
    for lo in range(0, max(table.num_rows, 1), chunk_lines):
        part = table.slice(lo, chunk_lines)
        if part.num_rows or (lo == 0 and skipped):
            yield RawChunk(part, fields, skipped if lo == 0 else 0)


def _line_chunks(
    lines: list[str], names: list[str], wanted: Collection[str] | None, chunk_lines: int
) -> Iterator[RawChunk]:
    """Records line by line: a line without the header's number of tab-separated fields is skipped."""
    buffer: list[str] = []
    skipped = 0
    for line in lines:
        if line.count("\t") != len(names) - 1:
            skipped += 1
            continue
        buffer.append(line)
        if len(buffer) >= chunk_lines:
            yield _parse(buffer, names, wanted, skipped)
            buffer, skipped = [], 0
    if buffer or skipped:
        yield _parse(buffer, names, wanted, skipped)


def _unique(names: list[str]) -> list[str]:
    """Names with a repeated one kept once (the later ones get a ``#2``, ``#3``...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _parse(lines: list[str], names: list[str], wanted: Collection[str] | None, skipped: int) -> RawChunk:
    """The raw chunk of ``lines``; lines with raw control bytes are counted as skipped."""
    text = "".join(lines)
    if _has_raw_controls(text):  # rare: look line by line
        kept = [line for line in lines if not RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r"))]
        skipped += len(lines) - len(kept)
        text = "".join(kept)
    columns = _keep(names, wanted)
    if not text:
        return RawChunk.empty(columns, names, skipped)
    frame = pd.read_csv(
        io.StringIO(text), sep="\t", names=names, usecols=columns, header=None, dtype=str,
        na_filter=False, quoting=3, engine="c",
    )
    if not columns:
        return RawChunk(_no_columns(len(frame)), tuple(names), skipped)
    return RawChunk(pa.table({n: pa.array(frame[n].tolist(), pa.string()) for n in columns}), tuple(names), skipped)


def _clean(block: bytes) -> bool:
    """Whether ``block`` is ASCII whose lines hold no control byte but their tabs and line ends (one pass)."""
    rest = block.translate(None, _ASCII_ALLOWED)  # what is left: controls, DEL, non-ASCII, the \r of CRLF ends
    return not rest or (not rest.strip(b"\r") and block.count(b"\r\n") == len(rest))


def _has_raw_controls(text: str | bytes) -> bool:
    """Whether some line holds a control byte other than its tabs and line end (cheap for ASCII text)."""
    if not text.isascii():
        lines = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        return any(RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r")) for line in lines.splitlines(True))
    data = text if isinstance(text, bytes) else text.encode("ascii")
    rest = data.translate(None, _ASCII_ALLOWED)  # what is left: controls, DEL, and the \r of CRLF line ends
    return bool(rest) and (rest.strip(b"\r") != b"" or data.count(b"\r\n") != len(rest))


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
    fields = tuple(_unique([canonical_name(k) for k in keys]))
    for lo in range(0, max(table.num_rows, 1), chunk_lines):
        yield _chunk(table.slice(lo, chunk_lines), fields, skipped if lo == 0 else 0)


def _json_table(data: bytes, wanted: Collection[str] | None) -> tuple[pa.Table, list[str]]:
    """The wanted keys parsed as text (fast, projected), and every key the records have.

    When some values are not text (numbers), pyarrow infers the types and they are cast to text.
    """
    if not _TEXT.search(data):
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
    found = _TEXT.search(data)  # searched in place: a strip would copy the whole file
    start = found.start() if found else len(data)
    end = data.find(b"\n", start)
    first = data[start : end if end >= 0 else len(data)]
    try:
        record = json.loads(first)
    except ValueError:
        return []
    return [str(k) for k in record][:_MAX_FIELDS] if isinstance(record, dict) else []


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
    keys = list(dict.fromkeys(str(k) for record in records for k in record))[:_MAX_FIELDS]
    chosen = [k for k in keys if wanted is None or canonical_name(k) in wanted]
    columns = {k: pa.array([_text(r.get(k)) for r in records], pa.string()) for k in chosen}
    return (pa.table(columns) if columns else _no_columns(len(records))), keys


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
    fields = tuple(_unique([canonical_name(n) for n in names]))
    any_rows = False
    for batch in parquet.iter_batches(batch_size=chunk_lines, columns=columns):
        any_rows = True
        yield _chunk(pa.Table.from_batches([batch]), fields)
    if not any_rows:
        yield _chunk(schema.empty_table().select(columns), fields)


def _chunk(table: pa.Table, fields: tuple[str, ...], skipped: int = 0) -> RawChunk:
    """A pyarrow table as a raw chunk: canonical names, every column text (or a dictionary of text)."""
    names = _unique([canonical_name(n) for n in table.column_names])
    columns = [
        column if pa.types.is_string(column.type) or _text_dictionary(column.type) else pc.cast(column, pa.string())
        for column in table.columns
    ]
    return RawChunk(pa.Table.from_arrays(columns, names=names) if names else table, fields, skipped)


def _text_dictionary(kind: pa.DataType) -> bool:
    return pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)
