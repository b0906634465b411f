"""``cfsign decode``, ``trace``, ``verify`` and ``diagnose``: take an artifact apart and judge it.

Exit status 1 when the check fails (an error found, a signature that does not verify, a request
CloudFront would refuse), 0 when it holds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import extras
from ..decode import decode
from ..diagnosis import diagnose, verify
from ..errors import InputError
from ..keys import load_public_key
from ..settings import EXPIRES_AT, NOW, STARTS
from ..times import MAX_SECONDS, format_epoch, parse_when
from .options import (
    accept_past_offsets,
    add_artifact,
    add_json,
    add_judging,
    add_request_url,
    add_signing,
    public_keys,
    read_artifact,
    read_text,
    signer,
)
from .output import emit, for_cli, write

__all__ = ["add"]


def add(commands: Any) -> None:
    """Declare ``decode``, ``trace``, ``verify`` and ``diagnose`` on the ``cfsign`` subcommands."""
    decode_ = commands.add_parser("decode", help="take a signed URL or cookies apart (nothing verified)")
    add_artifact(decode_)
    add_request_url(decode_)
    add_json(decode_)
    decode_.set_defaults(handler=_decode)

    trace = accept_past_offsets(commands.add_parser(
        "trace", help="show every stage of decoding an artifact, or of signing (--sign)"))
    add_artifact(trace, optional=True)
    trace.add_argument("--sign", metavar="URL", help="trace signing this URL instead (the resource, with --cookies)")
    add_signing(trace, required=False, prefix="with --sign: ")
    add_judging(trace)
    add_json(trace)
    trace.set_defaults(handler=_trace)

    verify_ = accept_past_offsets(commands.add_parser("verify", help="check a signature against a public key"))
    add_artifact(verify_)
    verify_.add_argument("--public-key", required=True, type=Path, metavar="FILE",
                         help="the public key PEM (as uploaded to CloudFront) or the private key")
    verify_.add_argument("--hash", choices=["sha1", "sha256"], type=str.lower,
                         help="digest to check (default: what the artifact says, else SHA-1)")
    add_request_url(verify_)
    verify_.set_defaults(handler=_verify)

    diagnose_ = accept_past_offsets(commands.add_parser(
        "diagnose", help="say why CloudFront would refuse a request, and the fix"))
    diagnose_.add_argument("artifact", nargs="?",
                           help="signed URL, cookies, or any pasted text holding them (a curl command, a raw "
                                "request, a log line...); with --cookie, the requested URL; - reads stdin")
    diagnose_.add_argument("--cookie", metavar="HEADER", help="the Cookie header or Set-Cookie lines sent")
    diagnose_.add_argument("--response", metavar="TEXT", help="what CloudFront answered (status line, headers and "
                                                             "body, or the XML body); @FILE reads a file, - stdin")
    diagnose_.add_argument("--har", metavar="FILE", type=Path,
                           help="diagnose a browser session: every request to CloudFront in this HAR file "
                                "(the network panel's 'Save all as HAR'), failing rows first")
    add_judging(diagnose_)
    add_json(diagnose_)
    diagnose_.set_defaults(handler=_diagnose)


def _decode(args: argparse.Namespace) -> int:
    decoded = decode(read_artifact(args.artifact), request_url=args.request_url)
    problems = [for_cli(p) for p in decoded.problems]
    data = decoded.to_dict()
    data["problems"] = [p.to_dict() for p in problems]
    lines = [f"{name:15} {_shown(name, value)}" for name, value in data.items()
             if name not in ("parameters", "problems")]
    lines += [str(p) for p in problems]
    emit(args, data, "\n".join(lines))
    return 1 if any(p.severity == "error" for p in decoded.problems) else 0


def _shown(name: str, value: object) -> object:
    """A decoded value for people: a time as its UTC date with the epoch beside it (JSON keeps the epoch)."""
    if name in ("expires", "starts") and type(value) is int and 0 <= value < MAX_SECONDS:
        return f"{format_epoch(value)} ({value})"
    return value


def _verify(args: argparse.Namespace) -> int:
    path = args.public_key
    if not path.exists() and "=" in str(path):  # ID=FILE, as diagnose and trace take it
        path = Path(str(path).partition("=")[2])
    key = load_public_key(path)
    decoded = decode(read_artifact(args.artifact), request_url=args.request_url)
    if decoded.signature is None or decoded.policy_bytes is None:
        missing = "a signature" if decoded.signature is None else "a policy (canned cookies need --request-url)"
        raise InputError(f"nothing to verify: the artifact has no usable {missing.removeprefix('a ')}; "
                         "run cfsign diagnose on it to see why")
    ok = verify(decoded, key, hash_algorithm=args.hash)
    write(f"signature {'verifies' if ok else 'does NOT verify'} with the {key.description} key "
          f"{key.fingerprint}", sys.stdout)
    return 0 if ok else 1


def _trace(args: argparse.Namespace) -> int:
    from ..trace import trace_decode, trace_sign  # the trace layer only when asked for

    now = parse_when(args.at, setting=NOW) if args.at else None
    if args.sign is not None:
        if args.artifact is not None:
            raise InputError("give either an ARTIFACT to decode or --sign URL to sign, not both")
        missing = [flag for flag, value in (("--key-pair-id", args.key_pair_id),
                                            ("--private-key", args.private_key), ("--expires", args.expires))
                   if not value]
        if missing:
            raise InputError(f"cfsign trace --sign also needs {', '.join(missing)} (as cfsign sign does)")
        trace = trace_sign(signer(args), args.sign, expires=parse_when(args.expires, now=now, setting=EXPIRES_AT),
                           starts=parse_when(args.starts, now=now, setting=STARTS) if args.starts else None,
                           ip_address=args.ip, resource=args.resource, cookies=args.cookies, now=now,
                           cookie_domain=args.domain, cookie_path=args.path)
    else:
        if args.artifact is None:
            raise InputError("give the signed URL or cookies to trace (- reads stdin), or --sign URL "
                             "with --key-pair-id, --private-key and --expires")
        keys = public_keys(args.public_key)
        trace = trace_decode(read_artifact(args.artifact), public_keys=keys or None, now=now,
                             client_ip=args.client_ip, request_url=args.request_url)
    trace = for_cli(trace)
    emit(args, trace.to_dict(), str(trace))
    return 0 if trace.ok else 1


def _diagnose(args: argparse.Namespace) -> int:
    keys = public_keys(args.public_key)
    if args.har is not None:
        return _diagnose_har(args, keys)
    if args.artifact is None:
        raise InputError("give the signed URL, the cookies or any pasted text holding them (- reads stdin), "
                         "or --har FILE for a browser session")
    if [args.artifact, args.cookie, args.response].count("-") > 1:
        raise InputError("only one of ARTIFACT and --cookie (or --response) can be - (stdin); pass the others "
                         "as arguments (--response also takes @FILE)")
    artifact = read_artifact(args.artifact)
    request_url = args.request_url
    if args.cookie is not None:
        artifact, request_url = read_artifact(args.cookie), request_url or artifact.strip()
    response = read_text(args.response, "--response") if args.response is not None else None
    result = diagnose(artifact, public_keys=keys or None, now=parse_when(args.at, setting=NOW) if args.at else None,
                      client_ip=args.client_ip, request_url=request_url, response=response)
    result = for_cli(result)
    emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1


def _diagnose_har(args: argparse.Namespace, keys: dict[str, Any]) -> int:
    """``cfsign diagnose --har FILE``: the session's requests to CloudFront, failing first; 1 when any failed."""
    given = [flag for flag, value in (("ARTIFACT", args.artifact), ("--cookie", args.cookie),
                                      ("--response", args.response), ("--at", args.at),
                                      ("--client-ip", args.client_ip), ("--request-url", args.request_url))
             if value is not None]
    if given:
        raise InputError(f"--har reads each request, its time, cookies and response from the HAR; drop "
                         f"{', '.join(given)}")
    extras.require("pandas", needed_for="cfsign diagnose --har")
    from .har_table import har_json, har_text, read_har  # the pandas layer only when asked for

    table = read_har(args.har, keys)
    emit(args, har_json(table), har_text(table))
    return 1 if bool(table["failed"].fillna(True).any()) else 0
