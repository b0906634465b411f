"""What the edge writes down: each decision on the ``cfsign_nb.edge`` logger, and a CloudFront access log.

The access log is CloudFront's standard format, written with :mod:`cfsign_nb.logformat` (the same
fields and escaping the pandas reader reads back). Header values, the path and the query go in as
the bytes the viewer sent (ASGI gives them as Latin-1 text), so every field is exact.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ..logformat import format_line, header_lines
from .decision import Decision, Outcome
from .request import Sent, host_name, shown

__all__ = ["AccessLog", "Meter", "log_decision", "logger", "request_line"]

logger = logging.getLogger("cfsign_nb.edge")

_REDACTED = {"Signature", "CloudFront-Signature"}

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


_CODE_RE = re.compile(r"[A-Z][A-Z0-9_]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What a terminal acts on or cannot show (controls, line separators, bidi overrides, lone surrogates)."""


def request_line(decision: Decision) -> str:
    """``GET /private/a.txt 403 EXPIRED: the expiry time has passed ...``: method, path, status, the real reason.

    One line whatever the request held: the method and path as :func:`~.request.shown` escapes them,
    the reason with every control character as a ``\\xNN`` escape.
    """
    reason = decision.reason
    if decision.error_code and not _CODE_RE.fullmatch(reason.partition(":")[0]):
        reason = f"{decision.error_code}: {reason}"
    line = f"{shown(decision.method)} {shown(decision.path[:200])} {decision.status} {reason[:2000]}"
    return _CONTROL_RE.sub(lambda m: ascii(m.group())[1:-1], line)


def log_decision(decision: Decision) -> None:
    """One :func:`request_line` per request on the ``cfsign_nb.edge`` logger (INFO), the decision attached."""
    logger.info("%s", request_line(decision), extra={"decision": decision})


class Meter:
    """Wraps ASGI ``send`` to learn the status, headers, bytes and time to first byte of a response."""

    __slots__ = ("_send", "bytes_out", "first_byte", "headers", "started", "status")

    def __init__(self, send: Send | None, started: float) -> None:
        self._send = send
        self.started = started
        self.status = 0
        self.bytes_out = 0
        self.first_byte: float | None = None
        self.headers: dict[str, str] = {}

    @classmethod
    def sent_by_parser(cls, status: int, head: list[tuple[bytes, bytes]], bytes_out: int, started: float) -> Meter:
        """The measure of a response the HTTP layer wrote itself (a request it refused)."""
        meter = cls(None, started)
        meter.status, meter.bytes_out, meter.first_byte = status, bytes_out, time.perf_counter()
        meter.headers = _text_headers(head)
        return meter

    async def __call__(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            raw = message.get("headers", ())
            self.headers = _text_headers(raw)
            self.bytes_out += 17 + sum(len(k) + len(v) + 4 for k, v in raw)
        elif message["type"] == "http.response.body":
            if self.first_byte is None:
                self.first_byte = time.perf_counter()
            self.bytes_out += len(message.get("body", b""))
        assert self._send is not None
        await self._send(message)


class AccessLog:
    """Appends CloudFront standard log lines to a file, writing the two header lines first.

    The file is opened when the log is made, so an unwritable path fails at once (``OSError``), not
    on every request. ``log_cookies`` logs the Cookie header (CloudFront's own option);
    ``redact_signatures`` writes ``Signature=REDACTED`` in the query and cookies.
    """

    def __init__(self, path: Path, *, edge_location: str, domain_name: str | None = None,
                 log_cookies: bool = False, redact_signatures: bool = False) -> None:
        self.path = path
        self.edge_location = edge_location
        self.domain_name = domain_name
        self.log_cookies = log_cookies
        self.redact_signatures = redact_signatures
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self._open()

    def _open(self) -> TextIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._file = open(self.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        if handle.tell() == 0:
            handle.write(header_lines())
            handle.flush()
        return handle

    def write(self, sent: Sent, outcome: Outcome, meter: Meter) -> None:
        """Append the line of one request: what was sent, what was decided, what was answered."""
        line = format_line({name: _wire(value) for name, value in self._values(sent, outcome, meter).items()})
        with self._lock:
            handle = self._file or self._open()
            handle.write(line + "\n")
            handle.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _values(self, sent: Sent, outcome: Outcome, meter: Meter) -> dict[str, str]:
        decision = outcome.decision
        headers = sent.headers
        moment = datetime.fromtimestamp(decision.time, UTC)
        client = sent.client or ("-", 0)
        query = sent.query.decode("latin-1")
        host = headers.get("host", "")
        cookie = headers.get("cookie", "") if self.log_cookies else ""
        if self.redact_signatures:
            query, cookie = _redact(query, "&"), _redact(cookie, "; ")
        raw_path = sent.shown_path or decision.path
        range_start, range_end = _range(meter.headers.get("content-range", ""))
        request_bytes = len(raw_path) + len(query) + 16 + sent.headers_size
        now = time.perf_counter()
        result = outcome.result_type
        return {
            "date": moment.strftime("%Y-%m-%d"), "time": moment.strftime("%H:%M:%S"),
            "x-edge-location": self.edge_location, "sc-bytes": str(meter.bytes_out), "c-ip": str(client[0]),
            "cs-method": decision.method, "cs(Host)": self.domain_name or host_name(host), "cs-uri-stem": raw_path,
            "sc-status": str(meter.status), "cs(Referer)": headers.get("referer", ""),
            "cs(User-Agent)": headers.get("user-agent", ""), "cs-uri-query": query, "cs(Cookie)": cookie,
            "x-edge-result-type": result, "x-edge-request-id": decision.request_id, "x-host-header": host,
            "cs-protocol": "http", "cs-bytes": str(request_bytes), "time-taken": f"{now - meter.started:.3f}",
            "x-forwarded-for": headers.get("x-forwarded-for", ""), "x-edge-response-result-type": result,
            "cs-protocol-version": "HTTP/" + sent.http_version, "c-port": str(client[1]),
            "time-to-first-byte": f"{(meter.first_byte or now) - meter.started:.3f}",
            "x-edge-detailed-result-type": result,
            "sc-content-type": meter.headers.get("content-type", "").partition(";")[0],
            "sc-content-len": meter.headers.get("content-length", ""), "sc-range-start": range_start,
            "sc-range-end": range_end,
        }


def _text_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}


def _wire(text: str) -> bytes:
    """ASGI text back to the bytes that were sent (it is their Latin-1 reading); other text as UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _range(content_range: str) -> tuple[str, str]:
    """``sc-range-start`` and ``sc-range-end`` from a ``Content-Range: bytes A-B/N`` header."""
    if content_range.startswith("bytes ") and "-" in content_range:
        start, _, end = content_range[6:].partition("/")[0].partition("-")
        return start, end
    return "-", "-"


def _redact(text: str, separator: str) -> str:
    if "Signature" not in text:
        return text
    parts = []
    for part in text.split(separator.strip() or separator):
        name, eq, _ = part.strip().partition("=")
        parts.append(f"{name}=REDACTED" if eq and name in _REDACTED else part.strip())
    return (separator.strip() or separator).join(parts)
