"""``cfsign``: sign, generate keys (and decode, verify, diagnose, trace) from a terminal.

Text for people, ``--json`` for scripts. Exit status: 0 success (for ``diagnose``: the request
would be served), 1 a check failed, 2 a usage error or input that cannot be used (with a message
saying how to fix it).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO

from . import __version__
from .decode import decode
from .diagnose import diagnose, verify
from .errors import CfSignError
from .extras import require
from .keys import PublicKey, generate_key, load_public_key
from .signer import Signer, set_cookie_headers
from .times import format_epoch, parse_when

Handler = Callable[[argparse.Namespace], int]


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
        _fail(args.command, str(err))
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except OSError as err:
        _fail(args.command, _os_error(err))
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, with the shell's code for SIGINT
        return 130
    except Exception as err:  # a bug met by some input: still one line, and a way to report it
        _fail(args.command, f"unexpected {type(err).__name__}: {str(err)[:300]} (a bug in cfsign_nb "
                            f"{__version__}; please report it with the command that caused it)")
    return 2


def _fail(command: str, message: str) -> None:
    """Write ``cfsign COMMAND: error: MESSAGE`` as one line on stderr, whatever characters the message holds."""
    _write(f"cfsign {command}: error: {_one_line(message)}", sys.stderr)


def _os_error(err: OSError) -> str:
    """An OSError from reading or writing a file, as what failed and how to fix it."""
    name = f" {str(err.filename)!r}" if err.filename is not None else ""
    return (f"cannot use{name}: {err.strerror or err}; check that the path exists, is a file (not a folder) "
            "and that you may read (or write) it")


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
"""Characters a terminal acts on or cannot show: controls (escape sequences), bidi overrides, lone surrogates."""
_UNSAFE_IN_A_LINE = re.compile(_UNSAFE.pattern[:-1] + r"\t\n]")


def _one_line(text: str) -> str:
    """``text`` with newlines, tabs and other unsafe characters shown as escapes (``\\n``, ``\\x1b``)."""
    return _UNSAFE_IN_A_LINE.sub(_escape, text)


def _printable(text: str) -> str:
    """Output text with unsafe characters (terminal escapes, lone surrogates) escaped; lines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return ascii(match.group())[1:-1]


