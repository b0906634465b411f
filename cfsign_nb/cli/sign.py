"""``cfsign sign``: a signed URL, or signed cookies and their Set-Cookie lines."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import Any

from ..settings import EXPIRES_AT, STARTS
from ..signer import set_cookie_headers
from ..times import format_epoch, naive_note, parse_when
from .options import accept_past_offsets, add_json, add_signing, signer
from .output import emit, for_cli, one_line, write

__all__ = ["add"]

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
    expires = parse_when(args.expires, now=now, setting=EXPIRES_AT)
    starts = parse_when(args.starts, now=now, setting=STARTS) if args.starts else None
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
    write(f"cfsign sign: warning: {one_line(for_cli(text))}", sys.stderr)
