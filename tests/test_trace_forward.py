"""The signing trace: every stage feeds the next and the last is exactly the Signer's output."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cfsign_nb import (
    PrivateKey,
    Signer,
    Stage,
    set_cookie_headers,
    trace_sign,
    verify,
)
from cfsign_nb.errors import InputError
from cfsign_nb.trace import STAGE_ORDER, hexdump

from .conftest import KEY_ID, URL
from .trace_cases import CASES, EXPIRES, WILDCARD, canned_bytes, cf64, rsa_sign, signer_output, without_signature


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize("cookies", [False, True], ids=["url", "cookies"])
@pytest.mark.parametrize("case", CASES)
def test_forward_stages_chain_and_end_in_thesigner_output(any_key: PrivateKey, hash_name: str, cookies: bool,
                                                           case: str) -> None:
    signer = Signer(KEY_ID, any_key, hash_algorithm=hash_name)
    kwargs = CASES[case]
    trace = trace_sign(signer, URL, cookies=cookies, **kwargs)

    assert trace.direction == "sign" and trace.ok
    assert trace.names == STAGE_ORDER
    assert all(isinstance(stage, Stage) for stage in trace)
    for before, after in zip(trace.stages, trace.stages[1:]):
        assert before.output == after.input, (before.name, after.name)

    expected = signer_output(signer, cookies, kwargs)
    final = trace["artifact"].value
    if cookies:
        assert final == "\n".join(set_cookie_headers(trace.result))  # type: ignore[arg-type]
    else:
        assert final == trace.result
    if any_key.algorithm == "RSA":
        assert trace.result == expected
    else:
        assert verify(final, any_key.public_key, request_url=URL)
        if cookies:
            assert {k: v for k, v in trace.result.items() if k != "CloudFront-Signature"} == {  # type: ignore[union-attr]
                k: v for k, v in expected.items() if k != "CloudFront-Signature"}  # type: ignore[union-attr]
        else:
            assert without_signature(final) == without_signature(expected)  # type: ignore[arg-type]


def test_forward_values_are_the_bytes_signed(signer: Signer, rsa_key: PrivateKey) -> None:
    trace = trace_sign(signer, URL, expires=EXPIRES)
    policy = trace["policy_bytes"].value
    assert policy == canned_bytes(URL, EXPIRES)
    assert trace["policy_json"].value == policy.decode()
    assert json.loads(trace["policy_json"].detail) == json.loads(policy)
    assert "\n  " in trace["policy_json"].detail
    assert trace["digest"].value == hashes_sha1(policy)
    assert trace["signature"].value == rsa_sign(rsa_key, policy, hashes.SHA1())
    assert base64.b64decode(trace["base64"].value) == trace["signature"].value
    assert trace["cloudfront_base64"].value == cf64(trace["signature"].value)
    assert "canned" in trace["policy_json"].explanation.lower()
    assert trace["policy_bytes"].output.startswith('0000  7b 22 53 74 61 74 65 6d  65 6e 74 22 3a 5b 7b 22  |{"Statement":[{"|')


def hashes_sha1(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA1())
    digest.update(data)
    return digest.finalize()


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [({"expires": EXPIRES}, "Canned:"), ({"expires": EXPIRES, "ip_address": "192.0.2.1"}, "IP address"),
     ({"expires": EXPIRES, "resource": WILDCARD}, "differs from the URL"),
     ({"policy": canned_bytes(URL, EXPIRES).decode()}, "JSON text")],
)
def test_policy_stage_says_canned_or_custom_and_why(signer: Signer, kwargs: dict, why: str) -> None:
    assert why in trace_sign(signer, URL, **kwargs)["policy_json"].explanation


def test_cloudfront_base64_marks_every_substitution(signer: Signer) -> None:
    for hour in range(20):  # enough signatures that '+', '/' and '=' all turn up
        stage = trace_sign(signer, URL, expires=EXPIRES + hour)["cloudfront_base64"]
        standard = stage.input
        changed = [i for i, c in enumerate(standard) if c in "+/="]
        assert [i for start, end in stage.marks for i in range(start, end)] == changed
        for i in changed:
            assert stage.output[i] == {"+": "-", "/": "~", "=": "_"}[standard[i]]
            assert str(i) in stage.detail


def test_ecdsa_signature_stage_shows_der_r_and_s(ecdsa_key: PrivateKey) -> None:
    stage = trace_sign(Signer(KEY_ID, ecdsa_key), URL, expires=EXPIRES)["signature"]
    r, s = decode_dss_signature(stage.value)  # type: ignore[arg-type]
    assert f"r = {r}" in stage.detail and f"s = {s}" in stage.detail
    assert "ASN.1 DER" in stage.output and "INTEGER r" in stage.output and "INTEGER s" in stage.output
    assert stage.ok and ecdsa_key.fingerprint in stage.explanation


def test_long_values_are_truncated_for_display_but_kept_whole(signer: Signer) -> None:
    long_url = URL + "?" + "&".join(f"p{i}=" + "v" * 40 for i in range(20))
    trace = trace_sign(signer, long_url, expires=EXPIRES)
    stage = trace["policy_bytes"]
    assert len(stage.value) > 900
    assert "more bytes" in stage.output and len(stage.output.splitlines()) == 20
    assert stage.value == canned_bytes(long_url, EXPIRES)
    assert hexdump(b"ab") == "0000  61 62" + " " * 43 + "  |ab|"


def test_private_keys_never_appear(rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    for key in (rsa_key, ecdsa_key):
        for cookies in (False, True):
            trace = trace_sign(Signer(KEY_ID, key), URL, expires=EXPIRES, cookies=cookies)
            numbers = key.key.private_numbers()
            secret = str(numbers.d if key.algorithm == "RSA" else numbers.private_value)  # type: ignore[union-attr]
            shown = str(trace) + trace._repr_html_() + json.dumps(trace.to_dict()) + repr(trace.stages)
            assert "PRIVATE KEY" not in shown and secret not in shown
            assert f"{int(secret):x}" not in shown
            assert key.public_key_pem().strip() in trace["inputs"].detail
            assert key.fingerprint in trace["inputs"].input


def test_trace_sign_refuses_what_the_signer_refuses(signer: Signer) -> None:
    with pytest.raises(InputError, match="Signer"):
        trace_sign("not a signer", URL, expires=EXPIRES)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="fragment"):
        trace_sign(signer, URL + "#top", expires=EXPIRES)
    with pytest.raises(InputError, match="expires"):
        trace_sign(signer, URL)


