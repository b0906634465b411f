"""Say why CloudFront would refuse a signed URL or signed cookies, and how to fix it.

:func:`diagnose` runs small checks in CloudFront's own order (is there signing data, is the key
known, do the values decode, does the signature verify, do the conditions hold). When a signature
does not verify, it searches the plausible variants (the other hash, the other keys, the URL as it
was probably signed, the canned policy in the formats broken signers produce) and reports the one
that verifies as the cause. Time is an argument; nothing here reads the clock except the default.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .decode import Decoded, as_text, decode, signing_names, split_url, strip_signing
from .encoding import decode_any
from .errors import CfSignError
from .findings import SEVERITY_ORDER, CloudFrontError, Finding, finding
from .keys import PublicKey, PublicKeySource, load_public_key
from .policy import canned_policy_json, resource_matches
from .times import MAX_EPOCH_32, TimeLike, format_epoch, now_epoch

if TYPE_CHECKING:
    import pandas as pd

URL_LIMIT = 8192
COOKIE_LIMIT = 4096
LONG_LIFETIME_SECONDS = 30 * 86400

SEARCH_VARIANTS = 100
"""Policy variants the differential search tries per artifact at most (a normal URL needs about 30)."""
SEARCH_VERIFICATIONS = 256
"""Signature verifications the differential search makes per artifact at most (keys × hashes × variants)."""
SEARCH_PARAMETERS = 20
"""Query parameters the search drops or swaps one by one; of more, only the last ones (usually the added ones)."""
SEARCH_BYTES = URL_LIMIT
"""Longer URLs or policies are not varied: CloudFront refuses them before looking at any signature."""


@dataclass(frozen=True)
class Context:
    """What the viewer's request looks like: when, from where, for which URL, and the trusted keys."""

    now: int
    client_ip: str | None = None
    request_url: str | None = None
    public_keys: Mapping[str, PublicKey] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one artifact, most likely cause first; ``ok`` when CloudFront would serve it."""

    decoded: Decoded
    context: Context
    findings: tuple[Finding, ...]
    verified: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def cause(self) -> Finding | None:
        """The most likely reason for a refusal (the first error), or None."""
        errors = self.errors
        return errors[0] if errors else None

    @property
    def cloudfront_error(self) -> CloudFrontError | None:
        """The error code CloudFront would answer with, or None when it would serve the request."""
        cause = self.cause
        return cause.cloudfront_error if cause else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def verdict(self) -> str:
        if self.ok:
            if self.verified:
                return "would be served"
            reasons = [str(f.evidence.get("reason", "")) for f in self.findings if f.code == "SIGNATURE_NOT_CHECKED"]
            reason = reasons[0] if reasons and reasons[0] else "see the findings"
            return f"would be served (signature not checked: {reason})"
        cause = self.cause
        assert cause is not None
        if cause.cloudfront_error:
            return f"refused: {cause.cloudfront_error} ({cause.code})"
        return f"refused ({cause.code})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "cloudfront_error": self.cloudfront_error,
            "verified": self.verified,
            "now": self.context.now,
            "findings": [f.to_dict() for f in self.findings],
            "decoded": self.decoded.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per finding (severity, code, message, fix, CloudFront's answer, evidence); codes are categoricals."""
        from .frames import diagnosis_frame

        return diagnosis_frame(self)

    def __str__(self) -> str:
        lines = [f"{'OK' if self.ok else 'REFUSED'}: {self.verdict.removeprefix('refused: ').removeprefix('refused ')}"]
        lines += [str(f) for f in self.findings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Diagnosis(ok={self.ok}, cloudfront_error={self.cloudfront_error!r}, "
            f"codes={list(self.codes)!r})"
        )

    def _repr_html_(self) -> str:
        colour = {"error": "#c62828", "warning": "#ef6c00", "info": "#546e7a"}
        banner = "#2e7d32" if self.ok else "#c62828"
        rows = "".join(
            f"<tr><td style='color:{colour[f.severity]};font-weight:bold'>{f.severity}</td>"
            f"<td><code>{f.code}</code></td><td>{html.escape(f.message)}</td>"
            f"<td>{html.escape(f.fix)}</td></tr>"
            for f in self.findings
        )
        return (
            f"<div class='cfsign-diagnosis'><p style='color:{banner};font-weight:bold'>"
            f"{'✔' if self.ok else '✘'} {html.escape(self.verdict)}</p>"
            "<table><thead><tr><th>severity</th><th>code</th><th>what</th><th>fix</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def diagnose(
    artifact: object,
    *,
    public_keys: Mapping[str, PublicKeySource] | PublicKeySource | None = None,
    now: TimeLike | None = None,
    client_ip: str | None = None,
    request_url: str | None = None,
    distribution: object | None = None,
) -> Diagnosis:
    """Diagnose a signed URL or signed cookies as CloudFront would judge the request. Never raises.

    ``public_keys`` maps key pair ids to public keys (PEM text, bytes or key objects); a single key
    is taken to be the one the artifact names. ``request_url`` is the URL the viewer requests
    (needed for cookies; for a signed URL it defaults to the URL itself). ``distribution`` is a
    CloudFront distribution config; its cache behaviors are checked too
    (see :mod:`cfsign_nb.distribution`).
    """
    setup_problems: list[Finding] = []
    decoded = decode(artifact, request_url=request_url if isinstance(request_url, str) else None)
    context = _context(decoded, public_keys, now, client_ip, request_url, setup_problems)
    request_url = context.request_url
    if decoded.source == "url" and request_url:
        decoded = _with_request_url(decoded, request_url)
    findings = [item for check in CHECKS for item in check(decoded, context)] + setup_problems
    if distribution is not None:
        from .distribution import check_request

        behavior_findings = check_request(distribution, decoded, context)
        if any(f.code == "BEHAVIOR_NOT_RESTRICTED" for f in behavior_findings):
            findings = [_ignored(f) for f in findings]
        findings += behavior_findings
    verified: bool | None = None
    if any(item.code == "SIGNATURE_VERIFIED" for item in findings):
        verified = True
    elif decoded.key_pair_id in context.public_keys and decoded.signature and decoded.policy_bytes:
        verified = False
    ordered = sorted(enumerate(findings), key=lambda pair: (SEVERITY_ORDER[pair[1].severity], pair[0]))
    return Diagnosis(decoded, context, tuple(_unique(f for _, f in ordered)), verified)


def verify(
    artifact: object,
    public_key: PublicKeySource,
    *,
    hash_algorithm: str | None = None,
    request_url: str | None = None,
) -> bool:
    """True when the artifact's signature verifies over its policy with ``public_key``.

    Only the signature is checked (not expiry, IP or resource): use :func:`diagnose` for those.
    The hash is the one the artifact names (SHA-1 by default) unless ``hash_algorithm`` is given.
    """
    decoded = decode(artifact, request_url=request_url)
    if decoded.signature is None or decoded.policy_bytes is None:
        return False
    key = load_public_key(public_key)
    return key.verify(decoded.signature, decoded.policy_bytes, hash_algorithm or decoded.hash_algorithm)


# --- context --------------------------------------------------------------------------------

def _context(
    decoded: Decoded,
    public_keys: object,
    now: TimeLike | None,
    client_ip: str | None,
    request_url: str | None,
    problems: list[Finding],
) -> Context:
    try:
        moment = now_epoch(now)
    except (CfSignError, ValueError, TypeError, OverflowError) as err:
        problems.append(_context_problem(f"now: {as_text(err)[:300]}; the current time was used"))
        moment = now_epoch(None)
    keys: dict[str, PublicKey] = {}
    if public_keys is not None:
        items: Iterable[tuple[object, object]] = (
            public_keys.items() if isinstance(public_keys, Mapping) else [(decoded.key_pair_id or "", public_keys)]
        )
        for key_id, source in items:
            try:
                keys[as_text(key_id)] = load_public_key(source)  # type: ignore[arg-type]
            except CfSignError as err:
                problems.append(_context_problem(f"public key for {as_text(key_id)[:40]}: {err}"))
    ip = None if client_ip is None else as_text(client_ip).strip()
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            problems.append(_context_problem(
                f"client_ip {ip[:60]!r} is not an IP address (IPv4 is four numbers 0-255, like "
                "203.0.113.7); the IP check was skipped"
            ))
            ip = None
    if request_url is not None and (not isinstance(request_url, str) or split_url(request_url) is None):
        problems.append(_context_problem(
            f"request_url {as_text(request_url)[:200]!r} is not a URL that can be read (a host like "
            "'[x]', an unclosed '[' or a bad port); it was not used"
        ))
        request_url = None
    return Context(moment, ip, request_url, keys)


def _ignored(item: Finding) -> Finding:
    """On a behavior that does not restrict viewer access CloudFront serves anyone: errors become facts."""
    if item.severity != "error":
        return item
    return replace(item, severity="info", cloudfront_error=None,
                   message=f"(ignored: this cache behavior does not restrict viewer access) {item.message}")


def _context_problem(message: str) -> Finding:
    return finding("CONTEXT_INVALID", message, "correct the argument and run the diagnosis again")


def _with_request_url(decoded: Decoded, request_url: str) -> Decoded:
    """The same signing parameters, as if the viewer requested ``request_url``."""
    resource_url = strip_signing(request_url.partition("#")[0])
    if decoded.policy_kind != "canned" or decoded.expires is None:
        return replace(decoded, resource_url=resource_url)
    return replace(
        decoded, resource_url=resource_url, policy_bytes=canned_policy_json(resource_url, decoded.expires)
    )


# --- the checks, in CloudFront's order ------------------------------------------------------

Check = Callable[[Decoded, Context], Iterable[Finding]]


def _check_presence(d: Decoded, ctx: Context) -> Iterator[Finding]:
    channel = "cookie" if d.source == "cookies" else "query parameter"
    prefix = "CloudFront-" if d.source == "cookies" else ""
    if d.source == "cookies" and ctx.request_url:
        query = ctx.request_url.partition("#")[0].partition("?")[2] if "://" in ctx.request_url else ""
        names = signing_names(query)
        if names:
            yield finding(
                "COOKIES_IGNORED",
                f"the request URL carries {', '.join(names)}, so CloudFront treats it as a signed URL "
                "and ignores the cookies",
                "rename your own query parameter, or drop the signing parameters from the URL",
                parameters=names,
            )
    if not d.parameters:
        if d.source != "unknown" and not any(p.code == "NO_SIGNING_DATA" for p in d.problems):
            yield finding(
                "NO_SIGNING_DATA",
                f"no CloudFront signing {channel}s were found "
                f"({prefix}Expires/{prefix}Policy, {prefix}Signature, {prefix}Key-Pair-Id)",
                "sign the URL (or set the signed cookies) for this request",
            )
        return
    if not d.key_pair_id:
        yield finding(
            "MISSING_KEY_PAIR_ID", f"{prefix}Key-Pair-Id is missing or empty",
            f"send {prefix}Key-Pair-Id with the id of the public key CloudFront trusts (e.g. K2JCJMDEHXQW5F)",
        )


def _check_required(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if not d.parameters:
        return
    prefix = "CloudFront-" if d.source == "cookies" else ""
    if not d.signature_b64:
        yield finding(
            "MISSING_SIGNATURE", f"{prefix}Signature is missing or empty",
            f"send {prefix}Signature: the CloudFront-base64 signature of the policy",
        )
    has_expires = d.parameter("Expires") is not None
    has_policy = d.parameter("Policy") is not None
    if not has_expires and not has_policy:
        yield finding(
            "MISSING_EXPIRES_OR_POLICY",
            f"neither {prefix}Expires (canned policy) nor {prefix}Policy (custom policy) is present",
            f"send {prefix}Expires for a canned policy or {prefix}Policy for a custom one",
        )
    elif has_expires and has_policy:
        yield finding(
            "CONFLICTING_EXPIRES_AND_POLICY",
            f"both {prefix}Expires and {prefix}Policy are present; CloudFront expects exactly one",
            "send Expires for a canned policy or Policy for a custom policy, not both "
            "(the expiry of a custom policy lives inside it)",
        )


def _check_decoding(d: Decoded, ctx: Context) -> Iterable[Finding]:
    return d.problems


def _check_key(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.key_pair_id and ctx.public_keys and d.key_pair_id not in ctx.public_keys:
        yield finding(
            "UNKNOWN_KEY_PAIR_ID",
            f"Key-Pair-Id {d.key_pair_id[:40]!r} is not among the trusted public keys "
            f"({', '.join(sorted(ctx.public_keys))[:200]})",
            "use the id of a public key in a key group that the cache behavior trusts, "
            "or add this key to that key group",
            key_pair_id=d.key_pair_id,
        )
    key = ctx.public_keys.get(d.key_pair_id or "")
    if key is not None and key.description not in ("RSA-2048", "ECDSA P-256"):
        yield finding(
            "UNSUPPORTED_KEY_TYPE",
            f"the public key for {d.key_pair_id} is {key.description}; key groups accept only RSA-2048 "
            "and ECDSA P-256",
            "generate an RSA-2048 or ECDSA P-256 key pair and upload its public key",
        )


def _check_signature(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.signature is None or d.policy_bytes is None:
        if d.signature is not None and d.source == "cookies" and d.policy_kind == "canned" and not ctx.request_url:
            yield finding(
                "SIGNATURE_NOT_CHECKED",
                "canned cookies carry no policy: CloudFront rebuilds it from the requested URL, which "
                "was not given, so the signature was not checked",
                "give the URL the viewer requests (request_url= in Python, --request-url on the command line)",
                reason="no request URL",
            )
        return
    key = ctx.public_keys.get(d.key_pair_id or "")
    if key is None:
        if len(d.signature) == 64:
            yield finding(
                "ECDSA_SIGNATURE_NOT_DER",
                "the signature is 64 bytes: a raw ECDSA r||s pair; CloudFront expects ASN.1 DER (70-72 bytes)",
                "DER-encode the signature (cryptography's sign() already does; for r||s use "
                "encode_dss_signature(r, s))",
                signature_bytes=64,
            )
        if not ctx.public_keys or not d.key_pair_id:
            named = f"Key-Pair-Id {d.key_pair_id[:40]!r}" if d.key_pair_id else "this artifact (it has no Key-Pair-Id)"
            yield finding(
                "SIGNATURE_NOT_CHECKED",
                f"no public key was given for {named}, so the signature was not verified",
                "give the public key (public_keys={key_pair_id: pem} in Python, --public-key ID=FILE "
                "on the command line)",
                reason="no public key",
            )
            return
    elif key.verify(d.signature, d.policy_bytes, d.hash_algorithm):
        yield finding(
            "SIGNATURE_VERIFIED",
            f"the signature verifies with {d.key_pair_id}'s {key.description} key over "
            f"{d.hash_algorithm}",
        )
        return
    budget = _Budget()
    explained = _explain_mismatch(d, ctx, key, budget)
    if budget.notes:
        yield finding(
            "SEARCH_CUT_SHORT",
            f"the search for what the signer did differently was cut short ({'; '.join(budget.notes)}), "
            "so a cause among the variants not tried would go unnamed",
            "compare the signer's stages with cfsign trace (trace_sign and trace_decode); an input this "
            "large or unusual is rarely a real signed URL",
            reasons=list(budget.notes),
        )
    if explained:
        yield from explained
    elif d.source == "cookies" and d.policy_kind == "canned":
        yield finding(
            "SIGNATURE_MISMATCH",
            f"the canned cookies do not verify for {str(d.resource_url)[:200]!r}: a canned cookie "
            "authorises exactly the one URL it was signed for, so cookies signed for another URL "
            "(another video segment, another page) are refused",
            "to cover many URLs, sign the cookies with a custom policy and a wildcard Resource "
            "(e.g. https://host/videos/*); otherwise check the key that signed them",
            key_pair_id=d.key_pair_id,
        )
    else:
        yield finding(
            "SIGNATURE_MISMATCH",
            "the signature does not verify, and no likely variant (other hash, other key, URL or "
            "policy as it may have been signed) explains it",
            "sign again with the private key that belongs to this Key-Pair-Id, over exactly the policy "
            "CloudFront sees; compare your stages with cfsign trace",
            key_pair_id=d.key_pair_id,
            hash_algorithm=d.hash_algorithm,
        )


def _check_times(d: Decoded, ctx: Context) -> Iterator[Finding]:
    policy = d.policy
    expires = policy.date_less_than if policy else d.expires
    if expires is None or expires >= 10**12:
        return
    if ctx.now >= expires:
        yield finding(
            "EXPIRED",
            f"it expired at {format_epoch(expires)}, {_duration(ctx.now - expires)} before "
            f"{format_epoch(ctx.now)}",
            "sign a new URL or cookies with a later expiry (CloudFront checks it on every request)",
            expires=expires, now=ctx.now,
        )
    elif expires - ctx.now > LONG_LIFETIME_SECONDS:
        yield finding(
            "LONG_LIFETIME",
            f"it stays valid for {_duration(expires - ctx.now)} more (until {format_epoch(expires)}); "
            "anyone who gets hold of it can use it until then",
            "prefer short expiries (minutes to hours) and sign again when needed",
            expires=expires, now=ctx.now,
        )
    if expires > MAX_EPOCH_32:
        yield finding(
            "EXPIRES_AFTER_2038",
            f"the expiry {expires} is after 2038-01-19: tools and older docs limit it to 2147483647",
            "use an earlier expiry unless you know every consumer reads 64-bit times",
            expires=expires,
        )
    if policy and policy.date_greater_than is not None and ctx.now <= policy.date_greater_than:
        yield finding(
            "NOT_YET_VALID",
            f"it is valid only after {format_epoch(policy.date_greater_than)}, "
            f"{_duration(policy.date_greater_than - ctx.now)} after {format_epoch(ctx.now)}",
            "wait, or sign with an earlier DateGreaterThan (mind clock skew between your server and CloudFront)",
            starts=policy.date_greater_than, now=ctx.now,
        )


def _check_ip(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.policy is None or d.policy.ip_address is None:
        return
    network = ipaddress.ip_network(d.policy.ip_address, strict=False)
    if ctx.client_ip is None or ipaddress.ip_address(ctx.client_ip).version == 6:
        yield finding(
            "IP_CONDITION_WITH_IPV6_CLIENT",
            f"the policy allows only {network}: viewers reaching CloudFront over IPv6 never match an "
            "IpAddress condition",
            "turn IPv6 off on the distribution (or serve IP-restricted content from one without IPv6)",
        )
    if ctx.client_ip is None:
        return
    client = ipaddress.ip_address(ctx.client_ip)
    if client.version == 6:
        yield finding(
            "IP_NOT_ALLOWED",
            f"the client {client} is IPv6, and CloudFront's IpAddress condition ({network}) only holds IPv4",
            "disable IPv6 on the distribution, or drop the IpAddress condition",
            client_ip=str(client), allowed=str(network),
        )
    elif client not in network:
        yield finding(
            "IP_NOT_ALLOWED",
            f"the client {client} is outside the allowed range {network}",
            "sign with the viewer's public IPv4 address as CloudFront sees it (behind NAT or a "
            "proxy it differs from the local one), or widen the range",
            client_ip=str(client), allowed=str(network),
        )


def _check_resource(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.policy is None or d.policy_kind != "custom":
        return
    resource = d.policy.resource
    if resource is None:
        yield finding(
            "RESOURCE_OMITTED",
            "the custom policy has no Resource, so it is valid for every file in every distribution "
            "that trusts this key",
            "add a Resource (a URL, or a pattern such as https://host/videos/*)",
        )
        return
    netloc = _netloc(resource)
    if resource in ("*", "http://*", "https://*", "*://*") or netloc.startswith("*"):
        yield finding(
            "BROAD_WILDCARD",
            f"the Resource {resource[:120]!r} matches every path on "
            f"{'every host' if '*' in netloc or resource == '*' else 'the host'}",
            "narrow the Resource to the host and path prefix you mean to share",
            resource=resource,
        )
    url = d.resource_url
    if url is None or "://" not in url:
        if d.source == "cookies":
            yield finding(
                "REQUEST_URL_NEEDED",
                f"the cookies' Resource {resource[:200]!r} was not compared with a request: no request URL was given",
                "give the URL the viewer requests (request_url= in Python, --request-url on the command line)",
            )
        return
    if not resource_matches(resource, url):
        hint = ""
        if resource_matches(resource.lower(), url.lower()):
            hint = " (they differ only in letter case, and CloudFront compares case-sensitively)"
        elif resource_matches(resource, _swap_scheme(url)):
            hint = " (the scheme differs: http vs https)"
        yield finding(
            "RESOURCE_MISMATCH",
            f"the policy's Resource {resource[:200]!r} does not cover the requested URL {url[:200]!r}{hint}",
            "sign a Resource that covers this URL (wildcards: * any run of characters, ? one "
            "character), or request a URL the policy covers",
            resource=resource, url=url,
        )


def _check_policy_format(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.policy_kind == "custom" and d.policy_bytes and any(c in d.policy_bytes for c in b" \t\r\n"):
        yield finding(
            "POLICY_WHITESPACE",
            "the policy JSON contains whitespace; CloudFront's guide asks for it to be removed "
            "(it verifies the bytes sent, so this works, but makes URLs longer)",
            "serialise the policy compactly: json.dumps(policy, separators=(',', ':'))",
        )


def _check_cookies(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.source != "cookies":
        return
    if d.hash_algorithm == "SHA256" and d.parameters:
        yield finding(
            "SHA256_COOKIE",
            "the cookies use SHA-256 (CloudFront-Hash-Algorithm=SHA256), supported since April 2026",
            "if CloudFront refuses them although they verify, try SHA-1 (no hash cookie) to rule this out",
        )
    signing = dict(d.parameters)
    for name, attributes in d.cookie_attributes.items():
        if name not in signing:
            continue
        if not attributes.get("secure"):
            yield finding(
                "COOKIE_NOT_SECURE", f"{name} is not marked Secure, so it also travels over plain HTTP",
                "add Secure and serve the Set-Cookie over HTTPS", cookie=name,
            )
        if not attributes.get("httponly"):
            yield finding(
                "COOKIE_NOT_HTTPONLY", f"{name} is not marked HttpOnly, so page scripts can read it",
                "add HttpOnly", cookie=name,
            )
        size = len(name) + 1 + len(signing[name]) + sum(
            len(k) + (len(v) + 1 if isinstance(v, str) else 0) + 2 for k, v in attributes.items()
        )
        if size > COOKIE_LIMIT:
            yield finding(
                "COOKIE_TOO_LARGE",
                f"{name} is {size} bytes with its attributes; browsers only promise to keep 4,096",
                "shorten the policy (a shorter Resource pattern, fewer conditions) or use an ECDSA key",
                cookie=name, size=size,
            )


def _check_cookies_sent(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Cookies the browser keeps to itself never reach CloudFront: that comes before anything else."""
    if d.source != "cookies" or not ctx.request_url or "://" not in ctx.request_url:
        return
    signing = dict(d.parameters)
    unsent: dict[str, list[str]] = {}
    for name, attributes in d.cookie_attributes.items():
        if name in signing:
            reason = _cookie_not_sent_reason(attributes, ctx.request_url, ctx.now)
            if reason:
                unsent.setdefault(reason, []).append(name)
    for reason, names in unsent.items():
        yield finding(
            "COOKIE_NOT_SENT",
            f"the browser would not send {', '.join(names)} with {ctx.request_url[:200]!r}: {reason}; "
            "CloudFront would see no signature at all",
            "set Domain and Path so they cover the URLs of the private content "
            "(Domain = the viewer's host or a parent, Path = a prefix of the path)",
            cookies=names,
        )


def _check_size(d: Decoded, ctx: Context) -> Iterator[Finding]:
    if d.source == "url" and d.url is not None:
        size = len(d.url.encode("utf-8", "replace"))
        if size > URL_LIMIT:
            yield finding(
                "URL_TOO_LONG",
                f"the URL is {size:,} bytes; CloudFront accepts at most {URL_LIMIT:,}",
                "shorten the policy (a wildcard Resource instead of a long URL), use an ECDSA key "
                "(96-character signatures instead of 344), or use signed cookies",
                size=size,
            )


CHECKS: tuple[Check, ...] = (
    _check_cookies_sent,
    _check_presence,
    _check_key,
    _check_required,
    _check_decoding,
    _check_signature,
    _check_times,
    _check_ip,
    _check_resource,
    _check_policy_format,
    _check_cookies,
    _check_size,
)
"""The checks, in order; each is ``check(decoded, context) -> findings``."""


# --- the differential search ----------------------------------------------------------------

@dataclass(frozen=True)
class _Variant:
    code: str | None
    description: str
    policy_bytes: bytes


class _Budget:
    """What is left of one artifact's differential search, and why it stopped early (if it did)."""

    def __init__(self) -> None:
        self.variants = SEARCH_VARIANTS
        self.verifications = SEARCH_VERIFICATIONS
        self.notes: list[str] = []

    def cut(self, note: str) -> None:
        """Record why part of the search was skipped (each reason once)."""
        if note not in self.notes:
            self.notes.append(note)


def _explain_mismatch(d: Decoded, ctx: Context, key: PublicKey | None, budget: _Budget) -> list[Finding]:
    """Find what the signer most likely did, by verifying plausible variants of the signed bytes.

    The work is bounded by ``budget`` (variants, verifications, bytes), whatever the input.
    """
    assert d.signature is not None and d.policy_bytes is not None
    if len(d.policy_bytes) > SEARCH_BYTES * 3:
        budget.cut(f"the policy is {len(d.policy_bytes):,} bytes, more than a request to CloudFront can carry, "
                   "so no variant was tried")
        return []
    declared = d.hash_algorithm
    other_hash = "SHA256" if declared == "SHA1" else "SHA1"
    keys: list[tuple[str, PublicKey]] = []
    if key is not None:
        keys.append((d.key_pair_id or "", key))
    keys += [(kid, k) for kid, k in ctx.public_keys.items() if kid != d.key_pair_id and k != key]
    signatures: list[tuple[bytes, str | None]] = [(d.signature, None)]
    if len(d.signature) == 64:
        half = len(d.signature) // 2
        der = encode_dss_signature(int.from_bytes(d.signature[:half], "big"), int.from_bytes(d.signature[half:], "big"))
        signatures.append((der, "ECDSA_SIGNATURE_NOT_DER"))
    if d.signature.isascii():
        inner, _ = decode_any(d.signature.decode("ascii").strip())
        if inner:
            signatures.append((inner, "SIGNATURE_DOUBLE_BASE64"))
    variants = itertools.chain([_Variant(None, "", d.policy_bytes)], _policy_variants(d, budget))
    for tried, variant in enumerate(variants):
        if tried >= budget.variants:
            budget.cut(f"{budget.variants} variants of the signed bytes were tried")
            return []
        for key_id, candidate in keys:
            for hash_name in (declared, other_hash):
                for signature, encoding_code in signatures:
                    if budget.verifications <= 0:
                        budget.cut(f"{SEARCH_VERIFICATIONS} signature verifications were made")
                        return []
                    budget.verifications -= 1
                    if candidate.verify(signature, variant.policy_bytes, hash_name):
                        return list(_explanations(d, variant, key_id, hash_name, encoding_code))
    return []


def _explanations(
    d: Decoded, variant: _Variant, key_id: str, hash_name: str, encoding_code: str | None
) -> Iterator[Finding]:
    prefix = "CloudFront-" if d.source == "cookies" else ""
    if variant.code is not None:
        yield finding(
            variant.code,
            variant.description,
            _VARIANT_FIXES[variant.code],
            signed_policy=variant.policy_bytes.decode("utf-8", "replace")[:2000],
        )
    if key_id != d.key_pair_id:
        yield finding(
            "SIGNED_WITH_OTHER_KEY",
            f"{prefix}Key-Pair-Id says {str(d.key_pair_id)[:40]!r}, but the signature was made with the "
            f"private key of {key_id!r}",
            f"send {prefix}Key-Pair-Id={key_id}, or sign with the private key that belongs to "
            f"{d.key_pair_id}",
            signed_with=key_id,
        )
    if hash_name != d.hash_algorithm and d.hash_algorithm_value in (None, "SHA1", "SHA256", "sha1", "sha256"):
        if hash_name == "SHA256":
            yield finding(
                "HASH_ALGORITHM_MISSING",
                f"the signature was made over SHA-256, but nothing tells CloudFront so "
                f"({prefix}Hash-Algorithm is {d.hash_algorithm_value or 'absent'}), so it checks SHA-1",
                f"add {prefix}Hash-Algorithm=SHA256 (the AWS CLI always signs ECDSA keys with SHA-256)",
            )
        else:
            yield finding(
                "HASH_ALGORITHM_MISMATCH",
                f"{prefix}Hash-Algorithm says SHA256, but the signature was made over SHA-1",
                f"drop {prefix}Hash-Algorithm (SHA-1 is the default), or sign with SHA-256",
            )
    if encoding_code == "ECDSA_SIGNATURE_NOT_DER":
        yield finding(
            "ECDSA_SIGNATURE_NOT_DER",
            "the ECDSA signature is a raw 64-byte r||s pair; CloudFront expects ASN.1 DER",
            "DER-encode it (encode_dss_signature(r, s)) before base64-encoding",
        )
    elif encoding_code == "SIGNATURE_DOUBLE_BASE64":
        yield finding(
            "SIGNATURE_DOUBLE_BASE64",
            "the signature was base64-encoded twice: once decoded it is still base64 text, and the "
            "signature inside it verifies",
            "base64-encode the raw signature bytes once, then apply CloudFront's substitutions",
        )


_VARIANT_FIXES = {
    "URL_CHANGED_AFTER_SIGNING": "sign exactly the URL the viewer requests (scheme, host, path "
    "encoding and query string, in order), and change nothing after signing",
    "CANNED_POLICY_FORMAT": "sign the canned policy exactly as CloudFront rebuilds it: "
    '{"Statement":[{"Resource":"URL","Condition":{"DateLessThan":{"AWS:EpochTime":N}}}]} '
    "with no whitespace, keys in this order and the epoch unquoted",
    "POLICY_CHANGED_AFTER_SIGNING": "sign the same bytes you base64-encode into Policy",
}


def _policy_variants(d: Decoded, budget: _Budget) -> Iterator[_Variant]:
    if d.policy_kind == "canned" and d.resource_url and d.expires is not None:
        resource, expires = d.resource_url, d.expires
        what = "the cookie" if d.source == "cookies" else "the URL"
        if len(resource) > SEARCH_BYTES:
            budget.cut(f"the URL is {len(resource):,} characters, longer than CloudFront accepts, so it was not varied")
        for url, how in _url_variants(resource, budget) if len(resource) <= SEARCH_BYTES else ():
            yield _Variant(
                "URL_CHANGED_AFTER_SIGNING",
                f"{what} was signed for {url[:300]!r} ({how}), but the request is for {resource[:300]!r}",
                canned_policy_json(url, expires),
            )
        for policy, how in _canned_format_variants(resource, expires):
            yield _Variant(
                "CANNED_POLICY_FORMAT",
                f"the signer signed the canned policy {how}; CloudFront rebuilds it compact, in a fixed "
                "key order, with the epoch unquoted",
                policy,
            )
    elif d.policy_kind == "custom" and d.policy_bytes is not None:
        for policy, how in _custom_variants(d):
            yield _Variant(
                "POLICY_CHANGED_AFTER_SIGNING",
                f"the signature is over {how}, not over the Policy bytes sent",
                policy,
            )


def _url_variants(url: str, budget: _Budget) -> Iterator[tuple[str, str]]:
    parts = split_url(url)
    if parts is None:
        budget.cut("the URL cannot be split into scheme, host and path, so it was not varied")
        return
    base = url.partition("?")[0]
    pairs = parts.query.split("&") if parts.query else []
    seen = {url}
    varied = range(max(0, len(pairs) - SEARCH_PARAMETERS), len(pairs))
    if len(pairs) > SEARCH_PARAMETERS:
        budget.cut(f"only the last {SEARCH_PARAMETERS} of the {len(pairs):,} query parameters were dropped "
                   "or swapped one by one")

    def once(candidate: str, how: str) -> Iterator[tuple[str, str]]:
        if candidate not in seen:
            seen.add(candidate)
            yield candidate, how

    yield from once(_swap_scheme(url), "a different scheme")
    if pairs:
        yield from once(base, "without the query string, which was added after signing")
        for i in varied:
            rest = pairs[:i] + pairs[i + 1 :]
            without = base + ("?" + "&".join(rest) if rest else "")
            yield from once(without, f"without {pairs[i][:60]!r}, added after signing")
        if len(pairs) > 1:
            yield from once(base + "?" + "&".join(sorted(pairs)), "with the query parameters in another order")
            yield from once(base + "?" + "&".join(reversed(pairs)), "with the query parameters in another order")
            for i in varied[:-1] if varied.stop == len(pairs) else varied:
                swapped = [*pairs[:i], pairs[i + 1], pairs[i], *pairs[i + 2 :]]
                yield from once(base + "?" + "&".join(swapped), "with the query parameters in another order")
        yield from once(base + "?" + unquote(parts.query), "with the query string percent-decoded")
    path = parts.path
    rebuilt = f"{parts.scheme}://{parts.netloc}"
    query = "?" + parts.query if parts.query else ""
    for other, how in (
        (unquote(path), "with the path percent-decoded"),
        (quote(unquote(path), safe="/~!$&'()*+,;=:@", errors="surrogatepass"),
         "with the path percent-encoded differently"),
        (path.rstrip("/") if path.endswith("/") and path != "/" else path + "/", "with a different trailing slash"),
        (_swap_percent_case(path), "with percent-escapes in the other letter case"),
    ):
        yield from once(rebuilt + other + query, how)
    default_port = {"https": ":443", "http": ":80"}.get(parts.scheme, "")
    yield from once(f"{parts.scheme}://{parts.netloc}{default_port}{path}{query}", "with an explicit default port")
    yield from once(url + ("&" if pairs else "?") + "Hash-Algorithm=SHA256",
                    "with Hash-Algorithm=SHA256 inside the signed URL")


def _canned_format_variants(resource: str, expires: int) -> Iterator[tuple[bytes, str]]:
    document = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]}
    yield json.dumps(document).encode(), "with spaces after ',' and ':' (json.dumps defaults)"
    yield json.dumps(document, indent=2).encode(), "pretty-printed"
    yield json.dumps(document, indent=4).encode(), "pretty-printed"
    yield json.dumps(document, indent=2).replace("\n", "\r\n").encode(), "pretty-printed with CRLF line ends"
    yield canned_policy_json(resource, expires) + b"\n", "with a trailing newline"
    yield canned_policy_json(resource, expires).replace(b"/", b"\\/"), "with '/' escaped as '\\/' (PHP's json_encode)"
    quoted = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": str(expires)}}}]}
    yield json.dumps(quoted, separators=(",", ":")).encode(), "with the epoch time in quotes"
    swapped = {"Statement": [{"Condition": {"DateLessThan": {"AWS:EpochTime": expires}}, "Resource": resource}]}
    yield json.dumps(swapped, separators=(",", ":")).encode(), "with Condition before Resource"


def _custom_variants(d: Decoded) -> Iterator[tuple[bytes, str]]:
    sent = d.policy_bytes or b""
    if d.policy_document is not None:
        compact = json.dumps(d.policy_document, separators=(",", ":")).encode()
        if compact != sent:
            yield compact, "the compact form of the policy (it was signed compact but sent reformatted)"
    stripped = bytes(b for b in sent if b not in b" \t\r\n")
    if stripped != sent:
        yield stripped, "the policy with all whitespace removed"
    other_newline = sent.rstrip(b"\r\n") if sent.endswith((b"\n", b"\r")) else sent + b"\n"
    yield other_newline, "the policy with a different trailing newline"
    if d.policy_b64:
        yield d.policy_b64.encode(), "the base64 text of the policy (the encoded Policy was signed instead of the JSON)"


# --- helpers --------------------------------------------------------------------------------

def _swap_scheme(url: str) -> str:
    if url.startswith("https://"):
        return "http://" + url[8:]
    if url.startswith("http://"):
        return "https://" + url[7:]
    return url


def _swap_percent_case(path: str) -> str:
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: m.group().swapcase(), path)


def _cookie_not_sent_reason(attributes: Mapping[str, str | bool], request_url: str, now: int) -> str | None:
    parts = split_url(request_url)
    if parts is None:
        return None
    host = (parts.hostname or "").lower()
    domain = attributes.get("domain")
    if isinstance(domain, str) and domain:
        bare = domain.lstrip(".").lower()
        if host != bare and not host.endswith("." + bare):
            return f"its Domain is {domain!r} and the request goes to {host!r}"
    path = attributes.get("path")
    request_path = parts.path or "/"
    if isinstance(path, str) and path and path != "/":
        if "*" in path:
            return f"its Path {path!r} holds a wildcard, which browsers take literally"
        if not (request_path == path or request_path.startswith(path.rstrip("/") + "/")):
            return f"its Path {path!r} is not a prefix of {request_path!r}"
    if attributes.get("secure") and parts.scheme == "http":
        return "it is Secure and the request is plain http"
    max_age = attributes.get("max-age")
    if isinstance(max_age, str) and _non_positive(max_age.strip()):
        return f"Max-Age={max_age} deletes it at once"
    return None


def _non_positive(number: str) -> bool:
    """True for an ASCII integer <= 0 (checked without int(): it may have thousands of digits)."""
    digits = number.removeprefix("-")
    return digits.isascii() and digits.isdigit() and (number.startswith("-") or not digits.strip("0"))


def _netloc(url: str) -> str:
    """The host part of a URL (empty without ``://``), even when ``urlsplit`` refuses it (``https://[x]``)."""
    parts = split_url(url)
    if parts is not None:
        return parts.netloc
    rest = url.partition("://")[2] if "://" in url else ""
    return rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def _duration(seconds: int) -> str:
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            value = seconds / size
            shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
            return f"{shown} {unit}{'s' if shown != '1' else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _unique(findings: Iterable[Finding]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for item in findings:
        if (item.code, item.message) not in seen:
            seen.add((item.code, item.message))
            yield item
