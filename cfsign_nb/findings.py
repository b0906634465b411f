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
from typing import Any, Literal, get_args

from .protocol import CloudFrontError

Severity = Literal["error", "warning", "info"]
StageName = Literal[
    "inputs", "policy_json", "policy_bytes", "digest", "signature", "base64", "cloudfront_base64", "parameters",
    "artifact",
]
STAGE_NAMES: tuple[StageName, ...] = get_args(StageName)
"""The stages of a signing trace, in signing order (a decoding trace walks them backwards)."""

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class CodeInfo:
    """What a finding code means in general, and the trace stage where it shows.

    ``inputs`` is the request's conditions (times, IP, resource, the distribution's config).
    A code with ``by_parameter`` is about one value's encoding: it shows at the stage of the
    parameter its evidence names (see :attr:`Finding.stage`), else at ``stage``.
    """

    stage: StageName
    severity: Severity
    cloudfront_error: CloudFrontError | None
    title: str
    by_parameter: bool = False


def _e(stage: StageName, response: CloudFrontError, title: str) -> CodeInfo:
    return CodeInfo(stage, "error", response, title)


def _w(stage: StageName, title: str) -> CodeInfo:
    return CodeInfo(stage, "warning", None, title)


def _i(stage: StageName, title: str) -> CodeInfo:
    return CodeInfo(stage, "info", None, title)


def _encoding(severity: Severity, response: CloudFrontError | None, title: str) -> CodeInfo:
    return CodeInfo("artifact", severity, response, title, by_parameter=True)


