"""The signing trace: watch a :class:`~cfsign_nb.signer.Signer` sign once and name every stage.

Every stage is derived from that one signature, so the last stage is exactly the Signer's output
(ECDSA signatures are randomized, so nothing is signed twice).
"""

from __future__ import annotations

import binascii
import hashlib
from datetime import datetime
from typing import Any

from ..encoding import to_cloudfront_alphabet
from ..errors import InputError
from ..keys import PublicKey
from ..policy import Policy
from ..protocol import COOKIE_PREFIX, cookie_name
from ..signer import Signer, plan_policy, set_cookie_headers
from ..times import TimeLike, format_epoch
from .format import (
    HASH_LABEL,
    SUBSTITUTIONS,
    changed,
    clip,
    conditions_of,
    digest_text,
    hexdump,
    pretty_json,
    replacements,
    shown,
    signature_view,
    value_marks,
)
from .model import Stage, Trace


def trace_sign(
    signer: Signer,
    url: str,
    *,
    expires: TimeLike | None = None,
    starts: TimeLike | None = None,
    ip_address: str | None = None,
    resource: str | None = None,
    policy: Policy | str | bytes | None = None,
    cookies: bool = False,
    now: TimeLike | None = None,
    cookie_domain: str | None = None,
    cookie_path: str = "/",
) -> Trace:
    """Sign ``url`` (or, with ``cookies=True``, make cookies for ``resource or url``) and show every stage.

    Arguments mean what they mean for :meth:`Signer.sign_url` / :meth:`Signer.sign_cookies`;
    ``cookie_domain``/``cookie_path`` shape the final Set-Cookie lines. The key signs once;
    ``Trace.result`` is exactly what the Signer returns for these inputs.
    """
    if not isinstance(signer, Signer):
        raise InputError(
            f"trace_sign needs a cfsign_nb.Signer, got {type(signer).__name__}; "
            "build one with Signer(key_pair_id, private_key)"
        )
    recorder, calls = signer.recording()
    result: str | dict[str, str]
    if cookies:
        target = resource if policy is not None else (resource or url)
        result = recorder.sign_cookies(target, expires=expires, starts=starts, ip_address=ip_address,
                                       policy=policy, now=now)
        final = "\n".join(set_cookie_headers(result, domain=cookie_domain, path=cookie_path))
        canned = cookie_name("Expires") in result
        pairs = list(result.items())
    else:
        result = recorder.sign_url(url, expires=expires, starts=starts, ip_address=ip_address,
                                   resource=resource, policy=policy, now=now)
        final = result
        query = result[len(url) + 1:]
        canned = query.startswith("Expires=")
        pairs = [(name, value) for name, _, value in (pair.partition("=") for pair in query.split("&"))]
    policy_bytes, signature = calls[-1]
    reason = _why(url, policy, cookies, canned, expires, starts, ip_address, resource, now)

    key = signer.private_key.public_key
    hash_name = signer.hash_algorithm
    digest = hashlib.new(hash_name.lower(), policy_bytes).digest()
    standard = binascii.b2a_base64(signature, newline=False).decode("ascii")
    safe = to_cloudfront_alphabet(standard)
    verified = key.verify(signature, policy_bytes, hash_name)
    policy_text = policy_bytes.decode("utf-8", "replace")
    parameters = "\n".join(f"{name}={value}" for name, value in pairs)

    stages: list[Stage] = []

    def add(name: str, title: str, output: str, explanation: str, value: bytes | str, **extra: Any) -> None:
        entry = stages[-1].output if stages else extra.pop("input")
        stages.append(Stage(name, title, entry, output, explanation, value=value, **extra))

    arguments = _arguments(url, expires=expires, starts=starts, ip_address=ip_address, resource=resource,
                           policy=policy, cookies=cookies, now=now)
    arguments += (f"\nkey_pair_id  {signer.key_pair_id}\nkey          {key.description}, public key "
                  f"fingerprint {key.fingerprint}\nhash         {hash_name}")
    conditions = conditions_of(policy_bytes)
    add("inputs", "Inputs", conditions,
        "What is signed for whom: the policy's resource and conditions (times are epoch seconds, UTC), "
        f"signed by {signer.key_pair_id}'s {key.description} key. Only its public half is shown; the "
        "private key never appears in a trace.",
        conditions, input=arguments, detail=key.to_pem().rstrip("\n"))
    pretty = pretty_json(policy_bytes)
    add("policy_json", "Policy JSON (canned)" if canned else "Policy JSON (custom)", shown(policy_text),
        f"{reason}. The compact JSON is what gets signed; the indented copy beside it is only for reading."
        + (" It is never sent: CloudFront rebuilds these exact characters from the request URL and Expires."
           if canned else ""),
        policy_text, detail=pretty)
    add("policy_bytes", "UTF-8 bytes", hexdump(policy_bytes),
        f"The policy as {len(policy_bytes)} UTF-8 bytes. These exact bytes are hashed and signed: one "
        "extra space, another key order or a quoted number gives a signature CloudFront rejects.",
        policy_bytes)
    add("digest", f"Digest ({HASH_LABEL[hash_name]})", digest_text(hash_name, digest),
        f"The {HASH_LABEL[hash_name]} digest ({len(digest)} bytes) of the policy bytes, which the key signs "
        "(the signing call computes it itself; it is shown here to follow along). "
        + ("SHA-1 is CloudFront's default: no Hash-Algorithm parameter is needed." if hash_name == "SHA1"
           else "SHA-256 must be announced with Hash-Algorithm=SHA256 (cookie CloudFront-Hash-Algorithm), "
                "or CloudFront checks SHA-1 and refuses."),
        digest)
    summary, detail = signature_view(signature, key.algorithm)
    check = (f" It verifies with the public key {key.fingerprint}." if verified else
             " It does NOT verify with the signer's public key: the key or the signing function is broken.")
    add("signature", f"Signature ({'RSA PKCS#1 v1.5' if key.algorithm == 'RSA' else 'ECDSA, DER'})",
        summary + "\n" + hexdump(signature), _signature_explanation(key, len(signature)) + check,
        signature, ok=verified, detail=detail)
    add("base64", "Standard base64", standard,
        f"Standard base64 of the {len(signature)} signature bytes ({len(standard)} characters, padding kept). "
        "Its '+', '/' and '=' are not safe in URLs and cookies, hence the next stage.",
        standard)
    add("cloudfront_base64", "CloudFront-safe base64", safe, _substitution_explanation(standard, safe),
        safe, marks=changed(standard, safe), detail=replacements(standard, safe))
    add("parameters", "Cookies" if cookies else "Query parameters", shown(parameters),
        _parameters_explanation(cookies, canned, hash_name), parameters,
        marks=value_marks(parameters, safe))
    if cookies:
        add("artifact", "Set-Cookie lines", shown(final),
            "The cookies as Set-Cookie response headers (Secure and HttpOnly by default). The browser sends "
            "them back with every request to the domain and path; CloudFront reads them when the URL carries "
            "no signing parameters. The values are exactly Signer.sign_cookies' output.",
            final)
    else:
        add("artifact", "Signed URL", shown(final),
            f"The parameters appended to the URL after '{final[len(url)]}' (highlighted in HTML). This is exactly "
            "Signer.sign_url's output; change nothing after signing (an added or reordered query "
            "parameter breaks a canned signature).",
            final, marks=clip(((len(url), len(final)),), final))
    return Trace("sign", tuple(stages), result)


