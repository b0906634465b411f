"""decode(): take URLs and cookies apart; record problems, never raise."""

import base64
from datetime import UTC

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import Policy, PrivateKey, Signer, b64encode, decode, set_cookie_headers, verify
from cfsign_nb.decode import decode_all

from .conftest import KEY_ID, NOW, URL


def test_canned_url(signer: Signer) -> None:
    url = signer.sign_url(URL + "?size=large", expires=NOW)
    decoded = decode(url)
    assert decoded.source == "url"
    assert decoded.policy_kind == "canned"
    assert decoded.resource_url == URL + "?size=large"
    assert decoded.policy == Policy(URL + "?size=large", NOW)
    assert decoded.policy_bytes == Policy(URL + "?size=large", NOW).to_json()
    assert decoded.key_pair_id == KEY_ID
    assert decoded.hash_algorithm == "SHA1" and decoded.hash_algorithm_value is None
    assert len(decoded.signature or b"") == 256
    assert decoded.problems == ()
    assert [name for name, _ in decoded.parameters] == ["Expires", "Signature", "Key-Pair-Id"]


def test_custom_url_with_sha256(ecdsa_key: PrivateKey) -> None:
    policy = Policy(URL[:-11] + "*", NOW, date_greater_than=NOW - 60, ip_address="192.0.2.0/24")
    url = Signer(KEY_ID, ecdsa_key, hash_algorithm="SHA256").sign_url(URL, policy=policy)
    decoded = decode(url)
    assert decoded.policy_kind == "custom"
    assert decoded.policy == policy
    assert decoded.hash_algorithm == "SHA256"
    assert decoded.policy_document["Statement"][0]["Condition"]["IpAddress"] == {"AWS:SourceIp": "192.0.2.0/24"}


def test_cookie_header_set_cookie_lines_and_mapping_agree(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key, hash_algorithm="SHA256").sign_cookies(URL[:-11] + "*", expires=NOW)
    header = "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())
    lines = "\n".join(set_cookie_headers(cookies, domain="d111111abcdef8.cloudfront.net"))
    by_header, by_lines, by_mapping = decode(header), decode(lines), decode(dict(cookies))
    for decoded in (by_header, by_lines, by_mapping):
        assert decoded.source == "cookies"
        assert decoded.policy == Policy(URL[:-11] + "*", NOW)
        assert decoded.hash_algorithm == "SHA256"
        assert decoded.problems == ()
    assert by_lines.cookie_attributes["CloudFront-Policy"] == {
        "domain": "d111111abcdef8.cloudfront.net", "path": "/", "secure": True, "httponly": True,
    }
    assert decode(header.removeprefix("Cookie: ")).policy == by_header.policy


def test_canned_cookies_need_the_request_url(signer: Signer) -> None:
    cookies = signer.sign_cookies(URL, expires=NOW)
    assert decode(cookies).policy_bytes is None
    decoded = decode(cookies, request_url=URL)
    assert decoded.policy_bytes == Policy(URL, NOW).to_json()
    assert verify(cookies, signer.private_key.public_key, request_url=URL)


def test_botocore_output_decodes_and_verifies(rsa_key: PrivateKey) -> None:
    theirs = CloudFrontSigner(KEY_ID, lambda m: rsa_key.key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    from datetime import datetime

    expires = datetime.fromtimestamp(NOW, tz=UTC)
    for url in (
        theirs.generate_presigned_url(URL + "?a=1", date_less_than=expires),
        theirs.generate_presigned_url(URL, policy=theirs.build_policy(URL + "*", expires, ip_address="10.0.0.1")),
    ):
        decoded = decode(url)
        assert decoded.problems == ()
        assert verify(url, rsa_key.public_key)


@settings(max_examples=60, deadline=None)
@given(
    path=st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~%!$'()*+,;:@/", max_size=30),
    query=st.lists(st.from_regex(r"[a-z]{1,6}=[A-Za-z0-9._~-]{0,8}", fullmatch=True), max_size=3),
    expires=st.integers(1, 10**11),
    starts=st.one_of(st.none(), st.integers(0, 10**9)),
    hash_name=st.sampled_from(["SHA1", "SHA256"]),
    cookies=st.booleans(),
)
def test_round_trip_of_anything_signer_produces(
    any_key: PrivateKey, path: str, query: list[str], expires: int, starts: int | None, hash_name: str, cookies: bool
) -> None:
    url = URL.rsplit("/", 1)[0] + "/" + path + ("?" + "&".join(query) if query else "")
    signer = Signer(KEY_ID, any_key, hash_algorithm=hash_name)
    starts = None if starts is None or starts >= expires else starts
    expected = Policy(url, expires, starts)
    if cookies:
        artifact: object = signer.sign_cookies(url, expires=expires, starts=starts)
        decoded = decode(artifact, request_url=url)
    else:
        artifact = signer.sign_url(url, expires=expires, starts=starts)
        decoded = decode(artifact)
    assert decoded.problems == ()
    assert decoded.policy == expected
    assert verify(artifact, any_key.public_key, request_url=url)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: "https://d.net/a?" + t),
    st.text(max_size=200).map(lambda t: "Cookie: CloudFront-Policy=" + t),
    st.text(max_size=200).map(lambda t: "Set-Cookie: CloudFront-Signature=" + t + "\nSet-Cookie: ;;="),
    st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5),
))
def test_decode_never_raises(artifact: object) -> None:
    decoded = decode(artifact)
    assert decoded.source in ("url", "cookies", "unknown")
    repr(decoded)
    decoded.to_dict()


