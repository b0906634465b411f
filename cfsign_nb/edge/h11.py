"""uvicorn's h11 protocol with a deadline for each request head, and the requests it refuses recorded.

An idle new connection is closed after ``header_timeout`` seconds, a half-sent request head is
answered 408 and closed; a request the HTTP parser refuses (malformed, or a head over
:data:`HEAD_LIMIT` bytes) is answered 400 by the edge with CloudFront's headers, and — like every
request — lands in the edge's decisions and access log, from what of its head arrived.
"""

from __future__ import annotations

import asyncio
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import EdgeApp
from .log import Meter, logger
from .request import new_request_id

__all__ = ["HEAD_LIMIT", "EdgeProtocol", "edge_protocol"]

HEAD_LIMIT = 64 * 1024
"""The HTTP parser refuses a request head that grows past this many bytes."""
_HEAD_KEPT = 8192  # bytes of a request head kept to log a request the HTTP parser refused


def edge_protocol(app: EdgeApp, header_timeout: float) -> type[EdgeProtocol]:
    """The protocol class uvicorn should use for ``app`` (it makes one instance per connection)."""
    return type("EdgeProtocol", (EdgeProtocol,), {"edge": app, "header_timeout": header_timeout})


class EdgeProtocol(H11Protocol):
    """One connection to the edge; :func:`edge_protocol` binds the app and the head deadline."""

    edge: EdgeApp
    header_timeout: float
    _head_timer: asyncio.TimerHandle | None = None
    _head: bytearray
    _head_started: float

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head = bytearray()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._head:
            self._head_started = time.perf_counter()
        if len(self._head) < _HEAD_KEPT:
            self._head += data[: _HEAD_KEPT - len(self._head)]
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a whole request head arrived: the app has it now
            self._cancel_head_timer()
            self._head = bytearray(self.conn.trailing_data[0][:_HEAD_KEPT])

    def on_response_complete(self) -> None:
        self._head = bytearray(self.conn.trailing_data[0][:_HEAD_KEPT])
        self._head_started = time.perf_counter()
        if not self.transport.is_closing():
            self._arm_head_timer()
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        self._reject(400, b"Bad Request", "the HTTP parser refused the request (a malformed request line "
                     f"or header, a header byte HTTP does not allow, or a head over {HEAD_LIMIT:,} bytes)")

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head and self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self._reject(408, b"Request Timeout", f"the request head was not complete within "
                         f"{self.header_timeout:g} s (header_timeout); the edge closed the connection")
            return
        self.transport.close()  # idle: nothing to answer

    def _reject(self, status: int, body: bytes, reason: str) -> None:
        """Answer ``status`` and close, then record the request in the edge's decisions and log."""
        request_id = new_request_id()
        started = getattr(self, "_head_started", time.perf_counter())
        response_head = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                         *((k.encode(), v.encode()) for k, v in self.edge.cloudfront_headers(request_id, error=True)
                           .items())]
        sent = 0
        try:
            for event in (h11.Response(status_code=status, headers=response_head, reason=body),
                          h11.Data(data=body), h11.EndOfMessage()):
                output = self.conn.send(event)
                if output:
                    sent += len(output)
                    self.transport.write(output)
        except h11.LocalProtocolError:
            pass  # a response is already under way on this connection: just close it
        self.transport.close()
        self._cancel_head_timer()
        try:
            meter = Meter.sent_by_parser(status, response_head, sent, started)
            self.edge.record_refused(bytes(self._head), self.client, status, reason, meter, request_id)
        except Exception:
            logger.exception("edge: cannot record a refused request")
        self._head = bytearray()
