import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfsign_nb import EncodingError, b64decode, b64encode
from cfsign_nb.encoding import CLOUDFRONT_ALPHABET, decode_any, detect_alphabet


@given(st.binary(max_size=300))
def test_round_trip_and_alphabet(data: bytes) -> None:
    encoded = b64encode(data)
    assert b64decode(encoded) == data
    assert not set(encoded) & set("+/=")
    assert encoded == base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def test_padding_is_kept_as_underscores() -> None:
    assert b64encode(b"\xfb\xff") == "-~8_"
    assert b64encode(b"a") == "YQ__"


@pytest.mark.parametrize(
    ("text", "alphabet", "hint"),
    [
        ("+/8=", "standard", "replace '+' with '-'"),
        ("YQ", "base64url", "keep the padding"),
        ("ab_c", "base64url", "RFC 4648"),
        ("YQ%5F%5F", "invalid", "URL-decode it once"),
        ("YWJj-w", "base64url", "RFC 4648"),
    ],
)
def test_wrong_alphabets_are_named_with_the_fix(text: str, alphabet: str, hint: str) -> None:
    assert detect_alphabet(text) == alphabet
    with pytest.raises(EncodingError) as info:
        b64decode(text)
    assert hint in str(info.value)


def test_decode_any_recovers_other_alphabets() -> None:
    raw = bytes(range(250, 256)) * 3
    assert decode_any(base64.b64encode(raw).decode()) == (raw, "standard")
    assert decode_any(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == (raw, "base64url")
    assert decode_any(b64encode(raw)) == (raw, "cloudfront")
    assert decode_any("not base64 at all!")[0] is None


def test_non_str_is_refused() -> None:
    with pytest.raises(EncodingError, match="decode"):
        b64decode(b"YQ__")  # type: ignore[arg-type]


def test_the_alphabet_lists_each_character_at_its_value() -> None:
    assert [b64encode(bytes([value << 2]))[0] for value in range(64)] == list(CLOUDFRONT_ALPHABET)
    assert [b64decode(char + "A__") for char in CLOUDFRONT_ALPHABET] == [bytes([v << 2]) for v in range(64)]
