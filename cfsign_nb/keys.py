"""Load, generate and describe the keys CloudFront accepts: RSA-2048 and ECDSA P-256.

:class:`PrivateKey` and :class:`PublicKey` wrap ``cryptography`` keys with the two operations
CloudFront needs (sign and verify over SHA-1 or SHA-256) and reprs that never show key material.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x448, x25519

from .errors import CfSignWarning, InputError, KeyLoadError
from .protocol import HASH_ALGORITHMS, KEY_TYPES, HashName
from .settings import GENERATE_ECDSA, GENERATE_KEY, PASSPHRASE

KeyAlgorithm = Literal["RSA", "ECDSA"]

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "SHA1": hashes.SHA1(),
    "SHA256": hashes.SHA256(),
}
_PKCS1 = padding.PKCS1v15()
# Every key type cryptography can load, so the wrong ones get our error rather than a TypeError.
_PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey,
                      ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey, x25519.X25519PrivateKey,
                      x448.X448PrivateKey)
_PUBLIC_KEY_TYPES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey,
                     ed25519.Ed25519PublicKey, ed448.Ed448PublicKey, x25519.X25519PublicKey,
                     x448.X448PublicKey)
_ECDSA = {name: ec.ECDSA(algorithm) for name, algorithm in _HASHES.items()}

PrivateKeySource = Union[str, bytes, "os.PathLike[str]", rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, "PrivateKey"]
PublicKeySource = Union[
    str, bytes, "os.PathLike[str]", rsa.RSAPublicKey, ec.EllipticCurvePublicKey, "PublicKey", "PrivateKey"
]


def check_hash_algorithm(name: object) -> HashName:
    """Normalise ``"sha256"``/``"SHA-256"`` etc. to CloudFront's spelling, or raise."""
    if isinstance(name, str):
        upper = name.upper().replace("-", "").replace("_", "")
        if upper in HASH_ALGORITHMS:
            return upper
    raise InputError(
        f"hash algorithm {name!r} is not one CloudFront accepts; use 'SHA1' (the default) or 'SHA256'"
    )


@dataclass(frozen=True, repr=False, eq=False)
class PublicKey:
    """A public key CloudFront can hold in a key group; verifies signatures."""

    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey = field(repr=False)

    @property
    def algorithm(self) -> KeyAlgorithm:
        return "RSA" if isinstance(self.key, rsa.RSAPublicKey) else "ECDSA"

    @property
    def size(self) -> int:
        return self.key.key_size

    @property
    def description(self) -> str:
        """``'RSA-2048'`` or ``'ECDSA P-256'``."""
        return f"RSA-{self.size}" if self.algorithm == "RSA" else "ECDSA P-256"

    @property
    def accepted(self) -> bool:
        """Whether a CloudFront key group accepts this key (RSA-2048 or ECDSA P-256)."""
        return self.description in KEY_TYPES

    def to_pem(self) -> str:
        """The ``-----BEGIN PUBLIC KEY-----`` PEM to upload to CloudFront."""
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo, as colon-separated hex (first 16 bytes)."""
        digest = hashes.Hash(hashes.SHA256())
        digest.update(
            self.key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return ":".join(f"{b:02x}" for b in digest.finalize()[:16])

    def verify(self, signature: bytes, data: bytes, hash_algorithm: str = "SHA1") -> bool:
        """True when ``signature`` is this key's signature of ``data`` (RSA PKCS#1 v1.5 or ECDSA DER)."""
        return self.verifier(hash_algorithm)(signature, data)

    def verifier(self, hash_algorithm: str = "SHA1") -> Callable[[bytes, bytes], bool]:
        """A two-argument ``verify(signature, data) -> bool`` with padding and hash bound once.

        The one RSA/ECDSA verify dispatch: :meth:`verify` and the batch fast path both use it.
        """
        name = check_hash_algorithm(hash_algorithm)
        key = self.key
        # Positional arguments bound as defaults, as in PrivateKey.signing_function.
        if isinstance(key, rsa.RSAPublicKey):

            def verify_rsa(signature: bytes, data: bytes, _verify: Any = key.verify,
                           _hash: Any = _HASHES[name]) -> bool:
                try:
                    _verify(signature, data, _PKCS1, _hash)
                except (InvalidSignature, ValueError):
                    return False
                return True

            return verify_rsa

        def verify_ecdsa(signature: bytes, data: bytes, _verify: Any = key.verify,
                         _algorithm: Any = _ECDSA[name]) -> bool:
            try:
                _verify(signature, data, _algorithm)
            except (InvalidSignature, ValueError):
                return False
            return True

        return verify_ecdsa

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"PublicKey({self.description}, fingerprint={self.fingerprint})"


