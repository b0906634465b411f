"""``cfsign edge``: serve a folder on 127.0.0.1 the way a CloudFront edge with a distribution would."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..extras import require
from .options import add_public_keys, port, public_keys
from .output import write

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
    edge.set_defaults(handler=_edge)


def _edge(args: argparse.Namespace) -> int:
    require("edge", needed_for="cfsign edge")  # before anything is read or bound
    from ..edge import EdgeApp, serve  # the [edge] extra only when serving

    app = EdgeApp(args.config, public_keys(args.public_key), args.root, log_path=args.log)

    def banner(url: str) -> None:
        write(f"cfsign edge: serving {args.root} on {url} (Ctrl-C stops)", sys.stderr)

    serve(app, port=args.port, on_ready=banner)  # binds first: a port in use fails before the banner
    return 0
