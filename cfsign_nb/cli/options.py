"""The options the commands share, each declared once, and what they turn into.

``sign`` and ``trace --sign`` take the same signing options; ``--public-key ID=FILE``,
``--request-url``, ``--at``/``--client-ip`` and ``--json`` read the same wherever they appear.
An ARTIFACT of ``-`` reads stdin, within :data:`STDIN_LIMIT`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..keys import PublicKey, load_public_key
from ..signer import Signer

__all__ = [
    "STDIN_LIMIT",
    "WHEN_HELP",
    "Handler",
    "add_artifact",
    "add_json",
    "add_judging",
    "add_public_keys",
    "add_request_url",
    "add_signing",
    "ip_address",
    "port",
    "public_keys",
    "read_artifact",
    "read_text",
    "signer",
]

Handler = Callable[[argparse.Namespace], int]

WHEN_HELP = ("ISO-8601 (2026-12-31T23:59:00Z), epoch seconds, or +10m / +2h / +7d from now "
             "(-1h for the past)")

_PAST_OFFSET_RE = re.compile(r"^-[0-9]+[smhdw]?$|^-[0-9]*\.[0-9]+$")
"""What argparse should read as a value, not an option: negative numbers and past offsets such as -1h."""


def accept_past_offsets(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let ``--expires -1h`` (or ``--at -2d``) take ``-1h`` as its value, as argparse does for ``-1``.

    argparse reads any other word that starts with ``-`` as an option, and says only "expected one
    argument"; the commands have no option that looks like ``-1h``, so nothing becomes ambiguous.
    """
    parser._negative_number_matcher = _PAST_OFFSET_RE  # argparse's own hook for "-1" (an instance attribute)
    return parser


STDIN_LIMIT = 1024 * 1024
"""The most ``-`` reads from stdin: far more than any URL or cookie header (CloudFront takes 8 KB and 20 KB)."""


# --- declaring them ---------------------------------------------------------------------------

def add_signing(command: argparse.ArgumentParser, *, required: bool = True, prefix: str = "") -> None:
    """The key, the policy and the Set-Cookie options of ``sign`` (and, optional, of ``trace --sign``)."""
    command.add_argument("--key-pair-id", required=required, metavar="ID",
                         help=prefix + "the CloudFront public key id, e.g. K2JCJMDEHXQW5F")
    command.add_argument("--private-key", required=required, type=Path, metavar="FILE",
                         help=prefix + "PEM or DER private key (RSA-2048 or ECDSA P-256)")
    command.add_argument("--passphrase-env", metavar="VAR", default="CFSIGN_PASSPHRASE",
                         help=prefix + "environment variable holding the key's passphrase "
                                       "(default CFSIGN_PASSPHRASE; never pass secrets as arguments)")
    command.add_argument("--expires", required=required, metavar="WHEN", help=prefix + WHEN_HELP)
    command.add_argument("--starts", metavar="WHEN", help=prefix + "not valid before this time (custom policy)")
    command.add_argument("--ip", metavar="CIDR", help=prefix + "only for viewers in this IPv4 range (custom policy)")
    command.add_argument("--resource", metavar="PATTERN", help=prefix + "policy resource, e.g. https://host/videos/*")
    command.add_argument("--hash", choices=["sha1", "sha256"], default="sha1", type=str.lower,
                         help=prefix + "digest to sign with (default sha1; sha256 adds Hash-Algorithm=SHA256)")
    command.add_argument("--cookies", action="store_true", help=prefix + "signed cookies instead of a URL")
    command.add_argument("--domain", help=prefix + "Domain attribute for the Set-Cookie lines (with --cookies)")
    command.add_argument("--path", default="/", help=prefix + "Path attribute for the Set-Cookie lines (default /)")


def add_artifact(command: argparse.ArgumentParser, *, optional: bool = False) -> None:
    command.add_argument("artifact", nargs="?" if optional else None,
                         help="signed URL, Cookie header or Set-Cookie lines; - reads stdin")


def add_public_keys(command: argparse.ArgumentParser) -> None:
    command.add_argument("--public-key", action="append", default=[], metavar="ID=FILE",
                         help="a trusted public key and its key pair id (repeatable)")


