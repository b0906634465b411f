"""Sign CloudFront URLs and cookies: the policy bytes, the signature, and where they go.

Output is byte-identical to botocore's ``CloudFrontSigner`` for what it supports (RSA, SHA-1),
and extends it with ECDSA P-256 keys, SHA-256 (``Hash-Algorithm=SHA256``) and signed cookies.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import extras
from .encoding import b64encode
from .errors import CfSignWarning, InputError, PolicyError, TimeError, UrlError
from .keys import PrivateKey, PrivateKeySource, check_hash_algorithm, load_private_key
from .policy import Policy, canned_policy_json, check_resource
from .protocol import COOKIE_NAMES, SIGNING_PARAMETERS
from .settings import EXPIRES, KEY_PAIR_ID, PRIVATE_KEY
from .times import MAX_SECONDS, TimeLike, to_epoch

_EXPIRES_COOKIE, _POLICY_COOKIE, _SIGNATURE_COOKIE, _KEY_PAIR_ID_COOKIE, _HASH_COOKIE = COOKIE_NAMES

__all__ = [
    "SIGNING_PARAMETERS",
    "PolicyPlan",
    "SignedCookies",
    "Signer",
    "check_key_pair_id",
    "key_pair_id_note",
    "plan_policy",
    "set_cookie_headers",
]

_CLOUDFRONT_ID_RE = re.compile(r"[A-Z0-9]+")
_KEY_GROUP_ID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F-]+")
_NOT_IN_ID = {"&": "ends a query parameter", "=": "starts a value", ";": "ends a cookie", ",": "separates cookies",
              "#": "starts a URL fragment, never sent", '"': "quotes a cookie value", "\\": "escapes in a cookie"}
"""What a key pair id cannot hold, and why: it goes as it is into a query value and a cookie value."""


@dataclass(frozen=True)
class PolicyPlan:
    """The policy a Signer will sign for given inputs, whether it goes out canned, and why."""

    policy: Policy
    canned: bool
    reason: str


def plan_policy(
    url: str,
    *,
    expires: TimeLike | None,
    starts: TimeLike | None = None,
    ip_address: str | None = None,
    resource: str | None = None,
    cookies: bool = False,
    now: TimeLike | None = None,
) -> PolicyPlan:
    """Decide canned or custom exactly as :meth:`Signer.sign_url` / :meth:`Signer.sign_cookies` do.

    For cookies ``url`` is the resource the cookies grant (a URL or a pattern).
    """
    if not cookies:
        _check_url(url)
    expires_at = _expires(expires, now)
    starts_at = None if starts is None else to_epoch(starts, now=now, name="starts")
    target = url if resource is None else resource
    policy = Policy(target, expires_at, starts_at, ip_address)
    reasons = []
    if starts_at is not None:
        reasons.append("a start time (DateGreaterThan)")
    if ip_address is not None:
        reasons.append("an IP address condition")
    if cookies and "*" in target:
        reasons.append("a wildcard resource")
    elif not cookies and target != url:
        reasons.append("a resource pattern that differs from the URL")
    if reasons:
        return PolicyPlan(policy, False, f"custom: {' and '.join(reasons)} can only be expressed in a "
                          "custom policy, sent whole as Policy=")
    if cookies:
        _check_canned_resource(target)
        return PolicyPlan(policy, True, "canned: only an expiry, for one URL; CloudFront rebuilds the "
                          "policy from the requested URL, so these cookies work for exactly this URL")
    return PolicyPlan(policy, True, "canned: only an expiry, and the resource is the URL itself; "
                      "CloudFront rebuilds the policy from the request, so only Expires= is sent")


class Signer:
    """Signs URLs and cookies with one key; the key is parsed once, here.

    ``hash_algorithm`` is ``"SHA1"`` (CloudFront's default, no extra parameter) or ``"SHA256"``
    (adds ``Hash-Algorithm=SHA256`` / ``CloudFront-Hash-Algorithm=SHA256``). Both work with RSA
    and ECDSA keys.
    """

    __slots__ = ("_key", "_raw_sign", "_suffix", "hash_algorithm", "key_pair_id")

    def __init__(
        self,
        key_pair_id: str,
        private_key: PrivateKeySource,
        *,
        passphrase: str | bytes | None = None,
        hash_algorithm: str = "SHA1",
    ) -> None:
        self.key_pair_id = check_key_pair_id(key_pair_id)
        note = key_pair_id_note(self.key_pair_id)
        if note:
            warnings.warn(note, CfSignWarning, stacklevel=2)
        self.hash_algorithm = check_hash_algorithm(hash_algorithm)
        self._key = load_private_key(private_key, passphrase)
        self._raw_sign = self._key.signing_function(self.hash_algorithm)
        self._suffix = f"&Key-Pair-Id={self.key_pair_id}"
        if self.hash_algorithm == "SHA256":
            self._suffix += "&Hash-Algorithm=SHA256"

    @property
    def private_key(self) -> PrivateKey:
        return self._key

    def sign(self, data: bytes) -> bytes:
        """The raw signature of ``data`` (PKCS#1 v1.5 or DER ECDSA over this signer's hash)."""
        return self._raw_sign(data)

    def recording(self) -> tuple[Signer, list[tuple[bytes, bytes]]]:
        """A twin Signer that also records every ``(data, signature)`` it makes, so a step-through
        trace can show the very bytes its own ``sign_url``/``sign_cookies`` call signed."""
        calls: list[tuple[bytes, bytes]] = []
        sign = self._raw_sign

        def record(data: bytes) -> bytes:
            signature = sign(data)
            calls.append((bytes(data), signature))
            return signature

        twin = object.__new__(Signer)  # the same, already checked, values: no second warning
        twin.key_pair_id, twin.hash_algorithm, twin._key = self.key_pair_id, self.hash_algorithm, self._key
        twin._suffix, twin._raw_sign = self._suffix, record
        return twin, calls

    def sign_url(
        self,
        url: str,
        *,
        expires: TimeLike | None = None,
        starts: TimeLike | None = None,
        ip_address: str | None = None,
        resource: str | None = None,
        policy: Policy | str | bytes | None = None,
        now: TimeLike | None = None,
    ) -> str:
        """Return ``url`` with ``Expires``/``Policy``, ``Signature``, ``Key-Pair-Id`` (and ``Hash-Algorithm``).

        A canned policy is used when only ``expires`` is given and the resource is the URL itself;
        otherwise a custom one. ``policy=`` (a :class:`Policy` or exact JSON text) is signed as given.
        """
        separator = _check_url(url)
        if policy is None:
            expires_at = _expires(expires, now)
            if starts is None and ip_address is None and (resource is None or resource == url):
                policy_bytes = canned_policy_json(url, expires_at)
                return (
                    f"{url}{separator}Expires={expires_at}"
                    f"&Signature={b64encode(self._raw_sign(policy_bytes))}{self._suffix}"
                )
            policy = plan_policy(url, expires=expires_at, starts=starts, ip_address=ip_address,
                                 resource=resource, now=now).policy
        else:
            _no_other_arguments(expires=expires, starts=starts, ip_address=ip_address, resource=resource)
            if isinstance(policy, Policy) and policy.is_canned and policy.resource == url:
                return self.sign_url(url, expires=policy.date_less_than)
        policy_bytes = _policy_bytes(policy)
        return (
            f"{url}{separator}Policy={b64encode(policy_bytes)}"
            f"&Signature={b64encode(self.sign(policy_bytes))}{self._suffix}"
        )

    def sign_cookies(
        self,
        resource: str | None = None,
        *,
        expires: TimeLike | None = None,
        starts: TimeLike | None = None,
        ip_address: str | None = None,
        policy: Policy | str | bytes | None = None,
        now: TimeLike | None = None,
    ) -> SignedCookies:
        """Signed cookie values, by name, for ``resource`` (a URL, or a pattern with wildcards).

        Canned (``CloudFront-Expires``) when only ``expires`` is given and ``resource`` has no
        ``*``: such cookies authorise that one URL. Otherwise custom (``CloudFront-Policy``).
        Render them for a response with :func:`set_cookie_headers`.
        """
        if policy is None:
            if resource is None:
                raise PolicyError("sign_cookies needs the resource (URL or pattern) the cookies grant")
            expires_at = _expires(expires, now)
            if starts is None and ip_address is None and "*" not in resource:
                if not _is_plain_url(resource):
                    _check_canned_resource(resource)
                cookies = SignedCookies()
                cookies[_EXPIRES_COOKIE] = str(expires_at)
                return self._cookies(cookies, self._raw_sign(canned_policy_json(resource, expires_at)))
            policy = plan_policy(resource, expires=expires_at, starts=starts, ip_address=ip_address,
                                 cookies=True, now=now).policy
        else:
            _no_other_arguments(expires=expires, starts=starts, ip_address=ip_address, resource=resource)
        cookies = SignedCookies()
        if isinstance(policy, Policy) and policy.is_canned:
            policy_bytes = policy.to_json()
            cookies[_EXPIRES_COOKIE] = str(policy.date_less_than)
        else:
            policy_bytes = _policy_bytes(policy)
            cookies[_POLICY_COOKIE] = b64encode(policy_bytes)
        return self._cookies(cookies, self._raw_sign(policy_bytes))

    def _cookies(self, cookies: SignedCookies, signature: bytes) -> SignedCookies:
        cookies[_SIGNATURE_COOKIE] = b64encode(signature)
        cookies[_KEY_PAIR_ID_COOKIE] = self.key_pair_id
        if self.hash_algorithm == "SHA256":
            cookies[_HASH_COOKIE] = "SHA256"
        return cookies

    def __repr__(self) -> str:
        return (f"Signer(key_pair_id={self.key_pair_id!r}, key={self._key.description} "
                f"{self._key.fingerprint}, hash_algorithm={self.hash_algorithm!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("Signer holds a private key and is not picklable; build one per process")


class SignedCookies(dict[str, str]):
    """Signed cookie values by name: a plain dict (equal to one, JSON-serialisable) with two helpers."""

    def set_cookie_headers(self, **attributes: Any) -> list[str]:
        """``Set-Cookie:`` lines for these cookies; keywords as for :func:`set_cookie_headers`."""
        return set_cookie_headers(self, **attributes)

    def to_frame(self) -> Any:
        """One row per cookie (name, value, size, expiry) as a pandas DataFrame (needs the pandas extra)."""
        return extras.to_frame(self)


def set_cookie_headers(
    cookies: Mapping[str, str],
    *,
    domain: str | None = None,
    path: str = "/",
    secure: bool = True,
    http_only: bool = True,
    same_site: str | None = None,
) -> list[str]:
    """``Set-Cookie:`` header lines for signed cookies, one per cookie, with secure defaults.

    ``domain`` defaults to the host of the response (no ``Domain`` attribute); CloudFront
    requires the request's host to be within it. ``path`` cannot hold wildcards: browsers match
    it as a prefix.
    """
    attributes = []
    if domain is not None:
        if not re.fullmatch(r"\.?[A-Za-z0-9.-]+", domain) or "*" in domain:
            raise InputError(f"cookie domain {domain!r} is not a host name; use the exact host the viewer "
                             "requests (e.g. d111111abcdef8.cloudfront.net or media.example.com), no wildcards")
        attributes.append(f"Domain={domain}")
    if not path.startswith("/") or any(c in path for c in ";*, \t\r\n"):
        raise InputError(f"cookie path {path!r} must start with '/' and hold no ';', ',', spaces or '*'; "
                         "browsers match it as a prefix, so '/images/' covers everything below it")
    attributes.append(f"Path={path}")
    if secure:
        attributes.append("Secure")
    if http_only:
        attributes.append("HttpOnly")
    if same_site is not None:
        if same_site.capitalize() not in ("Strict", "Lax", "None"):
            raise InputError(f"same_site must be 'Strict', 'Lax' or 'None', got {same_site!r}")
        if same_site.capitalize() == "None" and not secure:
            raise InputError("SameSite=None cookies must also be Secure; keep secure=True")
        attributes.append(f"SameSite={same_site.capitalize()}")
    tail = "; ".join(attributes)
    return [f"Set-Cookie: {name}={value}; {tail}" for name, value in cookies.items()]


def check_key_pair_id(key_pair_id: object) -> str:
    """Return ``key_pair_id`` if it can travel as it is in a URL and a cookie (as the AWS SDKs'
    ``my_id`` or ``CF_KEYPAIR_ID`` can), or raise with the fix; :func:`key_pair_id_note` warns."""
    if not isinstance(key_pair_id, str) or not key_pair_id:
        raise InputError(f"the key pair id ({KEY_PAIR_ID.python}) must be the id CloudFront shows for the public "
                         "key (e.g. 'K2JCJMDEHXQW5F')")
    if "PRIVATE KEY" in key_pair_id or "PUBLIC KEY" in key_pair_id:
        raise InputError(f"the key pair id ({KEY_PAIR_ID.python}) holds a PEM key; give there the public key's "
                         f"id from CloudFront (e.g. 'K2JCJMDEHXQW5F'), and the private key in {PRIVATE_KEY.python}")
    odd = next((c for c in key_pair_id[:200] if c.isspace() or not (c.isascii() and c.isprintable())
                or c in _NOT_IN_ID), None)
    if odd is not None or len(key_pair_id) > 200:
        why = f"holds {odd!a}, which {_NOT_IN_ID.get(odd, 'cannot travel as it is in a URL or a cookie')}" \
            if odd is not None else f"is {len(key_pair_id)} characters long"
        raise InputError(f"the key pair id ({KEY_PAIR_ID.python}) {key_pair_id[:40]!r} {why}; copy the id of "
                         "the public key from "
                         "CloudFront (e.g. 'K2JCJMDEHXQW5F'): upper-case letters and digits")
    return key_pair_id


def key_pair_id_note(key_pair_id: str) -> str | None:
    """Why an accepted id may not work with CloudFront (its ids are upper-case letters and digits), or None."""
    if _CLOUDFRONT_ID_RE.fullmatch(key_pair_id):
        return None
    group = " (it looks like a key group id: use the id of a public key in it)" \
        if _KEY_GROUP_ID_RE.fullmatch(key_pair_id) else ""
    return (f"key pair id {key_pair_id[:40]!r} does not look like a CloudFront public key id (upper-case "
            f"letters and digits, e.g. 'K2JCJMDEHXQW5F'){group}; signing anyway, but CloudFront answers "
            "InvalidKey unless a trusted key group has a public key with exactly this id")


_SIGNING_PARAMETER_RE = re.compile(r"(?:^|&)(%s)(?:[=&]|$)" % "|".join(map(re.escape, SIGNING_PARAMETERS)))


def _check_url(url: object) -> str:
    """Validate a URL to sign (it is also the canned policy's resource); return the separator
    that starts our parameters. The common case is a handful of C-level scans."""
    if type(url) is str and _is_plain_url(url):
        query_at = url.find("?")
        if query_at < 0:
            return "?"
        query = url[query_at + 1 :]
        for name in SIGNING_PARAMETERS:  # substring scans first: the regex runs only on a likely hit
            if name in query:
                break
        else:
            return "&"
        reserved = _SIGNING_PARAMETER_RE.search(query)
        if reserved is None:
            return "&"
        raise UrlError(f"url already has the query parameter {reserved.group(1)!r}, a name CloudFront reserves "
                       "for signing; sign the unsigned URL, and rename your own parameter if it is yours")
    if not isinstance(url, str):
        raise UrlError(f"url must be a str, got {type(url).__name__}")
    if not url.startswith(("https://", "http://")):
        raise UrlError(f"url {url[:80]!r} must be an absolute http:// or https:// URL, exactly as the viewer "
                       "will request it (scheme and host are part of what is signed)")
    if "#" in url:
        raise UrlError("url has a fragment ('#...'), which browsers never send; remove it before signing")
    check_resource(url)
    raise AssertionError("unreachable: check_resource refuses what the fast path refused")  # pragma: no cover


def _is_plain_url(text: str) -> bool:
    """An absolute http(s) URL of printable ASCII without quotes, backslashes, spaces or a fragment:
    safe to put in a policy as it is. A handful of C-level scans, for the signing hot path."""
    return (
        text.startswith(("https://", "http://"))
        and text.isascii()
        and text.isprintable()
        and " " not in text
        and '"' not in text
        and "\\" not in text
        and "#" not in text
    )


def _check_canned_resource(resource: str) -> str:
    check_resource(resource)
    if not resource.startswith(("https://", "http://")):
        raise PolicyError(f"resource {resource[:80]!r} has no wildcard, so it would make canned cookies that "
                          "cover no URL; give the full http(s) URL, or a pattern with '*'")
    return resource


def _expires(expires: TimeLike | None, now: TimeLike | None) -> int:
    if type(expires) is int and 0 <= expires < MAX_SECONDS:
        return expires
    if expires is None:
        raise TimeError(f"give the expiry: {EXPIRES.python}")
    return to_epoch(expires, now=now, name="expires")


def _no_other_arguments(**arguments: object) -> None:
    given = [name for name, value in arguments.items() if value is not None]
    if given:
        raise PolicyError(f"policy= already says everything that is signed; drop {', '.join(given)} "
                          "or build the Policy with them")


def _policy_bytes(policy: Policy | str | bytes) -> bytes:
    if isinstance(policy, Policy):
        return policy.to_json()
    if isinstance(policy, str):
        try:
            return policy.encode("utf-8")
        except UnicodeEncodeError as err:
            raise PolicyError(f"the policy text holds a lone surrogate at position {err.start}, which UTF-8 cannot "
                              "carry; build the policy from real text (or give its UTF-8 bytes)") from None
    if isinstance(policy, bytes | bytearray):
        return bytes(policy)
    raise PolicyError(f"policy must be a Policy or the policy JSON (str or bytes), got {type(policy).__name__}")
