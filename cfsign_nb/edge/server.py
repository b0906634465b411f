"""Running the edge with uvicorn, on loopback only: in a background thread, or in the foreground.

The socket is bound before anything else, so a bad or busy port is an
:class:`~cfsign_nb.edge.app.EdgeError` that says to choose another, before any banner.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from ..settings import PORT
from .app import EdgeApp, EdgeError
from .h11 import HEAD_LIMIT, edge_protocol

__all__ = ["HEADER_TIMEOUT", "IDLE_TIMEOUT", "EdgeServer", "run_in_thread", "serve"]

IDLE_TIMEOUT = 5.0
"""Seconds a kept-alive connection may sit idle after a response before the edge closes it."""
HEADER_TIMEOUT = 10.0
"""Seconds a connection has to send a complete request head (from connecting, or from the last
response) before the edge answers 408 and closes it."""


class EdgeServer:
    """A running edge (uvicorn in a background thread); ``stop()`` it, or use it as a context manager."""

    def __init__(self, app: EdgeApp, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        self._sock = sock
        self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return _url(self.host, self.port)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for the thread, close the socket and the access log."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()
        self.app.close()

    def __enter__(self) -> EdgeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EdgeServer({self.url}, running={self.running})"


def run_in_thread(app: EdgeApp, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                  timeout: float = 10.0, idle_timeout: float = IDLE_TIMEOUT,
                  header_timeout: float = HEADER_TIMEOUT) -> EdgeServer:
    """Start ``app`` with uvicorn in a daemon thread on loopback (``port=0``: a free port); returns once it accepts.

    ``idle_timeout``: seconds a kept-alive connection may idle after a response; ``header_timeout``:
    seconds a connection has to send a whole request head (else 408 and closed).
    """
    sock = _listen(host, port, idle_timeout, header_timeout)
    server = uvicorn.Server(_config(app, host, sock, log_level, idle_timeout, header_timeout))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="cfsign-edge", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout)
            sock.close()
            raise EdgeError("the edge did not start; run with log_level='debug' to see why")
        time.sleep(0.01)
    return EdgeServer(app, server, thread, sock)


def serve(app: EdgeApp, *, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info",
          on_ready: Callable[[str], None] | None = None, idle_timeout: float = IDLE_TIMEOUT,
          header_timeout: float = HEADER_TIMEOUT) -> None:
    """Run ``app`` in the foreground on loopback until interrupted (Ctrl-C), then return.

    The socket is bound first (a bad or busy port is an :class:`EdgeError` before anything is
    printed), then ``on_ready(url)`` is called (print a banner there), then the edge serves.
    """
    sock = _listen(host, port, idle_timeout, header_timeout)
    try:
        server = uvicorn.Server(_config(app, host, sock, log_level, idle_timeout, header_timeout))
        if on_ready is not None:
            on_ready(_url(*sock.getsockname()[:2]))
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        app.close()


def _listen(host: str, port: object, idle_timeout: float, header_timeout: float) -> socket.socket:
    """Check the options, then a listening socket on ``host:port``."""
    checked = _check_port(port)
    _check_loopback(host)
    _check_timeouts(idle_timeout, header_timeout)
    return _bind(host, checked)


def _check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise EdgeError(f"the edge listens on loopback only; use host='127.0.0.1', not {host!r}")


def _check_port(port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise EdgeError(f"the port {port!r} is not a number in 0-65535; choose another with {PORT.python} "
                        "(0 picks a free one)")
    return port


def _check_timeouts(idle_timeout: float, header_timeout: float) -> None:
    for name, value in (("idle_timeout", idle_timeout), ("header_timeout", header_timeout)):
        if not (isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 3600):
            raise EdgeError(f"{name} must be a number of seconds in (0, 3600], not {value!r}")


def _config(app: EdgeApp, host: str, sock: socket.socket, log_level: str, idle_timeout: float,
            header_timeout: float) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=host, port=sock.getsockname()[1], log_level=log_level, access_log=False, lifespan="on",
        http=edge_protocol(app, header_timeout), loop="asyncio", proxy_headers=False, server_header=False,
        timeout_keep_alive=idle_timeout, h11_max_incomplete_event_size=HEAD_LIMIT,  # type: ignore[arg-type]
        timeout_graceful_shutdown=3,
    )


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a port in use is an EdgeError that says to choose another."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise EdgeError(f"port {port} on {host} is already in use; choose another with {PORT.python} "
                            "(0 picks a free one)") from None
        raise EdgeError(f"cannot listen on {host}:{port} ({err.strerror}); "
                        f"choose another with {PORT.python} (0 picks a free one)") from None
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
