"""One request as the edge judges it: what arrived, read once, then its canonical path and validated Host.

:class:`Sent` is what the viewer sent (from an ASGI scope, or from the raw head of a request the HTTP
parser refused); the access log writes it byte for byte. :func:`read_request` turns it into a
:class:`Request` — one canonical path that both picks the cache behavior and names the file, and
the URL the signature is checked against, built from a validated ``Host`` and that path — or into
the :class:`Refusal` CloudFront would answer (413 for a request over its limits, 400 for a path,
query or Host it cannot read).
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from ..protocol import REQUEST_LIMIT, URL_LIMIT, signing_names

__all__ = ["Refusal", "Request", "Sent", "canonical_path", "host_name", "new_request_id", "read_request", "shown"]

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Sent:
    """A request as it arrived: the path (no query) and query as sent, the raw headers, the client."""

    method: str
    raw_path: bytes
    query: bytes
    raw_headers: Headers
    client: tuple[str, int] | None
    http_version: str = "1.1"
    server: tuple[str, int | None] | None = None

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any]) -> Sent:
        """What an ASGI ``http`` scope says arrived."""
        raw = scope.get("raw_path") or str(scope.get("path", "/")).encode("utf-8", "surrogateescape")
        client = scope.get("client")
        return cls(str(scope.get("method", "GET")), bytes(raw).partition(b"?")[0], scope.get("query_string") or b"",
                   tuple(scope.get("headers", ())), tuple(client) if client else None,
                   str(scope.get("http_version", "1.1")), tuple(scope["server"]) if scope.get("server") else None)

    @classmethod
    def from_head(cls, head: bytes, client: tuple[str, int] | None) -> Sent:
        """A best effort from the raw bytes of a request head the HTTP parser refused."""
        lines = head.split(b"\n")
        parts = lines[0].rstrip(b"\r").split(b" ") if head else []
        method = parts[0].decode("latin-1") if parts and parts[0] else "-"
        target = parts[1] if len(parts) > 1 else b""
        version = parts[2].decode("latin-1") if len(parts) > 2 else "HTTP/1.1"
        raw_path, _, query = target.partition(b"?")
        headers = []
        for line in lines[1:]:
            line = line.rstrip(b"\r")
            if not line:
                break
            name, colon, value = line.partition(b":")
            if colon:
                headers.append((name.strip().lower(), value.strip()))
        return cls(method, raw_path, query, tuple(headers), client, version.removeprefix("HTTP/") or "1.1")

    @property
    def shown_path(self) -> str:
        """The path as sent, as text (Latin-1), for decisions and error logs."""
        return self.raw_path.decode("latin-1")

    @functools.cached_property
    def headers(self) -> Mapping[str, str]:
        """Header names in lower case → values as ASGI text (Latin-1); several Cookie headers joined."""
        found: dict[str, str] = {}
        for key, value in self.raw_headers:
            name = key.decode("latin-1").lower()
            text = value.decode("latin-1")
            found[name] = f"{found[name]}; {text}" if name == "cookie" and name in found else found.get(name, text)
        return found

    @property
    def headers_size(self) -> int:
        """The bytes the headers take on the wire (name, ``: ``, value, CRLF)."""
        return sum(len(k) + len(v) + 4 for k, v in self.raw_headers)


@dataclass(frozen=True)
class Request:
    """A request the edge can judge: ``path`` is canonical (the behavior and the file), ``url`` what
    the signature is checked against (the validated ``host``, that path, the query).
    """

    sent: Sent
    request_id: str
    when: float
    path: str
    url: str
    host: str

    @property
    def method(self) -> str:
        return self.sent.method.upper()

    @property
    def query(self) -> str:
        return self.sent.query.decode("ascii")

    @property
    def headers(self) -> Mapping[str, str]:
        return self.sent.headers

    @property
    def cookies(self) -> str:
        """The ``Cookie`` header sent (every one, joined), or ``""``."""
        return self.sent.headers.get("cookie", "")

    @property
    def client_ip(self) -> str | None:
        return (self.sent.client[0] or None) if self.sent.client else None

    @property
    def signed_url(self) -> bool:
        """Whether the query names a signing parameter: then the URL is judged, not the cookies."""
        return bool(self.query) and bool(signing_names(self.query))


@dataclass(frozen=True)
class Refusal:
    """A request refused before it is judged: the status, why, and the body to answer."""

    status: int
    reason: str
    body: bytes = b"Bad Request"
    close: bool = False


def read_request(sent: Sent, request_id: str, when: float) -> Request | Refusal:
    """The request the edge decides on, or why CloudFront would not even read it."""
    url_size = len(sent.raw_path) + (len(sent.query) + 1 if sent.query else 0)
    if url_size > URL_LIMIT:
        return Refusal(413, f"the URL is {url_size:,} bytes; CloudFront allows {URL_LIMIT:,} and answers 413, "
                       "then closes the connection", b"Request Entity Too Large", close=True)
    request_size = url_size + sent.headers_size
    if request_size > REQUEST_LIMIT:
        return Refusal(413, f"the request (URL and headers) is {request_size:,} bytes; CloudFront allows "
                       f"{REQUEST_LIMIT:,} and answers 413", b"Request Entity Too Large", close=True)
    path, url_path, problem = canonical_path(sent.raw_path)
    if problem or path is None or url_path is None:
        return Refusal(400, problem or "the path cannot be read")
    if not _ascii_printable(sent.query) or b"#" in sent.query:
        return Refusal(400, "the query string holds raw non-ASCII, space, control or '#' bytes (percent-encode them)")
    host, problem = _host(sent)
    if problem:
        return Refusal(400, problem, f"Bad Request: {problem}".encode())
    query = sent.query.decode("ascii")
    return Request(sent, request_id, when, path, f"http://{host}{url_path}" + (f"?{query}" if query else ""), host)


# --- the path -------------------------------------------------------------------------------

_PATH_SAFE = "/!$&'()*+,;=:@-._~"  # RFC 3986 pchar and '/', less '%'
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def canonical_path(raw_path: bytes) -> tuple[str, str, None] | tuple[None, None, str]:
    """The one form of a request path the edge decides on: ``(path, url_path, None)``, or
    ``(None, None, reason)`` for a 400.

    ``path`` is percent-decoded (``%2F`` included) with ``//`` collapsed and ``.``/``..`` resolved;
    it picks the cache behavior and names the file. ``url_path`` is what the signature is checked
    against: ``path`` percent-encoded again (only what RFC 3986 requires), or the path as sent when
    that differs from it only in the case of hex digits; so a signature never covers a path form
    other than the one served, and nothing matches another behavior. Raw non-ASCII, control or space bytes,
    a raw ``#``, NUL or control characters or a backslash after decoding, text that is not UTF-8,
    and ``..`` climbing above the root are refused.
    """
    if not raw_path.startswith(b"/"):
        return None, None, "the request target does not start with '/'"
    if not _ascii_printable(raw_path):
        return None, None, "the path holds raw non-ASCII, space or control bytes (percent-encode them)"
    if b"#" in raw_path:
        return None, None, "the path holds a raw '#' (browsers never send a fragment; percent-encode it as %23)"
    try:
        text = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return None, None, "the path does not decode as UTF-8 after percent-decoding"
    if _CONTROL.search(text) or "\\" in text:
        return None, None, "the path holds NUL, control characters or a backslash after percent-decoding"
    kept: list[str] = []
    segments = text.split("/")[1:]
    for segment in segments:
        if segment in ("", "."):
            continue
        if segment == "..":
            if not kept:
                return None, None, "the path's '..' segments climb above the root (path traversal)"
            kept.pop()
            continue
        kept.append(segment)
    path = "/" + "/".join(kept)
    if kept and segments[-1] in ("", ".", ".."):
        path += "/"
    url_path = quote(path, safe=_PATH_SAFE)
    sent = raw_path.decode("ascii")
    if path == text and _ESCAPE.sub(lambda m: m.group().upper(), sent) == url_path:
        return path, sent, None  # as sent, but for the case of hex digits: what a signer signed
    return path, url_path, None


def _ascii_printable(data: bytes) -> bool:
    return all(0x21 <= b <= 0x7E for b in data)


# --- the Host -------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(
    rf"(?:(?P<name>{_LABEL}(?:\.{_LABEL})*\.?)|\[(?P<ip6>[0-9A-Fa-f:.]{{2,45}})\])(?::(?P<port>[0-9]{{1,5}}))?"
)


def _host(sent: Sent) -> tuple[str, str | None]:
    """The request's host (``name[:port]``) and, when it is not a plain host, why (a 400)."""
    hosts = [v for k, v in sent.raw_headers if k.lower() == b"host"]
    if len(hosts) > 1:
        return "", "the request has more than one Host header; send exactly one"
    if not hosts:
        server = sent.server or ("127.0.0.1", 80)
        name = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        return f"{name}:{server[1]}" if server[1] is not None else name, None
    host = hosts[0].decode("latin-1")
    return host, _host_problem(host)


