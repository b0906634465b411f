"""Take the signed URLs and cookies out of anything pasted, saying what was taken and what was undone.

:func:`extract` finds, in order, every artifact in a text: curl commands, raw and HTTP/2 requests,
response ``Set-Cookie`` blocks and cookie objects (:mod:`cfsign_nb.paste_forms`), and URLs in prose,
Markdown, HTML, Slack, quotes, log lines, JSON strings or wrapped over several lines. Only what the
paste itself shows is undone: a bare URL's ``&amp;`` stays (CloudFront would see it so), an HTML
attribute's is unescaped. Linear scans, bounded candidates; never raises.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from . import paste_curl, paste_forms
from .paste_forms import MAX_MATCHES, Artifact, has_signing, with_scheme

__all__ = ["Artifact", "Extracted", "extract"]

MAX_ARTIFACTS = 50
"""The most artifacts one paste yields; the rest are not looked for."""

MAX_WRAPS = 40
"""The most lines one wrapped URL is joined from."""

_URL_START = re.compile(r"(?i)https?:(?://|\\/\\/)")
_SIGNING_MARK = re.compile(r"(?i)[?&](?:amp;)?(?:signature|key-pair-id|policy|x-amz-signature|awsaccesskeyid)=")
_URL_START_LOWER = re.compile(_URL_START.pattern.removeprefix("(?i)"))  # the same, over lower-cased ASCII text
_SIGNING_MARK_LOWER = re.compile(_SIGNING_MARK.pattern.removeprefix("(?i)"))
_ENDS = {  # what ends a URL token, by the character it was opened with
    "": re.compile(r"[^\s\"<>`{}]*"),
    "'": re.compile(r"[^\s\"'<>`{}]*"),
    "<": re.compile(r"[^\s\"<>`{}|]*"),
}
_HOST_PATH = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?::[0-9]{1,5})?/")
_TRAILING = ".,;:!?"
_DELIMITERS = (" ", "\t", "\n", "\r", '"', "'", "<", ">", "`", "(", "{", "[", "|")
_KEY_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,40}=")
_PAIRS = {")": "(", "]": "["}
_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~+/=")
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_JSON_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|.)")


@dataclass(frozen=True)
class Extracted:
    """Every artifact a paste holds, in the order they appear (``artifacts``)."""

    text: str = field(repr=False)
    artifacts: tuple[Artifact, ...] = ()

    @property
    def first_signed(self) -> Artifact | None:
        """The first artifact that carries signing data: the one a diagnosis judges."""
        return next((artifact for artifact in self.artifacts if artifact.signed), None)


def extract(text: object) -> Extracted:
    """Every signed URL and set of cookies in ``text`` (any paste), with notes on what was done. Never raises."""
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        return Extracted("")
    try:
        return Extracted(text, tuple(_extract(text)))
    except Exception:  # a paste reader must not raise; what was found so far is lost
        return Extracted(text)


class _Reader(NamedTuple):
    """A form's reader, run only when the paste holds its ``marker`` (a cheap substring test)."""

    marker: str
    read: Callable[..., list[Artifact]]
    before: int | None
    """Each artifact starts this many characters ahead of an occurrence of the marker (None: anywhere)."""
    lowered: bool = False
    """The reader takes ``lowered`` (the paste lower-cased, position for position) to search instead."""


_READERS = (
    _Reader("curl", paste_curl.curl_commands, None, lowered=True),
    _Reader("http/", paste_forms.requests, None),
    _Reader(":path", paste_forms.http2_blocks, None),
    _Reader("set-cookie", paste_forms.set_cookie_blocks, 0, lowered=True),
    _Reader("cookie", paste_forms.cookie_lines, 0, lowered=True),
    _Reader("cloudfront-", paste_forms.cookie_objects, 1),
    _Reader("cloudfront-", paste_forms.cookie_pairs, 0, lowered=True),
)
_SCHEMES = ("http",)
"""What every URL-start match begins with."""
_MARK_NAMES = ("signature=", "key-pair-id=", "policy=", "awsaccesskeyid=")
"""What every signing-mark match holds, at most 11 characters after its start (``&amp;x-amz-signature=``)."""


