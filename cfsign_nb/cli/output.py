"""What the command line writes: every character a terminal would act on escaped, errors on one line.

Core messages name Python arguments (``request_url=...``); :func:`for_cli` names the flags instead,
and every error, warning and result the commands print goes through it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from typing import Any, TextIO, TypeVar

from ..diagnosis import Diagnosis
from ..findings import Finding
from ..settings import reword

__all__ = ["emit", "fail", "for_cli", "one_line", "printable", "write"]

_T = TypeVar("_T")

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
    write(f"cfsign {command}: error: {one_line(for_cli(message))}", sys.stderr)


def for_cli(value: _T) -> _T:
    """A message, finding, diagnosis or trace with each setting named by its flag (``--request-url URL``).

    Results are reworded field by field before they are laid out, so a hint wrapped across two lines is
    still found; anything else comes back as it is.
    """
    trace = sys.modules.get("cfsign_nb.trace.model")  # loaded only by the commands that trace: else no Trace
    result: Any = value
    if isinstance(value, str):
        result = reword(value, "cli")
    elif isinstance(value, Finding):
        result = replace(value, message=reword(value.message, "cli"), fix=reword(value.fix, "cli"))
    elif isinstance(value, Diagnosis):
        result = replace(value, findings=tuple(for_cli(f) for f in value.findings))
    elif trace is not None and isinstance(value, trace.Trace):
        stages = tuple(replace(s, explanation=for_cli(s.explanation), problem=for_cli(s.problem),
                               notes=tuple(for_cli(n) for n in s.notes)) for s in value.stages)
        signed = value.result  # a sign trace's URL or cookies are output, never reworded
        result = replace(value, stages=stages, result=for_cli(signed) if isinstance(signed, Diagnosis) else signed)
    return result  # type: ignore[no-any-return]


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """A command's result: ``data`` as JSON with ``--json``, else ``text`` for people."""
    if getattr(args, "json", False):
        write(json.dumps(data, indent=2), sys.stdout)  # ensure_ascii: surrogates and controls come escaped
    else:
        write(printable(text), sys.stdout)
