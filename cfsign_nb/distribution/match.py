"""Which cache behavior serves a path, and which hosts a distribution answers.

CloudFront takes the first behavior whose ``PathPattern`` matches the path (query ignored,
case-sensitive, ``*`` crossing ``/``), else the default one.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ..decode import split_url
from .model import Behavior, load_distribution, pattern_body

LOOPBACK_NAMES = ("localhost",)
"""Host names that always count as the distribution's: a local edge standing in for it."""


def match_behavior(config: object, url_or_path: str) -> Behavior:
    """The cache behavior CloudFront uses for ``url_or_path``: the first ``PathPattern`` that matches,
    in order, else the default. Case-sensitive; ``*`` crosses ``/``; ``?`` is one character; the
    leading ``/`` is optional; the query string is ignored.
    """
    dist = load_distribution(config)
    path = url_path(url_or_path)
    for behavior in dist.cache_behaviors:
        if behavior.matches(path):
            return behavior
    return dist.default_behavior


def url_path(url_or_path: str) -> str:
    """The path part of a URL or path, without the query."""
    text = url_or_path.partition("#")[0] if isinstance(url_or_path, str) else str(url_or_path)
    if "://" in text.split("?", 1)[0]:
        parts = split_url(text)
        if parts is None:  # e.g. a host like '[x]': the path starts at the first '/' after it
            rest = text.partition("://")[2].partition("?")[0]
            return "/" + rest.partition("/")[2]
        return parts.path or "/"
    return text.partition("?")[0] or "/"


def patterns_overlap(first: str, second: str) -> bool:
    """True when some path matches both path patterns (so the earlier one catches it)."""
    return _overlap(pattern_body(first), pattern_body(second))


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
    name = hostname(host)
    if not name:
        return None
    if name in LOOPBACK_NAMES or _is_loopback_ip(name):
        return True
    for alias in dist.hostnames:
        alias = alias.lower().rstrip(".")
        wildcard = alias.startswith("*.") and name.endswith(alias[1:]) and name.count(".") == alias.count(".")
        if name == alias or wildcard:
            return True
    if name.endswith(".cloudfront.net") and dist.domain_name is None:
        return None
    return False


def url_netloc(url: str) -> str:
    """The host part of a URL (empty without ``://``), even when ``urlsplit`` refuses it (``https://[x]``)."""
    parts = split_url(url)
    if parts is not None:
        return parts.netloc
    rest = url.partition("://")[2] if "://" in url else ""
    return rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def hostname(host: str) -> str:
    """The bare, lower-case host name of a ``Host`` value or URL: no port, userinfo, brackets or final dot."""
    host = host.strip().lower()
    if "://" in host:
        host = url_netloc(host)
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
