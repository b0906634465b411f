"""The browser's cookie rules: a cookie it refuses or keeps to itself is COOKIE_NOT_SENT, with the reason.

Set-Cookie lines are written out by hand, as a server sends them; the signing values come from
the signer (they only have to be valid for the rule under test to be the one that decides).
"""

from __future__ import annotations

import pytest

from cfsign_nb import PrivateKey, Signer, diagnose
from cfsign_nb.diagnosis.cookies import unsent, unsent_reason

from .conftest import KEY_ID, NOW, URL

HOST = "d111111abcdef8.cloudfront.net"
RESOURCE = f"https://{HOST}/images/*"


def set_cookies(rsa_key: PrivateKey, attributes: str) -> str:
    """The three Set-Cookie lines of custom-policy cookies, each with ``attributes``."""
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(RESOURCE, expires=NOW + 3600)
    return "\n".join(f"Set-Cookie: {name}={value}; {attributes}" for name, value in cookies.items())


def _diagnose(rsa_key: PrivateKey, attributes: str, **kw: object):
    kw.setdefault("request_url", URL)
    return diagnose(set_cookies(rsa_key, attributes), public_keys={KEY_ID: rsa_key.public_key}, now=NOW, **kw)


def test_good_cookies_are_served(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, f"Domain={HOST}; Path=/; Secure; HttpOnly; SameSite=None")
    assert result.ok, str(result)


# --- the cookie's own expiry --------------------------------------------------------------

def test_own_expires_in_the_past(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, "Path=/; Secure; HttpOnly; Expires=Wed, 31 Dec 2025 23:00:00 GMT")
    assert result.cause.code == "COOKIE_NOT_SENT"
    assert "own Expires (2025-12-31T23:00:00Z) had passed" in result.cause.message
    assert result.cause.evidence["attribute"] == "expires" and "Expires" in result.cause.fix
    assert result.codes.count("COOKIE_NOT_SENT") == 1  # the three cookies, one finding


def test_own_expires_with_dashes_and_in_the_future(rsa_key: PrivateKey) -> None:
    assert _diagnose(rsa_key, "Path=/; Secure; HttpOnly; Expires=Thu, 31-Dec-2025 23:00:00 GMT").cause.code == (
        "COOKIE_NOT_SENT")
    assert _diagnose(rsa_key, "Path=/; Secure; HttpOnly; Expires=Fri, 02 Jan 2026 00:00:00 GMT").ok


def test_max_age_wins_over_expires() -> None:
    past = {"expires": "Wed, 31 Dec 2025 23:00:00 GMT", "max-age": "7200"}
    assert unsent(past, URL, now=NOW) is None  # RFC 6265: Max-Age takes precedence
    assert "Max-Age=0 deletes it" in (unsent_reason({"max-age": "0"}, URL, now=NOW) or "")
    ran_out = unsent({"max-age": "60"}, URL, now=NOW, set_at=NOW - 61)
    assert ran_out is not None and "Max-Age=60 ran out" in ran_out.reason


def test_unreadable_dates_are_not_judged() -> None:
    for value in ("tomorrow", "x" * 10_000, "Wed, 99 Foo 2025 99:99:99 GMT", ""):
        assert unsent({"expires": value}, URL, now=NOW) is None


# --- Domain on the Public Suffix List -----------------------------------------------------

@pytest.mark.parametrize("domain", ["cloudfront.net", ".cloudfront.net", "com", "co.uk", "s3.amazonaws.com"])
def test_public_suffix_domain_is_refused(rsa_key: PrivateKey, domain: str) -> None:
    result = _diagnose(rsa_key, f"Domain={domain}; Path=/; Secure; HttpOnly")
    assert not result.ok and result.cause.code == "COOKIE_NOT_SENT", str(result)
    assert "public suffix" in result.cause.message and result.cause.evidence["attribute"] == "domain"


def test_cloudfront_net_domain_is_refused_without_a_request_url(rsa_key: PrivateKey) -> None:
    result = diagnose(set_cookies(rsa_key, "Domain=cloudfront.net; Path=/; Secure; HttpOnly"),
                      public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert not result.ok and result.cause.code == "COOKIE_NOT_SENT"
    assert "with any request" in result.cause.message
    assert result.verdict != "would be served"


def test_registrable_domains_are_fine() -> None:
    for domain in (HOST, "example.com", "media.example.co.uk"):
        assert unsent({"domain": domain}, None) is None


# --- SameSite -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("samesite", "page", "sent"),
    [
        ("Strict", "https://www.example.com/player.html", False),
        ("Lax", "https://www.example.com/player.html", False),
        ("None", "https://www.example.com/player.html", True),
        ("Strict", f"https://{HOST}/player.html", True),
        ("Lax", f"https://{HOST}/player.html", True),
        ("Strict", "http://d111111abcdef8.cloudfront.net/player.html", False),  # schemeful same-site
    ],
)
def test_samesite(rsa_key: PrivateKey, samesite: str, page: str, sent: bool) -> None:
    attributes = {"secure": True, "httponly": True, "path": "/", "samesite": samesite}
    found = unsent(attributes, URL, now=NOW, site=page)
    assert (found is None) is sent
    if not sent:
        assert found is not None and f"SameSite={samesite}" in found.reason and "another site" in found.reason


def test_samesite_between_subdomains_of_one_site() -> None:
    attributes = {"samesite": "Strict", "secure": True}
    assert unsent(attributes, "https://media.example.com/a.ts", site="https://www.example.com/") is None
    assert unsent(attributes, "https://media.example.com/a.ts", site="https://www.other.com/") is not None


def test_samesite_none_needs_secure(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, "Path=/; HttpOnly; SameSite=None")
    assert result.cause.code == "COOKIE_NOT_SENT" and "SameSite=None without Secure" in result.cause.message


def test_samesite_unknown_site_is_not_judged() -> None:
    assert unsent({"samesite": "Strict", "secure": True}, URL) is None


# --- the older rules, through the new entry point -----------------------------------------

@pytest.mark.parametrize(
    ("attributes", "words"),
    [
        ({"domain": "media.example.com"}, "its Domain is"),
        ({"path": "/videos/"}, "is not a prefix"),
        ({"path": "/images/*"}, "wildcard"),
    ],
)
def test_scope_rules(attributes: dict, words: str) -> None:
    assert words in (unsent_reason(attributes, URL) or "")


def test_secure_over_http() -> None:
    assert "plain http" in (unsent_reason({"secure": True}, URL.replace("https:", "http:")) or "")


def test_hostile_attributes_never_raise() -> None:
    for value in ("\x00" * 1000, "." * 5000, "[::1]", "a" * 300 + ".com", "1.2.3.4", "-" * 100):
        unsent({"domain": value, "expires": value, "max-age": value, "samesite": value, "path": value},
               URL, now=NOW, site="https://[x")
