"""A CloudFront distribution config as a value: which cache behavior serves a path, and what is wrong.

:func:`load_distribution` reads what ``aws cloudfront get-distribution`` / ``get-distribution-config``
print (or boto3 returns). :func:`match_behavior` finds the behavior CloudFront would use for a URL.
:func:`check_request` (called by :func:`cfsign_nb.diagnose.diagnose` with ``distribution=``) and
:func:`lint_distribution` report, as :class:`~cfsign_nb.findings.Finding` values, the half of
"my signed URL does not work" that is not about the signature.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .decode import split_url
from .errors import CfSignError
from .findings import Finding, finding
from .policy import wildcard_match

__all__ = [
    "Behavior",
    "DistributionConfig",
    "DistributionError",
    "check_request",
    "lint_distribution",
    "load_distribution",
    "match_behavior",
    "patterns_overlap",
    "serves_host",
]

_LOOPBACK_NAMES = ("localhost",)
MAX_PATH_PATTERN = 255
"""CloudFront's limit on a cache behavior's ``PathPattern`` (characters)."""


class DistributionError(CfSignError):
    """A distribution config cannot be read or used."""


@dataclass(frozen=True)
class Behavior:
    """One cache behavior; the default behavior has ``path_pattern`` ``"*"`` and ``is_default``.

    A behavior *restricts viewer access* when it trusts key groups or (legacy) trusted signers:
    then CloudFront serves its objects only to signed URLs or cookies.
    """

    path_pattern: str
    index: int
    is_default: bool = False
    target_origin_id: str = ""
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: tuple[str, ...] = ("GET", "HEAD")
    trusted_key_groups: tuple[str, ...] = ()
    key_groups_enabled: bool = False
    trusted_signers: tuple[str, ...] = ()
    signers_enabled: bool = False

    @property
    def restricted(self) -> bool:
        """True when CloudFront requires a signed URL or signed cookies for this behavior."""
        return self.uses_key_groups or self.uses_trusted_signers

    @property
    def uses_key_groups(self) -> bool:
        return self.key_groups_enabled and bool(self.trusted_key_groups)

    @property
    def uses_trusted_signers(self) -> bool:
        return self.signers_enabled and bool(self.trusted_signers)

    @property
    def label(self) -> str:
        """How people name it: the path pattern, or "the default behavior (*)"."""
        return "the default behavior (*)" if self.is_default else f"behavior {self.path_pattern!r}"

    def matches(self, path: str) -> bool:
        """True when this behavior's path pattern matches ``path`` (query ignored, case-sensitive)."""
        return wildcard_match(_pattern_body(self.path_pattern), _normal_path(path))


