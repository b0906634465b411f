"""What a distribution config says about a request, and what is wrong with the config itself.

:func:`check_request` (called by :func:`cfsign_nb.diagnosis.diagnose` with ``distribution=``) and
:func:`lint_distribution` report, as :class:`~cfsign_nb.findings.Finding` values, the half of
"my signed URL does not work" that is not about the signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import CfSignError
from ..findings import Finding, finding
from ..settings import REQUEST_URL
from .match import hostname, match_behavior, patterns_overlap, serves_host, url_netloc, url_path
from .model import Behavior, DistributionConfig, load_distribution, normal_path


def check_request(config: object, decoded: Any, context: Any) -> list[Finding]:
    """Findings about how this distribution treats this request (behavior, key trust, host, IPv6).

    ``decoded`` is a :class:`~cfsign_nb.decode.Decoded`, ``context`` a
    :class:`~cfsign_nb.diagnosis.Context`; called by ``diagnose(..., distribution=config)``. Never raises.
    """
    try:
        dist = load_distribution(config)
    except CfSignError as err:
        return [finding("CONTEXT_INVALID", f"distribution: {err}", "pass a readable distribution config")]
    url = (getattr(context, "request_url", None) or getattr(decoded, "url", None)
           or getattr(decoded, "resource_url", None))
    if not url:
        return [finding(
            "CONTEXT_INVALID",
            "distribution: the requested URL is unknown, so no cache behavior could be matched",
            f"give the URL the viewer requests ({REQUEST_URL.python})",
        )]
    return list(_request_findings(dist, decoded, str(url)))


def _request_findings(dist: DistributionConfig, decoded: Any, url: str) -> Iterator[Finding]:
    behavior = match_behavior(dist, url)
    host = url_netloc(url)
    if host and serves_host(dist, host) is False:
        yield finding(
            "ALTERNATE_DOMAIN_NOT_CONFIGURED",
            f"the URL's host {hostname(host)!r} is not a domain name of this distribution "
            f"({', '.join(dist.hostnames) or 'no aliases configured'}); CloudFront answers such requests "
            "with a generic 403 'The request could not be satisfied' before looking at any signature",
            "add the host to the distribution's alternate domain names (Aliases, with a matching "
            "certificate), or sign URLs for a host the distribution serves",
            host=hostname(host), aliases=list(dist.hostnames),
        )
    if not behavior.restricted:
        yield finding(
            "BEHAVIOR_NOT_RESTRICTED",
            f"{url_path(url)!r} is served by {behavior.label}, which does not restrict viewer access: "
            "CloudFront serves the object to anyone and ignores the signature",
            f"turn on 'Restrict viewer access' for {behavior.label} (TrustedKeyGroups with your key "
            "group), or add a restricted behavior for this path before any public one",
            behavior=behavior.path_pattern,
        )
        yield from _shadow_for_path(dist, behavior, url_path(url))
        return
    yield from _key_trust(dist, behavior, getattr(decoded, "key_pair_id", None))
    if behavior.uses_trusted_signers:
        yield _legacy(behavior)
    policy = getattr(decoded, "policy", None)
    ip_condition = getattr(policy, "ip_address", None)
    if dist.ipv6_enabled and ip_condition:
        yield finding(
            "IPV6_ENABLED_WITH_IP_POLICY",
            f"the policy allows only {ip_condition} (IPv4) while the distribution has IPv6 enabled: "
            "viewers that reach CloudFront over IPv6 get AccessDenied",
            "set IsIPV6Enabled to false on this distribution, or serve IP-restricted content from a "
            "distribution without IPv6",
            ip_address=ip_condition,
        )
    resource = getattr(policy, "resource", None) or getattr(decoded, "resource_url", None)
    if behavior.viewer_protocol_policy == "allow-all" and isinstance(resource, str) and resource.startswith("https://"):
        yield finding(
            "HTTP_ALLOWED_FOR_HTTPS_RESOURCE",
            f"{behavior.label} allows plain http, but the policy covers only {resource[:120]!r}: a viewer "
            "following an http:// link gets AccessDenied (the scheme is part of the signed resource)",
            "set ViewerProtocolPolicy to redirect-to-https (or https-only), or sign a custom policy "
            "whose Resource starts with *://",
            behavior=behavior.path_pattern, resource=resource[:300],
        )
    if getattr(decoded, "source", None) == "cookies":
        yield from _cookies_to_public(dist, decoded)


def _key_trust(dist: DistributionConfig, behavior: Behavior, key_id: str | None) -> Iterator[Finding]:
    if behavior.uses_key_groups:
        empty = [g for g in behavior.trusted_key_groups if dist.key_ids(g) == ()]
        if empty and len(empty) == len(behavior.trusted_key_groups):
            yield finding(
                "KEY_NOT_TRUSTED_BY_BEHAVIOR",
                f"{behavior.label} trusts key group(s) {', '.join(empty)} holding no active public key: "
                "CloudFront can verify nothing, every signed request gets InvalidKey",
                "add your public key to the key group, or trust a key group that holds it",
                behavior=behavior.path_pattern, key_groups=list(empty),
            )
            return
    if not key_id:
        return
    trusted = dist.trusted_key_ids(behavior)
    if trusted is None or key_id in trusted:
        return
    elsewhere = sorted(g for g, keys in dist.key_groups if key_id in keys)
    where = (f"; it is in key group {', '.join(elsewhere)}, which {behavior.label} does not trust"
             if elsewhere else "; no key group of this distribution holds it")
    kind = (f"key group(s) {', '.join(behavior.trusted_key_groups)}" if behavior.uses_key_groups
            else f"trusted signer(s) {', '.join(behavior.trusted_signers)}")
    yield finding(
        "KEY_NOT_TRUSTED_BY_BEHAVIOR",
        f"Key-Pair-Id {key_id[:40]!r} is not among the keys {behavior.label} trusts "
        f"({kind}: {', '.join(sorted(trusted)) or 'none'}){where}",
        f"sign with a key of {kind}, or add the public key {key_id[:40]} to a key group this behavior trusts "
        "(a key trusted by one behavior cannot sign for another)",
        behavior=behavior.path_pattern, key_pair_id=key_id, trusted=sorted(trusted), key_groups=elsewhere,
    )


def _legacy(behavior: Behavior) -> Finding:
    return finding(
        "LEGACY_TRUSTED_SIGNERS",
        f"{behavior.label} trusts legacy CloudFront key pairs of account(s) "
        f"{', '.join(behavior.trusted_signers)}: only the root user can manage them, and if it "
        "deletes them CloudFront clears the list",
        "create a public key and a key group, trust the key group (TrustedKeyGroups) and sign "
        "with that key's id (K...) instead of an APKA... key pair id",
        behavior=behavior.path_pattern, accounts=list(behavior.trusted_signers),
    )


def _shadow_for_path(dist: DistributionConfig, behavior: Behavior, path: str) -> Iterator[Finding]:
    for later in dist.behaviors[behavior.index + 1:]:
        if later.restricted and later.matches(path):
            yield _shadow(behavior, later, example=path)
            return


def _shadow(earlier: Behavior, later: Behavior, example: str | None = None) -> Finding:
    shown = f" (e.g. {example!r})" if example else ""
    return finding(
        "SHADOWED_BEHAVIOR",
        f"{earlier.label} (position {earlier.index}, public) comes before {later.label} (position "
        f"{later.index}, restricted) and matches some of the same paths{shown}: CloudFront uses the "
        "first match, so that content is public",
        f"move {later.label} before {earlier.label}, or narrow {earlier.label}'s path pattern",
        public=earlier.path_pattern, restricted=later.path_pattern,
    )


def _cookies_to_public(dist: DistributionConfig, decoded: Any) -> Iterator[Finding]:
    public = [b for b in dist.behaviors if not b.restricted]
    if not public:
        return
    paths = {
        str(attrs.get("path")) for attrs in (getattr(decoded, "cookie_attributes", None) or {}).values()
        if isinstance(attrs.get("path"), str)
    } or {"/"}
    reached = [b.path_pattern for b in public if any(_cookie_path_reaches(p, b.path_pattern) for p in paths)]
    if reached:
        yield _cookies_finding(reached, sorted(paths))


def _cookie_path_reaches(cookie_path: str, pattern: str) -> bool:
    prefix = "/" + normal_path(re.split(r"[*?]", pattern, maxsplit=1)[0])
    cookie = cookie_path if cookie_path.startswith("/") else "/" + cookie_path
    return prefix.startswith(cookie) or cookie.startswith(prefix) or cookie == "/"


def _cookies_finding(public_patterns: list[str], cookie_paths: list[str] | None = None) -> Finding:
    scope = f"Path {', '.join(cookie_paths)}" if cookie_paths else "the hostname"
    return finding(
        "COOKIES_SENT_TO_PUBLIC_PATHS",
        f"signed cookies scoped to {scope} are sent with every request for public content on the same "
        f"host ({', '.join(repr(p) for p in public_patterns[:5])}): larger requests, and the credentials "
        "reach origins and logs that do not need them",
        "serve private content from its own hostname (another distribution or alternate domain), "
        "or set the cookies' Path to the private prefix only",
        public=public_patterns, cookie_paths=cookie_paths or [],
    )


def lint_distribution(config: object) -> list[Finding]:
    """Problems visible in the config alone: shadowed behaviors, legacy signers, empty key groups,
    no restriction at all, cookies that would reach public paths. Raises DistributionError only
    when the config cannot be read.
    """
    dist = load_distribution(config)
    found: list[Finding] = []
    restricted = [b for b in dist.behaviors if b.restricted]
    public = [b for b in dist.behaviors if not b.restricted]
    if not restricted:
        found.append(finding(
            "BEHAVIOR_NOT_RESTRICTED",
            "no cache behavior restricts viewer access: every object is public and CloudFront ignores "
            "signed URLs and cookies",
            "turn on 'Restrict viewer access' (TrustedKeyGroups) for the behaviors of the private content",
        ))
    for later in restricted:
        for earlier in dist.behaviors[: later.index]:
            if not earlier.restricted and patterns_overlap(earlier.path_pattern, later.path_pattern):
                found.append(_shadow(earlier, later))
                break
    for behavior in restricted:
        if behavior.uses_trusted_signers:
            found.append(_legacy(behavior))
        found.extend(_key_trust(dist, behavior, None))
    if restricted and public:
        found.append(_cookies_finding([b.path_pattern for b in public]))
    return found
