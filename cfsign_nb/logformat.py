"""CloudFront's standard access log format: its fields, its escaping and its lines, defined once.

The edge writes logs with these functions and the pandas reader reads them back with the same
rules, so a value survives the round trip byte for byte. CloudFront writes the viewer's text
fields (URI stem and query, cookies, user agent, referer) percent-encoded once more than they were
sent (a sent ``%2C`` is logged as ``%252C``, a space as ``%20``); every other field has its
controls, spaces, ``%``, DEL and non-ASCII bytes percent-encoded, so no line ever carries a tab,
a line break or a terminal escape sequence. Standard library only.

A field has up to three spellings: the W3C name (the legacy log, v2 W3C and v2 JSON, e.g.
``cs(Cookie)``; this module's canonical name), the v2 Parquet name (the W3C name lowercased, ``(``
and ``-`` made ``_``, ``)`` dropped: ``cs_cookie``) and the real-time log name (the W3C name, but
``cs-host``, ``cs-user-agent``, ``cs-referer``, ``cs-cookie`` for the four ``cs(...)`` headers).
:func:`canonical_name` maps any of them, in any case, to the W3C name.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote

__all__ = [
    "EXTRA_FIELDS",
    "FIELDS",
    "KNOWN_FIELDS",
    "REALTIME_FIELDS",
    "TIMESTAMP",
    "VIEWER_FIELDS",
    "canonical_name",
    "escape_field",
    "format_line",
    "header_lines",
    "parquet_name",
    "realtime_name",
    "unescape_field",
]

FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
    "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
    "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type",
    "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
)
"""The 33 fields of the standard (legacy) log, in the order CloudFront writes them."""

VIEWER_FIELDS = frozenset(("cs-uri-stem", "cs-uri-query", "cs(Cookie)", "cs(User-Agent)", "cs(Referer)"))
"""The fields CloudFront percent-encodes once more than the viewer sent them."""

REALTIME_FIELDS = (
    "timestamp", "c-ip", "time-to-first-byte", "sc-status", "sc-bytes", "cs-method", "cs-protocol", "cs-host",
    "cs-uri-stem", "cs-bytes", "x-edge-location", "x-edge-request-id", "x-host-header", "time-taken",
    "cs-protocol-version", "c-ip-version", "cs-user-agent", "cs-referer", "cs-cookie", "cs-uri-query",
    "x-edge-response-result-type", "x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-result-type",
    "fle-encrypted-fields", "fle-status", "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
    "c-port", "x-edge-detailed-result-type", "c-country", "cs-accept-encoding", "cs-accept",
    "cache-behavior-path-pattern", "cs-headers", "cs-header-names", "cs-headers-count", "primary-distribution-id",
    "primary-distribution-dns-name", "origin-fbl", "origin-lbl", "asn",
)
"""Every real-time log field, by its real-time name, in the order of CloudFront's list (a
configuration picks any of them, in any order; records carry no header)."""

_REALTIME_SPELLING = {"cs(Host)": "cs-host", "cs(User-Agent)": "cs-user-agent", "cs(Referer)": "cs-referer",
                      "cs(Cookie)": "cs-cookie"}
# The one table of names that differ between the standard logs and the real-time logs.

TIMESTAMP = "timestamp"
"""The real-time field holding the request time as epoch seconds with milliseconds (``1767225600.123``)."""

EXTRA_FIELDS = tuple(name for name in REALTIME_FIELDS if name not in FIELDS and name not in _REALTIME_SPELLING.values())
"""The fields beyond the legacy 33 (real-time fields, which a v2 standard log may also select), W3C-named."""

KNOWN_FIELDS = (*FIELDS, *EXTRA_FIELDS)
"""Every field this module knows, by its canonical (W3C) name."""

EMPTY = "-"
"""What a field holds when it has no value."""

_VIEWER_SAFE = "!#$&'()*+,/:;=?@[]~-._" + string.ascii_letters + string.digits
_UNPRINTABLE = re.compile(r"[^\x21-\x24\x26-\x7e]+")  # controls, space, %, DEL and non-ASCII
_ESCAPES = re.compile(r"(?:%(?:[01][0-9A-Fa-f]|2[05]|7[Ff]|[89A-Fa-f][0-9A-Fa-f]))+")
RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
"""Characters never found in a line CloudFront writes (a tab separates fields): a line with one is malformed."""


def parquet_name(name: str) -> str:
    """Field ``name``'s column name in a v2 Parquet log: ``cs(User-Agent)`` → ``cs_user_agent``."""
    return name.lower().replace("(", "_").replace(")", "").replace("-", "_")


def realtime_name(name: str) -> str:
    """Field ``name``'s name in a real-time log configuration: ``cs(Cookie)`` → ``cs-cookie``."""
    return _REALTIME_SPELLING.get(name, name)


_CANONICAL = {
    spelling: name
    for name in KNOWN_FIELDS
    for spelling in (name.lower(), parquet_name(name), realtime_name(name).lower())
}


def canonical_name(name: str) -> str:
    """The W3C name of a field spelt the W3C, Parquet or real-time way, in any case; unknown names unchanged."""
    return _CANONICAL.get(name.strip().lower(), name.strip())


def escape_field(value: str | bytes | None, name: str) -> str:
    """``value`` as CloudFront writes it in field ``name``; bytes are taken as sent, text as UTF-8."""
    if value is None or value == "" or value == b"":
        return EMPTY
    data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    if name in VIEWER_FIELDS:
        return quote(data, safe=_VIEWER_SAFE)
    text = data.decode("latin-1")
    return _UNPRINTABLE.sub(lambda m: "".join(f"%{ord(c):02X}" for c in m.group()), text)


def unescape_field(value: str, name: str) -> str | None:
    """The value the viewer sent, from field ``name`` as logged (None for ``-``)."""
    if value == EMPTY:
        return None
    if "%" not in value:
        return value
    if name in VIEWER_FIELDS:
        return unquote(value, errors="replace")
    return _ESCAPES.sub(_decode_run, value)


def _decode_run(match: re.Match[str]) -> str:
    """A run of escapes as text: UTF-8 (what CloudFront logs), else Latin-1 (bytes as a server got them)."""
    data = bytes.fromhex(match.group().replace("%", ""))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def header_lines(fields: Iterable[str] = FIELDS) -> str:
    """The two W3C header lines a log file starts with."""
    return "#Version: 1.0\n#Fields: " + " ".join(fields) + "\n"


def format_line(values: Mapping[str, str | bytes | None], fields: Iterable[str] = FIELDS) -> str:
    """One log line (without its line break): each field of ``fields`` escaped, tab-separated."""
    return "\t".join(escape_field(values.get(name), name) for name in fields)
