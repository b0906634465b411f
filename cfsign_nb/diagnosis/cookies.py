"""What a browser does with a signed cookie: whether it sends it with a request at all.

A cookie the browser keeps to itself never reaches CloudFront, whatever its signature; these
rules are the browser's (Domain, Path, Secure, Max-Age), not CloudFront's.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..decode import split_url


def unsent_reason(attributes: Mapping[str, str | bool], request_url: str) -> str | None:
    """Why a browser would not send a cookie with these attributes with ``request_url``, or None if it would."""
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
