"""The checks, in CloudFront's order: each is ``check(decoded, context) -> findings``.

What was taken from a paste comes first, then what never reaches CloudFront as meant (an S3
presigned URL, an origin's own host, cookies the browser keeps, an HTML-escaped or cut-off URL:
:mod:`.transport`, :mod:`.cookies`), then what CloudFront looks at in turn: the
signing data, the key, the required parameters, their decoding, the signature (where a mismatch
starts the differential search of :mod:`.variants`), the times, the IP, the resource, and
the form of the policy, the cookies and the URL. Adding a check is adding one function to
:data:`CHECKS` (and its tests).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator

from ..decode import Decoded
from ..distribution.match import url_netloc
from ..findings import Finding, finding
from ..protocol import LONG_LIFETIME_SECONDS, URL_LIMIT, signing_names
from ..settings import PUBLIC_KEYS, REQUEST_URL
from ..times import MAX_EPOCH_32, MAX_SECONDS, format_epoch
from ..wildcard import resource_matches
from .cookies import check_cookie_attributes, check_cookies_sent
from .model import Context, parameter_prefix
from .rewrites import swap_scheme
from .transport import (
    check_html_escaped,
    check_origin_host,
    check_paste_notes,
    check_s3_presigned,
    check_truncated,
    html_escaped,
    s3_query_auth,
)
from .variants import explain_mismatch

Check = Callable[[Decoded, Context], Iterable[Finding]]
"""One check: the findings about ``decoded`` as requested in ``context``."""


def _check_presence(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Is there signing data at all, and does it name a key (without one CloudFront answers MissingKey)?"""
    if html_escaped(d):  # HTML_ESCAPED_QUERY names what CloudFront misses, and why
        return
    channel = "cookie" if d.source == "cookies" else "query parameter"
    prefix = parameter_prefix(d)
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


def _check_key(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Is the named key among the trusted ones, and of a type key groups accept?"""
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


def _check_required(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """A signature, and exactly one of Expires (canned) and Policy (custom)."""
    if not d.parameters or html_escaped(d):
        return
    prefix = parameter_prefix(d)
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
    """Every problem met while decoding the parameters, as the decoder recorded it."""
    return d.problems


def _check_signature(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Does the signature verify over the policy CloudFront sees? If not, the search says why."""
    if d.signature is None or d.policy_bytes is None:
        if d.signature is not None and d.source == "cookies" and d.policy_kind == "canned" and not ctx.request_url:
            yield finding(
                "SIGNATURE_NOT_CHECKED",
                "canned cookies carry no policy: CloudFront rebuilds it from the requested URL, which "
                "was not given, so the signature was not checked",
                f"give the URL the viewer requests ({REQUEST_URL.python})",
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
                f"give the public key ({PUBLIC_KEYS.python})",
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
    yield from explain_mismatch(d, ctx, key)


def _check_times(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Expired, not yet valid, valid for long, or after 2038 (CloudFront checks times on every request)."""
    policy = d.policy
    expires = policy.date_less_than if policy else d.expires
    if expires is None or expires >= MAX_SECONDS:
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
    """Is the viewer inside the policy's IpAddress range (which only ever holds IPv4)?"""
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
        yield finding(
            "CLIENT_IP_NEEDED",
            f"the policy allows only {network}, and no client IP was given to check it against",
            "give the viewer's IP address as CloudFront sees it (client_ip=; in an access log, the c-ip field)",
            allowed=str(network),
        )
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
    """Does the custom policy's Resource cover the requested URL, and is it not too broad?"""
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
    netloc = url_netloc(resource)
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
                f"give the URL the viewer requests ({REQUEST_URL.python})",
            )
        return
    if not resource_matches(resource, url):
        hint = ""
        if resource_matches(resource.lower(), url.lower()):
            hint = " (they differ only in letter case, and CloudFront compares case-sensitively)"
        elif resource_matches(resource, swap_scheme(url)):
            hint = " (the scheme differs: http vs https)"
        yield finding(
            "RESOURCE_MISMATCH",
            f"the policy's Resource {resource[:200]!r} does not cover the requested URL {url[:200]!r}{hint}",
            "sign a Resource that covers this URL (wildcards: * any run of characters, ? one "
            "character), or request a URL the policy covers",
            resource=resource, url=url,
        )


def _check_policy_format(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Whitespace in a custom policy: it verifies, but makes every URL longer."""
    if d.policy_kind == "custom" and d.policy_bytes and any(c in d.policy_bytes for c in b" \t\r\n"):
        yield finding(
            "POLICY_WHITESPACE",
            "the policy JSON contains whitespace; CloudFront's guide asks for it to be removed "
            "(it verifies the bytes sent, so this works, but makes URLs longer)",
            "serialise the policy compactly: json.dumps(policy, separators=(',', ':'))",
        )


def _check_size(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """A URL longer than CloudFront accepts is refused, whatever its signature."""
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


def _for_cloudfront(check: Check) -> Check:
    """``check``, skipped for an S3 presigned URL: none of CloudFront's rules apply to it."""

    def checked(d: Decoded, ctx: Context) -> Iterable[Finding]:
        return () if s3_query_auth(d) else check(d, ctx)

    checked.__name__ = checked.__qualname__ = check.__name__
    checked.__doc__ = check.__doc__
    return checked


CHECKS: tuple[Check, ...] = (
    check_paste_notes,
    check_s3_presigned,
    check_origin_host,
    check_cookies_sent,
    *(_for_cloudfront(check) for check in (
        check_html_escaped,
        check_truncated,
        _check_presence,
        _check_key,
        _check_required,
        _check_decoding,
        _check_signature,
        _check_times,
        _check_ip,
        _check_resource,
        _check_policy_format,
        check_cookie_attributes,
        _check_size,
    )),
)
"""The checks, in order; each is ``check(decoded, context) -> findings``."""


# --- helpers --------------------------------------------------------------------------------

def _duration(seconds: int) -> str:
    """A span of time as people say it: "3 days", "1.5 hours", "40 seconds"."""
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            value = seconds / size
            shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
            return f"{shown} {unit}{'s' if shown != '1' else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
