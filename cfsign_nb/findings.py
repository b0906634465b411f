"""Findings: every reason CloudFront would refuse a request (or might, or should worry you), coded.

Codes are stable and never renamed. :data:`CATALOG` gives each one its severity and the response
CloudFront would send; a check builds a :class:`Finding` with :func:`finding`, adding the
message, fix and evidence for the case at hand. Messages are plain text: whoever renders them as
HTML escapes them there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
CloudFrontError = Literal["MissingKey", "InvalidKey", "MalformedPolicy", "MalformedSignature", "AccessDenied"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class CodeInfo:
    """What a finding code means in general."""

    severity: Severity
    cloudfront_error: CloudFrontError | None
    title: str


def _e(response: CloudFrontError, title: str) -> CodeInfo:
    return CodeInfo("error", response, title)


def _w(title: str) -> CodeInfo:
    return CodeInfo("warning", None, title)


def _i(title: str) -> CodeInfo:
    return CodeInfo("info", None, title)


CATALOG: Mapping[str, CodeInfo] = MappingProxyType({
    # What is there at all.
    "NO_SIGNING_DATA": _e("MissingKey", "no signing parameters or CloudFront cookies"),
    "COOKIES_IGNORED": _e("MissingKey", "the request URL has a signing parameter, so cookies are ignored"),
    "MISSING_KEY_PAIR_ID": _e("MissingKey", "Key-Pair-Id is missing or empty"),
    "MISSING_SIGNATURE": _e("AccessDenied", "Signature is missing or empty"),
    "MISSING_EXPIRES_OR_POLICY": _e("MalformedPolicy", "neither Expires nor Policy is present"),
    "CONFLICTING_EXPIRES_AND_POLICY": _e("AccessDenied", "both Expires and Policy are present"),
    "DUPLICATE_SIGNING_PARAMETER": _e("AccessDenied", "a signing parameter appears more than once"),
    "UNKNOWN_KEY_PAIR_ID": _e("InvalidKey", "the key pair id is not among the trusted public keys"),
    # Encoding.
    "SIGNATURE_NOT_DECODABLE": _e("MalformedSignature", "the signature is not CloudFront base64"),
    "STANDARD_BASE64_ALPHABET": _e("MalformedSignature", "standard base64 (+ / =) used instead of CloudFront's"),
    "BASE64URL_ALPHABET": _e("MalformedSignature", "RFC 4648 base64url used instead of CloudFront base64"),
    "DOUBLE_URL_ENCODED": _e("MalformedSignature", "a value is percent-encoded twice"),
    "POLICY_NOT_DECODABLE": _e("MalformedPolicy", "the Policy value is not CloudFront base64"),
    "POLICY_INVALID": _e("MalformedPolicy", "the policy JSON is not a valid CloudFront policy"),
    "EXPIRES_INVALID": _e("MalformedPolicy", "Expires is not a whole number of seconds"),
    "EXPIRES_IN_MILLISECONDS": _e("MalformedPolicy", "the expiry is in milliseconds, not seconds"),
    "HASH_ALGORITHM_INVALID": _e("AccessDenied", "Hash-Algorithm is neither SHA1 nor SHA256"),
    # Conditions.
    "EXPIRED": _e("AccessDenied", "the expiry time has passed"),
    "NOT_YET_VALID": _e("AccessDenied", "the start time (DateGreaterThan) has not passed yet"),
    "IP_NOT_ALLOWED": _e("AccessDenied", "the client IP is outside the policy's IpAddress range"),
    "RESOURCE_MISMATCH": _e("AccessDenied", "the policy's Resource does not cover the requested URL"),
    # The signature itself.
    "HASH_ALGORITHM_MISSING": _e("AccessDenied", "signed with SHA-256 but Hash-Algorithm=SHA256 is not sent"),
    "HASH_ALGORITHM_MISMATCH": _e("AccessDenied", "Hash-Algorithm names a different digest than the one signed"),
    "ECDSA_SIGNATURE_NOT_DER": _e("AccessDenied", "the ECDSA signature is raw r||s, not ASN.1 DER"),
    "SIGNATURE_DOUBLE_BASE64": _e("AccessDenied", "the signature was base64-encoded twice"),
    "SIGNED_WITH_OTHER_KEY": _e("AccessDenied", "signed with another key than the one Key-Pair-Id names"),
    "URL_CHANGED_AFTER_SIGNING": _e("AccessDenied", "the URL was changed after it was signed"),
    "CANNED_POLICY_FORMAT": _e("AccessDenied", "the signer signed a canned policy in the wrong format"),
    "POLICY_CHANGED_AFTER_SIGNING": _e("AccessDenied", "the Policy sent is not the bytes that were signed"),
    "SIGNATURE_MISMATCH": _e("AccessDenied", "the signature does not verify"),
    # Cookies and sizes.
    "COOKIE_NOT_SENT": _e("MissingKey", "the browser would not send the cookie with this request"),
    "COOKIE_NAME_CASE": _e("MissingKey", "a CloudFront cookie name has the wrong letter case"),
    "URL_TOO_LONG": _e("AccessDenied", "the URL is longer than CloudFront's 8,192-byte limit"),
    # Warnings.
    "POLICY_WHITESPACE": _w("the custom policy contains whitespace"),
    "RESOURCE_OMITTED": _w(
        "the policy has no Resource: it is valid for every file of every distribution trusting the key",
    ),
    "BROAD_WILDCARD": _w("the policy's Resource is a very broad wildcard"),
    "EXPIRES_AFTER_2038": _w("the expiry is after 2038-01-19 (older tools read it as a 32-bit number)"),
    "LONG_LIFETIME": _w("the signature stays valid for a long time"),
    "COOKIE_NOT_SECURE": _w("the cookie is not marked Secure"),
    "COOKIE_NOT_HTTPONLY": _w("the cookie is not marked HttpOnly"),
    "COOKIE_TOO_LARGE": _w("a cookie is larger than browsers promise to keep (4,096 bytes)"),
    "IP_CONDITION_WITH_IPV6_CLIENT": _w("an IpAddress condition cannot match IPv6 viewers"),
    "UNSUPPORTED_KEY_TYPE": _w("the public key is not of a type CloudFront key groups accept"),
    "HASH_ALGORITHM_CASE": _w("Hash-Algorithm is not written in upper case"),
    "PERCENT_ENCODED_VALUE": _w("a signing value is percent-encoded"),
    "PARAMETER_NAME_CASE": _w("a signing parameter name has the wrong letter case"),
    "CONTEXT_INVALID": _w("an argument of the diagnosis could not be used"),
    "SHA256_COOKIE": _i("SHA-256 signed cookies are new (2026); some report CloudFront ignoring the hash cookie"),
    "REQUEST_URL_NEEDED": _i("the request URL is needed to check the cookies' resource"),
    "SIGNATURE_NOT_CHECKED": _i("no public key was given for this key pair id, so the signature was not checked"),
    "SIGNATURE_VERIFIED": _i("the signature verifies"),
    "INTERNAL_ERROR": CodeInfo("error", None, "processing this input raised: a cfsign_nb bug, please report it"),
    "SEARCH_CUT_SHORT": _i("the search for the cause of a signature mismatch was cut short (its work is bounded)"),
    # The distribution config (cfsign_nb.distribution).
    "KEY_NOT_TRUSTED_BY_BEHAVIOR": _e("InvalidKey", "the key is not in a key group the matched cache behavior trusts"),
    "ALTERNATE_DOMAIN_NOT_CONFIGURED": CodeInfo(
        "error", None, "the request's host is not a domain name of this distribution",
    ),
    "BEHAVIOR_NOT_RESTRICTED": _w(
        "the matched cache behavior does not restrict viewer access: the object is public and signatures are ignored",
    ),
    "SHADOWED_BEHAVIOR": _w("an earlier unrestricted cache behavior catches paths meant for a restricted one"),
    "IPV6_ENABLED_WITH_IP_POLICY": _w(
        "IPv6 is enabled while the policy has an IpAddress condition: IPv6 viewers are refused",
    ),
    "HTTP_ALLOWED_FOR_HTTPS_RESOURCE": _w("the behavior allows http while the policy covers only https URLs"),
    "LEGACY_TRUSTED_SIGNERS": _w(
        "a cache behavior trusts legacy CloudFront key pairs (TrustedSigners, root user only)",
    ),
    "COOKIES_SENT_TO_PUBLIC_PATHS": _w(
        "restricted and public behaviors share a hostname, so signed cookies ride along on public requests",
    ),
})


@dataclass(frozen=True)
class Finding:
    """One reason a request would be refused (error), might be (warning), or a fact worth knowing (info).

    ``message`` says what is wrong in the user's terms, ``fix`` what to do; ``evidence`` holds the
    values that show it. ``cloudfront_error`` is the error code CloudFront would answer with.
    """

    code: str
    severity: Severity
    message: str
    fix: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    cloudfront_error: CloudFrontError | None = None

    @property
    def title(self) -> str:
        info = CATALOG.get(self.code)
        return info.title if info else self.code

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "evidence": dict(self.evidence),
            "cloudfront_error": self.cloudfront_error,
        }

    def __str__(self) -> str:
        text = f"{self.severity.upper():7} {self.code}: {self.message}"
        return f"{text}\n        fix: {self.fix}" if self.fix else text


def finding(code: str, message: str, fix: str = "", **evidence: Any) -> Finding:
    """Build a :class:`Finding` whose severity and CloudFront response come from :data:`CATALOG`."""
    info = CATALOG[code]
    return Finding(code, info.severity, message, fix, MappingProxyType(evidence), info.cloudfront_error)
