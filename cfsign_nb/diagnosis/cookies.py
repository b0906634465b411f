"""What a browser does with a signed cookie: whether it keeps it, and sends it with a request.

A cookie the browser refuses or keeps to itself never reaches CloudFront, whatever its
signature; these rules are the browser's (RFC 6265 and what Chrome, Edge and Firefox do), not
CloudFront's: a Domain on the Public Suffix List, the cookie's own Expires/Max-Age, Domain,
Path, Secure and SameSite. Also the checks of the cookies' own attributes (Secure, HttpOnly,
size). The Public Suffix List comes from the ``publicsuffixlist`` package (no network), loaded
once, on first use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import mktime_tz, parsedate_tz
from functools import lru_cache
from typing import Any

from ..decode import Decoded, split_url
from ..findings import Finding, finding
from ..protocol import COOKIE_LIMIT
from ..times import format_epoch
from .model import Context

Attributes = Mapping[str, str | bool]


@dataclass(frozen=True)
class Unsent:
    """Why a browser would not send a cookie (``reason``), what to change (``fix``), and the attribute to blame."""

    reason: str
    fix: str
    attribute: str


_SCOPE_FIX = ("set Domain and Path so they cover the URLs of the private content "
              "(Domain = the viewer's host or a parent, Path = a prefix of the path)")
_EXPIRY_FIX = ("leave Expires and Max-Age out (a session cookie: CloudFront's own expiry is inside the policy), "
               "or set them no earlier than the policy's expiry, in UTC")
_SUFFIX_FIX = ("leave Domain out (the cookie then belongs to the host that set it), or set it to the "
               "distribution's own name (d111111abcdef8.cloudfront.net) or your alternate domain")
_SAMESITE_FIX = ("for a page on another site, set SameSite=None; Secure on the CloudFront cookies, or serve the "
                 "content from an alternate domain on the page's own site (e.g. media.example.com for www.example.com)")


def unsent(
    attributes: Attributes,
    request_url: str | None = None,
    *,
    now: int | None = None,
    site: str | None = None,
    set_at: int | None = None,
) -> Unsent | None:
    """Why a browser would refuse or not send a cookie with these attributes with ``request_url``, or None.

    ``now`` is the request's time (for Expires/Max-Age; Max-Age also needs ``set_at``, when the
    Set-Cookie arrived), ``site`` the URL of the page making the request (for SameSite). Without
    ``request_url`` only the rules that need no request are applied. Never raises.
    """
    parts = split_url(request_url) if isinstance(request_url, str) and "://" in request_url else None
    host = (parts.hostname or "").lower() if parts is not None else None
    domain = _text(attributes.get("domain"))
    bare = domain.lstrip(".").lower().rstrip(".") if domain else ""
    samesite = _text(attributes.get("samesite")).strip().lower()
    secure = bool(attributes.get("secure"))
    if bare and bare != host and _is_public_suffix(bare):
        return Unsent(f"its Domain {domain[:100]!r} is a public suffix (on the Public Suffix List), so the browser "
                      "refuses the cookie", _SUFFIX_FIX, "domain")
    if samesite == "none" and not secure:
        return Unsent("it is SameSite=None without Secure, which Chrome and Edge refuse",
                      "add Secure (SameSite=None requires it) and set the cookie over HTTPS", "samesite")
    expiry = _expired(attributes, now, set_at)
    if expiry is not None:
        return Unsent(expiry, _EXPIRY_FIX, "expires")
    if parts is None or host is None:
        return None
    if bare and host != bare and not host.endswith("." + bare):
        return Unsent(f"its Domain is {domain[:100]!r} and the request goes to {host!r}", _SCOPE_FIX, "domain")
    path = _text(attributes.get("path"))
    request_path = parts.path or "/"
    if path and path != "/":
        if "*" in path:
            return Unsent(f"its Path {path[:100]!r} holds a wildcard, which browsers take literally",
                          _SCOPE_FIX, "path")
        if not (request_path == path or request_path.startswith(path.rstrip("/") + "/")):
            return Unsent(f"its Path {path[:100]!r} is not a prefix of {request_path[:200]!r}", _SCOPE_FIX, "path")
    if secure and parts.scheme == "http":
        return Unsent("it is Secure and the request is plain http",
                      "request the content over https (or drop Secure, which is not recommended)", "secure")
    if samesite in ("strict", "lax") and site:
        page, target = _site(site), _site(request_url or "")
        if page is not None and target is not None and page != target:
            how = ("only with requests from its own site" if samesite == "strict"
                   else "across sites only on top-level navigations, not with the media, fetch and image "
                   "requests a page makes")
            return Unsent(f"it is SameSite={samesite.capitalize()}, so the browser sends it {how}, and the page "
                          f"{_shown_site(page)} is another site than {_shown_site(target)}", _SAMESITE_FIX, "samesite")
    return None


def unsent_reason(
    attributes: Attributes,
    request_url: str | None = None,
    *,
    now: int | None = None,
    site: str | None = None,
    set_at: int | None = None,
) -> str | None:
    """Why a browser would not send a cookie with these attributes with ``request_url``, or None if it would."""
    found = unsent(attributes, request_url, now=now, site=site, set_at=set_at)
    return found.reason if found else None


def check_cookies_sent(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Cookies the browser refuses or keeps to itself never reach CloudFront: that comes before anything else."""
    if d.source != "cookies":
        return
    request_url = ctx.request_url if ctx.request_url and "://" in ctx.request_url else None
    signing = dict(d.parameters)
    grouped: dict[Unsent, list[str]] = {}
    for name, attributes in d.cookie_attributes.items():
        if name in signing:
            found = unsent(attributes, request_url, now=ctx.now, site=ctx.site)
            if found is not None:
                grouped.setdefault(found, []).append(name)
    where = f"with {request_url[:200]!r}" if request_url else "with any request"
    for found, names in grouped.items():
        yield finding(
            "COOKIE_NOT_SENT",
            f"the browser would not send {', '.join(names)} {where}: {found.reason}; "
            "CloudFront would see no signature at all",
            found.fix,
            cookies=names, attribute=found.attribute,
        )


