"""``cfsign edge``: serve a folder on 127.0.0.1 the way a CloudFront edge with a distribution would.

Each request is one line on stderr (method, path, status and the real reason CloudFront would
not tell); ``-q`` keeps only the banner and errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from ..extras import require
from .options import add_public_keys, port, public_keys
from .output import one_line, write

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
            text = one_line(record.getMessage())
        except Exception:  # a message that cannot be formatted is not worth a traceback
            text = one_line(str(record.msg))
        if record.levelno >= logging.WARNING:
            text = f"cfsign edge: {record.levelname.lower()}: {text}"
        write(text, sys.stderr)


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
