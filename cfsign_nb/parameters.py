"""The signing parameters' values, read as CloudFront reads them, every problem recorded.

Shared by signed URLs and signed cookies: percent-decoding, CloudFront base64 (and which other
alphabet was used instead), the expiry, the hash algorithm, and the policy (sent, or rebuilt
from the request for a canned one). Nothing here raises on bad input or verifies anything.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .encoding import cloudfront_characters, decode_any
from .errors import CfSignError
from .findings import Finding, finding
from .policy import Policy, canned_policy_json, load_policy_json
from .protocol import COOKIE_PREFIX, HASH_ALGORITHMS
from .settings import POLICY
from .times import MAX_SECONDS

__all__ = ["read_parameters", "shorten"]

_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_MAX_SHOWN = 120


def read_parameters(
    resource_url: str | None, signing: list[tuple[str, str]], problems: list[Finding], prefix: str
) -> dict[str, Any]:
    """The :class:`~cfsign_nb.decode.Decoded` fields the signing parameters (or cookies) give.

    ``signing`` holds the (name, raw value) pairs in the order sent; ``prefix`` is ``CloudFront-``
    for cookies. Every problem is appended to ``problems`` (and the final tuple is in the fields).
    """
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for name, raw in signing:
        bare = name.removeprefix(COOKIE_PREFIX)
        if bare in values:
            if bare in repeated:  # one finding per name, however many copies
                continue
            repeated.add(bare)
            problems.append(finding(
                "DUPLICATE_SIGNING_PARAMETER",
                f"{name} appears more than once; CloudFront may read either value",
                f"send {name} exactly once: sign the unsigned URL, not one that was already signed",
                parameter=name,
            ))
            continue
        values[bare] = _percent_decoded(name, raw, problems)

    fields: dict[str, Any] = {"parameters": tuple(signing)}
    key_pair_id = values.get("Key-Pair-Id")
    fields["key_pair_id"] = key_pair_id or None

    hash_value = values.get("Hash-Algorithm")
    fields["hash_algorithm_value"] = hash_value
    if hash_value is not None:
        if hash_value in HASH_ALGORITHMS:
            fields["hash_algorithm"] = hash_value
        elif hash_value.upper() in HASH_ALGORITHMS:
            fields["hash_algorithm"] = hash_value.upper()
            problems.append(finding(
                "HASH_ALGORITHM_CASE",
                f"{prefix}Hash-Algorithm is {hash_value!r}; CloudFront documents 'SHA1' and 'SHA256'",
                f"send {prefix}Hash-Algorithm={hash_value.upper()}",
            ))
        else:
            problems.append(finding(
                "HASH_ALGORITHM_INVALID",
                f"{prefix}Hash-Algorithm is {shorten(hash_value)!r}; CloudFront accepts only SHA1 and SHA256",
                f"send {prefix}Hash-Algorithm=SHA256 if you signed with SHA-256, or leave it out for SHA-1",
                value=shorten(hash_value),
            ))

    signature_b64 = values.get("Signature")
    if signature_b64:
        fields["signature_b64"] = signature_b64
        fields["signature"] = _decode_b64(f"{prefix}Signature", signature_b64, problems, "SIGNATURE_NOT_DECODABLE")

    expires_text = values.get("Expires")
    if expires_text is not None:
        fields["expires"] = _parse_expires(f"{prefix}Expires", expires_text, problems)

    policy_b64 = values.get("Policy")
    if policy_b64 is not None:
        fields["policy_kind"] = "custom"
        fields["policy_b64"] = policy_b64
        policy_bytes = _decode_b64(f"{prefix}Policy", policy_b64, problems, "POLICY_NOT_DECODABLE")
        if policy_bytes is not None:
            fields["policy_bytes"] = policy_bytes
            fields["policy_document"], fields["policy"] = _parse_policy(policy_bytes, problems)
    elif fields.get("expires") is not None:
        fields["policy_kind"] = "canned"
        if resource_url is not None:
            fields.update(_canned_policy(resource_url, fields["expires"], problems))
    fields["problems"] = tuple(problems)
    return fields


def _canned_policy(resource_url: str, expires: int, problems: list[Finding]) -> dict[str, Any]:
    """The policy CloudFront rebuilds for a canned request (no JSON parsing needed: we wrote it)."""
    fields: dict[str, Any] = {"policy_bytes": canned_policy_json(resource_url, expires)}
    if expires >= MAX_SECONDS:
        return fields
    fields["policy_document"] = {
        "Statement": [{"Resource": resource_url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]
    }
    try:
        fields["policy"] = Policy(resource_url, expires)
    except CfSignError as err:
        problems.append(finding(
            "POLICY_INVALID",
            f"the canned policy rebuilt from this URL is not valid: {err}",
            "sign a URL without quotes, backslashes, spaces or non-ASCII characters "
            "(percent-encode them first)",
        ))
    return fields


def _percent_decoded(name: str, raw: str, problems: list[Finding]) -> str:
    if "%" not in raw or not _PERCENT_RE.search(raw):
        return raw
    once = unquote(raw)
    if _PERCENT_RE.search(once):
        problems.append(finding(
            "DOUBLE_URL_ENCODED",
            f"{name} is percent-encoded twice ({shorten(raw)!r} still holds "
            f"{_PERCENT_RE.search(once).group()!r} after one decoding)",  # type: ignore[union-attr]
            "encode the signed URL once: CloudFront's base64 alphabet (-, _, ~) needs no "
            "percent-encoding at all, so add the signing parameters after any URL-encoding step",
            parameter=name,
        ))
        return unquote(once)
    problems.append(finding(
        "PERCENT_ENCODED_VALUE",
        f"{name} is percent-encoded ({shorten(raw)!r}); CloudFront's alphabet needs no encoding",
        "append the value as is; some proxies and caches treat %7E and ~ differently",
        parameter=name,
    ))
    return once


def _decode_b64(name: str, value: str, problems: list[Finding], code: str) -> bytes | None:
    data, alphabet = decode_any(value)
    if alphabet == "cloudfront" and data is not None:
        return data
    if data is not None and alphabet == "standard":
        problems.append(finding(
            "STANDARD_BASE64_ALPHABET",
            f"{name} is standard base64 (it has '+', '/' or '='); CloudFront cannot decode it",
            "after base64-encoding, replace '+' with '-', '=' with '_' and '/' with '~'",
            parameter=name,
        ))
    elif not (alphabet == "base64url" and _whole_value(data)) and (
        (len(value) % 4 and cloudfront_characters(value))
        or (data is not None and alphabet == "base64url" and not any(c in value for c in "-_"))
    ):
        problems.append(finding(
            code,
            f"{name} is {len(value)} characters long, not a multiple of 4: it was truncated, or its "
            "'_' padding was stripped",
            "copy the whole value, and keep the padding (CloudFront writes '=' as '_')",
            parameter=name,
        ))
    elif data is not None and alphabet == "base64url":
        problems.append(finding(
            "BASE64URL_ALPHABET",
            f"{name} is RFC 4648 base64url ('-' and '_' for '+' and '/', padding stripped), "
            "not CloudFront base64",
            "use standard base64 keeping the padding, then replace '+'→'-', '='→'_', '/'→'~' "
            "(urlsafe_b64encode is not the same thing)",
            parameter=name,
        ))
    elif data is not None:
        problems.append(finding(
            code,
            f"{name} mixes base64 alphabets (CloudFront's '~' with '+', '/' or '=')",
            "encode with standard base64, then apply all three CloudFront substitutions",
            parameter=name,
        ))
    else:
        problems.append(finding(
            code,
            f"{name} is not CloudFront base64 ({shorten(value)!r}): it cannot be decoded",
            "copy the whole value; it may have been truncated, wrapped or changed in transit",
            parameter=name,
        ))
    return data


def _whole_value(data: bytes | None) -> bool:
    """Bytes that look complete — a signature of a real size, or JSON — so an unpadded value that
    decodes to them was encoded as base64url, not cut short."""
    if data is None:
        return False
    return len(data) in (128, 256, 384, 512) or 68 <= len(data) <= 72 or data.lstrip()[:1] == b"{"


def _parse_expires(name: str, text: str, problems: list[Finding]) -> int | None:
    if not text.isascii() or not text.isdigit():
        problems.append(finding(
            "EXPIRES_INVALID",
            f"{name} is {shorten(text)!r}, not a whole number of epoch seconds",
            "send the expiry as Unix time in seconds (UTC), e.g. 1767290400",
            value=shorten(text),
        ))
        return None
    if len(text) > 16:  # checked before int(): thousands of digits must cost nothing
        problems.append(finding(
            "EXPIRES_INVALID",
            f"{name} has {len(text)} digits: that is no time at all (even in milliseconds or microseconds)",
            "send the expiry as Unix time in seconds (UTC), e.g. 1767290400",
            value=shorten(text),
        ))
        return None
    value = int(text)
    if value >= MAX_SECONDS:
        problems.append(finding(
            "EXPIRES_IN_MILLISECONDS",
            f"{name}={text} has {len(text)} digits: it is in milliseconds (like JavaScript's Date.now())",
            f"divide by 1000: {name}={value // 1000}",
            value=value,
        ))
    return value


def _parse_policy(policy_bytes: bytes, problems: list[Finding]) -> tuple[Any, Policy | None]:
    try:
        document = load_policy_json(policy_bytes)
    except CfSignError:
        document = None
    try:
        return document, Policy.from_json(policy_bytes)
    except CfSignError as err:
        message = str(err)
        if "milliseconds" in message:
            if not any(p.code == "EXPIRES_IN_MILLISECONDS" for p in problems):
                problems.append(finding(
                    "EXPIRES_IN_MILLISECONDS",
                    f"the policy's epoch time is in milliseconds: {message}",
                    "write DateLessThan/DateGreaterThan in seconds (divide by 1000)",
                ))
        else:
            problems.append(finding(
                "POLICY_INVALID",
                f"the policy is not one CloudFront accepts: {message}",
                f"fix the JSON as the message says, or build the policy with {POLICY.python}",
                policy=policy_bytes.decode("utf-8", "replace")[:2000],
            ))
        return document, None


def shorten(text: str, limit: int = _MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), for messages and evidence."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