def _write(text: str, stream: TextIO | None) -> None:
    """Write ``text`` and a newline to ``stream`` in its encoding, escaping what it cannot encode."""
    if stream is None:  # pragma: no cover - started with the stream closed
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    stream.flush()


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error reported as one line that points to ``--help``."""

    def error(self, message: str) -> NoReturn:
        _write(f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)", sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cfsign",
        description="CloudFront signed URLs and cookies: sign, decode, verify, diagnose.",
    )
    parser.add_argument("--version", action="version", version=f"cfsign_nb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sign = commands.add_parser("sign", help="sign a URL (or make signed cookies)")
    sign.add_argument("url", help="the URL the viewer will request (the resource, for --cookies)")
    _add_key_arguments(sign)
    sign.add_argument("--expires", required=True, metavar="WHEN", help=_WHEN_HELP)
    sign.add_argument("--starts", metavar="WHEN", help="not valid before this time (custom policy)")
    sign.add_argument("--ip", metavar="CIDR", help="only for viewers in this IPv4 range (custom policy)")
    sign.add_argument("--resource", metavar="PATTERN", help="policy resource, e.g. https://host/videos/*")
    sign.add_argument("--hash", choices=["sha1", "sha256"], default="sha1", type=str.lower,
                      help="digest to sign with (default sha1; sha256 adds Hash-Algorithm=SHA256)")
    sign.add_argument("--cookies", action="store_true", help="print signed cookies instead of a URL")
    sign.add_argument("--domain", help="Domain attribute for the Set-Cookie lines (with --cookies)")
    sign.add_argument("--path", default="/", help="Path attribute for the Set-Cookie lines (default /)")
    sign.add_argument("--json", action="store_true", help="machine-readable output")
    sign.set_defaults(handler=_sign)

    decode_ = commands.add_parser("decode", help="take a signed URL or cookies apart (nothing verified)")
    decode_.add_argument("artifact", help="signed URL, Cookie header or Set-Cookie lines; - reads stdin")
    decode_.add_argument("--request-url", metavar="URL", help="the URL requested (canned cookies need it)")
    decode_.add_argument("--json", action="store_true", help="machine-readable output")
    decode_.set_defaults(handler=_decode)

    trace = commands.add_parser("trace", help="show every stage of decoding an artifact, or of signing (--sign)")
    trace.add_argument("artifact", nargs="?", help="signed URL, Cookie header or Set-Cookie lines; - reads stdin")
    trace.add_argument("--sign", metavar="URL", help="trace signing this URL instead (the resource, with --cookies)")
    trace.add_argument("--key-pair-id", metavar="ID", help="with --sign: the CloudFront public key id")
    trace.add_argument("--private-key", type=Path, metavar="FILE", help="with --sign: PEM or DER private key")
    trace.add_argument("--passphrase-env", metavar="VAR", default="CFSIGN_PASSPHRASE",
                       help="with --sign: environment variable holding the key's passphrase")
    trace.add_argument("--expires", metavar="WHEN", help="with --sign: " + _WHEN_HELP)
    trace.add_argument("--starts", metavar="WHEN", help="with --sign: not valid before this time")
    trace.add_argument("--ip", metavar="CIDR", help="with --sign: only for viewers in this IPv4 range")
    trace.add_argument("--resource", metavar="PATTERN", help="with --sign: policy resource")
    trace.add_argument("--hash", choices=["sha1", "sha256"], default="sha1", type=str.lower,
                       help="with --sign: digest to sign with (default sha1)")
    trace.add_argument("--cookies", action="store_true", help="with --sign: trace signed cookies")
    trace.add_argument("--domain", help="with --sign --cookies: Domain attribute of the Set-Cookie lines")
    trace.add_argument("--path", default="/", help="with --sign --cookies: Path attribute (default /)")
    trace.add_argument("--public-key", action="append", default=[], metavar="ID=FILE",
                       help="a trusted public key and its key pair id (repeatable)")
    trace.add_argument("--at", metavar="WHEN", help="judge as of this time, and count +10m etc. from it")
    trace.add_argument("--client-ip", type=_ip_address, metavar="IP",
                       help="the viewer's IP address as CloudFront sees it")
    trace.add_argument("--request-url", metavar="URL", help="the URL the viewer requests (canned cookies need it)")
    trace.add_argument("--json", action="store_true", help="machine-readable output")
    trace.set_defaults(handler=_trace)

    verify_ = commands.add_parser("verify", help="check a signature against a public key")
    verify_.add_argument("artifact", help="signed URL, Cookie header or Set-Cookie lines; - reads stdin")
    verify_.add_argument("--public-key", required=True, type=Path, metavar="FILE",
                         help="the public key PEM (as uploaded to CloudFront) or the private key")
    verify_.add_argument("--hash", choices=["sha1", "sha256"], type=str.lower,
                         help="digest to check (default: what the artifact says, else SHA-1)")
    verify_.add_argument("--request-url", metavar="URL", help="the URL requested (canned cookies need it)")
    verify_.set_defaults(handler=_verify)

    diagnose_ = commands.add_parser("diagnose", help="say why CloudFront would refuse a request, and the fix")
    diagnose_.add_argument("artifact", help="signed URL (or, with --cookie, the requested URL); - reads stdin")
    diagnose_.add_argument("--cookie", metavar="HEADER", help="the Cookie header or Set-Cookie lines sent")
    diagnose_.add_argument("--public-key", action="append", default=[], metavar="ID=FILE",
                           help="a trusted public key and its key pair id (repeatable)")
    diagnose_.add_argument("--at", metavar="WHEN", help="judge as of this time (default: now). " + _WHEN_HELP)
    diagnose_.add_argument("--client-ip", type=_ip_address, metavar="IP",
                           help="the viewer's IP address as CloudFront sees it")
    diagnose_.add_argument("--request-url", metavar="URL", help="the URL the viewer requests")
    diagnose_.add_argument("--json", action="store_true", help="machine-readable output")
    diagnose_.set_defaults(handler=_diagnose)

    edge = commands.add_parser("edge", help="serve a folder on 127.0.0.1 the way a CloudFront edge would")
    edge.add_argument("--config", required=True, type=Path, metavar="DIST.json",
                      help="output of 'aws cloudfront get-distribution' (or get-distribution-config)")
    edge.add_argument("--public-key", action="append", default=[], metavar="ID=FILE",
                      help="a public key the distribution's key groups hold (repeatable)")
    edge.add_argument("--root", required=True, type=Path, metavar="FOLDER", help="the folder to serve")
    edge.add_argument("--port", type=_port, default=8080, help="port on 127.0.0.1 (default 8080; 0 = any free port)")
    edge.add_argument("--log", type=Path, metavar="FILE", help="write a CloudFront-format access log here")
    edge.set_defaults(handler=_edge)

    keygen = commands.add_parser("keygen", help="generate a key pair CloudFront accepts")
    keygen.add_argument("--type", choices=["rsa", "ecdsa"], default="ecdsa",
                        help="rsa (RSA-2048) or ecdsa (P-256, default: shorter URLs, faster)")
    keygen.add_argument("--out", required=True, type=Path,
                        help="file for the private key (written with mode 0600; never printed)")
    keygen.add_argument("--public-out", type=Path, metavar="FILE",
                        help="also write the public key PEM here (what you upload to CloudFront)")
    keygen.add_argument("--passphrase-env", metavar="VAR",
                        help="encrypt the private key with the passphrase in this environment variable")
    keygen.add_argument("--json", action="store_true", help="machine-readable output")
    keygen.set_defaults(handler=_keygen)
    return parser


def _port(text: str) -> int:
    """``--port``: a TCP port number, 0 (any free port) to 65535."""
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a port; use 0 to 65535 (0 picks a free one)")
    return int(text)


def _ip_address(text: str) -> str:
    """``--client-ip``: one IPv4 or IPv6 address, as CloudFront sees the viewer."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:60]!r} is not an IP address; give the viewer's address, "
                                         "e.g. 203.0.113.7 or 2001:db8::7") from None


