"""Every message names the setting as the place it is shown in takes it, from one table (cfsign_nb.settings).

For each setting a core message names: the Python exception or finding says the argument, the command
line says its flag (stderr or stdout of ``cfsign``), the panels say their control (text via the views).
"""

from __future__ import annotations

import html
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cfsign_nb import Policy, PrivateKey, Signer, diagnose, load_private_key, parse_when
from cfsign_nb.cli import main
from cfsign_nb.cli.output import for_cli
from cfsign_nb.encoding import b64encode
from cfsign_nb.errors import CfSignError
from cfsign_nb.settings import (
    CLIENT_IP,
    EXPIRES,
    EXPIRES_AT,
    GENERATE_ECDSA,
    IP_ADDRESS,
    KEY_PAIR_ID,
    NOW,
    PASSPHRASE,
    POLICY,
    PORT,
    PRIVATE_KEY,
    PUBLIC_KEYS,
    REQUEST_URL,
    SETTINGS,
    SIGN,
    STARTS,
    TRACE,
    Setting,
    reword,
)
from cfsign_nb.trace import trace_decode
from cfsign_nb.widgets import Inspector, KeyPanel, PolicyBuilder
from cfsign_nb.widgets.places import findings_table, for_panel, stage_html
from cfsign_nb.widgets.views import message

from .conftest import KEY_ID, URL
from .conftest import NOW as NOW_EPOCH

S3_URL = ("https://d111111abcdef8.cloudfront.net/videos/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
          "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
          "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "5d" * 32)


def said_only_as(text: str, setting: Setting, place: str) -> None:
    """``text`` names ``setting`` the way ``place`` takes it, and never the way another place does."""
    text = " ".join(html.unescape(text).split())  # the terminal's wrapping undone
    assert setting.named(place) in text, text  # type: ignore[arg-type]
    for other in ("python", "cli", "panel"):
        if other != place:
            assert setting.named(other) not in text, (other, text)  # type: ignore[arg-type]
    assert " in Python" not in text and "on the command line" not in text


# --- the table --------------------------------------------------------------------------------

def test_each_setting_has_a_distinct_name_in_every_place() -> None:
    for place in ("python", "cli", "panel"):
        names = [s.named(place) for s in SETTINGS]
        assert all(names) and len(set(names)) == len(names)


def test_reword_replaces_the_python_name_and_leaves_other_text_alone() -> None:
    text = f"give the URL the viewer requests ({REQUEST_URL.python}); the URL ?request_url=x stays"
    assert reword(text, "python") == text
    assert reword(text, "cli") == "give the URL the viewer requests (--request-url URL); the URL ?request_url=x stays"
    assert reword(html.escape(text), "panel", in_html=True) == html.escape(reword(text, "panel"))


# --- each setting, by place -------------------------------------------------------------------

@pytest.fixture
def encrypted_key_file(tmp_path: Path, ecdsa_key: PrivateKey) -> Path:
    path = tmp_path / "encrypted.pem"
    path.write_bytes(ecdsa_key.private_pem("s3cret"))
    return path


def test_passphrase(capsys, monkeypatch, encrypted_key_file: Path) -> None:
    with pytest.raises(CfSignError) as caught:
        load_private_key(encrypted_key_file)
    said_only_as(str(caught.value), PASSPHRASE, "python")
    monkeypatch.delenv("CFSIGN_PASSPHRASE", raising=False)
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(encrypted_key_file),
                 "--expires", "+1h"]) == 2
    err = capsys.readouterr().err
    said_only_as(err, PASSPHRASE, "cli")
    assert "CFSIGN_PASSPHRASE environment variable" in err
    said_only_as(message(str(caught.value), "error"), PASSPHRASE, "panel")


def test_key_pair_id_and_private_key(capsys, tmp_path: Path, rsa_key: PrivateKey) -> None:
    pem = rsa_key.public_key_pem()
    with pytest.raises(CfSignError) as caught:
        Signer(pem, rsa_key)
    for setting in (KEY_PAIR_ID, PRIVATE_KEY):
        said_only_as(str(caught.value), setting, "python")
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(rsa_key.private_pem())
    assert main(["sign", URL, "--key-pair-id", pem, "--private-key", str(key_file), "--expires", "+1h"]) == 2
    err = capsys.readouterr().err
    assert "second argument" not in err
    for setting in (KEY_PAIR_ID, PRIVATE_KEY):
        said_only_as(err, setting, "cli")
    panel = KeyPanel(key=rsa_key)
    panel.key_pair_id.value = pem  # the Key tab warns below the key
    for setting in (KEY_PAIR_ID, PRIVATE_KEY):
        said_only_as(panel.status.value, setting, "panel")


