"""The vectorised path for well-formed canned signed URLs: byte passes over a whole chunk at once.

A row takes this path only when :func:`cfsign_nb.decode` provably reads it the same way, and
its codes are then the ones :func:`cfsign_nb.diagnose` gives such a URL (:data:`PATTERNS`).
Every other row is left unmarked and goes per-row. Every CloudFront fact (parameter names, the
base64 alphabet, the hash names, the URL limit) comes from the core; :mod:`.fastverify` checks the
signatures of the rows found here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import CATALOG, SEVERITY_ORDER
from ..protocol import CLOUDFRONT_BASE64_PATTERN, HASH_ALGORITHMS, SIGNING_PARAMETERS, URL_LIMIT

__all__ = ["ADDRESS_PATTERN", "PATTERNS", "FastRows", "eligible_rows", "fast_canned", "fast_input", "lookup", "pooled",
           "substrings"]

_MAX_PAIRS = 32  # '?' and '&' a row may have on the fast path when a chunk has many (each costs ~80 bytes)
# Each byte's class, so one pass over a chunk finds every byte the fast path cares about.
# 0: a character of CloudFront-safe base64 (derived from the core's pattern: it matches four of them, never
# four pads); 1: not printable ASCII or '"', '#', '\\'; 2: '?'; 3: '&'; 4: any other printable byte.
_SIGNATURE_CHAR, _DISALLOWED, _QUESTION, _AMPERSAND, _OTHER = 0, 1, 2, 3, 4
_CLASS = np.full(256, _DISALLOWED, dtype=np.uint8)
_CLASS[0x21:0x7F] = _OTHER
_CLASS[[b for b in range(0x21, 0x7F) if re.fullmatch(CLOUDFRONT_BASE64_PATTERN, chr(b) * 4)]] = _SIGNATURE_CHAR
_CLASS[[ord('"'), ord("#"), ord("\\")]] = _DISALLOWED
_CLASS[ord("?")], _CLASS[ord("&")] = _QUESTION, _AMPERSAND
_CLASS_ARROW = pa.array(_CLASS)  # for lookup()
_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")] = True
_NAMES = tuple(name.encode() for name in SIGNING_PARAMETERS)
_EXPIRES, _POLICY, _SIGNATURE, _KEY_PAIR_ID, _HASH_ALGORITHM = _NAMES
_SHA1, _SHA256 = (np.frombuffer(name.encode(), np.uint8) for name in HASH_ALGORITHMS)
_POWERS = 10.0 ** np.arange(11, -1, -1)
_HTTPS, _HTTP = (np.uint64(int.from_bytes(scheme.ljust(8, b"\0"), "little")) for scheme in (b"https://", b"http://"))
_SEVEN_BYTES = np.uint64(2**56 - 1)
_RAW_ECDSA_BYTES = 64  # an r||s ECDSA signature: diagnose() explains it, so such rows go per-row
_MAX_KEY_ID = 64  # the longest key pair id the fast path takes
_PAD = _MAX_KEY_ID + 16  # zero bytes after a chunk's data: a window read from any position in it stays inside


def _fast_codes(expired: bool, long_lifetime: bool, after_2038: bool, verified: bool) -> tuple[str, ...]:
    """The codes ``diagnose()`` gives a well-formed canned URL, in its order (checks, then severity)."""
    in_check_order = ["SIGNATURE_VERIFIED" if verified else "SIGNATURE_NOT_CHECKED"]
    in_check_order += ["EXPIRED"] if expired else ["LONG_LIFETIME"] if long_lifetime else []
    in_check_order += ["EXPIRES_AFTER_2038"] if after_2038 else []
    return tuple(sorted(in_check_order, key=lambda code: SEVERITY_ORDER[CATALOG[code].severity]))


PATTERNS = tuple(_fast_codes(bool(p & 1), bool(p & 2), bool(p & 4), bool(p & 8)) for p in range(16))
"""The codes of a fast row by pattern ``expired + 2*long_lifetime + 4*after_2038 + 8*verified``."""


class FastRows:
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
        self.verified = np.zeros(n, dtype=bool)
        self.padded: np.ndarray | None = None  # the chunk's bytes and _PAD zero bytes: what the positions index

    def strings(self, start: np.ndarray, end: np.ndarray, rows: np.ndarray | None = None) -> pa.Array:
        """Substrings ``data[start:end]`` of the fast rows (empty elsewhere), or of ``rows`` only; no per-row loop."""
        if rows is not None:
            return substrings(self.padded, start[rows], end[rows])
        return substrings(self.padded, np.where(self.mask, start, 0), np.where(self.mask, end, 0))


# --- which rows may try ----------------------------------------------------------------------

def fast_input(array: pa.Array) -> pa.Array:
    """A compact copy of the chunk for the byte passes; rows longer than CloudFront's URL limit become null."""
    lengths = pc.binary_length(array)
    too_long = pc.greater(lengths, URL_LIMIT)
    if too_long.true_count:
        return pc.if_else(too_long, pa.scalar(None, array.type), array)
    return pa.concat_arrays([array])  # then the byte passes touch this chunk only


