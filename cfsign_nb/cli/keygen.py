"""``cfsign keygen``: a key pair CloudFront accepts, the private key written 0600 and never printed."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from ..keys import generate_key
from .options import add_json
from .output import emit, write

__all__ = ["add"]


def add(commands: Any) -> None:
    """Declare ``keygen`` on the ``cfsign`` subcommands."""
    keygen = commands.add_parser("keygen", help="generate a key pair CloudFront accepts")
    keygen.add_argument("--type", choices=["rsa", "ecdsa"], default="ecdsa",
                        help="rsa (RSA-2048) or ecdsa (P-256, default: shorter URLs, faster)")
    keygen.add_argument("--out", required=True, type=Path,
                        help="file for the private key (written with mode 0600; never printed)")
    keygen.add_argument("--public-out", type=Path, metavar="FILE",
                        help="also write the public key PEM here (what you upload to CloudFront)")
    keygen.add_argument("--passphrase-env", metavar="VAR",
                        help="encrypt the private key with the passphrase in this environment variable")
    add_json(keygen)
    keygen.set_defaults(handler=_keygen)


def _keygen(args: argparse.Namespace) -> int:
    passphrase = os.environ.get(args.passphrase_env) if args.passphrase_env else None
    if args.passphrase_env and not passphrase:
        raise InputError(f"environment variable {args.passphrase_env} is empty or not set")
    out: Path = args.out
    public_out: Path | None = args.public_out
    _check_targets(out, public_out)
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
    if args.json:
        emit(args, {"private_key_file": str(out), "public_key_file": str(public_out) if public_out else None,
                    "type": key.description, "fingerprint": key.fingerprint, "public_key_pem": public_pem}, "")
        return 0
    saved = f" and the public key to {public_out}" if public_out else ""
    write(f"wrote the {key.description} private key to {out} (mode 0600){saved}; fingerprint "
          f"{key.fingerprint}.\nUpload the public key below to CloudFront (Public keys > Create) and add "
          "it to a key group:", sys.stderr)
    write(public_pem.rstrip("\n"), sys.stdout)
    return 0


def _check_targets(out: Path, public_out: Path | None) -> None:
    """Refuse files that exist (never overwrite a key), the same file twice, or a missing folder."""
    if public_out is not None and os.path.abspath(public_out) == os.path.abspath(out):
        raise InputError("--out and --public-out name the same file; give the public key its own file")
    for flag, path in (("--out", out), ("--public-out", public_out)):
        if path is None:
            continue
        if path.exists() or path.is_symlink():
            raise InputError(f"{flag} {path} already exists; choose another file name or remove it first")
        if not path.parent.is_dir():
            raise InputError(f"{flag} {path}: the folder {path.parent} does not exist; create it first "
                             f"(mkdir -p {path.parent}) or choose another path")


def _create_new(path: Path, mode: int) -> BinaryIO:
    """Open a new file at ``path`` with ``mode`` for writing; never an existing one (O_EXCL)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb")
