"""CloudFront's own facts about signed requests, each defined once.

Parameter and cookie names, the canned policy template, the base64 alphabet CloudFront uses, the
size limits it enforces, and the errors it answers with. Everything else — the signer, the
decoder, the batch fast path, the edge — takes these from here (reference: cloudfront-signing.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "CANNED_TEMPLATE",
    "CLOUDFRONT_BASE64_PATTERN",
    "CLOUDFRONT_SUBSTITUTIONS",
    "COOKIE_LIMIT",
    "COOKIE_NAMES",
    "COOKIE_PREFIX",
    "ERROR_CODES",
    "ERROR_MESSAGES",
    "HASH_ALGORITHMS",
    "KEY_TYPES",
    "LONG_LIFETIME_SECONDS",
    "REQUEST_LIMIT",
    "SIGNED_QUERY_PATTERN",
    "SIGNING_PARAMETERS",
    "URL_LIMIT",
    "CloudFrontError",
    "HashName",
    "cookie_name",
    "error_body",
    "signing_names",
    "strip_signing",
]

SIGNING_PARAMETERS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
"""The query parameters of a signed URL, in the order signers append them (section 1.3)."""

COOKIE_PREFIX = "CloudFront-"
COOKIE_NAMES = tuple(COOKIE_PREFIX + name for name in SIGNING_PARAMETERS)
"""The signed cookies, one per signing parameter (section 4.1)."""

HashName = Literal["SHA1", "SHA256"]
KEY_TYPES = ("RSA-2048", "ECDSA P-256")
"""The public keys a CloudFront key group accepts (section 5.1)."""

HASH_ALGORITHMS: tuple[HashName, ...] = get_args(HashName)
"""The values ``Hash-Algorithm`` may take; SHA1 is assumed when it is absent (section 5.2)."""

CANNED_TEMPLATE = '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
"""The policy CloudFront rebuilds for a canned signature, byte for byte (section 1.1)."""

CLOUDFRONT_SUBSTITUTIONS = (("+", "-"), ("=", "_"), ("/", "~"))
"""Standard base64 character → the one CloudFront uses in its place (section 3)."""

CLOUDFRONT_BASE64_PATTERN = r"[A-Za-z0-9~-]*_{0,2}"
"""CloudFront-safe base64: standard base64 with ``+``→``-``, ``=``→``_``, ``/``→``~`` (section 3)."""

URL_LIMIT = 8192
"""The longest URL CloudFront accepts, in bytes (section 7)."""

REQUEST_LIMIT = 20480
"""The longest request CloudFront accepts, headers and query included, body excluded (section 7)."""

COOKIE_LIMIT = 4096
"""What browsers keep of one cookie, name and value (section 4.4)."""

LONG_LIFETIME_SECONDS = 30 * 86400
"""Signatures valid longer than this are worth a warning: a leaked URL stays usable for long."""

CloudFrontError = Literal["MissingKey", "InvalidKey", "MalformedPolicy", "MalformedSignature", "AccessDenied"]

ERROR_MESSAGES: Mapping[str, str] = MappingProxyType({
    "MissingKey": "Missing Key-Pair-Id query parameter or cookie value",
    "InvalidKey": "Unknown Key",
    "MalformedPolicy": "Malformed Policy",
    "MalformedSignature": "Could not unencode Signature",
    "AccessDenied": "Access denied",
})
"""The 403 codes CloudFront answers a refused signed request with, and their messages (section 6)."""

ERROR_CODES: tuple[CloudFrontError, ...] = get_args(CloudFrontError)

_SIGNING_NAMES = frozenset(SIGNING_PARAMETERS)


def cookie_name(parameter: str) -> str:
    """The cookie that carries a signing parameter: ``Policy`` → ``CloudFront-Policy``."""
    return COOKIE_PREFIX + parameter


def error_body(code: str) -> bytes:
    """CloudFront's exact XML body for a refused signed request with this code."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{ERROR_MESSAGES[code]}</Message></Error>"
    ).encode()


SIGNED_QUERY_PATTERN = "(?:^|&)(?:" + "|".join(name.replace("-", r"\-") for name in SIGNING_PARAMETERS) + ")(?:[=&]|$)"
"""A regular expression that matches a query exactly when :func:`signing_names` finds a name in it
(for vectorised engines such as pyarrow's RE2; it cannot backtrack)."""


def signing_names(query: str) -> list[str]:
    """The signing parameter names a query string carries (any one makes it a signed URL)."""
    return sorted({pair.partition("=")[0] for pair in query.split("&")} & _SIGNING_NAMES)


def strip_signing(url: str) -> str:
    """``url`` without the signing parameters: the resource a canned policy covers."""
    base, has_query, query = url.partition("?")
    if not has_query:
        return base
    kept = [pair for pair in query.split("&") if pair.partition("=")[0] not in _SIGNING_NAMES]
    return base + ("?" + "&".join(kept) if kept else "")
