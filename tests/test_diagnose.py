"""diagnose(): every finding code, built as the fault really happens (by hand or with the signer).

Each case makes a broken artifact without calling the diagnosis, then checks that the expected
code is among the findings (errors: among the errors, so ``ok`` is False).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import (
    CATALOG,
    CfSignWarning,
    Policy,
    PrivateKey,
    Signer,
    diagnose,
    load_private_key,
    render,
    set_cookie_headers,
)

from .conftest import KEY_ID, NOW, URL

OTHER_ID = "KOTHERKEY0001"
HOST_URL = URL.rsplit("/", 2)[0]  # https://d111111abcdef8.cloudfront.net


# --- building artifacts by hand -------------------------------------------------------------

def cf64(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


def canned_bytes(url: str, expires: int) -> bytes:
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}' % (url, expires)).encode()


def with_params(url: str, *pairs: tuple[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in pairs)


def hand_canned(key: PrivateKey, url: str, expires: int, *, hash_name: str = "SHA1", key_id: str = KEY_ID,
                policy_bytes: bytes | None = None, signature: bytes | None = None) -> str:
    signature = signature if signature is not None else key.sign(policy_bytes or canned_bytes(url, expires), hash_name)
    return with_params(url, ("Expires", str(expires)), ("Signature", cf64(signature)), ("Key-Pair-Id", key_id))


def hand_custom(key: PrivateKey, url: str, policy: bytes, *, signed: bytes | None = None, hash_name: str = "SHA1") -> str:
    signature = key.sign(signed if signed is not None else policy, hash_name)
    return with_params(url, ("Policy", cf64(policy)), ("Signature", cf64(signature)), ("Key-Pair-Id", KEY_ID))


def params_of(url: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in url.split("?", 1)[1].split("&"))


def replace_param(url: str, name: str, value: str | None) -> str:
    if value is None:
        return re.sub(rf"([?&]){re.escape(name)}=[^&]*&?", r"\1", url).rstrip("?&")
    return re.sub(rf"([?&]){re.escape(name)}=[^&]*", lambda m: f"{m.group(1)}{name}={value}", url)


# --- the cases --------------------------------------------------------------------------------

Keys = dict[str, PrivateKey]
Case = Callable[[Keys], tuple[object, dict[str, Any]]]


def _k(keys: Keys) -> dict[str, Any]:
    return {"public_keys": {KEY_ID: keys["rsa"].public_key_pem()}, "now": NOW - 60}


def _signed(keys: Keys, **kw: Any) -> str:
    return Signer(KEY_ID, keys["rsa"]).sign_url(URL, expires=NOW, **kw)


def _raw_ecdsa(keys: Keys) -> tuple[object, dict[str, Any]]:
    policy = canned_bytes(URL, NOW)
    r, s = decode_dss_signature(keys["ecdsa"].sign(policy))
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return hand_canned(keys["ecdsa"], URL, NOW, signature=raw), {
        "public_keys": {KEY_ID: keys["ecdsa"].public_key}, "now": NOW - 60}


def _cookies(keys: Keys, resource: str = URL, **kw: Any) -> dict[str, str]:
    return dict(Signer(KEY_ID, keys["rsa"], **kw).sign_cookies(resource, expires=NOW))


ERROR_CASES: dict[str, Case] = {
    "NO_SIGNING_DATA": lambda k: (URL, _k(k)),
    "COOKIES_IGNORED": lambda k: (_cookies(k), {**_k(k), "request_url": URL + "?Policy=mine"}),
    "MISSING_KEY_PAIR_ID": lambda k: (replace_param(_signed(k), "Key-Pair-Id", None), _k(k)),
    "MISSING_SIGNATURE": lambda k: (replace_param(_signed(k), "Signature", ""), _k(k)),
    "MISSING_EXPIRES_OR_POLICY": lambda k: (replace_param(_signed(k), "Expires", None), _k(k)),
    "CONFLICTING_EXPIRES_AND_POLICY": lambda k: (_signed(k, starts=NOW - 600) + f"&Expires={NOW}", _k(k)),
    "DUPLICATE_SIGNING_PARAMETER": lambda k: (_signed(k) + f"&Key-Pair-Id={KEY_ID}", _k(k)),
    "UNKNOWN_KEY_PAIR_ID": lambda k: (_signed(k), {"public_keys": {OTHER_ID: k["other"].public_key}, "now": NOW - 60}),
    "SIGNATURE_NOT_DECODABLE": lambda k: (replace_param(_signed(k), "Signature", "not*base64!"), _k(k)),
    "STANDARD_BASE64_ALPHABET": lambda k: (
        replace_param(_signed(k), "Signature", base64.b64encode(k["rsa"].sign(canned_bytes(URL, NOW))).decode()), _k(k)),
    "BASE64URL_ALPHABET": lambda k: (
        replace_param(_signed(k), "Signature",
                      base64.urlsafe_b64encode(k["rsa"].sign(canned_bytes(URL, NOW))).decode().rstrip("=")), _k(k)),
    "DOUBLE_URL_ENCODED": lambda k: (
        replace_param(_signed(k), "Signature", params_of(_signed(k))["Signature"].replace("_", "%255F")), _k(k)),
    "POLICY_NOT_DECODABLE": lambda k: (
        replace_param(_signed(k, starts=NOW - 600), "Policy", "@@not-base64@@"), _k(k)),
    "POLICY_INVALID": lambda k: (hand_custom(k["rsa"], URL, b'{"Statement":[]}'), _k(k)),
    "EXPIRES_INVALID": lambda k: (replace_param(_signed(k), "Expires", "tomorrow"), _k(k)),
    "EXPIRES_IN_MILLISECONDS": lambda k: (hand_canned(k["rsa"], URL, NOW * 1000), _k(k)),
    "HASH_ALGORITHM_INVALID": lambda k: (_signed(k) + "&Hash-Algorithm=MD5", _k(k)),
    "EXPIRED": lambda k: (_signed(k), {**_k(k), "now": NOW}),
    "NOT_YET_VALID": lambda k: (_signed(k, starts=NOW - 30), _k(k)),
    "IP_NOT_ALLOWED": lambda k: (_signed(k, ip_address="192.0.2.0/24"), {**_k(k), "client_ip": "198.51.100.7"}),
    "RESOURCE_MISMATCH": lambda k: (_signed(k, resource=HOST_URL + "/videos/*"), _k(k)),
    "HASH_ALGORITHM_MISSING": lambda k: (hand_canned(k["rsa"], URL, NOW, hash_name="SHA256"), _k(k)),
    "HASH_ALGORITHM_MISMATCH": lambda k: (hand_canned(k["rsa"], URL, NOW) + "&Hash-Algorithm=SHA256", _k(k)),
    "ECDSA_SIGNATURE_NOT_DER": _raw_ecdsa,
    "SIGNED_WITH_OTHER_KEY": lambda k: (
        hand_canned(k["other"], URL, NOW),
        {"public_keys": {KEY_ID: k["rsa"].public_key, OTHER_ID: k["other"].public_key}, "now": NOW - 60}),
    "URL_CHANGED_AFTER_SIGNING": lambda k: (_signed(k) + "&utm_source=mail", _k(k)),
    "CANNED_POLICY_FORMAT": lambda k: (
        hand_canned(k["rsa"], URL, NOW, policy_bytes=json.dumps(json.loads(canned_bytes(URL, NOW)), indent=2).encode()),
        _k(k)),
    "POLICY_CHANGED_AFTER_SIGNING": lambda k: (
        hand_custom(k["rsa"], URL, json.dumps(Policy(URL, NOW, NOW - 600).to_dict(), indent=1).encode(),
                    signed=Policy(URL, NOW, NOW - 600).to_json()), _k(k)),
    "SIGNATURE_DOUBLE_BASE64": lambda k: (
        hand_canned(k["rsa"], URL, NOW, signature=base64.b64encode(k["rsa"].sign(canned_bytes(URL, NOW)))), _k(k)),
    "SIGNATURE_MISMATCH": lambda k: (hand_canned(k["rsa"], URL, NOW, signature=bytes(range(256))), _k(k)),
    "COOKIE_NOT_SENT": lambda k: (
        "\n".join(set_cookie_headers(_cookies(k), domain="media.example.com")), {**_k(k), "request_url": URL}),
    "COOKIE_NAME_CASE": lambda k: (
        {name.lower(): value for name, value in _cookies(k).items()}, {**_k(k), "request_url": URL}),
    "URL_TOO_LONG": lambda k: (Signer(KEY_ID, k["rsa"]).sign_url(URL + "?pad=" + "x" * 9000, expires=NOW), _k(k)),
}

WARNING_AND_INFO_CASES: dict[str, Case] = {
    "POLICY_WHITESPACE": lambda k: (
        hand_custom(k["rsa"], URL, json.dumps(Policy(URL, NOW, NOW - 600).to_dict(), indent=2).encode()), _k(k)),
    "RESOURCE_OMITTED": lambda k: (Signer(KEY_ID, k["rsa"]).sign_url(URL, policy=Policy(None, NOW)), _k(k)),
    "BROAD_WILDCARD": lambda k: (_signed(k, resource="https://*"), _k(k)),
    "EXPIRES_AFTER_2038": lambda k: (Signer(KEY_ID, k["rsa"]).sign_url(URL, expires=2**31 + 5), _k(k)),
    "LONG_LIFETIME": lambda k: (Signer(KEY_ID, k["rsa"]).sign_url(URL, expires=NOW + 90 * 86400), _k(k)),
    "COOKIE_NOT_SECURE": lambda k: (
        "\n".join(set_cookie_headers(_cookies(k), secure=False)), {**_k(k), "request_url": URL}),
    "COOKIE_NOT_HTTPONLY": lambda k: (
        "\n".join(set_cookie_headers(_cookies(k), http_only=False)), {**_k(k), "request_url": URL}),
    "COOKIE_TOO_LARGE": lambda k: (
        "\n".join(set_cookie_headers(_cookies(k, HOST_URL + "/" + "long-path/" * 330 + "*"))),
        {**_k(k), "request_url": URL}),
    "IP_CONDITION_WITH_IPV6_CLIENT": lambda k: (
        _signed(k, ip_address="192.0.2.0/24"), {**_k(k), "client_ip": "2001:db8::7"}),
    "HASH_ALGORITHM_CASE": lambda k: (hand_canned(k["rsa"], URL, NOW, hash_name="SHA256") + "&Hash-Algorithm=sha256", _k(k)),
    "PERCENT_ENCODED_VALUE": lambda k: (
        replace_param(_signed(k), "Signature", params_of(_signed(k))["Signature"].replace("_", "%5F")), _k(k)),
    "CONTEXT_INVALID": lambda k: (_signed(k), {**_k(k), "client_ip": "not-an-ip"}),
    "PARAMETER_NAME_CASE": lambda k: (_signed(k).replace("Key-Pair-Id", "key-pair-id"), _k(k)),
    "SHA256_COOKIE": lambda k: (_cookies(k, hash_algorithm="SHA256"), {**_k(k), "request_url": URL}),
    "SIGNATURE_NOT_CHECKED": lambda k: (_signed(k), {"now": NOW - 60}),
    "REQUEST_URL_NEEDED": lambda k: (_cookies(k, HOST_URL + "/images/*"), _k(k)),
    "CLIENT_IP_NEEDED": lambda k: (_signed(k, ip_address="192.0.2.0/24"), _k(k)),
    "SIGNATURE_VERIFIED": lambda k: (_signed(k), _k(k)),
    "SEARCH_CUT_SHORT": lambda k: (
        hand_canned(k["rsa"], URL + "?" + "&".join(f"p{i}=1" for i in range(40)), NOW, signature=bytes(range(256))),
        _k(k)),
}


@pytest.fixture(scope="module")
def keys(rsa_key: PrivateKey, ecdsa_key: PrivateKey, other_rsa_key: PrivateKey) -> Keys:
    return {"rsa": rsa_key, "ecdsa": ecdsa_key, "other": other_rsa_key}


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_error_codes(keys: Keys, code: str) -> None:
    artifact, kwargs = ERROR_CASES[code](keys)
    result = diagnose(artifact, **kwargs)
    assert not result.ok
    assert code in [f.code for f in result.errors], str(result)
    found = next(f for f in result.findings if f.code == code)
    assert found.message and found.fix and found.cloudfront_error == CATALOG[code].cloudfront_error


@pytest.mark.parametrize("code", sorted(WARNING_AND_INFO_CASES))
def test_warning_and_info_codes(keys: Keys, code: str) -> None:
    artifact, kwargs = WARNING_AND_INFO_CASES[code](keys)
    result = diagnose(artifact, **kwargs)
    assert code in result.codes, str(result)


def test_unsupported_key_type(rsa_key: PrivateKey) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.warns(CfSignWarning):
        key = load_private_key(small)
        result = diagnose(Signer(KEY_ID, key).sign_url(URL, expires=NOW), public_keys={KEY_ID: key.public_key},
                          now=NOW - 60)
    assert "UNSUPPORTED_KEY_TYPE" in result.codes and "SIGNATURE_VERIFIED" in result.codes


def test_every_code_is_tested() -> None:
    here = set(ERROR_CASES) | set(WARNING_AND_INFO_CASES) | {"UNSUPPORTED_KEY_TYPE"}
    elsewhere = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    untested = [code for code in CATALOG if code not in here and f'"{code}"' not in elsewhere]
    assert untested == []


# --- findings about the request --------------------------------------------------------------

@pytest.mark.parametrize(("signed_with", "given", "size"), [("ecdsa", "rsa", "ECDSA P-256"), ("rsa", "ecdsa", "RSA-2048")])
def test_a_key_of_the_other_type_is_named_by_the_signature_size(rsa_key: PrivateKey, ecdsa_key: PrivateKey,
                                                                signed_with: str, given: str, size: str) -> None:
    keys = {"rsa": rsa_key, "ecdsa": ecdsa_key}
    url = Signer(KEY_ID, keys[signed_with]).sign_url(URL, expires=NOW + 60)
    cause = diagnose(url, public_keys={KEY_ID: keys[given].public_key}, now=NOW).cause
    assert cause is not None and cause.code == "SIGNATURE_MISMATCH"
    assert f"the size of an {size} signature" in cause.message
    assert f"is {keys[given].public_key.description}" in cause.message
    assert cause.evidence["signed_with"] == size and cause.evidence["key_type"] == keys[given].public_key.description
    assert cause.evidence["signature_bytes"] in ((256,) if signed_with == "rsa" else range(8, 73))
    assert f"the {size} key pair that signed it" in cause.fix


def test_a_key_of_the_same_type_keeps_the_plain_mismatch(rsa_key: PrivateKey, other_rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60)
    cause = diagnose(url, public_keys={KEY_ID: other_rsa_key.public_key}, now=NOW).cause
    assert cause is not None and cause.code == "SIGNATURE_MISMATCH" and "signed_with" not in cause.evidence


def test_cookies_that_are_never_sent_are_the_cause(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(HOST_URL + "/videos/*", expires=NOW)
    lines = "\n".join(set_cookie_headers(cookies, path="/videos/"))
    result = diagnose(lines, public_keys={KEY_ID: rsa_key.public_key}, now=NOW - 60, request_url=HOST_URL + "/images/a.png")
    assert result.cause.code == "COOKIE_NOT_SENT" and result.cloudfront_error == "MissingKey"
    assert result.codes.count("COOKIE_NOT_SENT") == 1
    assert "CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id" in result.cause.message


def test_verdict_says_why_the_signature_was_not_checked(rsa_key: PrivateKey) -> None:
    canned = Signer(KEY_ID, rsa_key).sign_cookies(URL, expires=NOW)
    assert diagnose(canned, public_keys={KEY_ID: rsa_key.public_key}, now=NOW - 1).verdict == (
        "would be served if the signature verifies (not checked: no request URL)")
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW)
    assert diagnose(url, now=NOW - 1).verdict == "would be served if the signature verifies (not checked: no public key)"


def test_an_unchecked_ip_is_a_condition_not_a_plain_yes(rsa_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, rsa_key)
    url = signer.sign_url(URL, expires=NOW, ip_address="203.0.113.0/24")
    keys = {KEY_ID: rsa_key.public_key}
    result = diagnose(url, public_keys=keys, now=NOW - 1)
    assert result.ok and result.verified
    assert result.verdict == "would be served if the viewer's IP is in 203.0.113.0/24 (not checked: no client IP)"
    assert {"IP_CONDITION_WITH_IPV6_CLIENT", "CLIENT_IP_NEEDED"} <= {f.code for f in result.warnings}
    assert str(result).startswith("OK: would be served if the viewer's IP")
    assert "cfsign-verdict" in result._repr_html_() and "⚠" in result._repr_html_()
    checked = diagnose(url, public_keys=keys, now=NOW - 1, client_ip="203.0.113.9")
    assert checked.verdict == "would be served" and "✔" in checked._repr_html_()


def test_cookies_without_a_request_url_are_served_only_if_it_matches(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(HOST_URL + "/videos/*", expires=NOW)
    result = diagnose(cookies, public_keys={KEY_ID: rsa_key.public_key}, now=NOW - 1)
    assert result.ok and result.verified
    assert "REQUEST_URL_NEEDED" in [f.code for f in result.warnings]
    assert result.verdict == (f"would be served if the requested URL matches {HOST_URL}/videos/* "
                              "(not checked: no request URL)")


def test_an_unverified_signature_is_a_warning_and_an_amber_banner(rsa_key: PrivateKey) -> None:
    result = diagnose(Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW), now=NOW - 1)
    assert "SIGNATURE_NOT_CHECKED" in [f.code for f in result.warnings]
    assert result.unchecked == ("the signature verifies (not checked: no public key)",)
    assert "⚠" in result._repr_html_() and "✔" not in result._repr_html_()
    assert result.to_dict()["verdict"] == result.verdict


def test_an_invalid_hash_name_is_not_also_called_missing(rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key, hash_algorithm="SHA256").sign_url(URL, expires=NOW)
    result = diagnose(url.replace("SHA256", "SHA-256"), public_keys={KEY_ID: rsa_key.public_key}, now=NOW - 1)
    assert "HASH_ALGORITHM_INVALID" in result.codes and "HASH_ALGORITHM_MISSING" not in result.codes


# --- valid artifacts: no errors ------------------------------------------------------------

@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("url", {}),
        ("url", {"starts": NOW - 600}),
        ("url", {"resource": HOST_URL + "/images/*"}),
        ("url", {"ip_address": "192.0.2.0/24"}),
        ("cookies", {}),
        ("cookies", {"resource": HOST_URL + "/images/*"}),
        ("cookies", {"ip_address": "192.0.2.10"}),
    ],
)
def test_valid_artifacts_have_no_errors(any_key: PrivateKey, hash_name: str, kind: str, kwargs: dict) -> None:
    signer = Signer(KEY_ID, any_key, hash_algorithm=hash_name)
    if kind == "url":
        artifact: object = signer.sign_url(URL + "?v=2", expires=NOW, **kwargs)
    else:
        resource = kwargs.pop("resource", URL + "?v=2")
        artifact = "\n".join(set_cookie_headers(signer.sign_cookies(resource, expires=NOW, **kwargs)))
    result = diagnose(artifact, public_keys={KEY_ID: any_key.public_key_pem()}, now=NOW - 60,
                      client_ip="192.0.2.10", request_url=URL + "?v=2")
    assert result.ok, str(result)
    assert result.verified is True
    assert result.errors == ()


def test_single_public_key_without_an_id(signer: Signer) -> None:
    result = diagnose(signer.sign_url(URL, expires=NOW), public_keys=signer.private_key.public_key, now=NOW - 1)
    assert result.ok and result.verified


# --- robustness and safety -----------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(
    artifact=st.one_of(st.text(max_size=400), st.text(max_size=300).map(lambda t: URL + "?" + t)),
    client_ip=st.one_of(st.none(), st.text(max_size=20)),
    request_url=st.one_of(st.none(), st.text(max_size=60)),
)
def test_diagnose_never_raises(artifact: str, client_ip: str | None, request_url: str | None) -> None:
    result = diagnose(artifact, now=NOW, client_ip=client_ip, request_url=request_url,
                      public_keys={KEY_ID: "-----BEGIN PUBLIC KEY-----\nbroken\n-----END PUBLIC KEY-----"})
    assert isinstance(result.ok, bool)
    str(result), repr(result), result._repr_html_(), result.to_dict()


def test_near_miss_urls_never_raise(signer: Signer) -> None:
    url = signer.sign_url(URL + "?a=1", expires=NOW)
    public = {KEY_ID: signer.private_key.public_key}
    for i in range(0, len(url), 5):
        for mutated in (url[:i] + url[i + 1 :], url[:i] + "%" + url[i:], url[:i] + "&" + url[i:]):
            diagnose(mutated, public_keys=public, now=NOW - 1)
    diagnose(url + "&pad=" + "A" * 1_000_000, public_keys=public, now=NOW - 1)


def test_html_escapes_hostile_input(signer: Signer) -> None:
    hostile = URL + "?x=<img%20src=x%20onerror=alert(1)>&<script>alert(1)</script>"
    result = diagnose(hostile.replace("%20", " ") + "&Expires=1&Signature=<b>&Key-Pair-Id=<i>", now=NOW)
    page = result._repr_html_()
    assert "<img" not in page and "<script" not in page and "<b>" not in page
    assert "&lt;" in page


def test_html_follows_the_theme_and_is_the_shared_findings_table(signer: Signer) -> None:
    public = {KEY_ID: signer.private_key.public_key}
    refused = diagnose(signer.sign_url(URL, expires=NOW), public_keys=public, now=NOW)
    page = refused._repr_html_()
    assert render.banner(False, refused.verdict) in page and render.findings_table(refused.findings) in page
    assert "var(--jp-error-color1" in page
    assert re.findall(r"(?<!, )#[0-9a-fA-F]{3,6}\b", page) == []  # colours only as the theme's fallbacks
    unchecked = diagnose(signer.sign_url(URL, expires=NOW), now=NOW - 1)
    assert render.banner(True, unchecked.verdict, kind="warning") in unchecked._repr_html_()


def test_reports(signer: Signer) -> None:
    result = diagnose(signer.sign_url(URL, expires=NOW), public_keys={KEY_ID: signer.private_key.public_key}, now=NOW)
    assert repr(result) == "Diagnosis(ok=False, cloudfront_error='AccessDenied', codes=['EXPIRED', 'SIGNATURE_VERIFIED'])"
    assert str(result).splitlines()[0] == "REFUSED: AccessDenied (EXPIRED)"
    frame = result.to_frame()
    assert list(frame["code"]) == ["EXPIRED", "SIGNATURE_VERIFIED"]
    assert json.loads(json.dumps(result.to_dict()))["cloudfront_error"] == "AccessDenied"


def test_percent_encoded_url_in_cookie_request(signer: Signer) -> None:
    assert diagnose(quote(signer.sign_url(URL, expires=NOW), safe=""), now=NOW - 1).ok


def test_cloudfront_order_unknown_key_comes_before_everything_but_missing_key(rsa_key: PrivateKey) -> None:
    result = diagnose(URL + "?Key-Pair-Id=KBOGUS0000001&Signature=%%%", public_keys={KEY_ID: rsa_key.public_key},
                      now=NOW)
    assert result.cause.code == "UNKNOWN_KEY_PAIR_ID" and result.cloudfront_error == "InvalidKey"
    assert diagnose(URL + "?Signature=AAAA&Expires=1", now=NOW).cloudfront_error == "MissingKey"


def test_pasted_with_quotes_and_truncated_values(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW)
    public = {KEY_ID: signer.private_key.public_key}
    assert diagnose(f'"{url}"', public_keys=public, now=NOW - 1).ok
    truncated = diagnose(url.replace("&Key-Pair-Id", "", 1)[:-30] + f"&Key-Pair-Id={KEY_ID}", public_keys=public,
                         now=NOW - 1)
    assert truncated.cause.code == "SIGNATURE_NOT_DECODABLE" and "truncated" in truncated.cause.message