def test_decode_of_near_misses_never_raises(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW)
    for cut in range(0, len(url), 7):
        decode(url[:cut])
        decode(url[:cut] + "%" + url[cut:])
    decode(url + "&Signature=" + "A" * 1_000_000)
    decode(None)
    decode(12345)


def test_percent_encoded_whole_url_is_decoded_once(signer: Signer) -> None:
    from urllib.parse import quote

    url = signer.sign_url(URL, expires=NOW)
    decoded = decode(quote(url, safe=""))
    assert decoded.policy == Policy(URL, NOW)
    assert [p.code for p in decoded.problems] == ["PERCENT_ENCODED_VALUE"]


def test_signature_in_other_alphabet_is_recovered_for_diagnosis(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW)
    signature = dict(p.split("=", 1) for p in url.split("?")[1].split("&"))["Signature"]
    raw = base64.b64decode(signature.replace("-", "+").replace("_", "=").replace("~", "/"))
    broken = url.replace(signature, base64.b64encode(raw).decode())
    decoded = decode(broken)
    assert decoded.signature == raw
    assert [p.code for p in decoded.problems] == ["STANDARD_BASE64_ALPHABET"]  # RSA-2048: always ends in '='



@pytest.mark.parametrize("text", ["", "   ", "hello", "ftp://example.com/file"])
def test_text_that_is_not_an_artifact(text: str) -> None:
    assert [p.code for p in decode(text).problems] == ["NO_SIGNING_DATA"]


def test_hostile_values_are_findings_not_exceptions() -> None:
    signature = "A" * 342 + "__"
    huge = decode(f"{URL}?Expires={'9' * 5000}&Signature={signature}&Key-Pair-Id={KEY_ID}")
    assert [p.code for p in huge.problems] == ["EXPIRES_INVALID"] and huge.expires is None
    deep = decode(f"{URL}?Policy={b64encode(b'[' * 3000)}&Signature={signature}&Key-Pair-Id={KEY_ID}")
    assert [p.code for p in deep.problems] == ["POLICY_INVALID"] and deep.policy_document is None
    assert "deep" in deep.problems[0].message
    surrogate = decode(f"{URL}\ud800?Expires=1767225600&Signature={signature}&Key-Pair-Id={KEY_ID}")
    assert surrogate.policy_bytes is not None and "\ud800".encode("utf-8", "surrogatepass") in surrogate.policy_bytes
    mapping = decode({None: 10**5000, b"CloudFront-Expires": b"12", 3: 4.5}, request_url=42)  # type: ignore[arg-type]
    assert mapping.source == "cookies" and mapping.expires == 12 and mapping.resource_url is None
    repeated = decode("; ".join(["CloudFront-Expires=1"] * 1000))
    assert [p.code for p in repeated.problems].count("DUPLICATE_SIGNING_PARAMETER") == 1


def test_clean_input_has_no_paste_notes(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW)
    cookies = signer.sign_cookies(URL, expires=NOW)
    for artifact in (url, f"  '{url}'  ", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies):
        decoded = decode(artifact, request_url=URL)
        assert decoded.paste_notes == () and decoded.others == () and not decoded.scheme_assumed


def test_a_paste_is_extracted_first_and_says_so(signer: Signer) -> None:
    url = signer.sign_url(URL, expires=NOW)
    decoded = decode(f"Why does {url} fail?")
    assert decoded.problems == () and decoded.url == url
    assert decoded.paste_notes == ("the URL was taken from the text around it",)
    assert decoded.text == f"Why does {url} fail?"


def test_a_pasted_request_gives_its_url_unless_one_is_given(signer: Signer) -> None:
    cookies = signer.sign_cookies(URL[:-11] + "*", expires=NOW)
    paste = "curl '" + URL + "' -H 'Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()) + "'"
    assert decode(paste).url == URL
    other = URL.replace("horizon", "sunset")
    assert decode(paste, request_url=other).url == other


def test_decode_all_returns_every_artifact_in_order(signer: Signer) -> None:
    first, second = signer.sign_url(URL, expires=NOW), signer.sign_url(URL + "?v=2", expires=NOW + 60)
    both = decode_all(f"1. {first}\n2. <{second}>\n")
    assert [d.url for d in both] == [first, second]
    assert [d.expires for d in both] == [NOW, NOW + 60]
    assert both[1].paste_notes == ("taken from angle brackets",)
    assert decode_all(first)[0].paste_notes == ()
    assert [p.code for p in decode_all("nothing here")[0].problems] == ["NO_SIGNING_DATA"]
    assert decode(f"1. {first}\n2. <{second}>\n").others[0].startswith("url: " + URL + "?v=2")