def eligible_rows(array: pa.Array, decode_only: bool, per_row: Mapping[str, object], n: int) -> np.ndarray:
    """Rows whose per-row arguments let the fast path answer as ``diagnose()`` would."""
    eligible = np.asarray(array.is_valid(), dtype=bool) if array.null_count else np.ones(n, dtype=bool)
    if decode_only:
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


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"  # dotted-quad IPv4 that ipaddress accepts (no leading zeros)
_GROUP = "[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join((  # IPv6 in hex groups (eight, or fewer around one "::"); no zone, no dotted tail
    rf"(?:{_GROUP}:){{7}}{_GROUP}",
    *(rf"(?:{_GROUP}:){{1,{left}}}(?::{_GROUP}){{1,{7 - left}}}" for left in range(1, 7)),
    rf"(?:{_GROUP}:){{1,7}}:",
    rf":(?::{_GROUP}){{1,7}}",
    "::",
))
ADDRESS_PATTERN = rf"^(?:{_IPV4}|{_IPV6})$"
"""Client addresses ``ipaddress`` surely accepts, matched by Arrow at once (others are checked one by one)."""


def _ips_ok(values: np.ndarray) -> np.ndarray:
    """:func:`_ip_ok` of every value: plain IPv4 and IPv6 addresses at once, the rest each distinct value once.

    (A log has about as many client addresses as rows; ``ipaddress`` costs 6-10 µs a value.)
    """
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):  # not all text: the others are judged one by one below
        text = pa.array([v if type(v) is str and v.isascii() else None for v in values], type=pa.string())
    ok = np.asarray(pc.fill_null(pc.match_substring_regex(text, ADDRESS_PATTERN), False), dtype=bool)
    others = np.flatnonzero(~ok)
    if len(others):
        ok[others] = _ips_ok_each(values[others])
    return ok


def _ips_ok_each(values: np.ndarray) -> np.ndarray:
    """:func:`_ip_ok` of every value, each distinct string checked once (other values may be unhashable)."""
    try:
        codes, distinct = pd.factorize(values)
    except TypeError:  # an unhashable value: one by one
        pass
    else:
        judged = np.fromiter((_ip_ok(v) for v in distinct), bool, len(distinct))
        ok = np.append(judged, False)[codes]  # code -1 (a missing value) takes the appended entry, judged below
        missing = np.flatnonzero(codes < 0)  # None, NaN, pd.NA...: each judged as itself
        ok[missing] = [_ip_ok(values[i]) for i in missing]
        return ok
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


# --- decoding --------------------------------------------------------------------------------