@dataclass(frozen=True)
class DistributionConfig:
    """The parts of a distribution that decide who may fetch what.

    ``behaviors`` are in CloudFront's evaluation order, default last. ``key_groups`` maps a key
    group id to its public key ids when known (from ``ActiveTrustedKeyGroups`` or ``get-key-group``);
    ``trusted_signer_keys`` maps an AWS account (``self`` included) to its active key pair ids.
    """

    behaviors: tuple[Behavior, ...]
    id: str | None = None
    domain_name: str | None = None
    aliases: tuple[str, ...] = ()
    ipv6_enabled: bool = False
    enabled: bool = True
    default_root_object: str | None = None
    key_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trusted_signer_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    comment: str = field(default="", compare=False)

    @property
    def default_behavior(self) -> Behavior:
        return self.behaviors[-1]

    @property
    def cache_behaviors(self) -> tuple[Behavior, ...]:
        return self.behaviors[:-1]

    @property
    def hostnames(self) -> tuple[str, ...]:
        """The hosts this distribution answers: its ``*.cloudfront.net`` name (when known) and aliases."""
        return ((self.domain_name,) if self.domain_name else ()) + self.aliases

    def key_ids(self, group_id: str) -> tuple[str, ...] | None:
        """The public key ids in ``group_id``, or None when the config does not say."""
        for gid, keys in self.key_groups:
            if gid == group_id:
                return keys
        return None

    def trusted_key_ids(self, behavior: Behavior) -> frozenset[str] | None:
        """Every key pair id ``behavior`` accepts, or None when some of its key groups are unknown."""
        ids: set[str] = set()
        if behavior.uses_key_groups:
            for group in behavior.trusted_key_groups:
                keys = self.key_ids(group)
                if keys is None:
                    return None
                ids.update(keys)
        if behavior.uses_trusted_signers:
            known = dict(self.trusted_signer_keys)
            for account in behavior.trusted_signers:
                if account not in known:
                    return None
                ids.update(known[account])
        return frozenset(ids)

    def with_key_groups(self, key_groups: Mapping[str, Iterable[str]]) -> DistributionConfig:
        """A copy that knows the members of these key groups (e.g. from ``get-key-group``)."""
        merged = dict(self.key_groups)
        merged.update({str(g): tuple(str(k) for k in keys) for g, keys in key_groups.items()})
        return replace(self, key_groups=tuple(sorted(merged.items())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain_name": self.domain_name,
            "aliases": list(self.aliases),
            "ipv6_enabled": self.ipv6_enabled,
            "behaviors": [
                {"path_pattern": b.path_pattern, "restricted": b.restricted,
                 "trusted_key_groups": list(b.trusted_key_groups), "trusted_signers": list(b.trusted_signers),
                 "viewer_protocol_policy": b.viewer_protocol_policy}
                for b in self.behaviors
            ],
            "key_groups": {g: list(k) for g, k in self.key_groups},
        }


# --- loading --------------------------------------------------------------------------------

def load_distribution(
    source: object, *, key_groups: Mapping[str, Iterable[str]] | None = None
) -> DistributionConfig:
    """Read a distribution from the JSON of ``get-distribution``/``get-distribution-config``, a path,
    JSON text, the boto3 response dict, or a bare ``DistributionConfig`` dict.

    ``key_groups`` (group id → public key ids) fills in membership that a ``-config`` output lacks.
    """
    if isinstance(source, DistributionConfig):
        config = source
    else:
        document, where = _document(source)
        try:
            config = _from_document(document)
        except DistributionError as err:
            raise DistributionError(f"{where}{err}") from None
        except (ValueError, TypeError, RecursionError) as err:
            raise DistributionError(
                f"{where}the distribution config cannot be read ({type(err).__name__}: {str(err)[:200]}); "
                "save the output of 'aws cloudfront get-distribution --id ID' as it is"
            ) from None
    return config.with_key_groups(key_groups) if key_groups else config


def _document(source: object) -> tuple[Mapping[str, Any], str]:
    """The config's JSON object, and how to name where it came from in a message (a file, or "")."""
    if isinstance(source, Mapping):
        return source, ""
    if isinstance(source, bytes | bytearray):
        source = bytes(source).decode("utf-8", "replace")
    where = ""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        where = f"{str(path)[:200]!r}: "
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise DistributionError(
                f"{where}the distribution config is not UTF-8 text (byte {err.start}); save the JSON that "
                "'aws cloudfront get-distribution --id ID' prints, as it is, in UTF-8"
            ) from None
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)[:200]
            raise DistributionError(
                f"cannot read the distribution config {str(path)[:200]!r} ({reason}); "
                "save it with: aws cloudfront get-distribution --id ID > dist.json"
            ) from None
    else:
        raise DistributionError(
            f"cannot read a distribution from a {type(source).__name__}; pass the JSON of "
            "'aws cloudfront get-distribution', a path to it, or the boto3 response dict"
        )
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DistributionError(
            f"{where}the distribution config is not valid JSON ({type(err).__name__}: {str(err)[:200]}); "
            "save the output of 'aws cloudfront get-distribution --id ID' as it is"
        ) from None
    if not isinstance(document, Mapping):
        raise DistributionError(
            f"{where}the distribution config must be a JSON object, as get-distribution prints it"
        )
    return document, where