def _why(url: str, policy: object, cookies: bool, canned: bool, expires: TimeLike | None,
         starts: TimeLike | None, ip_address: str | None, resource: str | None, now: TimeLike | None) -> str:
    if policy is None:
        target = (resource or url) if cookies else url
        reason = plan_policy(target, expires=expires, starts=starts, ip_address=ip_address,
                             resource=None if cookies else resource, cookies=cookies, now=now).reason
        return reason[:1].upper() + reason[1:]
    if canned:
        return ("Canned: the Policy you gave has only an expiry and its Resource is this one URL, so it "
                "goes out as Expires= and CloudFront rebuilds it from the request")
    if not isinstance(policy, Policy):
        return ("Custom: you gave the policy as JSON text, which is signed byte for byte as given and sent "
                "whole as Policy=")
    reasons = []
    if policy.date_greater_than is not None:
        reasons.append("a start time (DateGreaterThan)")
    if policy.ip_address is not None:
        reasons.append("an IP address condition")
    if policy.resource is None:
        reasons.append("no Resource")
    elif "*" in policy.resource or not policy.resource.startswith(("http://", "https://")):
        reasons.append("a wildcard resource")
    elif not cookies and policy.resource != url:
        reasons.append("a resource that differs from the URL")
    return (f"Custom: the Policy you gave has {' and '.join(reasons) or 'conditions'}, which only a custom "
            "policy (sent whole as Policy=) can express")


def _arguments(url: str, **arguments: object) -> str:
    lines = [f"{'url':<12} {url}"]
    for name, value in arguments.items():
        if value is None or value is False:
            continue
        lines.append(f"{name:<12} {_argument_text(value)}")
    return "\n".join(lines)


def _argument_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if type(value) is int:
        return f"{value}  ({format_epoch(value)})"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return repr(value)


def _parameters_explanation(cookies: bool, canned: bool, hash_name: str) -> str:
    prefix = COOKIE_PREFIX if cookies else ""
    first = (f"{prefix}Expires carries the canned policy's only variable" if canned else
             f"{prefix}Policy carries the policy bytes in CloudFront base64")
    hashed = f", and {prefix}Hash-Algorithm=SHA256 says which digest was signed" if hash_name == "SHA256" else ""
    where = "one cookie each" if cookies else "query parameters"
    return (f"As {where}: {first}; {prefix}Signature is the previous stage (highlighted in HTML); {prefix}Key-Pair-Id "
            f"names the public key CloudFront verifies with{hashed}.")


def _signature_explanation(key: PublicKey, length: int) -> str:
    if key.algorithm == "RSA":
        return (f"RSA PKCS#1 v1.5 over the digest with the private key: {length} bytes, the size of the "
                f"{key.description} modulus. Deterministic: the same key and policy always give this signature.")
    return ("ECDSA P-256 over the digest, ASN.1 DER-encoded (a SEQUENCE of the INTEGERs r and s, 70-72 bytes), "
            "as CloudFront expects; not the raw 64-byte r||s. Randomized: each signing gives a different "
            "valid signature, so compare ECDSA traces by verifying, not by bytes.")


def _substitution_explanation(standard: str, safe: str) -> str:
    counts = [(f"'{a}'→'{b}'", standard.count(a)) for a, b in SUBSTITUTIONS]
    done = ", ".join(f"{n} × {what}" for what, n in counts)
    if standard == safe:
        return ("CloudFront's alphabet replaces '+'→'-', '='→'_', '/'→'~'; none occur in this value, so "
                "nothing changed (a signer that forgets the substitutions works here only by luck).")
    return (f"CloudFront's URL-safe alphabet: {done} (highlighted in HTML). Padding stays, written '_': this is not "
            "RFC 4648 base64url, which CloudFront cannot decode.")
