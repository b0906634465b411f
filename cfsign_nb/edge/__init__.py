"""A local CloudFront-like edge: serve a folder the way a distribution with restricted viewer access would.

:class:`EdgeApp` is an ASGI app (starlette responses; the ``[edge]`` extra) that matches the cache
behavior, takes the signed URL over the cookies when the query names a signing parameter, asks
:func:`cfsign_nb.diagnosis.diagnose` for the verdict, and answers with CloudFront's exact 403 XML.
Unlike CloudFront it also says *why*: every request leaves a :class:`Decision` (in memory and on
the ``cfsign_nb.edge`` logger), and a CloudFront-format standard access log when ``log_path`` is set.
:func:`run_in_thread` and :func:`serve` run it with uvicorn, on loopback only.

Security rules the edge keeps: the request path is put in **one** canonical form (percent-decoded,
``//`` collapsed, dot segments resolved) that both picks the cache behavior and finds the file; a
file reached through a symbolic link is served only if the behavior of its real path would serve
the request too; the URL the signature is checked against is built from a validated ``Host`` and
that path; verification runs in a worker thread within a time budget, so the event loop stays free;
idle and half-sent connections time out; every log field has its control bytes escaped.

The parts, in the order a request meets them: :mod:`.request` (what arrived, the canonical path and
Host), :mod:`.decision` (the behavior, the signature, the file), :mod:`.app` (ASGI, responses),
:mod:`.log` (the decision log and the access log), :mod:`.h11` (head deadlines, refused requests),
:mod:`.server` (binding and running).
"""

from ..extras import require

require("edge", needed_for="cfsign_nb.edge")  # one line naming the pip command, before starlette is imported

from ..logformat import FIELDS as ACCESS_LOG_FIELDS  # noqa: E402
from ..protocol import ERROR_MESSAGES as CLOUDFRONT_MESSAGES  # noqa: E402
from ..protocol import REQUEST_LIMIT, URL_LIMIT, error_body  # noqa: E402
from .app import SMALL_FILE, EdgeApp, EdgeError  # noqa: E402
from .decision import TIME_BUDGET, Decision  # noqa: E402
from .request import canonical_path  # noqa: E402
from .server import HEADER_TIMEOUT, IDLE_TIMEOUT, EdgeServer, run_in_thread, serve  # noqa: E402

__all__ = [
    "ACCESS_LOG_FIELDS",
    "CLOUDFRONT_MESSAGES",
    "HEADER_TIMEOUT",
    "IDLE_TIMEOUT",
    "REQUEST_LIMIT",
    "SMALL_FILE",
    "TIME_BUDGET",
    "URL_LIMIT",
    "Decision",
    "EdgeApp",
    "EdgeError",
    "EdgeServer",
    "canonical_path",
    "error_body",
    "run_in_thread",
    "serve",
]