_WHEN_HELP = ("ISO-8601 (2026-12-31T23:59:00Z), epoch seconds, or +10m / +2h / +7d from now "
              "(a past offset needs '=': --expires=-1h)")


def _add_key_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--key-pair-id", required=True, metavar="ID",
                         help="the CloudFront public key id, e.g. K2JCJMDEHXQW5F")
    command.add_argument("--private-key", required=True, type=Path, metavar="FILE",
                         help="PEM or DER private key (RSA-2048 or ECDSA P-256)")
    command.add_argument("--passphrase-env", metavar="VAR", default="CFSIGN_PASSPHRASE",
                         help="environment variable holding the key's passphrase "
                              "(default CFSIGN_PASSPHRASE; never pass secrets as arguments)")


def _signer(args: argparse.Namespace) -> Signer:
    passphrase = os.environ.get(args.passphrase_env) or None
    return Signer(args.key_pair_id, args.private_key, passphrase=passphrase,
                  hash_algorithm=getattr(args, "hash", "sha1"))


def _sign(args: argparse.Namespace) -> int:
    signer = _signer(args)
    now = int(time.time())
    expires = parse_when(args.expires, now=now)
    starts = parse_when(args.starts, now=now) if args.starts else None
    if expires <= now:
        _write(f"cfsign sign: warning: the expiry {format_epoch(expires)} has already passed; CloudFront "
               "will refuse this (signing anyway, e.g. for tests)", sys.stderr)
    if args.cookies:
        cookies = signer.sign_cookies(args.resource or args.url, expires=expires, starts=starts,
                                      ip_address=args.ip)
        lines = set_cookie_headers(cookies, domain=args.domain, path=args.path)
        _emit(args, {"cookies": cookies, "set_cookie": lines}, "\n".join(lines))
        return 0
    url = signer.sign_url(args.url, expires=expires, starts=starts, ip_address=args.ip,
                          resource=args.resource)
    _emit(args, {"url": url}, url)
    return 0


STDIN_LIMIT = 1024 * 1024
"""The most ``-`` reads from stdin: far more than any URL or cookie header (CloudFront takes 8 KB and 20 KB)."""