CATALOG: Mapping[str, CodeInfo] = MappingProxyType({
    # What is there at all.
    "NO_SIGNING_DATA": _e("artifact", "MissingKey", "no signing parameters or CloudFront cookies"),
    "COOKIES_IGNORED": _e("artifact", "MissingKey", "the request URL has a signing parameter, so cookies are ignored"),
    "MISSING_KEY_PAIR_ID": _e("parameters", "MissingKey", "Key-Pair-Id is missing or empty"),
    "MISSING_SIGNATURE": _e("parameters", "AccessDenied", "Signature is missing or empty"),
    "MISSING_EXPIRES_OR_POLICY": _e("parameters", "MalformedPolicy", "neither Expires nor Policy is present"),
    "CONFLICTING_EXPIRES_AND_POLICY": _e("parameters", "AccessDenied", "both Expires and Policy are present"),
    "DUPLICATE_SIGNING_PARAMETER": _e("parameters", "AccessDenied", "a signing parameter appears more than once"),
    "UNKNOWN_KEY_PAIR_ID": _e("parameters", "InvalidKey", "the key pair id is not among the trusted public keys"),
    # Encoding.
    "SIGNATURE_NOT_DECODABLE": _e("cloudfront_base64", "MalformedSignature", "the signature is not CloudFront base64"),
    "STANDARD_BASE64_ALPHABET": _encoding(
        "error", "MalformedSignature", "standard base64 (+ / =) used instead of CloudFront's",
    ),
    "BASE64URL_ALPHABET": _encoding(
        "error", "MalformedSignature", "RFC 4648 base64url used instead of CloudFront base64",
    ),
    "DOUBLE_URL_ENCODED": _encoding("error", "MalformedSignature", "a value is percent-encoded twice"),
    "POLICY_NOT_DECODABLE": _e("policy_bytes", "MalformedPolicy", "the Policy value is not CloudFront base64"),
    "POLICY_INVALID": _e("policy_json", "MalformedPolicy", "the policy JSON is not a valid CloudFront policy"),
    "EXPIRES_INVALID": _e("policy_bytes", "MalformedPolicy", "Expires is not a whole number of seconds"),
    "EXPIRES_IN_MILLISECONDS": _e("policy_json", "MalformedPolicy", "the expiry is in milliseconds, not seconds"),
    "HASH_ALGORITHM_INVALID": _e("parameters", "AccessDenied", "Hash-Algorithm is neither SHA1 nor SHA256"),
    # Conditions: checked against the request, so they show at the trace's "inputs" stage.
    "EXPIRED": _e("inputs", "AccessDenied", "the expiry time has passed"),
    "NOT_YET_VALID": _e("inputs", "AccessDenied", "the start time (DateGreaterThan) has not passed yet"),
    "IP_NOT_ALLOWED": _e("inputs", "AccessDenied", "the client IP is outside the policy's IpAddress range"),
    "RESOURCE_MISMATCH": _e("inputs", "AccessDenied", "the policy's Resource does not cover the requested URL"),
    # The signature itself.
    "HASH_ALGORITHM_MISSING": _e("digest", "AccessDenied", "signed with SHA-256 but Hash-Algorithm=SHA256 is not sent"),
    "HASH_ALGORITHM_MISMATCH": _e(
        "digest", "AccessDenied", "Hash-Algorithm names a different digest than the one signed",
    ),
    "ECDSA_SIGNATURE_NOT_DER": _e("signature", "AccessDenied", "the ECDSA signature is raw r||s, not ASN.1 DER"),
    "SIGNATURE_DOUBLE_BASE64": _e("signature", "AccessDenied", "the signature was base64-encoded twice"),
    "SIGNED_WITH_OTHER_KEY": _e("digest", "AccessDenied", "signed with another key than the one Key-Pair-Id names"),
    "URL_CHANGED_AFTER_SIGNING": _e("digest", "AccessDenied", "the URL was changed after it was signed"),
    "CANNED_POLICY_FORMAT": _e("digest", "AccessDenied", "the signer signed a canned policy in the wrong format"),
    "POLICY_CHANGED_AFTER_SIGNING": _e("digest", "AccessDenied", "the Policy sent is not the bytes that were signed"),
    "SIGNATURE_MISMATCH": _e("digest", "AccessDenied", "the signature does not verify"),
    # Cookies and sizes.
    "COOKIE_NOT_SENT": _e("artifact", "MissingKey", "the browser would not send the cookie with this request"),
    "COOKIE_NAME_CASE": _e("parameters", "MissingKey", "a CloudFront cookie name has the wrong letter case"),
    "URL_TOO_LONG": _e("artifact", "AccessDenied", "the URL is longer than CloudFront's 8,192-byte limit"),
    # Warnings.
    "POLICY_WHITESPACE": _w("policy_json", "the custom policy contains whitespace"),
    "RESOURCE_OMITTED": _w(
        "inputs", "the policy has no Resource: it is valid for every file of every distribution trusting the key",
    ),
    "BROAD_WILDCARD": _w("inputs", "the policy's Resource is a very broad wildcard"),
    "EXPIRES_AFTER_2038": _w("inputs", "the expiry is after 2038-01-19 (older tools read it as a 32-bit number)"),
    "LONG_LIFETIME": _w("inputs", "the signature stays valid for a long time"),
    "COOKIE_NOT_SECURE": _w("artifact", "the cookie is not marked Secure"),
    "COOKIE_NOT_HTTPONLY": _w("artifact", "the cookie is not marked HttpOnly"),
    "COOKIE_TOO_LARGE": _w("artifact", "a cookie is larger than browsers promise to keep (4,096 bytes)"),
    "IP_CONDITION_WITH_IPV6_CLIENT": _w("inputs", "an IpAddress condition cannot match IPv6 viewers"),
    "UNSUPPORTED_KEY_TYPE": _w("digest", "the public key is not of a type CloudFront key groups accept"),
    "HASH_ALGORITHM_CASE": _w("parameters", "Hash-Algorithm is not written in upper case"),
    "PERCENT_ENCODED_VALUE": _encoding("warning", None, "a signing value is percent-encoded"),
    "PARAMETER_NAME_CASE": _w("parameters", "a signing parameter name has the wrong letter case"),
    "CONTEXT_INVALID": _w("artifact", "an argument of the diagnosis could not be used"),
    "SHA256_COOKIE": _i(
        "digest", "SHA-256 signed cookies are new (2026); some report CloudFront ignoring the hash cookie",
    ),
    # Checks that could not run for lack of an input: warnings, and the verdict says "would be served if ...".
    "REQUEST_URL_NEEDED": _w("inputs", "no request URL was given, so the cookies' Resource was not checked"),
    "CLIENT_IP_NEEDED": _w("inputs", "no client IP was given, so the policy's IpAddress condition was not checked"),
    "SIGNATURE_NOT_CHECKED": _w(
        "digest", "the signature was not checked (no public key for its key pair id, or canned cookies without a URL)",
    ),
    "SIGNATURE_VERIFIED": _i("digest", "the signature verifies"),
    "INTERNAL_ERROR": CodeInfo(
        "artifact", "error", None, "processing this input raised: a cfsign_nb bug, please report it",
    ),
    "SEARCH_CUT_SHORT": _i(
        "digest", "the search for the cause of a signature mismatch was cut short (its work is bounded)",
    ),
    # What was pasted, and how it travelled (issue 13).
    "PASTE_EXTRACTED": _i("artifact", "the artifact was taken out of a larger paste (what was removed is shown)"),
    "HTML_ESCAPED_QUERY": _e("artifact", "MissingKey", "the query reached CloudFront HTML-escaped (&amp; for &)"),
    "URL_TRUNCATED": _e("artifact", "AccessDenied", "the signed URL or cookie was cut off on its way"),
    "EXPIRES_CHANGED_AFTER_SIGNING": _e("digest", "AccessDenied", "Expires was changed after the URL was signed"),
    "S3_PRESIGNED_URL": CodeInfo("artifact", "error", None, "this is an S3 presigned URL, not a CloudFront signed URL"),
    "NOT_A_CLOUDFRONT_HOST": CodeInfo(
        "artifact", "error", None, "the URL is for an origin's own endpoint: CloudFront never sees this request",
    ),
    # What CloudFront (or the origin) answered (issue 13).
    "ORIGIN_DENIED": CodeInfo("inputs", "error", None, "the signature passed; the origin refused the request"),
    "CUSTOM_ERROR_RESPONSE": _w("inputs", "CloudFront answered an error that a custom error response rewrote"),
    "ANSWER_DISAGREES": _w("inputs", "what CloudFront answered does not match what the diagnosis expects"),
    # What an access log can and cannot show (issue 14).
    "NOT_CHECKABLE_FROM_LOG": _w("artifact", "the log lacks a field this request's signature travels in"),
    # The distribution config (cfsign_nb.distribution).
    "KEY_NOT_TRUSTED_BY_BEHAVIOR": _e(
        "parameters", "InvalidKey", "the key is not in a key group the matched cache behavior trusts",
    ),
    "ALTERNATE_DOMAIN_NOT_CONFIGURED": CodeInfo(
        "inputs", "error", None, "the request's host is not a domain name of this distribution",
    ),
    "BEHAVIOR_NOT_RESTRICTED": _w(
        "inputs",
        "the matched cache behavior does not restrict viewer access: the object is public and signatures are ignored",
    ),
    "SHADOWED_BEHAVIOR": _w(
        "inputs", "an earlier unrestricted cache behavior catches paths meant for a restricted one",
    ),
    "IPV6_ENABLED_WITH_IP_POLICY": _w(
        "inputs", "IPv6 is enabled while the policy has an IpAddress condition: IPv6 viewers are refused",
    ),
    "HTTP_ALLOWED_FOR_HTTPS_RESOURCE": _w("inputs", "the behavior allows http while the policy covers only https URLs"),
    "LEGACY_TRUSTED_SIGNERS": _w(
        "inputs", "a cache behavior trusts legacy CloudFront key pairs (TrustedSigners, root user only)",
    ),
    "COOKIES_SENT_TO_PUBLIC_PATHS": _w(
        "inputs", "restricted and public behaviors share a hostname, so signed cookies ride along on public requests",
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
    def stage(self) -> StageName:
        """The trace stage this finding shows at: its code's, or the stage of the value it is about."""
        info = CATALOG.get(self.code)
        if info is None:
            return "inputs"
        if info.by_parameter:
            parameter = str(self.evidence.get("parameter", ""))
            if parameter.endswith("Signature"):
                return "cloudfront_base64"
            if parameter.endswith("Policy"):
                return "policy_bytes"
            return "parameters" if parameter else info.stage
        return info.stage

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
