"""``cfsign sign``: a signed URL, or signed cookies and their Set-Cookie lines."""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from typing import Any

from ..signer import set_cookie_headers
from ..times import format_epoch, naive_note, parse_when
from .options import add_json, add_signing, signer
from .output import emit, one_line, write

__all__ = ["accept_past_offsets", "add"]

_PAST_OFFSET_RE = re.compile(r"^-[0-9]+[smhdw]?$|^-[0-9]*\.[0-9]+$")
"""What argparse should read as a value, not an option: negative numbers and past offsets such as -1h."""


def accept_past_offsets(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let ``--expires -1h`` (or ``--at -2d``) take ``-1h`` as its value, as argparse does for ``-1``.

    argparse reads any other word that starts with ``-`` as an option, and says only "expected one
    argument"; the commands have no option that looks like ``-1h``, so nothing becomes ambiguous.
    """
    parser._negative_number_matcher = _PAST_OFFSET_RE  # argparse's own hook for "-1" (an instance attribute)
    return parser


def add(commands: Any) -> None:
    """Declare ``sign`` on the ``cfsign`` subcommands."""
    sign = accept_past_offsets(commands.add_parser("sign", help="sign a URL (or make signed cookies)"))
    sign.add_argument("url", help="the URL the viewer will request (the resource, for --cookies)")
    add_signing(sign)
    add_json(sign)
    sign.set_defaults(handler=_sign)


def _sign(args: argparse.Namespace) -> int:
    with warnings.catch_warnings(record=True) as caught:  # e.g. a key pair id unlike CloudFront's: one line each
        warnings.simplefilter("always")
        key = signer(args)
    for warning in caught:
        _warn(str(warning.message))
    for label, text in (("--expires", args.expires), ("--starts", args.starts)):
        note = naive_note(text, label) if text else None
        if note:
            _warn(note)
    now = int(time.time())
    expires = parse_when(args.expires, now=now)
    starts = parse_when(args.starts, now=now) if args.starts else None
    if expires <= now:
        _warn(f"the expiry {format_epoch(expires)} has already passed; CloudFront will refuse this "
              "(signing anyway, e.g. for tests)")
    if args.cookies:
        cookies = key.sign_cookies(args.resource or args.url, expires=expires, starts=starts, ip_address=args.ip)
        lines = set_cookie_headers(cookies, domain=args.domain, path=args.path)
        emit(args, {"cookies": cookies, "set_cookie": lines}, "\n".join(lines))
        return 0
    url = key.sign_url(args.url, expires=expires, starts=starts, ip_address=args.ip, resource=args.resource)
    emit(args, {"url": url}, url)
    return 0


def _warn(text: str) -> None:
    """One escaped line on stderr: the command still does what was asked."""
    write(f"cfsign sign: warning: {one_line(text)}", sys.stderr)