def test_expires(rsa_key: PrivateKey) -> None:
    with pytest.raises(CfSignError) as caught:
        Signer(KEY_ID, rsa_key).sign_url(URL)
    said_only_as(str(caught.value), EXPIRES, "python")
    # cfsign sign requires --expires before the core is reached; the wording is the flag all the same
    said_only_as(for_cli(str(caught.value)), EXPIRES, "cli")
    builder = PolicyBuilder(url=URL, now=NOW_EPOCH)
    builder.expires.value = ""
    said_only_as(builder.view.value, EXPIRES, "panel")
    assert "timedelta" not in builder.view.value


def test_request_url(capsys, rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(URL, expires=NOW_EPOCH + 60)
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    result = diagnose(header, public_keys={KEY_ID: rsa_key.public_key}, now=NOW_EPOCH)
    [unchecked] = [f for f in result.findings if f.code == "SIGNATURE_NOT_CHECKED"]
    said_only_as(unchecked.fix, REQUEST_URL, "python")
    assert main(["diagnose", header, "--at", str(NOW_EPOCH)]) == 0
    said_only_as(capsys.readouterr().out, REQUEST_URL, "cli")
    said_only_as(findings_table(result.findings), REQUEST_URL, "panel")


def test_public_keys(capsys, rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    result = diagnose(url, now=NOW_EPOCH)
    said_only_as(result.findings[-1].fix, PUBLIC_KEYS, "python")
    said_only_as(trace_decode(url, now=NOW_EPOCH)["digest"].explanation, PUBLIC_KEYS, "python")
    assert main(["diagnose", url, "--at", str(NOW_EPOCH)]) == 0
    said_only_as(capsys.readouterr().out, PUBLIC_KEYS, "cli")
    assert main(["trace", url, "--at", str(NOW_EPOCH)]) == 0
    said_only_as(capsys.readouterr().out, PUBLIC_KEYS, "cli")
    said_only_as(findings_table(result.findings), PUBLIC_KEYS, "panel")
    trace = trace_decode(url, now=NOW_EPOCH)
    said_only_as(stage_html(trace, trace.names.index("digest")), PUBLIC_KEYS, "panel")


@pytest.mark.parametrize(("setting", "argument"), [(CLIENT_IP, {"client_ip": "not-an-ip"}),
                                                    (NOW, {"now": "tomorrow"})])
def test_values_the_diagnosis_could_not_use(setting: Setting, argument: dict[str, str], rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    result = diagnose(url, **argument)  # type: ignore[arg-type]
    [problem] = [f for f in result.findings if f.code == "CONTEXT_INVALID"]
    said_only_as(problem.message, setting, "python")
    # the command line parses --client-ip and --at itself; its wording of the finding is the flag all the same
    said_only_as(str(for_cli(problem)), setting, "cli")
    said_only_as(findings_table(result.findings), setting, "panel")


def test_generate_key(capsys, tmp_path: Path) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(CfSignError) as caught:
        load_private_key(p384)
    said_only_as(str(caught.value), GENERATE_ECDSA, "python")
    key_file = tmp_path / "p384.pem"
    key_file.write_bytes(p384)
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", "+1h"]) == 2
    said_only_as(capsys.readouterr().err, GENERATE_ECDSA, "cli")
    said_only_as(message(str(caught.value), "error"), GENERATE_ECDSA, "panel")


def test_sign_for_an_s3_presigned_url(capsys) -> None:
    result = diagnose(S3_URL, now=NOW_EPOCH)
    said_only_as(result.cause.fix if result.cause else "", SIGN, "python")
    assert main(["diagnose", S3_URL, "--at", str(NOW_EPOCH)]) == 1
    said_only_as(capsys.readouterr().out, SIGN, "cli")
    said_only_as(findings_table(result.findings), SIGN, "panel")


def test_trace_for_a_signature_nothing_explains(capsys, tmp_path: Path, rsa_key: PrivateKey,
                                                other_rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    result = diagnose(url, public_keys={KEY_ID: other_rsa_key.public_key}, now=NOW_EPOCH)
    assert result.cause is not None and result.cause.code == "SIGNATURE_MISMATCH"
    said_only_as(result.cause.fix, TRACE, "python")
    public = tmp_path / "other.pem"
    public.write_text(other_rsa_key.public_key_pem())
    assert main(["diagnose", url, "--public-key", f"{KEY_ID}={public}", "--at", str(NOW_EPOCH)]) == 1
    said_only_as(capsys.readouterr().out, TRACE, "cli")
    said_only_as(findings_table(result.findings), TRACE, "panel")


# --- the panels themselves --------------------------------------------------------------------

def test_the_inspector_findings_name_its_own_fields(rsa_key: PrivateKey) -> None:
    inspector = Inspector(now=NOW_EPOCH)
    inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    said_only_as(inspector.findings_view.value, PUBLIC_KEYS, "panel")


def test_trace_in_a_har_session_on_the_command_line(capsys, tmp_path: Path, rsa_key: PrivateKey,
                                                     other_rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    entry = {"startedDateTime": "2026-01-01T00:00:01.000Z",
             "request": {"method": "GET", "url": url, "headers": [], "cookies": []},
             "response": {"status": 403, "headers": [{"name": "x-cache", "value": "Error from cloudfront"}],
                          "content": {"text": ""}}}
    har, public = tmp_path / "session.har", tmp_path / "other.pem"
    har.write_text(json.dumps({"log": {"entries": [entry]}}))
    public.write_text(other_rsa_key.public_key_pem())
    assert main(["diagnose", "--har", str(har), "--public-key", f"{KEY_ID}={public}"]) == 1
    said_only_as(capsys.readouterr().out, TRACE, "cli")
    assert main(["diagnose", "--har", str(har), "--public-key", f"{KEY_ID}={public}", "--json"]) == 1
    said_only_as(capsys.readouterr().out, TRACE, "cli")


# --- the distribution, the policy and the edge ------------------------------------------------

def test_request_url_for_the_distribution(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(URL, expires=NOW_EPOCH + 60)
    canned = "; ".join(f"{name}={value}" for name, value in cookies.items() if name != "CloudFront-Policy")
    config = {"DistributionConfig": {"DefaultCacheBehavior": {"TargetOriginId": "site"}}}
    result = diagnose("Cookie: " + canned, distribution=config, now=NOW_EPOCH)
    [unknown] = [f for f in result.findings if f.code == "CONTEXT_INVALID"]
    assert "no cache behavior could be matched" in unknown.message
    said_only_as(unknown.fix, REQUEST_URL, "python")
    # the command line has no --distribution (the edge always knows the URL); its wording is the flag all the same
    said_only_as(str(for_cli(unknown)), REQUEST_URL, "cli")
    said_only_as(for_panel(unknown.fix), REQUEST_URL, "panel")
    said_only_as(findings_table([unknown]), REQUEST_URL, "panel")


def test_policy_for_a_policy_cloudfront_would_not_accept(capsys, rsa_key: PrivateKey) -> None:
    document = b'{"Statement":[]}'
    url = (f"{URL}?Policy={b64encode(document)}&Signature={b64encode(rsa_key.sign(document, 'SHA1'))}"
           f"&Key-Pair-Id={KEY_ID}")
    result = diagnose(url, public_keys={KEY_ID: rsa_key.public_key}, now=NOW_EPOCH)
    [invalid] = [f for f in result.findings if f.code == "POLICY_INVALID"]
    said_only_as(invalid.fix, POLICY, "python")
    assert main(["diagnose", url, "--at", str(NOW_EPOCH)]) == 1
    out = capsys.readouterr().out
    said_only_as(out, POLICY, "cli")
    assert "cfsign_nb" not in out  # the terminal wraps the flags; said_only_as joined them back
    said_only_as(for_panel(invalid.fix), POLICY, "panel")
    said_only_as(findings_table(result.findings), POLICY, "panel")


def _edge_files(tmp_path: Path, video: PrivateKey) -> tuple[Path, Path, Path]:
    """A distribution whose /reports/* trusts REPORT_KEY, a folder to serve, and VIDEO_KEY's public key only."""
    from .test_edge import edge_config

    config, root, pem = tmp_path / "dist.json", tmp_path / "root", tmp_path / "video.pem"
    config.write_text(json.dumps(edge_config()))
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "q1.pdf").write_bytes(b"%PDF-1.7 report")
    pem.write_text(video.public_key_pem())
    return config, root, pem


def test_public_keys_the_edge_was_not_given(tmp_path: Path, rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    httpx = pytest.importorskip("httpx")
    from cfsign_nb.edge import EdgeApp, run_in_thread

    from .test_edge import REPORT_KEY, VIDEO_KEY

    config, root, pem = _edge_files(tmp_path, rsa_key)
    app = EdgeApp(json.loads(config.read_text()), {VIDEO_KEY: rsa_key.public_key}, root, clock=lambda: NOW_EPOCH)
    with run_in_thread(app) as server:  # as notebook 07 starts it
        url = Signer(REPORT_KEY, ecdsa_key).sign_url(server.url + "/reports/q1.pdf", expires=NOW_EPOCH + 60)
        assert httpx.get(url, timeout=10).status_code == 403
    [decision] = app.decisions
    assert f"the edge was not given the public key {REPORT_KEY}" in decision.reason
    said_only_as(decision.reason, PUBLIC_KEYS, "python")
    edge = subprocess.Popen([sys.executable, "-m", "cfsign_nb", "edge", "--config", str(config), "--public-key",
                             f"{VIDEO_KEY}={pem}", "--root", str(root), "--port", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        banner = edge.stderr.readline().decode()  # type: ignore[union-attr]
        base = banner.split(" on ")[1].split()[0]
        signed = Signer(REPORT_KEY, ecdsa_key).sign_url(base + "/reports/q1.pdf", expires=int(time.time()) + 600)
        assert httpx.get(signed, timeout=10).status_code == 403
        line = edge.stderr.readline().decode()  # type: ignore[union-attr]
    finally:
        edge.terminate()
        edge.communicate(timeout=20)
    assert line.startswith("GET /reports/q1.pdf 403 ") and f"public key {REPORT_KEY}" in line, line
    said_only_as(line, PUBLIC_KEYS, "cli")


def test_port_for_an_edge_on_a_busy_port(capsys, tmp_path: Path, rsa_key: PrivateKey) -> None:
    pytest.importorskip("uvicorn")
    from cfsign_nb.edge import EdgeApp, EdgeError, serve

    from .test_edge import VIDEO_KEY

    config, root, pem = _edge_files(tmp_path, rsa_key)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EdgeError) as caught:
            serve(EdgeApp(json.loads(config.read_text()), {}, root), port=port)
        said_only_as(str(caught.value), PORT, "python")
        assert main(["edge", "--config", str(config), "--public-key", f"{VIDEO_KEY}={pem}", "--root", str(root),
                     "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in err
    said_only_as(err, PORT, "cli")


# --- typed values: the policy's IP range and typed times ----------------------------------------

def test_ip_address(capsys, tmp_path: Path, rsa_key: PrivateKey) -> None:
    with pytest.raises(CfSignError) as caught:
        Policy(URL, NOW_EPOCH + 60, ip_address="300.1.1.1")
    said_only_as(str(caught.value), IP_ADDRESS, "python")
    assert str(caught.value).startswith("'300.1.1.1' in ip_address=... is not an IPv4 address or CIDR range")
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(rsa_key.private_pem())
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", "+1h",
                 "--ip", "300.1.1.1"]) == 2
    err = capsys.readouterr().err
    said_only_as(err, IP_ADDRESS, "cli")
    assert err.startswith("cfsign sign: error: '300.1.1.1' in --ip CIDR is not an IPv4 address")
    builder = PolicyBuilder(url=URL, now=NOW_EPOCH)
    builder.ip.value = "300.1.1.1"
    said_only_as(builder.view.value, IP_ADDRESS, "panel")
    assert "in the Sign tab's Viewer IPv4/CIDR field is not an IPv4 address" in html.unescape(builder.view.value)


@pytest.mark.parametrize("setting", [EXPIRES_AT, STARTS, NOW], ids=["expires", "starts", "at"])
def test_a_typed_time_names_where_it_was_typed(setting: Setting) -> None:
    with pytest.raises(CfSignError) as caught:
        parse_when("99999999999999", setting=setting)
    text = str(caught.value)
    assert text.startswith(f"'99999999999999' in {setting.python} has 14 digits: it looks like milliseconds")
    said_only_as(text, setting, "python")
    said_only_as(for_cli(text), setting, "cli")
    said_only_as(message(text, "error"), setting, "panel")


def test_a_typed_time_never_says_a_python_name_on_the_command_line_or_in_a_panel(capsys, tmp_path: Path,
                                                                                 rsa_key: PrivateKey) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(rsa_key.private_pem())
    python_names = ("time=", EXPIRES_AT.python, STARTS.python, NOW.python, "parse_when")
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file),
                 "--expires", "99999999999999"]) == 2
    err = capsys.readouterr().err
    assert "'99999999999999'" in err and "has 14 digits" in err and not any(n in err for n in python_names), err
    said_only_as(err, EXPIRES_AT, "cli")
    assert main(["diagnose", URL, "--at", "99999999999999"]) == 2
    err = capsys.readouterr().err
    assert "'99999999999999'" in err and not any(n in err for n in python_names), err
    said_only_as(err, NOW, "cli")
    builder = PolicyBuilder(url=URL, now=NOW_EPOCH)
    builder.expires.value = "99999999999999"
    shown = html.unescape(builder.view.value)
    assert "'99999999999999'" in shown and "has 14 digits" in shown and not any(n in shown for n in python_names)
    said_only_as(shown, EXPIRES_AT, "panel")
    builder.expires.value = "+1h"
    builder.starts.value = "99999999999999"
    said_only_as(builder.view.value, STARTS, "panel")
    inspector = Inspector(now=NOW_EPOCH)
    inspector.as_of.value = "99999999999999"
    inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW_EPOCH + 60)
    said_only_as(inspector.verdict.value, NOW, "panel")
