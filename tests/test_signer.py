"""Signing: byte-for-byte equal to botocore and the AWS CLI, and verifiable for SHA-256 and ECDSA."""

import contextlib
import io
import json
import re
import warnings
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cfsign_nb import (
    CfSignError,
    CfSignWarning,
    Policy,
    PolicyError,
    PrivateKey,
    Signer,
    TimeError,
    UrlError,
    b64decode,
    set_cookie_headers,
)
from cfsign_nb.protocol import SIGNING_PARAMETERS
from cfsign_nb.signer import key_pair_id_note

from .conftest import KEY_ID, NOW, NOW_DT, URL


def _botocore(key: PrivateKey) -> CloudFrontSigner:
    return CloudFrontSigner(KEY_ID, lambda message: key.key.sign(message, padding.PKCS1v15(), hashes.SHA1()))


def _params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# --- botocore: the same bytes for the same inputs -------------------------------------------

_unreserved = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*+,;:@%", min_size=1, max_size=12)
_hosts = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)
_paths = st.lists(_unreserved, max_size=4).map(lambda parts: "/" + "/".join(parts))
_queries = st.lists(st.tuples(_unreserved, st.text("abcXYZ019-_.~%/:", max_size=10)), max_size=3)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    query = draw(_queries)
    assume(all(name not in SIGNING_PARAMETERS for name, _ in query))
    url = f"{draw(st.sampled_from(['https', 'http']))}://{draw(_hosts)}{draw(_paths)}"
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query)
    return url


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    url=_urls(),
    expires=st.integers(NOW, NOW + 10**9),
    starts=st.one_of(st.none(), st.integers(1, NOW - 1)),
    ip=st.one_of(st.none(), st.ip_addresses(v=4).map(str), st.ip_addresses(v=4).map(lambda a: f"{a}/24")),
    wildcard=st.sampled_from([None, "*", "/*", "*.jpg", "?x"]),
)
def test_identical_to_botocore(rsa_key: PrivateKey, url: str, expires: int, starts: int | None,
                               ip: str | None, wildcard: str | None) -> None:
    ours = Signer(KEY_ID, rsa_key)
    theirs = _botocore(rsa_key)
    resource = None if wildcard is None else urlsplit(url)._replace(query="").geturl() + wildcard
    expires_dt = datetime.fromtimestamp(expires, tz=UTC)
    starts_dt = None if starts is None else datetime.fromtimestamp(starts, tz=UTC)
    if starts is None and ip is None and resource is None:
        expected = theirs.generate_presigned_url(url, date_less_than=expires_dt)
    else:
        policy = theirs.build_policy(resource or url, expires_dt, date_greater_than=starts_dt, ip_address=ip)
        expected = theirs.generate_presigned_url(url, policy=policy)
    assert ours.sign_url(url, expires=expires_dt, starts=starts_dt, ip_address=ip, resource=resource) == expected
    assert ours.sign_url(url, expires=expires, starts=starts, ip_address=ip, resource=resource) == expected


def test_identical_to_botocore_for_a_policy_given_as_text(rsa_key: PrivateKey) -> None:
    pretty = json.dumps(Policy(URL + "*", NOW).to_dict(), indent=2)  # signed byte-for-byte, whitespace and all
    assert Signer(KEY_ID, rsa_key).sign_url(URL, policy=pretty) == _botocore(rsa_key).generate_presigned_url(URL, policy=pretty)


# --- aws cloudfront sign (awscli) -----------------------------------------------------------

def _aws_cloudfront_sign(*arguments: str) -> str:
    from awscli.clidriver import create_clidriver

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = create_clidriver().main(["cloudfront", "sign", *arguments])
    assert status == 0
    return out.getvalue().strip()


@pytest.mark.parametrize(
    ("url", "extra", "ours"),
    [
        (URL, [], {}),
        (URL + "?size=large&license=yes", [], {}),
        (URL, ["--date-greater-than", "2025-12-01"], {"starts": 1764547200}),
        (URL + "?a=1", ["--ip-address", "192.0.2.0/24"], {"ip_address": "192.0.2.0/24"}),
        (URL, ["--ip-address", "192.0.2.7", "--date-greater-than", "1764547200"],
         {"ip_address": "192.0.2.7", "starts": 1764547200}),
    ],
)
def test_identical_to_aws_cloudfront_sign(tmp_path, rsa_key: PrivateKey, url: str, extra: list[str], ours: dict) -> None:
    pem = rsa_key.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(pem)
    expected = _aws_cloudfront_sign("--url", url, "--key-pair-id", KEY_ID, "--private-key", f"file://{key_file}",
                                    "--date-less-than", "2026-01-02T00:00:00Z", *extra)
    assert Signer(KEY_ID, key_file).sign_url(url, expires=NOW + 86400, **ours) == expected


