"""Stages: signing and decoding as named values, equal to the Signer's output, comparable, safe to show.

Broken artifacts are built by hand with cryptography and base64, never through the diagnosis.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import (
    CfSignError,
    Policy,
    PrivateKey,
    Signer,
    Stage,
    Trace,
    set_cookie_headers,
    trace_decode,
    trace_sign,
    verify,
)
from cfsign_nb.cli import main
from cfsign_nb.stages import STAGE_ORDER, Comparison, hexdump

from .conftest import KEY_ID, NOW, URL

EXPIRES = NOW + 3600
WILDCARD = URL.rsplit("/", 1)[0] + "/*"


def cf64(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


def canned_bytes(url: str, expires: int) -> bytes:
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
            % (url, expires)).encode()


def rsa_sign(key: PrivateKey, data: bytes, digest: hashes.HashAlgorithm) -> bytes:
    return key.key.sign(data, padding.PKCS1v15(), digest)


def without_signature(artifact: str) -> str:
    return "&".join(p for p in artifact.split("&") if not p.startswith("Signature="))


# Each case: keyword arguments for trace_sign / Signer.sign_url or sign_cookies.
CASES = {
    "canned": {"expires": EXPIRES},
    "custom-ip": {"expires": EXPIRES, "ip_address": "192.0.2.0/24"},
    "custom-starts": {"expires": EXPIRES, "starts": NOW - 60},
    "custom-wildcard": {"expires": EXPIRES, "resource": WILDCARD},
    "policy-object": {"policy": Policy(WILDCARD, EXPIRES, None, "198.51.100.7")},
    "canned-policy-object": {"policy": Policy(URL, EXPIRES)},
}


def _signer_output(signer: Signer, cookies: bool, kwargs: dict) -> str | dict[str, str]:
    if cookies:
        target = kwargs.get("resource", URL) if "policy" not in kwargs else None
        rest = {k: v for k, v in kwargs.items() if k != "resource"}
        return signer.sign_cookies(target, **rest)
    return signer.sign_url(URL, **kwargs)


# --- forward: every stage feeds the next, and the end is the Signer's output ------------------

@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize("cookies", [False, True], ids=["url", "cookies"])
@pytest.mark.parametrize("case", CASES)
def test_forward_stages_chain_and_end_in_the_signer_output(any_key: PrivateKey, hash_name: str, cookies: bool,
                                                           case: str) -> None:
    signer = Signer(KEY_ID, any_key, hash_algorithm=hash_name)
    kwargs = CASES[case]
    trace = trace_sign(signer, URL, cookies=cookies, **kwargs)

    assert trace.direction == "sign" and trace.ok
    assert trace.names == STAGE_ORDER
    assert all(isinstance(stage, Stage) for stage in trace)
    for before, after in zip(trace.stages, trace.stages[1:]):
        assert before.output == after.input, (before.name, after.name)

    expected = _signer_output(signer, cookies, kwargs)
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
    with pytest.raises(CfSignError, match="Signer"):
        trace_sign("not a signer", URL, expires=EXPIRES)  # type: ignore[arg-type]
    with pytest.raises(CfSignError, match="fragment"):
        trace_sign(signer, URL + "#top", expires=EXPIRES)
    with pytest.raises(CfSignError, match="expires"):
        trace_sign(signer, URL)


# --- backward: decoding what was signed gives the same stages -------------------------------

@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize("cookies", [False, True], ids=["url", "cookies"])
@pytest.mark.parametrize("case", ["canned", "custom-ip", "custom-wildcard", "policy-object"])
def test_backward_trace_reproduces_the_forward_values(any_key: PrivateKey, hash_name: str, cookies: bool,
                                                      case: str) -> None:
    forward = trace_sign(Signer(KEY_ID, any_key, hash_algorithm=hash_name), URL, cookies=cookies, **CASES[case])
    backward = trace_decode(forward["artifact"].value, public_keys={KEY_ID: any_key.public_key}, now=NOW,
                            client_ip="192.0.2.9" if case == "custom-ip" else None, request_url=URL)
    assert backward.direction == "decode" and backward.ok, str(backward)
    assert set(backward.names) == set(STAGE_ORDER)
    for stage in backward:
        assert stage.value == forward[stage.name].value, stage.name
        assert stage.output == forward[stage.name].output, stage.name
    comparison = forward.compare(backward)
    assert comparison.same and comparison.first_difference is None
    assert all(status == "same" for _, status in comparison.rows)
    assert "SIGNATURE_VERIFIED" in [note.code for note in backward["digest"].notes]
    assert backward.result.ok  # type: ignore[union-attr]


def test_backward_stops_at_the_first_failure_with_the_diagnosis_finding(signer: Signer, rsa_key: PrivateKey) -> None:
    url = signer.sign_url(URL, expires=EXPIRES)
    trace = trace_decode(url, public_keys={KEY_ID: rsa_key.public_key}, now=EXPIRES + 5)
    assert trace.stopped_at == "inputs" and not trace.ok
    assert trace["inputs"].problem.code == "EXPIRED"  # type: ignore[union-attr]
    assert trace["inputs"].problem in trace.result.findings  # type: ignore[union-attr]
    assert "AccessDenied" in trace["inputs"].explanation

    trace = trace_decode(url.replace("Key-Pair-Id=", "Key-Pair-Idx="), now=NOW)
    assert trace.names == ("artifact", "parameters") and trace[-1].problem.code == "MISSING_KEY_PAIR_ID"  # type: ignore[union-attr]

    cookies = signer.sign_cookies(URL, expires=EXPIRES)
    trace = trace_decode(cookies, now=NOW)
    assert trace.stopped_at == "policy_bytes" and "request_url" in trace["policy_bytes"].explanation


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.text(max_size=200).map(lambda t: "https://a.example/x?" + t),
                 st.text(max_size=120).map(lambda t: "Cookie: CloudFront-Signature=" + t)))
def test_trace_decode_never_raises(text: str) -> None:
    trace = trace_decode(text, now=NOW)
    assert trace.stages and trace.stages[0].name == "artifact"
    assert not any(stage.explanation.startswith("cfsign_nb could not") for stage in trace)
    str(trace)
    trace._repr_html_()
    json.dumps(trace.to_dict())


@pytest.mark.parametrize("artifact", [None, 42, b"\xff\xfe", {"CloudFront-Expires": "9" * 40}, object()])
def test_trace_decode_never_raises_on_other_values(artifact: object) -> None:
    trace = trace_decode(artifact, now=NOW)
    assert isinstance(trace, Trace) and trace.stages


# --- compare: the first stage where another signer went wrong --------------------------------

def test_compare_finds_forgotten_base64_substitutions(signer: Signer, rsa_key: PrivateKey) -> None:
    signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA1())
    while not any(c in base64.b64encode(signature).decode() for c in "+/"):
        signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA1())  # pragma: no cover
    theirs = f"{URL}?Expires={EXPIRES}&Signature={base64.b64encode(signature).decode()}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "cloudfront_base64"
    assert backward["cloudfront_base64"].problem.code == "STANDARD_BASE64_ALPHABET"  # type: ignore[union-attr]

    comparison = trace_sign(signer, URL, expires=EXPIRES).compare(backward)
    assert isinstance(comparison, Comparison)
    assert comparison.first_difference == "cloudfront_base64"
    assert comparison.left_value == cf64(signature)
    assert comparison.right_value == base64.b64encode(signature).decode()
    text = str(comparison)
    assert "First difference: cloudfront_base64" in text and "^" in text
    assert "<mark" in comparison._repr_html_()
    assert backward.compare(trace_sign(signer, URL, expires=EXPIRES)).first_difference == "cloudfront_base64"


def test_compare_finds_pretty_printed_json_in_a_custom_policy(signer: Signer, rsa_key: PrivateKey) -> None:
    document = {"Statement": [{"Resource": WILDCARD, "Condition": {"DateLessThan": {"AWS:EpochTime": EXPIRES}}}]}
    pretty = json.dumps(document, indent=2).encode()
    theirs = (f"{URL}?Policy={cf64(pretty)}&Signature={cf64(rsa_sign(rsa_key, pretty, hashes.SHA1()))}"
              f"&Key-Pair-Id={KEY_ID}")
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert "POLICY_WHITESPACE" in [note.code for note in backward["policy_json"].notes]

    comparison = trace_sign(signer, URL, expires=EXPIRES, resource=WILDCARD).compare(backward)
    assert comparison.first_difference == "policy_json"
    assert comparison.right_value == pretty.decode()
    assert dict(comparison.rows)["inputs"] == "same"


def test_compare_finds_pretty_printed_json_in_a_canned_policy(signer: Signer, rsa_key: PrivateKey) -> None:
    pretty = json.dumps(json.loads(canned_bytes(URL, EXPIRES)), indent=2).encode()
    theirs = f"{URL}?Expires={EXPIRES}&Signature={cf64(rsa_sign(rsa_key, pretty, hashes.SHA1()))}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "digest"
    assert backward["digest"].problem.code == "CANNED_POLICY_FORMAT"  # type: ignore[union-attr]
    assert trace_sign(signer, URL, expires=EXPIRES).compare(backward).first_difference == "signature"


def test_compare_finds_sha256_signed_without_saying_so(rsa_key: PrivateKey) -> None:
    signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA256())
    theirs = f"{URL}?Expires={EXPIRES}&Signature={cf64(signature)}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "digest"
    assert backward["digest"].problem.code == "HASH_ALGORITHM_MISSING"  # type: ignore[union-attr]

    ours = trace_sign(Signer(KEY_ID, rsa_key, hash_algorithm="SHA256"), URL, expires=EXPIRES)
    comparison = ours.compare(backward)
    assert comparison.first_difference == "digest"
    assert comparison.left_stage.output.startswith("SHA-256 ")  # type: ignore[union-attr]
    assert comparison.right_stage.output.startswith("SHA-1 ")  # type: ignore[union-attr]
    assert dict(comparison.rows)["signature"] == "same"


def test_compare_takes_only_traces(signer: Signer) -> None:
    with pytest.raises(CfSignError, match="Trace"):
        trace_sign(signer, URL, expires=EXPIRES).compare("https://x")  # type: ignore[arg-type]


# --- views ------------------------------------------------------------------------------------

def test_html_escapes_everything_taken_from_the_artifact(signer: Signer, rsa_key: PrivateKey) -> None:
    hostile = "https://x.example/<script>alert(1)</script>"
    forward = trace_sign(signer, hostile, expires=EXPIRES)
    policy = ('{"Statement":[{"Resource":"https://x/\\"><img src=x onerror=alert(1)>",'
              '"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}' % EXPIRES).encode()
    custom = f"https://x/a?q=\"><img/src=x/onerror=alert(2)>&Policy={cf64(policy)}&Signature=AAAA&Key-Pair-Id=<u>K</u>"
    traces = [forward, trace_decode(forward.result, now=NOW), trace_decode(custom, now=NOW),
              trace_decode(f"Set-Cookie: CloudFront-Policy={cf64(policy)}; Path=/<script>", now=NOW)]
    for trace in traces:
        page = trace._repr_html_()
        assert "<script" not in page and "<img" not in page and "<u>" not in page, page
        assert "&lt;" in page
        assert re.search(r"background(-color)?:\s*(#fff|white)", page.lower()) is None
        assert "var(--jp-" in page
    comparison_page = forward.compare(traces[2])._repr_html_()
    assert "<script" not in comparison_page and "<img" not in comparison_page
    assert "&lt;script&gt;" in traces[0]._repr_html_()


def test_text_and_frame_views(signer: Signer) -> None:
    trace = trace_sign(signer, URL, expires=EXPIRES)
    text = str(trace)
    assert text.splitlines()[0].startswith("Signing trace (URL): 9 stages")
    for number, name in enumerate(STAGE_ORDER, 1):
        assert f"{number:>2}  {name}" in text
    assert "^" in text
    frame = trace.to_frame()
    assert list(frame["name"]) == list(STAGE_ORDER) and frame.index[0] == 1
    assert list(frame.columns) == ["name", "title", "input", "output", "explanation", "ok", "problem",
                                   "cloudfront_error"]
    assert frame["ok"].all()
    data = json.loads(json.dumps(trace.to_dict()))
    assert data["stages"][2]["value_type"] == "bytes"
    assert bytes.fromhex(data["stages"][2]["value"]) == trace["policy_bytes"].value
    assert repr(trace).startswith("Trace(direction='sign'")
    assert trace[0] is trace["inputs"] and len(trace) == 9
    with pytest.raises(KeyError, match="no stage"):
        trace["nope"]


def test_importing_the_package_does_not_import_pandas() -> None:
    code = "import sys, cfsign_nb, cfsign_nb.stages; assert 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- CLI --------------------------------------------------------------------------------------

@pytest.fixture
def rsa_files(tmp_path, rsa_key: PrivateKey):
    private, public = tmp_path / "key.pem", tmp_path / "public.pem"
    private.write_bytes(rsa_key.private_pem())
    public.write_text(rsa_key.public_key_pem())
    return private, public


def test_cli_trace_sign_prints_the_stages_and_the_signed_url(capsys, rsa_files) -> None:
    private, _ = rsa_files
    options = ["--key-pair-id", KEY_ID, "--private-key", str(private), "--expires", str(EXPIRES)]
    assert main(["sign", URL, *options]) == 0
    signed = capsys.readouterr().out.strip()
    assert main(["trace", "--sign", URL, *options]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Signing trace (URL)") and " 9  artifact" in out
    assert main(["trace", "--sign", URL, *options, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == signed and data["stages"][-1]["value"] == signed
    assert "PRIVATE KEY" not in out


def test_cli_trace_sign_cookies(capsys, rsa_files, signer: Signer) -> None:
    private, _ = rsa_files
    assert main(["trace", "--sign", WILDCARD, "--key-pair-id", KEY_ID, "--private-key", str(private),
                 "--expires", "+1h", "--at", str(NOW), "--cookies", "--hash", "sha256", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = Signer(KEY_ID, signer.private_key, hash_algorithm="SHA256").sign_cookies(WILDCARD, expires=EXPIRES)
    assert data["result"] == expected


def test_cli_trace_decode_exit_status_and_json(capsys, rsa_files, signer: Signer) -> None:
    _, public = rsa_files
    url = signer.sign_url(URL, expires=EXPIRES)
    assert main(["trace", url, "--public-key", f"{KEY_ID}={public}", "--at", str(NOW)]) == 0
    assert capsys.readouterr().out.startswith("Decoding trace: would be served")
    assert main(["trace", url + "&x=1", "--public-key", f"{KEY_ID}={public}", "--at", str(NOW), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["stopped_at"] == "digest"
    assert data["stages"][-1]["problem"]["code"] == "URL_CHANGED_AFTER_SIGNING"


@pytest.mark.parametrize(
    ("args", "hint"),
    [(["trace"], "--sign URL"), (["trace", URL, "--sign", URL], "not both"),
     (["trace", "--sign", URL, "--key-pair-id", KEY_ID], "--private-key, --expires"),
     (["trace", URL, "--public-key", "nokey"], "ID=FILE")],
)
def test_cli_trace_usage_errors_name_the_fix(capsys, args: list[str], hint: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert hint in err and len(err.strip().splitlines()) == 1


def test_cli_trace_reads_cookies_from_stdin(capsys, monkeypatch, signer: Signer) -> None:
    import io

    lines = "\n".join(set_cookie_headers(signer.sign_cookies(URL, expires=EXPIRES)))
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["trace", "-", "--request-url", URL, "--at", str(NOW)]) == 0
    out = capsys.readouterr().out
    assert "Signed cookies" in out and quote(URL, safe=":/") in out