def _extract(text: str) -> list[Artifact]:
    found: list[Artifact] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    aligned = text.isascii()  # then lowered's positions are text's, and (?i) matches what lowered shows
    for reader in _READERS:
        if reader.marker not in lowered:
            continue
        if aligned and reader.before is not None and not _outside(lowered, (reader.marker,), taken, reader.before):
            continue
        for artifact in reader.read(text, lowered) if aligned and reader.lowered else reader.read(text):
            if not _inside(artifact.start, taken) and len(found) < MAX_ARTIFACTS:
                found.append(artifact)
                taken.append((artifact.start, max(artifact.end, artifact.start + 1)))
    for artifact in _urls(text, taken, lowered if aligned else None):
        if len(found) < MAX_ARTIFACTS:
            found.append(artifact)
    found.sort(key=lambda artifact: artifact.start)
    whole = text.strip()
    return [_noted(artifact, whole) for artifact in found]


def _outside(lowered: str, markers: tuple[str, ...], taken: list[tuple[int, int]], before: int = 0) -> bool:
    """True when some occurrence of a marker, or the ``before`` characters ahead of it, lies outside the taken spans.

    A scan whose every match starts there would keep nothing (a raw request's own Cookie line, the
    URL of a curl command): it is not run. ``lowered`` is the paste lower-cased, position for position.
    """
    for marker in markers:
        position = lowered.find(marker)
        while position >= 0:
            ends = [end for first, end in taken if first <= position - before and position < end]
            if not ends:
                return True
            position = lowered.find(marker, max(ends))
    return False


def _noted(artifact: Artifact, whole: str) -> Artifact:
    """An artifact that is not the whole paste says so, even when nothing inside it was changed."""
    if artifact.notes or artifact.url == whole or artifact.cookies == whole:
        return artifact
    return Artifact(artifact.form, artifact.url, artifact.cookies, artifact.request_url, artifact.scheme_assumed,
                    ("the URL was taken from the text around it",), artifact.start, artifact.end)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


# --- URLs -----------------------------------------------------------------------------------

def _urls(text: str, taken: list[tuple[int, int]], lowered: str | None = None) -> list[Artifact]:
    """URLs with a scheme (also JSON-escaped), then scheme-less ones that carry signing parameters.

    ``lowered``, the text lower-cased position for position (an ASCII paste), is scanned instead of
    the text, and a scan is skipped when every place it could match was already taken.
    """
    found: list[Artifact] = []
    if lowered is None:
        found += _scheme_urls(text, text, _URL_START, taken)
    elif _outside(lowered, _SCHEMES, taken):
        found += _scheme_urls(text, lowered, _URL_START_LOWER, taken)
    spans = taken + [(a.start, a.end) for a in found]
    if lowered is None:
        found += _bare_urls(text, text, _SIGNING_MARK, spans, MAX_ARTIFACTS - len(found))
    elif _outside(lowered, _MARK_NAMES, spans, 11):
        found += _bare_urls(text, lowered, _SIGNING_MARK_LOWER, spans, MAX_ARTIFACTS - len(found))
    return found


def _scheme_urls(text: str, scanned: str, start: re.Pattern[str], taken: list[tuple[int, int]]) -> list[Artifact]:
    """URLs that begin with ``http(s)://`` (or ``http:\\/\\/``), outside what was taken."""
    found: list[Artifact] = []
    position, looked = 0, 0
    while looked < MAX_MATCHES * 4 and len(found) < MAX_ARTIFACTS:
        match = start.search(scanned, position)
        if match is None:
            break
        looked += 1
        if _inside(match.start(), taken):
            position = match.end()
            continue
        artifact = _url_at(text, match.start())
        found.append(artifact)
        position = max(artifact.end, match.end())
    return found