def _host_problem(host: str) -> str | None:
    """Why a ``Host`` header is not a DNS name or an IPv4/[IPv6] literal with an optional port, or None."""
    fix = "send a host name or an IP address, with an optional :port, and nothing else"
    match = _HOST.fullmatch(host) if len(host) <= 260 else None
    if match is None:
        return f"the Host header {host[:100]!r} is not a host name or IP address with an optional port; {fix}"
    name, ip6, port = match.group("name"), match.group("ip6"), match.group("port")
    if port is not None and int(port) > 65535:
        return f"the Host header's port {port} is outside 0-65535; {fix}"
    if ip6 is not None:
        try:
            ipaddress.IPv6Address(ip6)
        except ValueError:
            return f"the Host header {host[:100]!r} has a bracketed part that is not an IPv6 address; {fix}"
    elif name is not None:
        if len(name.rstrip(".")) > 253:
            return f"the Host header's name is longer than DNS allows (253 characters); {fix}"
        if name.rstrip(".").rpartition(".")[2].isdigit():
            try:
                ipaddress.IPv4Address(name.rstrip("."))
            except ValueError:
                return f"the Host header {host[:100]!r} looks like an IPv4 address but is not one; {fix}"
    return None


def host_name(host: str) -> str:
    """The name part of a ``Host`` value (no port), for ``cs(Host)``; the value itself when it is not a host."""
    match = _HOST.fullmatch(host) if len(host) <= 260 else None
    if match is None:
        return host
    return match.group("name") or f"[{match.group('ip6')}]"


# --- ids and safe display -------------------------------------------------------------------

def new_request_id() -> str:
    """A fresh ``x-amz-cf-id``: 40 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(40)).decode("ascii")


_UNPRINTABLE = re.compile(r"[^\x21-\x7e]+")


def shown(value: str) -> str:
    """``value`` safe for one log or terminal line: every byte that is not printable ASCII (controls,
    space, DEL, 0x80 and up) percent-encoded, so no tab, newline or escape sequence gets through.
    """
    return _UNPRINTABLE.sub(_percent, value)


def _percent(match: re.Match[str]) -> str:
    text = match.group()
    data = text.encode("latin-1") if max(text) <= "\xff" else text.encode("utf-8", "surrogatepass")
    return "".join(f"%{b:02X}" for b in data)
