"""The request and cookie forms a paste can hold, each read into an :class:`Artifact`.

Raw HTTP/1.1 requests, HTTP/2 header blocks, response headers with ``Set-Cookie`` lines, a lone ``Cookie:``
line, cookie pairs in prose and cookie objects (JSON, JavaScript or Python literals). Every reader
is a linear scan over a bounded piece of text and never raises; :mod:`cfsign_nb.paste` runs them
(curl commands are read by :mod:`cfsign_nb.paste_curl`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from .protocol import COOKIE_PREFIX, SIGNING_PARAMETERS

MAX_COMMAND = 24_576
"""The most of one curl command or header block that is read (CloudFront's request limit is 20 KB)."""

MAX_MATCHES = 50
"""The most places of one form that are looked at in one paste."""

_SIGNED_NAMES = frozenset(name.lower() for name in SIGNING_PARAMETERS) | {
    "x-amz-signature", "x-amz-credential", "awsaccesskeyid",  # S3 query authentication, reported as such
}
_COOKIE_NAMES = frozenset((COOKIE_PREFIX + name).lower() for name in SIGNING_PARAMETERS)
ASSUMED = "no scheme in the paste: judged as https (CloudFront's usual)"


@dataclass(frozen=True)
class Artifact:
    """One URL and/or set of cookies found in a paste, and what was done to take it out (``notes``)."""

    form: str
    url: str | None = None
    cookies: str | None = None
    request_url: str | None = None
    scheme_assumed: bool = False
    notes: tuple[str, ...] = ()
    start: int = field(default=0, repr=False, compare=False)
    end: int = field(default=0, repr=False, compare=False)

    @property
    def url_signed(self) -> bool:
        """True when the URL's query carries signing parameters (CloudFront's, in any case, or S3's)."""
        return self.url is not None and has_signing(self.url)

    @property
    def cookies_signed(self) -> bool:
        """True when the cookies include a CloudFront-* signing cookie (in any case)."""
        return self.cookies is not None and _has_signed_cookie(self.cookies)

    @property
    def signed(self) -> bool:
        """True when the artifact carries signing data of any kind."""
        return self.url_signed or self.cookies_signed

    def summary(self, limit: int = 100) -> str:
        """A short line naming the artifact, for ``Decoded.others``."""
        text = self.url if self.url_signed or not self.cookies else "cookies: " + self.cookies.replace("\n", " ")
        text = f"{self.form}: {text}"
        return text if len(text) <= limit else text[: limit - 1] + "…"


def has_signing(url: str) -> bool:
    """True when a URL's query names a signing parameter (``amp;`` prefixes and case ignored)."""
    query = url.partition("#")[0].partition("?")[2]
    for pair in query.split("&")[:200]:
        name = pair.partition("=")[0].lower()
        while name.startswith("amp;"):
            name = name[4:]
        if name in _SIGNED_NAMES:
            return True
    return False


def _has_signed_cookie(cookies: str) -> bool:
    lowered = cookies.lower()
    return any(name + "=" in lowered for name in _COOKIE_NAMES)


# --- header blocks: raw requests, HTTP/2, responses -------------------------------------------

_METHOD = re.compile(r"GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE")
_REQUEST_LINE = re.compile(r"(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE)[ \t]+(\S+)[ \t]+HTTP/[0-9.]{1,3}[ \t]*")
_PSEUDO = re.compile(r"(?i):(?:authority|path|scheme|method)[ \t]*:")
_SET_COOKIE = re.compile(r"(?i)set-cookie[ \t]*:")
_COOKIE_LINE = re.compile(r"(?i)cookie[ \t]*:")
_SET_COOKIE_LOWER = re.compile(_SET_COOKIE.pattern.removeprefix("(?i)"))  # the same, over lower-cased ASCII text
_COOKIE_LINE_LOWER = re.compile(_COOKIE_LINE.pattern.removeprefix("(?i)"))


def at_line_starts(pattern: re.Pattern[str], text: str, margin: str = " \t") -> Iterator[re.Match[str]]:
    """The first matches of ``pattern`` that begin a line (after ``margin`` characters), a bounded number."""
    kept = 0
    for match in islice(pattern.finditer(text), MAX_MATCHES * 4):
        position = match.start()
        floor = max(0, position - 20)
        while position > floor and text[position - 1] in margin:
            position -= 1
        if position == 0 or text[position - 1] == "\n":
            yield match
            kept += 1
            if kept >= MAX_MATCHES:
                return


def _header_lines(text: str, start: int) -> tuple[list[tuple[str, str]], int]:
    """The ``name: value`` lines from ``start`` up to a blank line or a line that is no header."""
    headers: list[tuple[str, str]] = []
    position = start
    limit = min(len(text), start + MAX_COMMAND)
    while position < limit and len(headers) < 200:
        newline = text.find("\n", position, limit)
        stop = limit if newline < 0 else newline
        line = text[position:stop].strip()
        head, colon, value = (line[1:].partition(":") if line.startswith(":") else line.partition(":"))
        name = (":" if line.startswith(":") else "") + head.strip().lower()
        if not line or not colon or not head.strip() or " " in head.strip():
            break
        headers.append((name, value.strip()))
        position = stop + 1
    return headers, min(position, len(text))


def requests(text: str) -> list[Artifact]:
    """Raw HTTP/1.1 (or /2, /3 as Firefox shows them) requests: request line, ``Host`` and ``Cookie``."""
    found = []
    for method in at_line_starts(_METHOD, text):
        newline = text.find("\n", method.start(), method.start() + MAX_COMMAND)
        line_end = len(text) if newline < 0 else newline
        match = _REQUEST_LINE.fullmatch(text, method.start(), line_end - (text[line_end - 1:line_end] == "\r"))
        if match is None:
            continue
        headers, end = _header_lines(text, line_end + 1)
        target = match.group(2)
        host = _first(headers, "host") or _first(headers, ":authority")
        notes = [f"taken from a raw HTTP request ({match.group(1)} line, Host and Cookie headers)"]
        if "://" in target:
            url, assumed = target, False
        elif host:
            url, assumed = f"https://{host}{target}", True
            notes.append(ASSUMED)
        else:
            url, assumed = target, False
            notes.append("the request has no Host header: the URL is only a path")
        found.append(_with_cookies("http-request", url, headers, notes, assumed, match.start(), end))
    return found


def http2_blocks(text: str) -> list[Artifact]:
    """HTTP/2 header blocks (``:authority``, ``:path``, ``:scheme``, ``cookie`` lines)."""
    found: list[Artifact] = []
    for match in at_line_starts(_PSEUDO, text):
        if found and match.start() < found[-1].end:
            continue
        headers, end = _header_lines(text, match.start())
        authority, path = _first(headers, ":authority") or _first(headers, "host"), _first(headers, ":path")
        if not authority or path is None:
            continue
        scheme = _first(headers, ":scheme")
        notes = ["taken from an HTTP/2 header block (:authority, :path, :scheme and cookie)"]
        if not scheme:
            notes.append(ASSUMED)
        url = f"{scheme or 'https'}://{authority}{path}"
        found.append(_with_cookies("http2-headers", url, headers, notes, not scheme, match.start(), end))
    return found


def _with_cookies(
    form: str, url: str, headers: list[tuple[str, str]], notes: list[str], assumed: bool, start: int, end: int
) -> Artifact:
    cookies = [value for name, value in headers if name == "cookie"]
    if len(cookies) > 1:
        notes.append(f"{len(cookies)} Cookie headers joined with '; '")
    text = "Cookie: " + "; ".join(cookies) if cookies else None
    return Artifact(form, url, text, url, assumed, tuple(notes), start, end)


def set_cookie_blocks(text: str, lowered: str | None = None) -> list[Artifact]:
    """Response header blocks: their ``Set-Cookie`` lines (any case), the other headers left out.

    ``lowered``, the text lower-cased position for position (an ASCII paste), is searched instead when given.
    """
    found: list[Artifact] = []
    starts = at_line_starts(_SET_COOKIE, text) if lowered is None else at_line_starts(_SET_COOKIE_LOWER, lowered)
    for match in starts:
        if found and match.start() < found[-1].end:
            continue
        floor = max(0, match.start() - MAX_COMMAND)
        blank = max(text.rfind("\n\n", floor, match.start()), text.rfind("\n\r\n", floor, match.start()))
        before = [line.partition(":")[0].strip().lower()
                  for line in text[max(blank, floor):match.start()].split("\n") if ":" in line]
        headers, end = _header_lines(text, match.start())
        cookies = [value for name, value in headers if name == "set-cookie"]
        others = unique([name for name, _ in headers if name != "set-cookie"]
                         + [name for name in before if name and " " not in name and len(name) < 40])
        notes = [f"{len(cookies)} Set-Cookie line{'s' if len(cookies) != 1 else ''} taken from the response headers"]
        if others:
            notes.append("other headers ignored: " + ", ".join(o[:30] for o in others[:8]))
        cookie_text = "\n".join("Set-Cookie: " + value for value in cookies)
        found.append(Artifact("set-cookie", None, cookie_text, None, False, tuple(notes), match.start(), end))
    return found


def cookie_lines(text: str, lowered: str | None = None) -> list[Artifact]:
    """A lone ``Cookie:`` header line (outside any request); ``lowered`` as for :func:`set_cookie_blocks`."""
    found = []
    starts = at_line_starts(_COOKIE_LINE, text) if lowered is None else at_line_starts(_COOKIE_LINE_LOWER, lowered)
    for match in starts:
        newline = text.find("\n", match.end())
        end = len(text) if newline < 0 else newline
        value = text[match.end():min(end, match.end() + MAX_COMMAND)].strip()
        notes = ("the Cookie header line taken from the text around it",)
        found.append(Artifact("cookie-header", None, "Cookie: " + value, None, False, notes, match.start(), end))
    return found


# --- cookies as pairs or as an object ---------------------------------------------------------

_PAIR = re.compile(r"(?i)(?<![\w-])CloudFront-(?:Policy|Signature|Key-Pair-Id|Expires|Hash-Algorithm)=")
_PAIR_LOWER = re.compile(r"(?<![\w-])cloudfront-(?:policy|signature|key-pair-id|expires|hash-algorithm)=")
_PAIR_ITEM = re.compile(r"[ \t]*([\w.-]{1,64})=([^;\s\"'<>,]{0,8192})[ \t]*;?")
_KEY = re.compile(r"""(?i)(["'])(CloudFront-[A-Za-z-]{1,20})\1[ \t\r\n]{0,20}(?::|=>?)[ \t\r\n]{0,20}(["'])""")


def cookie_pairs(text: str, lowered: str | None = None) -> list[Artifact]:
    """``CloudFront-Policy=...; CloudFront-Signature=...`` in prose (a log line, document.cookie).

    ``lowered`` as for :func:`set_cookie_blocks`.
    """
    found: list[Artifact] = []
    marks = _PAIR.finditer(text) if lowered is None else _PAIR_LOWER.finditer(lowered)
    for match in islice(marks, MAX_MATCHES * 4):
        if found and match.start() < found[-1].end:
            continue
        pairs: list[str] = []
        position = match.start()
        while len(pairs) < 20:
            item = _PAIR_ITEM.match(text, position)
            if item is None or not item.group(1).lower().startswith(COOKIE_PREFIX.lower()):
                break
            pairs.append(f"{item.group(1)}={item.group(2)}")
            position = item.end()
        notes = ("the CloudFront cookies taken from name=value pairs in the text",)
        found.append(Artifact("cookie-pairs", None, "; ".join(pairs), None, False, notes, match.start(), position))
    return found


def cookie_objects(text: str) -> list[Artifact]:
    """Cookies as JSON or a JavaScript/Python object literal, as ``getSignedCookies()`` prints them."""
    groups: list[tuple[int, int, list[str]]] = []
    for match in islice(_KEY.finditer(text), MAX_MATCHES * 4):
        value, end = _quoted(text, match.end(), match.group(3))
        if value is None:
            continue
        if groups and match.start() - groups[-1][1] < 200 and "}" not in text[groups[-1][1]:match.start()]:
            groups[-1] = (groups[-1][0], end, [*groups[-1][2], f"{match.group(2)}={value}"])
        else:
            groups.append((match.start(), end, [f"{match.group(2)}={value}"]))
    notes = ("the cookies taken from an object literal (JSON, JavaScript or Python)",)
    return [Artifact("cookie-object", None, "; ".join(pairs), None, False, notes, start, end)
            for start, end, pairs in groups[:MAX_MATCHES]]


def _quoted(text: str, start: int, quote: str) -> tuple[str | None, int]:
    """The string value opened just before ``start`` with ``quote``, escapes undone, and where it ends."""
    position = start
    limit = min(len(text), start + 20_000)
    while True:
        close = text.find(quote, position, limit)
        if close < 0:
            return None, start
        backslashes = len(text[position:close]) - len(text[position:close].rstrip("\\"))
        if backslashes % 2 == 0:
            break
        position = close + 1
    raw = text[start:close]
    if "\\" not in raw:
        return raw, close + 1
    try:
        return str(json.loads('"' + raw.replace("\\'", "'") + '"')), close + 1
    except ValueError:
        return raw.replace("\\" + quote, quote), close + 1


# --- helpers --------------------------------------------------------------------------------

def with_scheme(url: str) -> tuple[str, bool]:
    """``url`` with ``https://`` put in front when it has no scheme (and a host), and whether it was."""
    if "://" in url.partition("?")[0] or url.startswith("/") or not url:
        return url, False
    return "https://" + url, True


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