def _bare_urls(
    text: str, scanned: str, mark: re.Pattern[str], spans: list[tuple[int, int]], room: int
) -> list[Artifact]:
    """Scheme-less URLs (``host/path?...`` or ``/path?...``) found by their signing parameters; ``spans`` grows."""
    found: list[Artifact] = []
    position, looked = 0, 0
    while looked < MAX_MATCHES and len(found) < room:
        match = mark.search(scanned, position)
        if match is None:
            break
        looked += 1
        position = match.end()
        if _inside(match.start(), spans):
            continue
        start = _token_start(text, match.start())
        if _inside(start, spans):
            continue
        path_only = text.startswith("/", start)
        if not path_only and not _HOST_PATH.match(text, start):
            continue
        artifact = _url_at(text, start)
        found.append(artifact)
        spans.append((artifact.start, artifact.end))
        position = max(position, artifact.end)
    return found


def _token_start(text: str, position: int) -> int:
    """Where the token holding ``position`` starts (after whitespace, a quote, a bracket or ``key=``)."""
    floor = max(0, position - 20_000)
    start = max(text.rfind(char, floor, position) for char in _DELIMITERS) + 1
    start = max(start, floor)
    key = _KEY_PREFIX.match(text, start, position)
    if key and _HOST_PATH.match(text, key.end()):
        return key.end()
    return start


def _url_at(text: str, start: int) -> Artifact:
    before = text[max(0, start - 2):start]
    opener = before[-1:] if before[-1:] in ("'", "<") else ""
    end = _token_end(_ENDS[opener], text, start)
    raw = text[start:end]
    notes: list[str] = []
    json_string = "\\/" in raw[:12] or (before[-1:] == '"' and _JSON_ESCAPE.search(raw) is not None)
    if json_string:
        end = _json_end(text, start)
        raw = text[start:end]
    raw, end, wrapped = _wrapped(text, raw, end, opener)
    if wrapped:
        notes.append("line breaks inside the URL removed (the next lines continue it)")
    context = "taken from a JSON string" if json_string else _context(text, start, end, before)
    if context:
        notes.insert(0, context)
    if json_string:
        raw, undone = _json_unescape(raw)
        if undone:
            notes.append(f"JSON {' and '.join(undone[:4])} unescaped")
    raw, dropped = _trim(raw)
    notes += [f"trailing {char!r} dropped" for char in dropped]
    if _html_context(text, start, before) and _ENTITY.search(raw):
        raw = html.unescape(raw)
        notes.append("HTML &amp; unescaped (the browser does this in HTML, as it reads the page)")
    url, assumed = with_scheme(raw)
    if assumed:
        notes.append("no scheme in the paste: judged as https (CloudFront's usual)")
    return Artifact("url", url, None, None, assumed, tuple(notes), start, max(end, start + 1))