def _read_artifact(text: str) -> str:
    """The artifact as given, or read from stdin for ``-``."""
    return _read_stdin() if text == "-" else text


def _read_stdin() -> str:
    """Stdin as text, refusing (one line, exit 2) a closed or empty stdin, binary data or a flood."""
    stream = sys.stdin
    hint = "pipe the signed URL or cookies in (echo \"$URL\" | cfsign decode -) or pass them as the argument"
    if stream is None or stream.closed:
        raise CfSignError(f"'-' reads stdin, but stdin is closed; {hint}")
    source = getattr(stream, "buffer", stream)  # bytes when we can, so the decoding is ours to check
    try:
        data = source.read(STDIN_LIMIT + 1)
    except (OSError, ValueError) as err:  # EBADF on a closed descriptor, EISDIR for '< folder', ...
        raise CfSignError(f"'-' reads stdin, but it cannot be read ({getattr(err, 'strerror', None) or err}); "
                          f"{hint}") from None
    if len(data) > STDIN_LIMIT:
        raise CfSignError(f"stdin holds more than {STDIN_LIMIT // 1024} KB; a signed URL or cookie header is at "
                          "most a few KB, so pipe in just the artifact")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise CfSignError(f"stdin is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
                              "pipe in the signed URL or cookies as text") from None
    if not data.strip():
        raise CfSignError(f"'-' reads stdin, but stdin is empty; {hint}")
    return data


def _decode(args: argparse.Namespace) -> int:
    decoded = decode(_read_artifact(args.artifact), request_url=args.request_url)
    data = decoded.to_dict()
    data["problems"] = [p.to_dict() for p in decoded.problems]
    lines = [f"{name:15} {value}" for name, value in data.items() if name not in ("parameters", "problems")]
    lines += [str(p) for p in decoded.problems]
    _emit(args, data, "\n".join(lines))
    return 1 if any(p.severity == "error" for p in decoded.problems) else 0


def _verify(args: argparse.Namespace) -> int:
    path = args.public_key
    if not path.exists() and "=" in str(path):  # ID=FILE, as diagnose and trace take it
        path = Path(str(path).partition("=")[2])
    key = load_public_key(path)
    decoded = decode(_read_artifact(args.artifact), request_url=args.request_url)
    if decoded.signature is None or decoded.policy_bytes is None:
        missing = "a signature" if decoded.signature is None else "a policy (canned cookies need --request-url)"
        raise CfSignError(f"nothing to verify: the artifact has no usable {missing.removeprefix('a ')}; "
                          "run cfsign diagnose on it to see why")
    ok = verify(decoded, key, hash_algorithm=args.hash)
    _write(f"signature {'verifies' if ok else 'does NOT verify'} with the {key.description} key "
           f"{key.fingerprint}", sys.stdout)
    return 0 if ok else 1


def _trace(args: argparse.Namespace) -> int:
    from .stages import trace_decode, trace_sign

    now = parse_when(args.at) if args.at else None
    if args.sign is not None:
        if args.artifact is not None:
            raise CfSignError("give either an ARTIFACT to decode or --sign URL to sign, not both")
        missing = [flag for flag, value in (("--key-pair-id", args.key_pair_id),
                                            ("--private-key", args.private_key), ("--expires", args.expires))
                   if not value]
        if missing:
            raise CfSignError(f"cfsign trace --sign also needs {', '.join(missing)} (as cfsign sign does)")
        trace = trace_sign(_signer(args), args.sign, expires=parse_when(args.expires, now=now),
                           starts=parse_when(args.starts, now=now) if args.starts else None,
                           ip_address=args.ip, resource=args.resource, cookies=args.cookies, now=now,
                           cookie_domain=args.domain, cookie_path=args.path)
    else:
        if args.artifact is None:
            raise CfSignError("give the signed URL or cookies to trace (- reads stdin), or --sign URL "
                              "with --key-pair-id, --private-key and --expires")
        keys = _public_keys(args.public_key)
        trace = trace_decode(_read_artifact(args.artifact), public_keys=keys or None, now=now,
                             client_ip=args.client_ip, request_url=args.request_url)
    _emit(args, trace.to_dict(), str(trace))
    return 0 if trace.ok else 1