def add_request_url(command: argparse.ArgumentParser) -> None:
    command.add_argument("--request-url", metavar="URL",
                         help="the URL the viewer requests (canned cookies need it)")


def add_judging(command: argparse.ArgumentParser) -> None:
    """What a request is judged with: the trusted keys, the time, the viewer's address, the URL."""
    add_public_keys(command)
    command.add_argument("--at", metavar="WHEN", help="judge as of this time (default: now), and count +10m "
                                                      "etc. from it. " + WHEN_HELP)
    command.add_argument("--client-ip", type=ip_address, metavar="IP",
                         help="the viewer's IP address as CloudFront sees it")
    add_request_url(command)


def add_json(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="machine-readable output")


# --- reading them -----------------------------------------------------------------------------

def port(text: str) -> int:
    """``--port``: a TCP port number, 0 (any free port) to 65535."""
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a port; use 0 to 65535 (0 picks a free one)")
    return int(text)


def ip_address(text: str) -> str:
    """``--client-ip``: one IPv4 or IPv6 address, as CloudFront sees the viewer."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:60]!r} is not an IP address; give the viewer's address, "
                                         "e.g. 203.0.113.7 or 2001:db8::7") from None


def signer(args: argparse.Namespace) -> Signer:
    """The signer the signing options describe (the passphrase comes from the environment)."""
    passphrase = os.environ.get(args.passphrase_env) or None
    return Signer(args.key_pair_id, args.private_key, passphrase=passphrase,
                  hash_algorithm=getattr(args, "hash", "sha1"))


def public_keys(items: list[str]) -> dict[str, PublicKey]:
    """``--public-key ID=FILE`` options as a mapping of key pair ids to public keys."""
    keys: dict[str, PublicKey] = {}
    for item in items:
        key_id, eq, path = item.partition("=")
        if not eq or not key_id or not path:
            raise InputError(f"--public-key takes ID=FILE (e.g. K2JCJMDEHXQW5F=public_key.pem), got {item!r}")
        keys[key_id] = load_public_key(Path(path))
    return keys


def read_artifact(text: str) -> str:
    """The artifact as given, or read from stdin for ``-``."""
    return _read_stdin() if text == "-" else text


def read_text(value: str, option: str) -> str:
    """An option's text: as given, ``@FILE`` read from a file, or ``-`` from stdin (within :data:`STDIN_LIMIT`)."""
    if value == "-":
        return _read_stdin()
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    with path.open("rb") as handle:  # an OSError is reported by main() as one line
        data = handle.read(STDIN_LIMIT + 1)
    if len(data) > STDIN_LIMIT:
        raise InputError(f"{option} {value[:200]!r} is larger than {STDIN_LIMIT // 1024} KB; give just the text")
    return data.decode("utf-8-sig", "replace")


def _read_stdin() -> str:
    """Stdin as text, refusing (one line, exit 2) a closed or empty stdin, binary data or a flood."""
    stream = sys.stdin
    hint = "pipe the signed URL or cookies in (echo \"$URL\" | cfsign decode -) or pass them as the argument"
    if stream is None or stream.closed:
        raise InputError(f"'-' reads stdin, but stdin is closed; {hint}")
    source = getattr(stream, "buffer", stream)  # bytes when we can, so the decoding is ours to check
    try:
        data = source.read(STDIN_LIMIT + 1)
    except (OSError, ValueError) as err:  # EBADF on a closed descriptor, EISDIR for '< folder', ...
        raise InputError(f"'-' reads stdin, but it cannot be read ({getattr(err, 'strerror', None) or err}); "
                         f"{hint}") from None
    if len(data) > STDIN_LIMIT:
        raise InputError(f"stdin holds more than {STDIN_LIMIT // 1024} KB; a signed URL or cookie header is at "
                         "most a few KB, so pipe in just the artifact")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"stdin is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
                             "pipe in the signed URL or cookies as text") from None
    if not data.strip():
        raise InputError(f"'-' reads stdin, but stdin is empty; {hint}")
    return data