def _from_document(document: Mapping[str, Any]) -> DistributionConfig:
    outer: Mapping[str, Any] = document
    if isinstance(document.get("Distribution"), Mapping):
        outer = document["Distribution"]
    config = outer.get("DistributionConfig", outer)
    if not isinstance(config, Mapping) or not isinstance(config.get("DefaultCacheBehavior"), Mapping):
        raise DistributionError(
            "no DefaultCacheBehavior found: pass the output of 'aws cloudfront get-distribution' or "
            "'get-distribution-config' (or its DistributionConfig object)"
        )
    behaviors = [
        _behavior(item, i) for i, item in enumerate(_items(config.get("CacheBehaviors")))
        if isinstance(item, Mapping)
    ]
    behaviors.append(_behavior(config["DefaultCacheBehavior"], len(behaviors), default=True))
    key_groups: list[tuple[str, tuple[str, ...]]] = []
    for item in _items(outer.get("ActiveTrustedKeyGroups")):
        if isinstance(item, Mapping) and item.get("KeyGroupId"):
            key_groups.append((str(item["KeyGroupId"]), _strings(item.get("KeyPairIds"))))
    signers: list[tuple[str, tuple[str, ...]]] = []
    for item in _items(outer.get("ActiveTrustedSigners")):
        if isinstance(item, Mapping) and item.get("AwsAccountNumber"):
            signers.append((str(item["AwsAccountNumber"]), _strings(item.get("KeyPairIds"))))
    root = config.get("DefaultRootObject") or None
    return DistributionConfig(
        behaviors=tuple(behaviors),
        id=_str_or_none(outer.get("Id")),
        domain_name=_str_or_none(outer.get("DomainName")),
        aliases=_strings(config.get("Aliases")),
        ipv6_enabled=bool(config.get("IsIPV6Enabled", False)),
        enabled=bool(config.get("Enabled", True)),
        default_root_object=str(root) if root else None,
        key_groups=tuple(key_groups),
        trusted_signer_keys=tuple(signers),
        comment=str(config.get("Comment") or ""),
    )


def _behavior(item: Mapping[str, Any], index: int, default: bool = False) -> Behavior:
    key_groups: Mapping[str, Any] = item.get("TrustedKeyGroups") or {}
    signers: Mapping[str, Any] = item.get("TrustedSigners") or {}
    key_groups = key_groups if isinstance(key_groups, Mapping) else {}
    signers = signers if isinstance(signers, Mapping) else {}
    methods = _strings(item.get("AllowedMethods")) or ("GET", "HEAD")
    pattern = "*" if default else str(item.get("PathPattern") or "")
    if not default and not pattern:
        raise DistributionError(f"cache behavior {index} has no PathPattern; every cache behavior needs one")
    if len(pattern) > MAX_PATH_PATTERN:
        raise DistributionError(
            f"cache behavior {index} has a PathPattern of {len(pattern):,} characters; CloudFront allows "
            f"at most {MAX_PATH_PATTERN}: shorten it (a '*' covers any run of characters)"
        )
    return Behavior(
        path_pattern=pattern,
        index=index,
        is_default=default,
        target_origin_id=str(item.get("TargetOriginId") or ""),
        viewer_protocol_policy=str(item.get("ViewerProtocolPolicy") or "allow-all"),
        allowed_methods=tuple(m.upper() for m in methods),
        trusted_key_groups=_strings(key_groups),
        key_groups_enabled=bool(key_groups.get("Enabled", bool(_strings(key_groups)))),
        trusted_signers=_strings(signers),
        signers_enabled=bool(signers.get("Enabled", bool(_strings(signers)))),
    )


def _items(value: object) -> list[Any]:
    """``{"Quantity": n, "Items": [...]}`` (or a bare list) as a list; boto3 and the CLI both use it."""
    if isinstance(value, Mapping):
        value = value.get("Items")
    if isinstance(value, Mapping):  # XML-shaped: {"Items": {"KeyGroup": [...]}}
        value = next(iter(value.values()), [])
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in _items(value) if isinstance(item, str | int))


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None


# --- matching -------------------------------------------------------------------------------

def match_behavior(config: object, url_or_path: str) -> Behavior:
    """The cache behavior CloudFront uses for ``url_or_path``: the first ``PathPattern`` that matches,
    in order, else the default. Case-sensitive; ``*`` crosses ``/``; ``?`` is one character; the
    leading ``/`` is optional; the query string is ignored.
    """
    dist = load_distribution(config)
    path = _path_of(url_or_path)
    for behavior in dist.cache_behaviors:
        if behavior.matches(path):
            return behavior
    return dist.default_behavior