def _public_keys(items: list[str]) -> dict[str, PublicKey]:
    """``--public-key ID=FILE`` options as a mapping of key pair ids to public keys."""
    keys: dict[str, PublicKey] = {}
    for item in items:
        key_id, eq, path = item.partition("=")
        if not eq or not key_id or not path:
            raise CfSignError(f"--public-key takes ID=FILE (e.g. K2JCJMDEHXQW5F=public_key.pem), got {item!r}")
        keys[key_id] = load_public_key(Path(path))
    return keys


def _diagnose(args: argparse.Namespace) -> int:
    keys = _public_keys(args.public_key)
    if args.artifact == "-" and args.cookie == "-":
        raise CfSignError("only one of ARTIFACT and --cookie can be - (stdin); pass the other as an argument")
    artifact = _read_artifact(args.artifact)
    request_url = args.request_url
    if args.cookie is not None:
        artifact, request_url = _read_artifact(args.cookie), request_url or artifact.strip()
    result = diagnose(artifact, public_keys=keys or None, now=parse_when(args.at) if args.at else None,
                      client_ip=args.client_ip, request_url=request_url)
    _emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1


def _edge(args: argparse.Namespace) -> int:
    require("edge", needed_for="cfsign edge")  # before anything is read or bound
    from .edge import EdgeApp, serve

    keys = _public_keys(args.public_key)
    app = EdgeApp(args.config, keys, args.root, log_path=args.log)

    def banner(url: str) -> None:
        _write(f"cfsign edge: serving {args.root} on {url} (Ctrl-C stops)", sys.stderr)

    serve(app, port=args.port, on_ready=banner)  # binds first: a port in use fails before the banner
    return 0


def _keygen(args: argparse.Namespace) -> int:
    passphrase = os.environ.get(args.passphrase_env) if args.passphrase_env else None
    if args.passphrase_env and not passphrase:
        raise CfSignError(f"environment variable {args.passphrase_env} is empty or not set")
    out: Path = args.out
    public_out: Path | None = args.public_out
    if public_out is not None and os.path.abspath(public_out) == os.path.abspath(out):
        raise CfSignError("--out and --public-out name the same file; give the public key its own file")
    for flag, path in (("--out", out), ("--public-out", public_out)):
        if path is None:
            continue
        if path.exists() or path.is_symlink():
            raise CfSignError(f"{flag} {path} already exists; choose another file name or remove it first")
        if not path.parent.is_dir():
            raise CfSignError(f"{flag} {path}: the folder {path.parent} does not exist; create it first "
                              f"(mkdir -p {path.parent}) or choose another path")
    key = generate_key(args.type)
    private_pem, public_pem = key.private_pem(passphrase), key.public_key_pem()
    private = _create_new(out, 0o600)  # both files made (empty) before either is written
    try:
        public = _create_new(public_out, 0o644) if public_out is not None else None
    except OSError:
        private.close()
        out.unlink(missing_ok=True)  # the empty file just made: no private key is left behind
        raise
    with private:
        private.write(private_pem)
    if public is not None:
        with public:
            public.write(public_pem.encode("ascii"))
    info = {
        "private_key_file": str(out),
        "public_key_file": str(public_out) if public_out else None,
        "type": key.description,
        "fingerprint": key.fingerprint,
        "public_key_pem": public_pem,
    }
    if args.json:
        _emit(args, info, "")
        return 0
    saved = f" and the public key to {public_out}" if public_out else ""
    _write(f"wrote the {key.description} private key to {out} (mode 0600){saved}; fingerprint "
           f"{key.fingerprint}.\nUpload the public key below to CloudFront (Public keys > Create) and add "
           "it to a key group:", sys.stderr)
    _write(public_pem.rstrip("\n"), sys.stdout)
    return 0


def _create_new(path: Path, mode: int) -> BinaryIO:
    """Open a new file at ``path`` with ``mode`` for writing; never an existing one (O_EXCL)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb")


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        _write(json.dumps(data, indent=2), sys.stdout)  # ensure_ascii: surrogates and controls come escaped
    else:
        _write(_printable(text), sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