def _token_end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Where the URL token starting at ``start`` ends (``pattern`` matches any run, even an empty one)."""
    match = pattern.match(text, start)
    return start if match is None else match.end()


def _context(text: str, start: int, end: int, before: str) -> str:
    """Where the URL sat, in words, for the notes (empty when the paste is the URL alone)."""
    after = text[end:end + 1]
    if before == "](":
        return "taken from a Markdown link"
    if before[-1:] == "<" and after == "|":
        return "taken from Slack's <url|label>"
    if before[-1:] == "<" and after == ">":
        return "taken from angle brackets"
    if before[-1:] in ("'", '"') and _in_tag(text, start):
        return "taken from an HTML attribute"
    if before[-1:] in ("'", '"') and before[:1] != "=":
        return "taken from quotes"
    if before[-1:] == "=" or (before[:1] == "=" and before[-1:] in ("'", '"')):
        key_end = start - (1 if before[-1:] == "=" else 2)
        key_start = key_end
        while key_start > max(0, key_end - 40) and (text[key_start - 1].isalnum() or text[key_start - 1] in "_.-"):
            key_start -= 1
        return f"taken from a key=value log line ({text[key_start:key_end]}=)"
    if text[:start].strip() or text[end:].strip():
        return "the URL was taken from the text around it"
    return ""


def _in_tag(text: str, start: int) -> bool:
    """True when ``start`` sits inside an HTML tag (``<a href="...``)."""
    floor = max(0, start - 2000)
    opened = text.rfind("<", floor, start)
    return opened >= 0 and text.rfind(">", opened, start) < 0 and text[opened + 1:opened + 2].isalpha()


def _html_context(text: str, start: int, before: str) -> bool:
    """True where a browser would unescape entities: an attribute of a tag, or text right after a tag."""
    if before[-1:] in ("'", '"'):
        return _in_tag(text, start)
    if before[-1:] == ">":
        opened = text.rfind("<", max(0, start - 2000), start)
        return opened >= 0 and text[opened + 1:opened + 2].isalpha()
    return False


def _json_end(text: str, start: int) -> int:
    """The end of a URL inside a JSON string: its closing unescaped quote (or whitespace)."""
    position = start
    limit = min(len(text), start + 65_536)
    while position < limit:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == '"' or char.isspace():
            break
        position += 1
    return min(position, limit)


def _json_unescape(raw: str) -> tuple[str, list[str]]:
    """A JSON string's content with its escapes undone, and the escapes that were there."""
    undone = list(dict.fromkeys(match.group(0) for match in _JSON_ESCAPE.finditer(raw[:65_536])))
    try:
        value = json.loads('"' + raw + '"')
    except ValueError:
        value = raw.replace("\\/", "/")
    return (value if isinstance(value, str) else raw), undone


def _trim(raw: str) -> tuple[str, list[str]]:
    """``raw`` without trailing punctuation and unbalanced closing brackets, and what was dropped."""
    dropped: list[str] = []
    while raw and len(dropped) < 10:
        last = raw[-1]
        if last in _TRAILING or last in "'\"*" or (last in _PAIRS and raw.count(last) > raw.count(_PAIRS[last])):
            dropped.insert(0, last)
            raw = raw[:-1]
        else:
            break
    return raw, dropped


# --- wrapped lines --------------------------------------------------------------------------

def _wrapped(text: str, url: str, end: int, opener: str) -> tuple[str, int, bool]:
    """The URL joined with the next lines that continue it (a mail client's wrapping), and its new end."""
    joined = False
    pattern = _ENDS[opener]
    for _ in range(MAX_WRAPS):
        position = end
        while position < len(text) and position - end < 200 and text[position] in " \t":
            position += 1
        if text.startswith("\r\n", position):
            position += 2
        elif text.startswith("\n", position):
            position += 1
        else:
            break
        while position < len(text) and text[position] in " \t>" and position - end < 400:
            position += 1
        token_end = _token_end(pattern, text, position)
        token = text[position:token_end]
        if not _continues(url, token):
            break
        url, end, joined = url + token, token_end, True
    return url, end, joined


def _continues(url: str, token: str) -> bool:
    """True when ``token`` (the next line's first word) is the rest of ``url``, cut by a line break."""
    core = token.rstrip(_TRAILING + ")]'\"")
    if not core or _URL_START.match(core) or core.lower().startswith("www."):
        return False
    if "?" not in url:
        return "?" in core and has_signing(url + core)
    if url.endswith(("?", "&")) or (url.endswith("=") and not url.endswith("==")):
        return "=" in core or url.endswith("=")
    if core.startswith("&"):
        return "=" in core
    piece, more, rest = core.partition("&")
    follows = bool(more) and "=" in rest
    name, _, value = url.rpartition("&")[2].rpartition("?")[2].partition("=")
    name = name.lower().removeprefix("amp;")
    if name in ("signature", "policy"):
        if not set(piece) <= _B64 or value.endswith(("_", "=")):
            return False
        complete = (len(value) + len(piece)) % 4 == 0 and not piece.isalpha()  # a word of prose is not base64
        return follows or piece.endswith(("_", "=")) or len(piece) >= 16 or complete
    if name == "key-pair-id":
        whole = value + piece
        return whole.isalnum() and whole.upper() == whole and ((len(whole) in (14, 20) and len(value) < 14) or follows)
    if name == "expires":
        return piece.isdigit() and value.isdigit() and ((len(value + piece) == 10 and len(value) < 10) or follows)
    if name == "hash-algorithm":
        return (value + piece).upper() in ("SHA1", "SHA256") and value.upper() not in ("SHA1", "SHA256")
    return follows and has_signing("?" + rest)
