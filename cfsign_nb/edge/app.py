"""The edge as an ASGI app: read the request, let the judge decide, answer as CloudFront would, log it.

Every request leaves a :class:`~cfsign_nb.edge.decision.Decision` (in memory and on the
``cfsign_nb.edge`` logger) and, with ``log_path``, a line of a CloudFront standard access log. An
exception inside the app is a logged 500 that names the path, never a dropped connection.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from email.utils import formatdate
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, Response

from ..distribution import DistributionConfig, load_distribution
from ..errors import SetupError
from ..keys import PublicKey, PublicKeySource, load_public_key
from .decision import TIME_BUDGET, Decision, Judge, Outcome, Reply, refused
from .log import AccessLog, Meter, log_decision, logger
from .request import Refusal, Request, Sent, new_request_id, read_request, shown

__all__ = ["SMALL_FILE", "EdgeApp", "EdgeError"]

SMALL_FILE = 256 * 1024
"""Files up to this size are read in one go; larger ones (and ranges) stream."""

_UNREADABLE = Sent("?", b"", b"", (), None)  # what a scope too broken to read is logged as


class EdgeError(SetupError):
    """The edge cannot start as asked (bad root, non-loopback host, port in use, unwritable log...)."""


class EdgeApp:
    """ASGI app serving ``root`` as a CloudFront edge with ``config``'s cache behaviors would.

    ``public_keys`` maps key pair ids to public keys (PEM text, paths, key objects). A behavior
    trusts the keys of its key groups when the config knows their members (``ActiveTrustedKeyGroups``
    or ``load_distribution(..., key_groups=)``), else every key given. ``clock`` returns epoch
    seconds (default ``time.time``). ``time_budget`` bounds the seconds one request's verification
    may take (it runs in a worker thread; past the budget the request is refused). The edge speaks
    plain http and does not enforce ``ViewerProtocolPolicy``, so sign ``http://`` URLs for it.
    """

    def __init__(
        self,
        config: object,
        public_keys: Mapping[str, PublicKeySource],
        root: str | os.PathLike[str],
        *,
        log_path: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] | None = None,
        edge_location: str = "LCL1-C1",
        log_cookies: bool = False,
        redact_signatures: bool = False,
        max_decisions: int = 10_000,
        time_budget: float = TIME_BUDGET,
    ) -> None:
        distribution: DistributionConfig = load_distribution(config)
        keys: Mapping[str, PublicKey] = {str(kid): load_public_key(source) for kid, source in public_keys.items()}
        resolved = Path(root).resolve()
        if not resolved.is_dir():
            raise EdgeError(f"the root {str(root)[:200]!r} is not a folder; pass the folder to serve")
        if not time_budget > 0:
            raise EdgeError(f"time_budget must be a positive number of seconds, not {time_budget!r}")
        self._judge = Judge(distribution, keys, resolved, float(time_budget))
        self.clock: Callable[[], float] = clock or time.time
        self.edge_location = edge_location
        self.log_cookies = log_cookies
        self.redact_signatures = redact_signatures
        self._decisions: deque[Decision] = deque(maxlen=max_decisions)
        self._via = f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)"
        self.access_log = self._access_log(Path(log_path)) if log_path is not None else None

    def _access_log(self, path: Path) -> AccessLog:
        try:
            return AccessLog(path, edge_location=self.edge_location, domain_name=self.config.domain_name,
                             log_cookies=self.log_cookies, redact_signatures=self.redact_signatures)
        except OSError as err:
            raise EdgeError(f"cannot write the access log {str(path)[:200]!r}: {err.strerror or err}; "
                            "pass a file path in a folder you can write to") from None

    # --- what a notebook looks at ----------------------------------------------------------

    @property
    def config(self) -> DistributionConfig:
        return self._judge.config

    @property
    def public_keys(self) -> Mapping[str, PublicKey]:
        return self._judge.public_keys

    @property
    def root(self) -> Path:
        return self._judge.root

    @property
    def time_budget(self) -> float:
        return self._judge.time_budget

    @property
    def decisions(self) -> list[Decision]:
        """The most recent decisions, oldest first."""
        return list(self._decisions)

    def clear_decisions(self) -> None:
        self._decisions.clear()

    def close(self) -> None:
        """Flush and close the access log (also done when the server shuts down)."""
        if self.access_log is not None:
            self.access_log.close()

    # --- ASGI --------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        meter = Meter(send, time.perf_counter())
        when = self.clock()
        request_id = new_request_id()
        sent = _UNREADABLE
        try:
            sent = Sent.from_scope(scope)
            outcome = await self._decide(sent, request_id, when)
            response = self._response_for(outcome, sent)
        except Exception as err:
            outcome, response = self._internal_error(sent, request_id, when, err)
        self._record(outcome)
        try:
            await response(scope, receive, meter)
        except Exception as err:
            if meter.status:  # the head is out: nothing to do but let uvicorn close the connection
                logger.exception("edge: sending the response failed for %s", sent.shown_path or "?")
                return
            outcome, response = self._internal_error(sent, request_id, when, err)
            self._decisions.append(outcome.decision)
            await response(scope, receive, meter)
        self._log(sent, outcome, meter)

    async def _decide(self, sent: Sent, request_id: str, when: float) -> Outcome:
        request: Request | Refusal = read_request(sent, request_id, when)
        if isinstance(request, Refusal):
            return refused(sent, request_id, when, request)
        return await self._judge.decide(request)

    async def _lifespan(self, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _record(self, outcome: Outcome) -> None:
        self._decisions.append(outcome.decision)
        log_decision(outcome.decision)

    def _log(self, sent: Sent, outcome: Outcome, meter: Meter) -> None:
        if self.access_log is None:
            return
        try:
            self.access_log.write(sent, outcome, meter)
        except Exception:
            logger.exception("edge: cannot write the access log %s", self.access_log.path)

    def _internal_error(self, sent: Sent, request_id: str, when: float, err: Exception) -> tuple[Outcome, Response]:
        """A logged 500 that records the path asked for, never an exception out of the app."""
        path, method = sent.shown_path or "?", shown(sent.method)
        logger.error("edge: internal error for %s %s (%s)", method, shown(path[:200]), request_id, exc_info=err)
        decision = Decision(request_id, when, method, path, 500, None, False, "none", None,
                            f"internal error: {err!r}")
        outcome = Outcome(decision, Reply(500, b"Internal Server Error"))
        return outcome, self._response_for(outcome, sent)

    # --- responses ---------------------------------------------------------------------------

    def _response_for(self, outcome: Outcome, sent: Sent) -> Response:
        reply, request_id = outcome.reply, outcome.decision.request_id
        if reply.file is not None:
            return self._file_response(reply.file, request_id, "range" in sent.headers)
        extra = {"connection": "close"} if reply.close else {}
        headers = {**self.cloudfront_headers(request_id, error=True), **extra}
        return Response(reply.body, reply.status, headers=headers, media_type=reply.media)

    def _file_response(self, target: str, request_id: str, ranged: bool) -> Response:
        """Small files are read here (one syscall burst, no thread hop); large ones stream with ranges."""
        headers = self.cloudfront_headers(request_id, error=False)
        stat = os.stat(target)
        if ranged or stat.st_size > SMALL_FILE:
            return FileResponse(target, headers=headers, stat_result=stat)
        with open(target, "rb") as handle:
            body = handle.read()
        headers["etag"] = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers["last-modified"] = formatdate(stat.st_mtime, usegmt=True)
        media = mimetypes.guess_type(target)[0] or "application/octet-stream"
        return Response(body, 200, headers=headers, media_type=media)

    def cloudfront_headers(self, request_id: str, *, error: bool) -> dict[str, str]:
        """The headers CloudFront adds to every response (``x-cache``, ``via``, ``x-amz-cf-id``...)."""
        return {
            "server": "CloudFront",
            "x-cache": "Error from cloudfront" if error else "Miss from cloudfront",
            "via": self._via,
            "x-amz-cf-pop": self.edge_location,
            "x-amz-cf-id": request_id,
        }

    # --- requests the HTTP parser refused ----------------------------------------------------

    def record_refused(self, head: bytes, client: tuple[str, int] | None, status: int, reason: str,
                       meter: Meter, request_id: str) -> None:
        """Record a request the HTTP layer answered itself (malformed, too large, too slow): a decision
        and an access log line, from what of its head arrived.
        """
        sent = Sent.from_head(head, client)
        decision = Decision(request_id, self.clock(), sent.method, sent.shown_path or "?", status, None, False,
                            "none", None, reason)
        outcome = Outcome(decision, Reply(status))
        self._record(outcome)
        self._log(sent, outcome, meter)