@dataclass(frozen=True, repr=False, eq=False)
class PrivateKey:
    """A loaded private key; signs CloudFront policies. Its repr shows only type and fingerprint."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    @property
    def algorithm(self) -> KeyAlgorithm:
        return "RSA" if isinstance(self.key, rsa.RSAPrivateKey) else "ECDSA"

    @property
    def size(self) -> int:
        return self.key.key_size

    @property
    def description(self) -> str:
        return self.public_key.description

    @property
    def fingerprint(self) -> str:
        return self.public_key.fingerprint

    def public_key_pem(self) -> str:
        """The public key PEM to upload to CloudFront (``aws cloudfront create-public-key``)."""
        return self.public_key.to_pem()

    def sign(self, data: bytes, hash_algorithm: str = "SHA1") -> bytes:
        """Sign ``data``: RSA PKCS#1 v1.5, or an ASN.1 DER ECDSA signature, over SHA-1 or SHA-256."""
        name = check_hash_algorithm(hash_algorithm)
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, _PKCS1, _HASHES[name])
        return self.key.sign(data, _ECDSA[name])

    def signing_function(self, hash_algorithm: str = "SHA1") -> Callable[[bytes], bytes]:
        """A one-argument ``sign(data)`` with padding and hash bound once (the hot path of a Signer)."""
        name = check_hash_algorithm(hash_algorithm)
        key = self.key
        # Positional arguments bound as defaults: keyword arguments cost ~1 µs per call here.
        if isinstance(key, rsa.RSAPrivateKey):

            def sign_rsa(data: bytes, _sign: Any = key.sign, _hash: Any = _HASHES[name]) -> bytes:
                return _sign(data, _PKCS1, _hash)  # type: ignore[no-any-return]

            return sign_rsa

        def sign_ecdsa(data: bytes, _sign: Any = key.sign, _algorithm: Any = _ECDSA[name]) -> bytes:
            return _sign(data, _algorithm)  # type: ignore[no-any-return]

        return sign_ecdsa

    def private_pem(self, passphrase: str | bytes | None = None) -> bytes:
        """Serialise as PKCS#8 PEM (encrypted when a passphrase is given), e.g. to save to a file."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(_as_bytes(passphrase))
            if passphrase
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateKey) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"PrivateKey({self.description}, fingerprint={self.fingerprint})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(
            "PrivateKey is not picklable, so key material cannot leak into caches or "
            "multiprocessing queues; pass the PEM path and load the key in the worker"
        )


def generate_key(kind: str = "rsa") -> PrivateKey:
    """A fresh key CloudFront accepts: ``"rsa"`` (RSA-2048) or ``"ecdsa"`` (P-256)."""
    normalized = str(kind).lower().replace("-", "")
    if normalized in ("rsa", "rsa2048"):
        return PrivateKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    if normalized in ("ecdsa", "ec", "p256", "ecdsap256"):
        return PrivateKey(ec.generate_private_key(ec.SECP256R1()))
    raise KeyLoadError(f"cannot generate a {kind!r} key; CloudFront accepts 'rsa' (RSA-2048) or 'ecdsa' (P-256)")


def load_private_key(source: PrivateKeySource, passphrase: str | bytes | None = None) -> PrivateKey:
    """Load a private key from PEM or DER (PKCS#1, PKCS#8 or SEC1) text, bytes, a path or a key object.

    Raises :class:`KeyLoadError` with the fix when the key is encrypted and no passphrase was
    given, the passphrase is wrong, or the key type is one CloudFront does not accept.
    """
    if isinstance(source, PrivateKey):
        return source
    if isinstance(source, _PRIVATE_KEY_TYPES):
        return _checked_private(source)
    if isinstance(source, (*_PUBLIC_KEY_TYPES, PublicKey)):
        raise KeyLoadError("this is a public key; signing needs the private key (keep it out of CloudFront)")
    data = _read_source(source, "private key")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise KeyLoadError(
            "this is a public key PEM; signing needs the private key that goes with it "
            "(the public one is what you upload to CloudFront)"
        )
    password = _as_bytes(passphrase) if passphrase else None
    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        key = loader(data, password=password)
    except TypeError as err:
        reason = str(err).lower()
        if "not encrypted" in reason:
            raise KeyLoadError("a passphrase was given but the key is not encrypted; drop the passphrase") from None
        if "encrypted" in reason or "password was not given" in reason:
            raise KeyLoadError(
                f"the private key is encrypted; pass its passphrase ({PASSPHRASE.python})"
            ) from None
        raise KeyLoadError(f"cannot load the private key: {_safe_reason(err)}") from None
    except UnsupportedAlgorithm:
        raise KeyLoadError(
            "the private key uses an algorithm this cryptography build cannot load; "
            "CloudFront accepts RSA-2048 and ECDSA P-256 keys"
        ) from None
    except ValueError as err:
        reason = str(err).lower()
        if password is not None and ("password" in reason or "decrypt" in reason or _is_encrypted(loader, data)):
            raise KeyLoadError("the passphrase is wrong for this encrypted private key") from None
        raise KeyLoadError(
            "cannot read a private key from this data: it must be PEM "
            "('-----BEGIN ... PRIVATE KEY-----') or DER in PKCS#1, PKCS#8 or SEC1 form "
            f"({_safe_reason(err)})"
        ) from None
    return _checked_private(key)


def _is_encrypted(loader: Callable[..., object], data: bytes) -> bool:
    """True when ``data`` is an encrypted key: a wrong passphrase then fails in one of two ways.

    Most wrong passphrases break the cipher's padding ("Incorrect password"); about one in 250
    leaves valid padding over garbage, which fails as undecodable key data instead.
    """
    try:
        loader(data, password=None)
    except TypeError:
        return True
    except ValueError:
        return False
    return False


def load_public_key(source: PublicKeySource) -> PublicKey:
    """Load a public key from PEM/DER (SubjectPublicKeyInfo or PKCS#1), a path, or a key object.

    A private key is accepted too; its public half is used.
    """
    if isinstance(source, PublicKey):
        return source
    if isinstance(source, PrivateKey):
        return source.public_key
    if isinstance(source, _PUBLIC_KEY_TYPES):
        return _checked_public(source)
    if isinstance(source, _PRIVATE_KEY_TYPES):
        return _checked_public(source.public_key())
    data = _read_source(source, "public key")
    if b"PRIVATE KEY-----" in data:
        return load_private_key(data).public_key
    pem = b"-----BEGIN" in data
    try:
        key = (serialization.load_pem_public_key if pem else serialization.load_der_public_key)(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise KeyLoadError(
            "cannot read a public key from this data: it must be PEM "
            "('-----BEGIN PUBLIC KEY-----', as CloudFront shows it) or DER "
            f"({_safe_reason(err)})"
        ) from None
    return _checked_public(key)


def _checked_private(key: object) -> PrivateKey:
    _check_type(getattr(key, "public_key", lambda: key)())
    return PrivateKey(key)  # type: ignore[arg-type]


def _checked_public(key: object) -> PublicKey:
    _check_type(key)
    return PublicKey(key)  # type: ignore[arg-type]


def _check_type(public: object) -> None:
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size != 2048:
            warnings.warn(
                f"RSA-{public.key_size} key: CloudFront key groups accept only RSA-2048 "
                "(legacy CloudFront key pairs allowed 1024-4096 bits); generate an RSA-2048 "
                "key for anything new",
                CfSignWarning,
                stacklevel=4,
            )
        return
    if isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise KeyLoadError(
                f"ECDSA key on curve {public.curve.name}: CloudFront accepts only P-256 "
                f"(prime256v1/secp256r1); generate one with {GENERATE_ECDSA.python}"
            )
        return
    raise KeyLoadError(
        f"{type(public).__name__.lstrip('_')} keys are not accepted by CloudFront; "
        f"use RSA-2048 or ECDSA P-256 (generate one with {GENERATE_KEY.python})"
    )


def _read_source(source: object, what: str) -> bytes:
    if isinstance(source, os.PathLike):
        return _read_file(os.fspath(source), what)
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str):
        if "-----BEGIN" in source:
            return _repair_pem(source).encode("ascii", "replace")
        if "\n" not in source and len(source) < 4096 and os.path.isfile(os.path.expanduser(source)):
            return _read_file(os.path.expanduser(source), what)
        raise KeyLoadError(
            f"the {what} text is neither PEM ('-----BEGIN ...') nor a path to an existing file"
        )
    raise KeyLoadError(
        f"cannot load a {what} from {type(source).__name__}; give PEM text, bytes, a path "
        "or a cryptography key object"
    )


_PEM_RE = re.compile(r"(-----BEGIN [A-Z0-9 ]+-----)(.*?)(-----END [A-Z0-9 ]+-----)", re.DOTALL)


def _repair_pem(text: str) -> str:
    """Put a PEM pasted without its line breaks (password fields drop them) back into shape."""
    match = _PEM_RE.search(text)
    if match is None or "\n" in match.group(2).strip():
        return text.strip()
    header, body, footer = match.groups()
    if ":" in body:  # encrypted traditional PEM headers cannot be rebuilt from one line
        return text.strip()
    body = "".join(body.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([header, *lines, footer]) + "\n"


def _read_file(path: str | bytes, what: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as err:
        raise KeyLoadError(f"cannot read the {what} file {os.fsdecode(path)!r}: {err.strerror}") from None


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _safe_reason(err: Exception) -> str:
    """The first line of a cryptography error, without anything that could echo key bytes."""
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return reason[:160]