def check_cookie_attributes(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """The cookies' own attributes: SHA-256, Secure, HttpOnly and their size."""
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
                f"{name} is {size} bytes with its attributes; browsers only promise to keep {COOKIE_LIMIT:,}",
                "shorten the policy (a shorter Resource pattern, fewer conditions) or use an ECDSA key",
                cookie=name, size=size,
            )


# --- helpers --------------------------------------------------------------------------------

def _text(value: str | bool | None) -> str:
    return value if isinstance(value, str) else ""


def _expired(attributes: Attributes, now: int | None, set_at: int | None) -> str | None:
    """Why the cookie is already gone at ``now`` (Max-Age wins over Expires, as RFC 6265 says), or None."""
    max_age = _text(attributes.get("max-age")).strip()
    if max_age:
        if _non_positive(max_age):
            return f"Max-Age={max_age[:40]} deletes it at once"
        seconds = _small_int(max_age)
        if seconds is not None:
            if now is not None and set_at is not None and set_at + seconds <= now:
                return (f"its Max-Age={seconds} ran out at {format_epoch(set_at + seconds)}, before the request at "
                        f"{format_epoch(now)}")
            return None
    expires = _cookie_date(_text(attributes.get("expires")))
    if expires is not None and now is not None and expires <= now:
        return f"its own Expires ({format_epoch(expires)}) had passed at the request time ({format_epoch(now)})"
    return None


def _non_positive(number: str) -> bool:
    """True for an ASCII integer <= 0 (checked without int(): it may have thousands of digits)."""
    digits = number.removeprefix("-")
    return digits.isascii() and digits.isdigit() and (number.startswith("-") or not digits.strip("0"))


def _small_int(number: str) -> int | None:
    """A positive count of seconds of at most 12 digits, else None."""
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 12 else None


def _cookie_date(text: str) -> int | None:
    """A cookie date (``Wed, 21 Oct 2026 07:28:00 GMT``, also with ``-`` in the date) as epoch seconds, or None."""
    if not text or len(text) > 64:
        return None
    try:
        parsed = parsedate_tz(text.replace("-", " "))
        return None if parsed is None else int(mktime_tz(parsed))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


@lru_cache(maxsize=1)
def _suffix_list() -> Any:
    """The Public Suffix List, loaded on first use (about 40 ms) and kept."""
    from publicsuffixlist import PublicSuffixList  # lazily: import cfsign_nb stays fast

    return PublicSuffixList()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def _is_public_suffix(domain: str) -> bool:
    """True when browsers refuse ``domain`` as a cookie Domain: a public suffix (``cloudfront.net``, ``com``)."""
    if not domain or len(domain) > 253 or _is_ip(domain):
        return False
    try:
        return bool(_suffix_list().is_public(domain))
    except Exception:  # a list that cannot judge this name must not break a diagnosis
        return False


def _site(url: str) -> tuple[str, str] | None:
    """A URL's site, as SameSite compares them: its scheme and registrable domain (eTLD+1)."""
    parts = split_url(url) if "://" in url else None
    host = (parts.hostname or "").lower().rstrip(".") if parts is not None else ""
    if parts is None or not host:
        return None
    if _is_ip(host) or len(host) > 253:
        return parts.scheme.lower(), host
    try:
        registrable = _suffix_list().privatesuffix(host)
    except Exception:
        registrable = None
    return parts.scheme.lower(), str(registrable or host)


def _shown_site(site: tuple[str, str]) -> str:
    return f"{site[0]}://{site[1][:100]}"