# --- SHA-256 and ECDSA: verified with cryptography directly -------------------------------

@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
def test_signatures_verify_with_cryptography(any_key: PrivateKey, hash_name: str) -> None:
    url = Signer(KEY_ID, any_key, hash_algorithm=hash_name).sign_url(URL + "?a=b", expires=NOW)
    params = _params(url)
    assert params.get("Hash-Algorithm") == ("SHA256" if hash_name == "SHA256" else None)
    assert url.endswith(f"&Key-Pair-Id={KEY_ID}" + ("&Hash-Algorithm=SHA256" if hash_name == "SHA256" else ""))
    signature = b64decode(params["Signature"])
    policy = Policy(URL + "?a=b", NOW).to_json()
    algorithm = hashes.SHA256() if hash_name == "SHA256" else hashes.SHA1()
    public = any_key.key.public_key()
    if any_key.algorithm == "RSA":
        assert len(signature) == 256
        public.verify(signature, policy, padding.PKCS1v15(), algorithm)
    else:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        assert signature[0] == 0x30 and 68 <= len(signature) <= 72  # ASN.1 DER SEQUENCE, not raw r||s
        decode_dss_signature(signature)
        public.verify(signature, policy, ec.ECDSA(algorithm))


def test_custom_policy_url_carries_the_exact_policy(any_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, any_key, hash_algorithm="SHA256")
    url = signer.sign_url(URL, expires=NOW, resource="https://d111111abcdef8.cloudfront.net/images/*")
    params = _params(url)
    assert list(params) == ["Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"]
    policy = b64decode(params["Policy"])
    assert Policy.from_json(policy) == Policy("https://d111111abcdef8.cloudfront.net/images/*", NOW)
    assert any_key.public_key.verify(b64decode(params["Signature"]), policy, "SHA256")


def test_times_as_datetime_and_timedelta(signer: Signer) -> None:
    by_epoch = signer.sign_url(URL, expires=NOW + 600)
    assert signer.sign_url(URL, expires=NOW_DT + timedelta(minutes=10)) == by_epoch
    assert signer.sign_url(URL, expires=timedelta(minutes=10), now=NOW) == by_epoch


def test_policy_object_is_signed_canned_when_it_can_be(signer: Signer) -> None:
    assert signer.sign_url(URL, policy=Policy(URL, NOW)) == signer.sign_url(URL, expires=NOW)
    assert "Policy=" in signer.sign_url(URL, policy=Policy(URL + "*", NOW))


# --- cookies --------------------------------------------------------------------------------

def test_canned_cookies(any_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, any_key).sign_cookies(URL, expires=NOW)
    assert list(cookies) == ["CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]
    assert cookies["CloudFront-Expires"] == str(NOW)
    assert any_key.public_key.verify(b64decode(cookies["CloudFront-Signature"]), Policy(URL, NOW).to_json())


def test_custom_cookies_with_sha256(any_key: PrivateKey) -> None:
    pattern = "https://d111111abcdef8.cloudfront.net/images/*"
    cookies = Signer(KEY_ID, any_key, hash_algorithm="sha256").sign_cookies(pattern, expires=NOW, ip_address="192.0.2.0/24")
    assert list(cookies) == ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id",
                             "CloudFront-Hash-Algorithm"]
    policy = b64decode(cookies["CloudFront-Policy"])
    assert Policy.from_json(policy) == Policy(pattern, NOW, ip_address="192.0.2.0/24")
    assert any_key.public_key.verify(b64decode(cookies["CloudFront-Signature"]), policy, "SHA256")
    assert cookies["CloudFront-Hash-Algorithm"] == "SHA256"


def test_cookies_sign_the_same_policy_as_urls(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW, starts=NOW - 60)
    cookies = signer.sign_cookies(URL, expires=NOW, starts=NOW - 60)
    assert _params(url)["Policy"] == cookies["CloudFront-Policy"]
    assert _params(url)["Signature"] == cookies["CloudFront-Signature"]  # RSA PKCS#1 v1.5 is deterministic