def _path_of(url_or_path: str) -> str:
    text = url_or_path.partition("#")[0] if isinstance(url_or_path, str) else str(url_or_path)
    if "://" in text.split("?", 1)[0]:
        parts = split_url(text)
        if parts is None:  # e.g. a host like '[x]': the path starts at the first '/' after it
            rest = text.partition("://")[2].partition("?")[0]
            return "/" + rest.partition("/")[2]
        return parts.path or "/"
    return text.partition("?")[0] or "/"


def _normal_path(path: str) -> str:
    return path[1:] if path.startswith("/") else path


@lru_cache(maxsize=1024)
def _pattern_body(pattern: str) -> str:
    """A path pattern as matched: ``&amp;`` read as ``&``, without its optional leading ``/``."""
    return _normal_path(pattern.replace("&amp;", "&"))


def patterns_overlap(first: str, second: str) -> bool:
    """True when some path matches both path patterns (so the earlier one catches it)."""
    a = _normal_path(first.replace("&amp;", "&"))
    b = _normal_path(second.replace("&amp;", "&"))
    return _overlap(a, b)


@lru_cache(maxsize=4096)
def _overlap(a: str, b: str) -> bool:
    """Can both patterns consume the same path? A search over (position in a, position in b),
    without recursion; at most ``len(a) * len(b)`` states (patterns are at most 255 characters)."""
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            steps = [(i + 1, j)] + ([(i, j + 1)] if j < len(b) else [])
        elif j < len(b) and b[j] == "*":
            steps = [(i, j + 1)] + ([(i + 1, j)] if i < len(a) else [])
        elif i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            steps = [(i + 1, j + 1)]
        else:
            steps = []
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def serves_host(config: object, host: str) -> bool | None:
    """True when ``host`` (port ignored) is one of the distribution's names, False when it is not,
    None when the config cannot tell (no aliases and no ``DomainName`` for a cloudfront.net host).
    Loopback hosts always count: they are a local edge standing in for the distribution.
    """
    dist = load_distribution(config)
    name = _hostname(host)
    if not name:
        return None
    if name in _LOOPBACK_NAMES or _is_loopback_ip(name):
        return True
    for alias in dist.hostnames:
        alias = alias.lower().rstrip(".")
        wildcard = alias.startswith("*.") and name.endswith(alias[1:]) and name.count(".") == alias.count(".")
        if name == alias or wildcard:
            return True
    if name.endswith(".cloudfront.net") and dist.domain_name is None:
        return None
    return False


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if "://" in host:
        parts = split_url(host)
        host = parts.netloc if parts is not None else host.partition("://")[2].split("/", 1)[0].split("?", 1)[0]
    host = host.rpartition("@")[2]
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def _is_loopback_ip(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --- checks ---------------------------------------------------------------------------------

def check_request(config: object, decoded: Any, context: Any) -> list[Finding]:
    """Findings about how this distribution treats this request (behavior, key trust, host, IPv6).

    ``decoded`` is a :class:`~cfsign_nb.decode.Decoded`, ``context`` a
    :class:`~cfsign_nb.diagnose.Context`; called by ``diagnose(..., distribution=config)``. Never raises.
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
            "pass request_url= (the URL the viewer requests)",
        )]
    return list(_request_findings(dist, decoded, str(url)))


def _request_findings(dist: DistributionConfig, decoded: Any, url: str) -> Iterator[Finding]:
    behavior = match_behavior(dist, url)
    parts = split_url(url) if "://" in url else None
    host = parts.netloc if parts is not None else url.partition("://")[2].split("/", 1)[0].split("?", 1)[0]
    if host and serves_host(dist, host) is False:
        yield finding(
            "ALTERNATE_DOMAIN_NOT_CONFIGURED",
            f"the URL's host {_hostname(host)!r} is not a domain name of this distribution "
            f"({', '.join(dist.hostnames) or 'no aliases configured'}); CloudFront answers such requests "
            "with a generic 403 'The request could not be satisfied' before looking at any signature",
            "add the host to the distribution's alternate domain names (Aliases, with a matching "
            "certificate), or sign URLs for a host the distribution serves",
            host=_hostname(host), aliases=list(dist.hostnames),
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


def url_path(url: str) -> str:
    """The path part of a URL or path, without the query."""
    return _path_of(url)


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
    prefix = "/" + _normal_path(re.split(r"[*?]", pattern, maxsplit=1)[0])
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
