"""CloudFront's own facts agree with the reference (cloudfront-signing.md) and with each other."""

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfsign_nb import protocol
from cfsign_nb.protocol import (
    CANNED_TEMPLATE,
    CLOUDFRONT_BASE64_PATTERN,
    COOKIE_LIMIT,
    COOKIE_NAMES,
    ERROR_CODES,
    ERROR_MESSAGES,
    HASH_ALGORITHMS,
    LONG_LIFETIME_SECONDS,
    REQUEST_LIMIT,
    SIGNED_QUERY_PATTERN,
    SIGNING_PARAMETERS,
    URL_LIMIT,
    cookie_name,
    error_body,
    signing_names,
    strip_signing,
)

GUIDE_URL = "https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes"


def test_parameter_and_cookie_names() -> None:
    assert SIGNING_PARAMETERS == ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
    assert COOKIE_NAMES == (
        "CloudFront-Expires", "CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id",
        "CloudFront-Hash-Algorithm",
    )
    assert tuple(map(cookie_name, SIGNING_PARAMETERS)) == COOKIE_NAMES
    assert HASH_ALGORITHMS == ("SHA1", "SHA256")


def test_canned_template_gives_the_guides_bytes() -> None:
    assert (CANNED_TEMPLATE % (GUIDE_URL, 1767290400)).encode() == (
        b'{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes",'
        b'"Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}'
    )


def test_canned_template_is_what_the_policy_builder_writes() -> None:
    from cfsign_nb.policy import canned_policy_json, policy_json

    assert canned_policy_json(GUIDE_URL, 1767290400) == policy_json(GUIDE_URL, 1767290400)


@pytest.mark.parametrize(("text", "cloudfront"), [
    ("", True), ("QUJD", True), ("QUI_", True), ("QQ__", True), ("a-b~", True),
    ("QQ==", False), ("a+b/", False), ("Q_Q_", False), ("QQ___", False),
])
def test_the_cloudfront_base64_alphabet(text: str, cloudfront: bool) -> None:
    assert bool(re.fullmatch(CLOUDFRONT_BASE64_PATTERN, text)) is cloudfront


def test_limits() -> None:
    assert (URL_LIMIT, REQUEST_LIMIT, COOKIE_LIMIT) == (8192, 20480, 4096)
    assert LONG_LIFETIME_SECONDS == 30 * 24 * 3600


def test_error_codes_and_messages() -> None:
    assert set(ERROR_MESSAGES) == set(ERROR_CODES)
    assert ERROR_MESSAGES["MissingKey"] == "Missing Key-Pair-Id query parameter or cookie value"
    assert ERROR_MESSAGES["MalformedSignature"] == "Could not unencode Signature"


def test_error_body_is_cloudfronts_xml() -> None:
    assert error_body("InvalidKey") == (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidKey</Code><Message>Unknown Key</Message></Error>'
    )
    with pytest.raises(KeyError):
        error_body("NotACode")


def test_signing_names_and_strip_signing() -> None:
    assert signing_names("a=1&Signature=x&Expires=2&Signaturex=3") == ["Expires", "Signature"]
    assert signing_names("Key-Pair-Id&b") == ["Key-Pair-Id"]
    assert signing_names("") == []
    assert strip_signing(f"{GUIDE_URL}&Expires=1&Signature=x&Key-Pair-Id=K") == GUIDE_URL
    assert strip_signing("https://h/a?Expires=1&Signature=x") == "https://h/a"
    assert strip_signing("https://h/a") == "https://h/a"
    assert strip_signing("https://h/a?expires=1") == "https://h/a?expires=1"  # names are case-sensitive


def test_everything_exported_exists() -> None:
    assert all(hasattr(protocol, name) for name in protocol.__all__)


_QUERY_PARTS = st.sampled_from([*SIGNING_PARAMETERS, "&", "=", "x", "Expires2", "-", "%20", "Key", "é"])


@given(st.lists(_QUERY_PARTS, max_size=12).map("".join))
def test_the_signed_query_pattern_matches_exactly_where_signing_names_finds_a_name(query: str) -> None:
    expected = bool(signing_names(query))
    assert bool(re.search(SIGNED_QUERY_PATTERN, query)) is expected
    assert pc.match_substring_regex(pa.array([query]), SIGNED_QUERY_PATTERN)[0].as_py() is expected  # RE2