def test_set_cookie_headers(signer: Signer) -> None:
    cookies = signer.sign_cookies(URL, expires=NOW)
    lines = set_cookie_headers(cookies, domain="d111111abcdef8.cloudfront.net", path="/images/", same_site="Lax")
    assert lines[0] == (f"Set-Cookie: CloudFront-Expires={NOW}; Domain=d111111abcdef8.cloudfront.net; "
                        "Path=/images/; Secure; HttpOnly; SameSite=Lax")
    assert len(lines) == 3
    with pytest.raises(CfSignError, match="no wildcards"):
        set_cookie_headers(cookies, domain="*.cloudfront.net")
    with pytest.raises(CfSignError, match="prefix"):
        set_cookie_headers(cookies, path="/images/*")
    with pytest.raises(CfSignError, match="Secure"):
        set_cookie_headers(cookies, secure=False, same_site="None")


# --- bad input: the error type, and a message that names the fix ----------------------------

@pytest.mark.parametrize(
    ("call", "error", "hint"),
    [
        (lambda s: s.sign_url(URL + "?Expires=5", expires=NOW), UrlError, "rename your own parameter"),
        (lambda s: s.sign_url(URL + "?a=1&Key-Pair-Id=K", expires=NOW), UrlError, "'Key-Pair-Id'"),
        (lambda s: s.sign_url(URL + "?Hash-Algorithm=SHA1", expires=NOW), UrlError, "unsigned URL"),
        (lambda s: s.sign_url(URL + "#top", expires=NOW), UrlError, "remove it"),
        (lambda s: s.sign_url("d111111abcdef8.cloudfront.net/a.jpg", expires=NOW), UrlError, "absolute"),
        (lambda s: s.sign_url(URL), TimeError, "give the expiry: expires=..."),
        (lambda s: s.sign_url(URL, expires=datetime(2026, 1, 1)), TimeError, "tzinfo=timezone.utc"),
        (lambda s: s.sign_url(URL, expires=NOW * 1000), TimeError, "divide by 1000"),
        (lambda s: s.sign_url(URL, expires=NOW, starts=NOW + 1), TimeError, "before the expiry"),
        (lambda s: s.sign_url(URL, expires=NOW, ip_address="2001:db8::1"), PolicyError, "only IPv4"),
        (lambda s: s.sign_url(URL + "/a b", expires=NOW), PolicyError, "%20"),
        (lambda s: s.sign_url(URL, policy=Policy(URL, NOW), expires=NOW), PolicyError, "drop expires"),
        (lambda s: s.sign_cookies(expires=NOW), PolicyError, "needs the resource"),
    ],
)
def test_bad_input_gets_a_clear_error(signer: Signer, call, error: type, hint: str) -> None:
    with pytest.raises(error, match=hint):
        call(signer)


@pytest.mark.parametrize(
    ("key_pair_id", "hint"),
    [("", "id CloudFront shows"), ("-----BEGIN PRIVATE KEY-----", "holds a PEM key"),
     ("K2JC JMDEHXQW5F", "holds ' '"), ("K2JC\tX", "holds '\\t'"), ("K1&x=1", "holds '&', which ends a query"),
     ("K1=", "holds '='"), ("K1;", "holds ';', which ends a cookie"), ("K#1", "URL fragment"),
     ("K1\x1b[31m", "holds '\\x1b'"), ("KÉ1", "holds '\\xc9'"), ("K" * 201, "201 characters long")],
)
def test_bad_key_pair_ids(rsa_key: PrivateKey, key_pair_id: str, hint: str) -> None:
    with pytest.raises(CfSignError, match=re.escape(hint)):
        Signer(key_pair_id, rsa_key)


@pytest.mark.parametrize("key_pair_id", ["my_id", "CF_KEYPAIR_ID", "k2jcjmdehxqw5f", "e9fcd3cf-f3f4-4b61"])
def test_ids_the_aws_sdks_accept_are_signed_with_a_warning(rsa_key: PrivateKey, key_pair_id: str) -> None:
    with pytest.warns(CfSignWarning, match="does not look like a CloudFront public key id") as caught:
        url = Signer(key_pair_id, rsa_key).sign_url(URL, expires=NOW)
    assert url.endswith(f"&Key-Pair-Id={key_pair_id}")
    assert len(caught) == 1 and caught[0].filename == __file__  # attributed to the caller, once
    assert ("key group id" in str(caught[0].message)) == key_pair_id.startswith("e9fc")


def test_cloudfront_ids_sign_without_a_warning(rsa_key: PrivateKey) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key_pair_id in (KEY_ID, "APKAEIBAERJR2EXAMPLE", "K1TESTKEY"):
            assert key_pair_id_note(key_pair_id) is None
            Signer(key_pair_id, rsa_key).recording()  # the recording twin does not warn again either


