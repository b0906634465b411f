"""``cfsign edge``: serve a folder on 127.0.0.1 the way a CloudFront edge with a distribution would.

Each request is one line on stderr (method, path, status and the real reason CloudFront would
not tell, naming the flags as :func:`~.output.for_cli` does); ``-q`` keeps only the banner and errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..extras import require
from .options import add_public_keys, port, public_keys
from .output import for_cli, one_line, write

__all__ = ["add"]


def add(commands: Any) -> None:
    """Declare ``edge`` on the ``cfsign`` subcommands."""
    edge = commands.add_parser("edge", help="serve a folder on 127.0.0.1 the way a CloudFront edge would")
    edge.add_argument("--config", required=True, type=Path, metavar="DIST.json",
                      help="output of 'aws cloudfront get-distribution' (or get-distribution-config)")
    add_public_keys(edge)
    edge.add_argument("--root", required=True, type=Path, metavar="FOLDER", help="the folder to serve")
    edge.add_argument("--port", type=port, default=8080, help="port on 127.0.0.1 (default 8080; 0 = any free port)")
    edge.add_argument("--log", type=Path, metavar="FILE", help="write a CloudFront-format access log here")
    edge.add_argument("-q", "--quiet", action="store_true",
                      help="no line per request on stderr (only the banner and errors)")
    edge.set_defaults(handler=_edge)


class _StderrLines(logging.Handler):
    """The edge's logger as lines on stderr: a request line per decision, ``cfsign edge: error: ...`` else."""

    def __init__(self, quiet: bool) -> None:
        super().__init__(logging.WARNING if quiet else logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            decision = getattr(record, "decision", None)  # attached by the edge to each request's line
            text = one_line(_request_line(decision) if decision is not None else for_cli(record.getMessage()))
        except Exception:  # a message that cannot be formatted is not worth a traceback
            text = one_line(str(record.msg))
        if record.levelno >= logging.WARNING:
            text = f"cfsign edge: {record.levelname.lower()}: {text}"
        write(text, sys.stderr)


def _request_line(decision: Any) -> str:
    """The edge's line for ``decision``, its reason naming the flags (``--public-key ID=FILE``)."""
    from ..edge.log import request_line  # loaded: the edge is serving

    return request_line(replace(decision, reason=for_cli(decision.reason)))


def _edge(args: argparse.Namespace) -> int:
    require("edge", needed_for="cfsign edge")  # before anything is read or bound
    from ..edge import EdgeApp, serve  # the [edge] extra only when serving

    app = EdgeApp(args.config, public_keys(args.public_key), args.root, log_path=args.log)

    def banner(url: str) -> None:
        write(f"cfsign edge: serving {args.root} on {url} (Ctrl-C stops)", sys.stderr)

    logger = logging.getLogger("cfsign_nb.edge")
    handler = _StderrLines(args.quiet)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the lines above, not logging's last-resort copy of them
    try:  # binds first: a port in use fails before the banner; uvicorn's own chatter stays off
        serve(app, port=args.port, on_ready=banner, log_level="error")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return 0
