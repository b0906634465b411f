"""What the command line writes: every character a terminal would act on escaped, errors on one line."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, TextIO

__all__ = ["emit", "fail", "one_line", "printable", "write"]

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
"""Characters a terminal acts on or cannot show: controls (escape sequences), bidi overrides, lone surrogates."""
_UNSAFE_IN_A_LINE = re.compile(_UNSAFE.pattern[:-1] + r"\t\n]")


def one_line(text: str) -> str:
    """``text`` with newlines, tabs and other unsafe characters shown as escapes (``\\n``, ``\\x1b``)."""
    return _UNSAFE_IN_A_LINE.sub(_escape, text)


def printable(text: str) -> str:
    """Output text with unsafe characters (terminal escapes, lone surrogates) escaped; lines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return ascii(match.group())[1:-1]


def write(text: str, stream: TextIO | None) -> None:
    """Write ``text`` and a newline to ``stream`` in its encoding, escaping what it cannot encode."""
    if stream is None:  # pragma: no cover - started with the stream closed
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    stream.flush()


def fail(command: str, message: str) -> None:
    """Write ``cfsign COMMAND: error: MESSAGE`` as one line on stderr, whatever characters the message holds."""
    write(f"cfsign {command}: error: {one_line(message)}", sys.stderr)


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """A command's result: ``data`` as JSON with ``--json``, else ``text`` for people."""
    if getattr(args, "json", False):
        write(json.dumps(data, indent=2), sys.stdout)  # ensure_ascii: surrogates and controls come escaped
    else:
        write(printable(text), sys.stdout)