def test_bad_hash_algorithm(rsa_key: PrivateKey) -> None:
    with pytest.raises(CfSignError, match=r"'SHA1' .* or 'SHA256'"):
        Signer(KEY_ID, rsa_key, hash_algorithm="md5")


def test_signer_repr_is_safe_and_not_picklable(signer: Signer) -> None:
    import pickle

    assert repr(signer).startswith("Signer(key_pair_id='K2JCJMDEHXQW5F', key=RSA-2048 ")
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(signer)


def test_plan_policy_says_canned_or_custom_and_why() -> None:
    from cfsign_nb import plan_policy

    assert plan_policy(URL, expires=NOW).canned
    assert "rebuilds the policy" in plan_policy(URL, expires=NOW).reason
    plan = plan_policy(URL, expires=NOW, starts=NOW - 5, ip_address="192.0.2.1")
    assert not plan.canned and "start time" in plan.reason and "IP address" in plan.reason
    assert plan.policy == Policy(URL, NOW, NOW - 5, "192.0.2.1/32")
    assert not plan_policy(URL, expires=NOW, resource=URL + "*").canned
    assert plan_policy(URL, expires=NOW, cookies=True).canned
    assert "wildcard" in plan_policy(URL + "*", expires=NOW, cookies=True).reason


def test_a_policy_text_with_a_lone_surrogate_is_a_policy_error(signer: Signer) -> None:
    with pytest.raises(PolicyError, match="surrogate"):
        signer.sign_url(URL, policy='{"Statement":[{"Resource":"\ud800","Condition":{}}]}')


# --- the AWS SDKs' shared test cases (aws-sdk-ruby's url_signer_spec, the SEP vectors) ---------
# Their expected signatures need the SDKs' private keys, which we do not ship: with a key of our own,
# the URL shape and the policy bytes must be theirs exactly, and each signature what botocore (SHA-1)
# or PKCS#1 v1.5 over SHA-256 makes for the same bytes.

SDK_EXPIRES, SDK_ACTIVE = 1357034400, 1767200000
SEP_EXPIRES = 1767290400
SEP_HOST = "https://d111111abcdef8.cloudfront.net"


def _sep_canned(resource: str) -> str:
    return '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}' % (resource, SEP_EXPIRES)


SDK_VECTORS = [
    # (name, key pair id, url, expires, policy text, expected query keys, expected Policy= value or None)
    ("ruby-custom-ip", "CF_KEYPAIR_ID", "http://abc.cloudfront.net/images/image.jpg", None,
     '{"Statement":[{"Resource":"images/image.jpg","Condition":{"IpAddress":{"AWS:SourceIp":"10.52.176.0/24"},'
     '"DateLessThan":{"AWS:EpochTime":1357034400}}}]}', ["Policy", "Signature", "Key-Pair-Id"],
     "eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaW1hZ2VzL2ltYWdlLmpwZyIsIkNvbmRpdGlvbiI6eyJJcEFkZHJlc3MiOnsiQVdTO"
     "lNvdXJjZUlwIjoiMTAuNTIuMTc2LjAvMjQifSwiRGF0ZUxlc3NUaGFuIjp7IkFXUzpFcG9jaFRpbWUiOjEzNTcwMzQ0MDB9fX1dfQ__"),
    ("ruby-canned", "CF_KEYPAIR_ID", "https://abc.cloudfront.net/images/image.jpg?color=red", SDK_EXPIRES, None,
     ["color", "Expires", "Signature", "Key-Pair-Id"], None),
    ("ruby-url-like-path", "CF_KEYPAIR_ID", "https://abc.cloudfront.net/images/from/s3://bucket/file.jpg",
     SDK_EXPIRES, None, ["Expires", "Signature", "Key-Pair-Id"], None),
    ("canned-policy-url-basic", "K1TESTKEY", SEP_HOST + "/image.jpg", SEP_EXPIRES, None,
     ["Expires", "Signature", "Key-Pair-Id"], None),
    ("canned-policy-url-existing-params", "K1TESTKEY", SEP_HOST + "/image.jpg?size=large", SEP_EXPIRES, None,
     ["size", "Expires", "Signature", "Key-Pair-Id"], None),
    ("custom-policy-url-with-active-date", "K1TESTKEY", SEP_HOST + "/video.mp4", None,
     '{"Statement":[{"Resource":"%s/video.mp4","Condition":{"DateLessThan":{"AWS:EpochTime":%d},'
     '"DateGreaterThan":{"AWS:EpochTime":%d}}}]}' % (SEP_HOST, SEP_EXPIRES, SDK_ACTIVE),
     ["Policy", "Signature", "Key-Pair-Id"], None),
    ("custom-policy-url-with-ip-range", "K1TESTKEY", SEP_HOST + "/document.pdf", None,
     '{"Statement":[{"Resource":"%s/document.pdf","Condition":{"DateLessThan":{"AWS:EpochTime":%d},'
     '"IpAddress":{"AWS:SourceIp":"192.168.0.0/24"}}}]}' % (SEP_HOST, SEP_EXPIRES),
     ["Policy", "Signature", "Key-Pair-Id"], None),
    ("custom-policy-url-with-wildcard", "K1TESTKEY", SEP_HOST + "/images/photo.jpg", None,
     _sep_canned(SEP_HOST + "/images/*"), ["Policy", "Signature", "Key-Pair-Id"], None),
    ("aws-cli-key-pair-id-not-validated", "my_id", "http://example.com/hi", SDK_EXPIRES, None,
     ["Expires", "Signature", "Key-Pair-Id"], None),
]


