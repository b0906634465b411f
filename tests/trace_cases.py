"""What the trace tests share: artifacts built by hand with cryptography and base64, never through cfsign_nb."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from cfsign_nb import Policy, PrivateKey, Signer

from .conftest import NOW, URL

EXPIRES = NOW + 3600
WILDCARD = URL.rsplit("/", 1)[0] + "/*"


def cf64(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


def canned_bytes(url: str, expires: int) -> bytes:
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
            % (url, expires)).encode()


def rsa_sign(key: PrivateKey, data: bytes, digest: hashes.HashAlgorithm) -> bytes:
    return key.key.sign(data, padding.PKCS1v15(), digest)


def without_signature(artifact: str) -> str:
    return "&".join(p for p in artifact.split("&") if not p.startswith("Signature="))


# Each case: keyword arguments for trace_sign / Signer.sign_url or sign_cookies.
CASES = {
    "canned": {"expires": EXPIRES},
    "custom-ip": {"expires": EXPIRES, "ip_address": "192.0.2.0/24"},
    "custom-starts": {"expires": EXPIRES, "starts": NOW - 60},
    "custom-wildcard": {"expires": EXPIRES, "resource": WILDCARD},
    "policy-object": {"policy": Policy(WILDCARD, EXPIRES, None, "198.51.100.7")},
    "canned-policy-object": {"policy": Policy(URL, EXPIRES)},
}


def signer_output(signer: Signer, cookies: bool, kwargs: dict) -> str | dict[str, str]:
    if cookies:
        target = kwargs.get("resource", URL) if "policy" not in kwargs else None
        rest = {k: v for k, v in kwargs.items() if k != "resource"}
        return signer.sign_cookies(target, **rest)
    return signer.sign_url(URL, **kwargs)
