"""``cfsign``: sign, generate keys (and decode, verify, diagnose, trace) from a terminal.

Text for people, ``--json`` for scripts. Exit status: 0 success (for ``diagnose``: the request
would be served), 1 a check failed, 2 a usage error or input that cannot be used (with a message
saying how to fix it). The commands live one group a file (:mod:`.sign`, :mod:`.inspect`,
:mod:`.edge`, :mod:`.keygen`), their shared options in :mod:`.options`, the escaping writer in
:mod:`.output`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import CfSignError
from . import edge, inspect, keygen, sign
from .options import STDIN_LIMIT, Handler
from .output import fail, one_line, write

__all__ = ["STDIN_LIMIT", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never a traceback: a failure is one line on stderr)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already reported in one line
        return done.code if isinstance(done.code, int) else 2
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except CfSignError as err:
        fail(args.command, str(err))
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except OSError as err:
        fail(args.command, _os_error(err))
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, with the shell's code for SIGINT
        return 130
    except Exception as err:  # a bug met by some input: still one line, and a way to report it
        fail(args.command, f"unexpected {type(err).__name__}: {str(err)[:300]} (a bug in cfsign_nb "
                           f"{__version__}; please report it with the command that caused it)")
    return 2


def _os_error(err: OSError) -> str:
    """An OSError from reading or writing a file, as what failed and how to fix it."""
    name = f" {str(err.filename)!r}" if err.filename is not None else ""
    return (f"cannot use{name}: {err.strerror or err}; check that the path exists, is a file (not a folder) "
            "and that you may read (or write) it")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error reported as one line that points to ``--help``."""

    def error(self, message: str) -> NoReturn:
        write(f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)", sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cfsign", description="CloudFront signed URLs and cookies: sign, decode, verify, diagnose.")
    parser.add_argument("--version", action="version", version=f"cfsign_nb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (sign, inspect, edge, keygen):
        group.add(commands)
    return parser


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