def _query_keys(url: str) -> list[str]:
    return [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


@pytest.mark.filterwarnings("ignore::cfsign_nb.CfSignWarning")
@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize(("name", "key_pair_id", "url", "expires", "policy", "keys", "policy_value"), SDK_VECTORS,
                         ids=[vector[0] for vector in SDK_VECTORS])
def test_aws_sdk_shared_vectors(rsa_key: PrivateKey, hash_name: str, name: str, key_pair_id: str, url: str,
                                expires: int | None, policy: str | None, keys: list[str], policy_value: str | None) -> None:
    signer = Signer(key_pair_id, rsa_key, hash_algorithm=hash_name)
    ours = signer.sign_url(url, policy=policy) if policy else signer.sign_url(url, expires=expires)
    assert ours.startswith(url + ("&" if "?" in url else "?"))
    assert _query_keys(ours) == keys + (["Hash-Algorithm"] if hash_name == "SHA256" else [])
    params = _params(ours)
    assert params["Key-Pair-Id"] == key_pair_id
    signed = policy.encode() if policy else (
        '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}' % (url, expires)).encode()
    if policy:
        assert b64decode(params["Policy"]) == signed
    if policy_value:
        assert params["Policy"] == policy_value  # the SDK's own expected value, character for character
    digest = hashes.SHA256() if hash_name == "SHA256" else hashes.SHA1()
    assert b64decode(params["Signature"]) == rsa_key.key.sign(signed, padding.PKCS1v15(), digest)
    if hash_name == "SHA1":
        boto = CloudFrontSigner(key_pair_id, lambda m: rsa_key.key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
        assert ours == (boto.generate_presigned_url(url, policy=policy) if policy
                        else boto.generate_presigned_url(url, date_less_than=datetime.fromtimestamp(expires, UTC)))


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
def test_aws_sdk_ecdsa_vectors_verify(ecdsa_key: PrivateKey, hash_name: str) -> None:
    """ecdsa-canned-policy-url-sha256 and -sha1-accept: ECDSA signatures are random, so they are verified."""
    from cryptography.hazmat.primitives.asymmetric import ec

    url = Signer("K2ECDSATEST", ecdsa_key, hash_algorithm=hash_name).sign_url(SEP_HOST + "/video.mp4", expires=SEP_EXPIRES)
    assert _query_keys(url) == ["Expires", "Signature", "Key-Pair-Id"] + (["Hash-Algorithm"] if hash_name == "SHA256" else [])
    digest = hashes.SHA256() if hash_name == "SHA256" else hashes.SHA1()
    ecdsa_key.key.public_key().verify(b64decode(_params(url)["Signature"]), _sep_canned(SEP_HOST + "/video.mp4").encode(),
                                      ec.ECDSA(digest))


@pytest.mark.parametrize(("url", "hint"), [
    ("rtmp://example-distribution.cloudfront.net/videos/example.mp4", "http:// or https://"),
    ("https://abc.cloudfront.net/my file.jpg", "percent-encode spaces as %20"),
])
def test_aws_sdk_vectors_we_refuse_say_why(rsa_key: PrivateKey, url: str, hint: str) -> None:
    with pytest.raises(CfSignError, match=hint):
        Signer("K1TESTKEY", rsa_key).sign_url(url, expires=SEP_EXPIRES)
