"""Transport faults: the URL that reached CloudFront is not the one signed, or is not CloudFront's at all.

Each broken URL is made by hand from a good one (HTML-escaping, cutting, S3 query auth written
out, the signer's URL on an origin's host), then the diagnosis must name the fault as the cause.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from cfsign_nb import CATALOG, PrivateKey, Signer, decode, diagnose
from cfsign_nb.diagnosis.hosts import origin_endpoint

from .conftest import KEY_ID, NOW, URL
from .test_diagnose import canned_bytes, cf64, with_params

SIGV4 = ("https://{host}/videos/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
         "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
         "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
         "&X-Amz-Signature=" + "5d" * 32)
SIGV2 = ("https://{host}/videos/a.mp4?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1767229200"
         "&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D")


def signed(key: PrivateKey, url: str = URL) -> str:
    """A canned URL signed by hand: Expires, Signature, Key-Pair-Id, in the order signers append them."""
    return with_params(url, ("Expires", str(NOW)), ("Signature", cf64(key.sign(canned_bytes(url, NOW)))),
                       ("Key-Pair-Id", KEY_ID))


def _diagnose(key: PrivateKey, artifact: object, **kw: object):
    return diagnose(artifact, public_keys={KEY_ID: key.public_key}, now=NOW - 60, **kw)


# --- S3 presigned URLs ----------------------------------------------------------------------

@pytest.mark.parametrize("template", [SIGV4, SIGV2], ids=["SigV4", "SigV2"])
@pytest.mark.parametrize("host", ["my-bucket.s3.us-east-1.amazonaws.com", "d111111abcdef8.cloudfront.net"])
def test_s3_presigned_url_is_named_and_nothing_else(rsa_key: PrivateKey, template: str, host: str) -> None:
    result = _diagnose(rsa_key, template.format(host=host))
    assert result.codes == ("S3_PRESIGNED_URL",), str(result)
    cause = result.cause
    assert cause is not None and "S3 presigned URL" in cause.message and "CloudFront" in cause.fix
    assert cause.cloudfront_error == CATALOG["S3_PRESIGNED_URL"].cloudfront_error
    assert ("Version 4" in cause.message) is (template == SIGV4)


def test_a_cloudfront_url_with_an_x_amz_parameter_of_its_own_is_not_s3(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key, URL + "?X-Amz-Signature=mine")
    assert "S3_PRESIGNED_URL" not in _diagnose(rsa_key, url).codes


# --- HTML-escaped query ---------------------------------------------------------------------

def test_html_escaped_query(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key)
    result = _diagnose(rsa_key, url.replace("&", "&amp;"))
    assert result.cause.code == "HTML_ESCAPED_QUERY" and result.cloudfront_error == "MissingKey"
    assert "amp;Signature" in result.cause.message and "HTML source" in result.cause.fix
    assert result.cause.evidence["unescaped"] == url
    assert not {"MISSING_KEY_PAIR_ID", "MISSING_SIGNATURE", "NO_SIGNING_DATA"} & set(result.codes)


def test_html_escaped_twice(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, signed(rsa_key).replace("&", "&amp;amp;"))
    assert result.cause.code == "HTML_ESCAPED_QUERY" and result.cause.evidence["levels"] == 2
    assert "more than once" in result.cause.fix


def test_escaping_of_other_parameters_is_not_a_fault(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key, URL + "?a=1&amp;b=2")  # signed so: the app's own query, escaped before signing
    assert _diagnose(rsa_key, url).ok


# --- truncated URLs -------------------------------------------------------------------------

def test_cut_inside_the_signature(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key)
    cut = url[: url.index("&Key-Pair-Id") - 30]
    result = _diagnose(rsa_key, cut)
    assert result.cause.code == "URL_TRUNCATED", str(result)
    assert "ends inside Signature" in result.cause.message and "Key-Pair-Id" in result.cause.message
    assert "MISSING_KEY_PAIR_ID" in result.codes  # still listed, but as a consequence


def test_cut_at_a_typical_column_length(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key, URL.replace("/images/", "/images/" + "a" * 60 + "/"))
    assert len(url) > 255 > url.index("Signature=")
    result = _diagnose(rsa_key, url[:255])
    assert result.cause.code == "URL_TRUNCATED" and "255 characters long, a common limit" in result.cause.message


def test_cut_in_a_parameter_name(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key)
    result = _diagnose(rsa_key, url[: url.index("&Key-Pair-Id") + len("&Key-Pa")])
    assert result.cause.code == "URL_TRUNCATED" and "'Key-Pa'" in result.cause.message


def test_cut_in_the_key_pair_id(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, signed(rsa_key)[:-4])
    assert result.cause.code == "URL_TRUNCATED" and "start of a trusted key pair id" in result.cause.message


def test_rsa_signature_shorter_than_the_key_allows(rsa_key: PrivateKey) -> None:
    signature = rsa_key.sign(canned_bytes(URL, NOW))[:201]  # 201 bytes: 268 characters, a multiple of 4
    url = with_params(URL, ("Expires", str(NOW)), ("Signature", cf64(signature)), ("Key-Pair-Id", KEY_ID))
    result = _diagnose(rsa_key, url)
    assert result.cause.code == "URL_TRUNCATED" and "always 256" in result.cause.message


def test_ecdsa_der_signature_cut_short_without_a_key(ecdsa_key: PrivateKey) -> None:
    der = ecdsa_key.sign(canned_bytes(URL, NOW))
    assert der[0] == 0x30 and der[1] + 2 == len(der)
    url = with_params(URL, ("Expires", str(NOW)), ("Signature", cf64(der[:48])), ("Key-Pair-Id", KEY_ID))
    result = diagnose(url, now=NOW - 60)
    assert result.cause.code == "URL_TRUNCATED" and f"says it is {len(der)}" in result.cause.message


@pytest.mark.parametrize(
    "url",
    [
        URL + "?Signature=AAAA&Expires=1",  # out of signer order: nothing certain
        URL + "?a=1",
        URL + f"?Expires={NOW}&Key-Pair-Id={KEY_ID}&Signature=" + cf64(bytes(64)),  # raw r||s: not truncation
    ],
)
def test_no_truncation_without_evidence(url: str) -> None:
    assert "URL_TRUNCATED" not in diagnose(url, now=NOW - 60).codes


def test_a_whole_signature_without_its_key_pair_id_is_missing_not_cut(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key)
    result = _diagnose(rsa_key, url[: url.index("&Key-Pair-Id")])
    assert result.cause.code == "MISSING_KEY_PAIR_ID" and "URL_TRUNCATED" not in result.codes


def test_another_keys_whole_signature_is_not_cut(rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    url = signed(ecdsa_key)  # a 70-72 byte DER signature, sent with the RSA key's id
    result = _diagnose(rsa_key, url)
    assert "URL_TRUNCATED" not in result.codes and result.cause.code == "SIGNATURE_MISMATCH"


def test_a_signature_cut_inside_the_url_stays_not_decodable(rsa_key: PrivateKey) -> None:
    url = signed(rsa_key)
    value = url.split("Signature=")[1].split("&")[0]
    result = _diagnose(rsa_key, url.replace(value, value[:-3]))
    assert result.cause.code == "SIGNATURE_NOT_DECODABLE"


# --- origins' own hosts ---------------------------------------------------------------------

ORIGIN_HOSTS = [
    "my-bucket.s3.amazonaws.com",
    "s3.us-west-2.amazonaws.com",  # path-style: the bucket is the first path segment
    "my-bucket.s3.us-west-2.amazonaws.com",
    "my-bucket.s3-us-west-2.amazonaws.com",
    "my-bucket.s3-website-us-east-1.amazonaws.com",
    "my-bucket.s3-website.eu-west-1.amazonaws.com",
    "my-bucket.s3.dualstack.us-east-1.amazonaws.com",
    "media-123456789012.s3-accesspoint.us-east-1.amazonaws.com",
    "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
    "my-alb-1234567890.us-east-1.elb.amazonaws.com",
    "abc123.mediapackage.us-west-2.amazonaws.com",
    "abc123.data.mediastore.us-west-2.amazonaws.com",
    "abcdefghij1234567890.lambda-url.us-east-1.on.aws",
]


@pytest.mark.parametrize("host", ORIGIN_HOSTS)
def test_a_cloudfront_signature_on_an_origin_host_is_not_served(rsa_key: PrivateKey, host: str) -> None:
    result = _diagnose(rsa_key, signed(rsa_key, f"https://{host}/my-bucket/a.jpg"))
    assert not result.ok and result.cause.code == "NOT_A_CLOUDFRONT_HOST", str(result)
    assert "CloudFront never sees it" in result.cause.message
    assert "would be served" not in result.verdict
    assert "SIGNATURE_VERIFIED" in result.codes  # the signature is fine: the host is the fault


def test_path_style_names_the_bucket(rsa_key: PrivateKey) -> None:
    result = _diagnose(rsa_key, signed(rsa_key, "https://s3.us-west-2.amazonaws.com/my-bucket/a.jpg"))
    assert "path-style, bucket 'my-bucket'" in result.cause.message


def test_cookies_sent_to_an_origin_host(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies("https://my-bucket.s3.amazonaws.com/*", expires=NOW)
    result = _diagnose(rsa_key, cookies, request_url="https://my-bucket.s3.amazonaws.com/a.jpg")
    assert result.cause.code == "NOT_A_CLOUDFRONT_HOST"


@pytest.mark.parametrize("host", ["d111111abcdef8.cloudfront.net", "media.example.com", "s3.example.com",
                                  "sqs.us-east-1.amazonaws.com", "amazonaws.com", "on.aws", "x" * 300])
def test_other_hosts_are_not_origins(host: str) -> None:
    assert origin_endpoint(host) is None


def test_host_matching_is_bounded() -> None:
    hostile = "s3." * 80_000 + "amazonaws.com"
    start = time.perf_counter()
    for _ in range(100):
        origin_endpoint(hostile)
    assert time.perf_counter() - start < 1.0  # a length check first: ~1 µs each


# --- what was taken from a paste ------------------------------------------------------------

def test_paste_notes_become_one_info_finding(rsa_key: PrivateKey) -> None:
    decoded = replace(decode(signed(rsa_key)), paste_notes=("taken from a curl command", "trailing '.' dropped"),
                      others=("https://d111111abcdef8.cloudfront.net/b.jpg?Expires=1",))
    result = _diagnose(rsa_key, decoded)
    pasted = [f for f in result.findings if f.code == "PASTE_EXTRACTED"]
    assert len(pasted) == 1 and pasted[0].severity == "info" and result.ok
    assert "taken from a curl command; trailing '.' dropped" in pasted[0].message
    assert "1 other artifact" in pasted[0].message and "b.jpg" in pasted[0].message


def test_clean_input_has_no_paste_finding(rsa_key: PrivateKey) -> None:
    assert "PASTE_EXTRACTED" not in _diagnose(rsa_key, signed(rsa_key)).codes


def test_hostile_urls_stay_cheap(rsa_key: PrivateKey) -> None:
    hostile = [
        URL + "?" + "&amp;" * 200_000 + "Signature=x",
        URL + "?" + "amp;" * 200_000 + "Key-Pair-Id=" + KEY_ID,
        URL + "?Expires=1&Signature=" + "A" * 1_000_000,
        "https://" + "s3." * 100_000 + "amazonaws.com/a?Expires=1&Signature=AAAA&Key-Pair-Id=" + KEY_ID,
        URL + "?" + "X-Amz-Signature=1&" * 50_000,
    ]
    for url in hostile:
        start = time.perf_counter()
        result = _diagnose(rsa_key, url)
        assert time.perf_counter() - start < 1.0, url[:80]  # measured 10-60 ms
        assert not result.ok