def _name_words(name: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``name`` and a mask over its bytes, as the two little-endian 8-byte words of a 16-byte window."""
    pattern = np.frombuffer(name.ljust(16, b"\0"), dtype="<u8")
    mask = np.frombuffer((b"\xff" * len(name)).ljust(16, b"\0"), dtype="<u8")
    return pattern, mask


_NAME_WORDS = {name: _name_words(name) for name in _NAMES}


def fast_canned(array: pa.Array, eligible: np.ndarray) -> FastRows | None:
    """Vectorised decode of canned signed URLs in the SDK layout; other rows are left unmarked.

    A row qualifies only when ``decode()`` provably reads it the same way: printable ASCII without
    quotes, backslashes, fragments or spaces; lower-case ``http(s)://``; each of ``Expires``,
    ``Signature``, ``Key-Pair-Id`` exactly once as trailing query pairs in that order (then an
    optional valid ``Hash-Algorithm``), no ``Policy``; digits, CloudFront base64 and an
    alphanumeric key id as values; at most 8,192 bytes; a signature that is not 64 bytes.
    """
    n = len(array)
    buffers = array.buffers()
    if buffers[2] is None:
        return None
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    # One copy of the chunk's bytes, zero-padded so windows never read past the end;
    # every position below counts from the chunk's first byte.
    padded = pooled(hi - lo + _PAD)
    padded[: hi - lo] = np.frombuffer(buffers[2], dtype=np.uint8)[lo:hi]
    padded[hi - lo :] = 0
    offsets = offsets - lo
    # Every 8 bytes from each offset as one little-endian word (an unaligned view), so the scheme, and
    # below the pair names, compare as integers without a byte-by-byte gather.
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    fast = FastRows(n)
    fast.padded = padded
    # Rows are decoded a cache-sized block at a time: every pass below reads each row again, and
    # while the block's bytes stay in the CPU's cache that costs half what it does for a whole chunk.
    bounds = np.unique([0, *(np.searchsorted(offsets, np.arange(0, hi - lo, _CACHE_BYTES), side="right") - 1)])
    for r0, r1 in zip(bounds.tolist(), [*bounds[1:].tolist(), n], strict=True):
        block = _decode_block(padded, words, offsets[r0 : r1 + 1], eligible[r0:r1])
        if block is not None:
            for name in _DECODED:
                getattr(fast, name)[r0:r1] = getattr(block, name)
    return fast if fast.mask.any() else None


_CACHE_BYTES = 1 << 20  # a block of rows' bytes (measured here: 1.7x faster than 20 MB chunks; 1 MB L2, 32 MB L3)
_DECODED = ("mask", "start", "resource_end", "sig_start", "sig_end", "expires", "signature_bytes", "sha256", "kid")


def _decode_block(padded: np.ndarray, words: np.ndarray, offsets: np.ndarray, eligible: np.ndarray) -> FastRows | None:
    """:func:`fast_canned` for the rows between ``offsets`` (positions in ``padded``), or None if none qualifies."""
    n = len(offsets) - 1
    fast = FastRows(n)
    limit = len(padded) - _PAD  # the chunk's bytes end here
    start, end = offsets[:-1], offsets[1:]
    ok = eligible & (end - start >= 12) & (end - start <= URL_LIMIT)
    head = words[start]
    ok &= (head == _HTTPS) | ((head & _SEVEN_BYTES) == _HTTP)
    b0, b1 = int(offsets[0]), int(offsets[-1])
    classes = lookup(_CLASS_ARROW, padded[b0:b1])
    special = np.flatnonzero(np.not_equal(classes, 0, out=pooled(b1 - b0).view(bool)))  # (fast for booleans only)
    kinds = classes[special]
    special += b0
    ok[np.searchsorted(offsets, special[kinds == _DISALLOWED], side="right") - 1] = False

    # Pair boundaries: the first '?' of each row, then every '&' after it.
    marks = special[(kinds == _QUESTION) | (kinds == _AMPERSAND)]
    mark_row = np.searchsorted(offsets, marks, side="right") - 1
    if len(marks) > 8 * n:  # rows full of '&' (SDK URLs have a handful): they go per-row, their marks are dropped
        many = np.bincount(mark_row, minlength=n) > _MAX_PAIRS
        ok &= ~many
        kept = ~many[mark_row]
        marks, mark_row = marks[kept], mark_row[kept]
    is_q = padded[marks] == 0x3F
    q_pos = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    q_rows, q_marks = mark_row[is_q], marks[is_q]
    first_q = np.flatnonzero(np.diff(q_rows, prepend=-1))  # marks ascend, so a row's first '?' starts its run
    q_pos[q_rows[first_q]] = q_marks[first_q]
    boundary = (marks == q_pos[mark_row]) | (~is_q & (marks > q_pos[mark_row]))
    pair_start = marks[boundary] + 1
    pair_row = mark_row[boundary]
    ok &= q_pos < np.iinfo(np.int64).max

    found: dict[bytes, np.ndarray] = {}
    # The first 8 bytes of every pair as one little-endian word (an unaligned view, one word per byte
    # offset), so names compare as integers; the pairs that match are checked further, alone.
    first = words[pair_start]
    for name in _NAMES:
        pattern, mask = _NAME_WORDS[name]
        candidate = np.flatnonzero((first & mask[0]) == pattern[0])
        starts, rows = pair_start[candidate], pair_row[candidate]
        hit = (words[starts + 8] & mask[1]) == pattern[1] if mask[1] else np.ones(len(starts), dtype=bool)
        after = starts + len(name)
        following = padded[after]
        row_end = end[rows]
        hit &= ((after == row_end) | (following == 0x3D) | (following == 0x26)) & (after <= row_end)
        count = np.bincount(rows[hit], minlength=n)
        position = np.full(n, -1, dtype=np.int64)
        position[rows[hit]] = starts[hit]
        found[name] = position
        if name == _POLICY:
            ok &= count == 0
        elif name == _HASH_ALGORITHM:
            ok &= count <= 1
        else:
            ok &= count == 1
    p_exp, p_sig, p_kid, p_hash = (found[k] for k in (_EXPIRES, _SIGNATURE, _KEY_PAIR_ID, _HASH_ALGORITHM))
    has_hash = p_hash >= 0
    ok &= (p_exp < p_sig) & (p_sig < p_kid) & (~has_hash | (p_kid < p_hash))
    ok &= padded[p_exp + len(_EXPIRES)] == 0x3D
    ok &= padded[p_sig + len(_SIGNATURE)] == 0x3D
    ok &= padded[p_kid + len(_KEY_PAIR_ID)] == 0x3D
    if not ok.any():
        return None

    exp_len = p_sig - 1 - (p_exp + len(_EXPIRES) + 1)
    ok &= (exp_len >= 1) & (exp_len <= 12)
    digits = _windows(words, p_sig - 13, 12, limit) - np.uint8(48)  # wraps: a non-digit is > 9
    in_value = np.arange(12)[None, :] >= (12 - exp_len)[:, None]
    ok &= ((digits <= 9) | ~in_value).all(1)
    # At most 12 digits: exact in float64, whose product runs in BLAS (an int64 one does not).
    values = np.multiply(digits, in_value, out=pooled(digits.size * 8).view(np.float64).reshape(digits.shape))
    fast.expires = (values @ _POWERS).astype(np.int64)

    sig_start, sig_end = p_sig + len(_SIGNATURE) + 1, p_kid - 1
    sig_len = sig_end - sig_start
    ok &= (sig_len >= 4) & (sig_len % 4 == 0)
    pads = (padded[sig_end - 1] == 0x5F).astype(np.int64) * (1 + (padded[sig_end - 2] == 0x5F))
    bounds_ok = ok & (sig_start >= start) & (sig_end <= end)
    # What the strict decoder accepts: signature characters, then at most two pads. So the first byte
    # that is no signature character (``special`` lists them all) must be where the pads start.
    after = np.searchsorted(special, sig_start)
    first_other = special[np.minimum(after, len(special) - 1)] if len(special) else np.full(n, -1)
    ok &= bounds_ok & (after < len(special)) & (first_other == sig_end - pads)
    fast.signature_bytes = sig_len // 4 * 3 - pads
    ok &= fast.signature_bytes != _RAW_ECDSA_BYTES

    kid_start = p_kid + len(_KEY_PAIR_ID) + 1
    kid_end = np.where(has_hash, p_hash - 1, end)
    kid_len = kid_end - kid_start
    ok &= (kid_len >= 1) & (kid_len <= _MAX_KEY_ID)
    width = int(kid_len[ok].max()) if ok.any() else 1
    kid_bytes = _windows(words, kid_start, width, limit)
    in_kid = np.arange(width)[None, :] < kid_len[:, None]
    ok &= (_ALNUM[kid_bytes] | ~in_kid).all(1)

    hash_start = p_hash + len(_HASH_ALGORITHM) + 1
    hash_len = end - hash_start
    hash_bytes = _windows(words, hash_start, len(_SHA256), limit)
    is_sha1 = (hash_len == len(_SHA1)) & (hash_bytes[:, : len(_SHA1)] == _SHA1).all(1)
    is_sha256 = (hash_len == len(_SHA256)) & (hash_bytes == _SHA256).all(1)
    ok &= ~has_hash | ((padded[p_hash + len(_HASH_ALGORITHM)] == 0x3D) & (is_sha1 | is_sha256))
    fast.sha256 = has_hash & is_sha256
    if not ok.any():
        return None

    fast.mask = ok
    fast.start = start.copy()
    fast.resource_end = p_exp - 1
    fast.sig_start, fast.sig_end = sig_start, sig_end
    kid_fixed = np.where(in_kid, kid_bytes, 0).astype(np.uint8)
    kid_text = kid_fixed.view(f"S{width}").ravel()
    fast.kid = np.full(n, None, dtype=object)
    fast.kid[ok] = kid_text[ok].astype(object)
    return fast


def _windows(words: np.ndarray, starts: np.ndarray, width: int, limit: int) -> np.ndarray:
    """The ``width`` bytes from each start (clipped to ``0..limit``) as an (n, width) array, read a word at a time."""
    count = -(-width // 8)
    starts = np.clip(starts, 0, limit)
    block = np.empty((len(starts), count), dtype="<u8")
    for k in range(count):
        block[:, k] = words[starts + 8 * k]
    return block.view(np.uint8)[:, :width]


def pooled(size: int) -> np.ndarray:
    """``size`` uninitialised bytes from Arrow's memory pool, for a chunk-sized temporary.

    A Dask worker tells glibc to hand freed memory back to the OS at 64 KB (``MALLOC_TRIM_THRESHOLD_``),
    so every fresh numpy temporary of a chunk's size costs a page fault per 4 KB it touches; Arrow's
    pool keeps its pages for the next chunk (``benchmarks/bench_worker_memory.py`` measures both).
    """
    return np.frombuffer(pa.allocate_buffer(size), dtype=np.uint8)


def lookup(table: pa.Array, data: np.ndarray) -> np.ndarray:
    """``table[data]`` for bytes ``data``, a 256-entry byte table: Arrow's take, faster than bytes.translate, pooled."""
    return np.frombuffer(pc.take(table, pa.array(data, pa.uint8())).buffers()[1], dtype=np.uint8, count=len(data))


def substrings(padded: np.ndarray | None, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``padded[start:end]`` per row as a large_string array, through an Arrow string_view.

    ``padded`` is a chunk's bytes followed by at least 16 zero bytes (:func:`fast_canned` keeps one),
    so each row's first 12 bytes are read as one 8-byte and one 4-byte word, never byte by byte.
    """
    n = len(start)
    if padded is None or n == 0:
        return pa.array([""] * n, type=pa.large_string())
    length = (end - start).astype(np.int64)
    head = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))[start]
    tail = np.ndarray((len(padded) - 3,), dtype="<u4", buffer=padded, strides=(1,))[start + 8].astype(np.uint64)
    # Inline (<= 12 byte) strings must be zero past their end: keep only their own bytes.
    head &= np.where(length >= 8, np.uint64(2**64 - 1), _low_bytes(np.clip(length, 0, 7)))
    tail &= _low_bytes(np.clip(length - 8, 0, 4))
    views = np.empty((n, 4), dtype="<u4")
    views[:, 0] = length
    views[:, 1] = head & 0xFFFFFFFF
    small = length <= 12
    views[:, 2] = np.where(small, head >> 32, 0)  # else: the data buffer's index, 0
    views[:, 3] = np.where(small, tail, start)  # else: the offset into the data buffer
    view = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), pa.py_buffer(padded)])
    return view.cast(pa.large_string())


def _low_bytes(count: np.ndarray) -> np.ndarray:
    """A mask of the ``count`` (< 8) low bytes of a little-endian word."""
    return (np.uint64(1) << (8 * count).astype(np.uint64)) - np.uint64(1)
