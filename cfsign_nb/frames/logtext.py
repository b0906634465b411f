"""W3C and real-time log text as raw chunks: blocks of whole lines parsed by pyarrow's CSV reader.

A ``#Fields:`` line names the fields of the records after it (the 33 legacy ones until one does);
real-time records come in the configured order without headers. A block with raw control bytes or
other than ASCII goes line by line, so such lines can be told apart and skipped (counted, never raised).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Sequence
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..logformat import FIELDS, RAW_CONTROL, canonical_name
from .logchunk import ANY_TEXT, MAX_FIELDS, RawChunk, no_columns, slice_rows, unique_names, wanted_names

__all__ = ["read_text"]

# The ASCII a line may hold (its tabs and line ends included): a cheap first test for RAW_CONTROL.
_ASCII_ALLOWED = bytes(b for b in range(0x80) if not RAW_CONTROL.match(chr(b))) + b"\n"
_BLOCK_BYTES = 16 << 20  # text is read in blocks of whole lines of about this size (glibc reuses, not maps, these)
_PARSE_BYTES = 1 << 20  # pyarrow parses a block in pieces of this size (on one core ~2x faster than one piece)


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
    names = unique_names([canonical_name(n) for n in (fields or FIELDS)])
    for i, (block, size) in enumerate(_blocks(handle)):
        first = 3 if i == 0 and block.startswith(b"\xef\xbb\xbf") else 0  # a byte order mark some editors add
        clean = _clean(block)  # then every segment is
        view = memoryview(block)
        for (start, end), header in _segments(block, first, size, headers):
            if ANY_TEXT.search(block, start, end):
                yield from _parse_block(view[start:end], clean, names, wanted, chunk_lines)
            if header.startswith(b"#Fields:"):
                declared = header[len(b"#Fields:"):].decode("utf-8", "replace").split()[:MAX_FIELDS]
                names = unique_names([canonical_name(n) for n in declared])


def _joined(chunks: Iterator[RawChunk], chunk_lines: int) -> Iterator[RawChunk]:
    """Consecutive chunks of the same fields and columns in chunks of ``chunk_lines`` rows (no copy).

    Typing a frame has a fixed cost per column, and many frames cost a concatenation more: a file
    is typed in chunks of ``chunk_lines`` rows, not block by block.
    """
    tables: list[pa.Table] = []
    rows = skipped = 0
    kind: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    for chunk in chunks:
        this = (chunk.fields, tuple(chunk.table.column_names))
        if this != kind:
            if rows or skipped:
                yield RawChunk(_joined_table(tables, rows), kind[0], skipped)
            tables, rows, skipped = [], 0, 0
        tables, rows, skipped, kind = [*tables, chunk.table], rows + chunk.table.num_rows, skipped + chunk.skipped, this
        while rows >= chunk_lines:
            table = _joined_table(tables, rows)
            yield RawChunk(slice_rows(table, 0, chunk_lines), kind[0], skipped)
            tables, rows, skipped = [slice_rows(table, chunk_lines, rows - chunk_lines)], rows - chunk_lines, 0
    if rows or skipped:
        yield RawChunk(_joined_table(tables, rows), kind[0], skipped)


def _joined_table(tables: list[pa.Table], rows: int) -> pa.Table:
    if len(tables) == 1:
        return tables[0]
    # Tables without columns concatenate to no rows: count them instead.
    return pa.concat_tables(tables) if tables[0].num_columns else no_columns(rows)


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
    columns = wanted_names(names, wanted)
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
                include_columns=columns or names[:1],  # (none would mean all) the first, dropped below
                column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=False,
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
    if not columns:
        table = no_columns(table.num_rows)
    fields = tuple(names)
    for lo in range(0, max(table.num_rows, 1), chunk_lines):
        part = slice_rows(table, lo, chunk_lines)
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



def _parse(lines: list[str], names: list[str], wanted: Collection[str] | None, skipped: int) -> RawChunk:
    """The raw chunk of ``lines``; lines with raw control bytes are counted as skipped."""
    text = "".join(lines)
    if _has_raw_controls(text):  # rare: look line by line
        kept = [line for line in lines if not RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r"))]
        skipped += len(lines) - len(kept)
        text = "".join(kept)
    columns = wanted_names(names, wanted)
    if not text:
        return RawChunk.empty(columns, names, skipped)
    frame = pd.read_csv(
        io.StringIO(text), sep="\t", names=names, usecols=columns, header=None, dtype=str,
        na_filter=False, quoting=3, engine="c",
    )
    if not columns:
        return RawChunk(no_columns(len(frame)), tuple(names), skipped)
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
