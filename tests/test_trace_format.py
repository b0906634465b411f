"""Values for people: hex dumps, the DER layout of a signature, policy conditions and spans to mark."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from cfsign_nb import Policy, PrivateKey
from cfsign_nb.trace import TEXT_LIMIT, hexdump
from cfsign_nb.trace.format import (
    changed,
    clip,
    conditions,
    conditions_of,
    der_layout,
    merge,
    replacements,
    shown,
    signature_view,
    value_marks,
)

from .conftest import URL
from .trace_cases import EXPIRES, canned_bytes


def test_hexdump_lines_and_elision() -> None:
    assert hexdump(b"") == "(0 bytes)"
    assert hexdump(b"ab") == "0000  61 62" + " " * 43 + "  |ab|"
    assert hexdump(bytes(range(16))).endswith("|................|")
    long = hexdump(bytes(1000), max_lines=5)
    lines = long.splitlines()
    assert len(lines) == 5 and "more bytes (of 1000)" in lines[2] and lines[-1].startswith("03e0")


def test_der_layout_names_r_and_s(ecdsa_key: PrivateKey) -> None:
    signature = ecdsa_key.signing_function("SHA1")(b"policy")
    r, s = decode_dss_signature(signature)
    layout = der_layout(signature)
    assert layout is not None and layout[0].startswith("  @0  30 ")
    values = {line.split()[0]: int(line.split()[-1], 16) for line in layout if " = " in line}
    assert values == {"r": r, "s": s}
    summary, detail = signature_view(signature, "ECDSA")
    assert "ASN.1 DER" in summary and detail == f"r = {r}\ns = {s}"
    assert der_layout(encode_dss_signature(1, 2)) is not None
    assert der_layout(encode_dss_signature(1, 2)[:-1]) is None  # s cut short
    assert der_layout(b"\x30\x03\x02\x01\x01\x02\x01") is None  # trailing INTEGER without its value


def test_signature_view_tells_raw_rsa_and_odd_lengths() -> None:
    assert signature_view(bytes(64), None)[0].startswith("64 bytes: a raw ECDSA r||s pair")
    assert signature_view(bytes(256), None)[0].startswith("RSA PKCS#1 v1.5 signature, 256 bytes (2048-bit")
    assert signature_view(b"\x01", None)[0].startswith("1 byte (neither")


def test_conditions_are_the_same_text_for_a_policy_and_its_bytes() -> None:
    text = conditions(Policy(URL, EXPIRES))
    assert text == conditions_of(canned_bytes(URL, EXPIRES))
    assert text.splitlines()[0] == f"resource    {URL}" and "ip_address  (any)" in text
    assert conditions_of(b"{").startswith("(the policy does not parse as a CloudFront policy:")


def test_spans() -> None:
    assert changed("a+b/c=", "a-b~c_") == ((1, 2), (3, 4), (5, 6))
    assert changed("++x", "--x") == ((0, 2),)
    assert replacements("a+b+", "a-b-") == "'+' → '-' at 1, 3"
    assert merge(((0, 2), (2, 3), (5, 6))) == ((0, 3), (5, 6))
    assert value_marks("Expires=1\nSignature=abc", "abc") == ((20, 23),)
    assert value_marks("x", "") == () and value_marks("x=1", "2") == ()
    assert clip(((TEXT_LIMIT - 1, TEXT_LIMIT + 5), (TEXT_LIMIT + 1, TEXT_LIMIT + 2)), "x" * (TEXT_LIMIT + 10)) == (
        (TEXT_LIMIT - 1, TEXT_LIMIT),)
    assert shown("x" * TEXT_LIMIT) == "x" * TEXT_LIMIT
    assert shown("x" * (TEXT_LIMIT + 1)).endswith(f"({TEXT_LIMIT + 1} characters in all; Stage.value holds them all)")
