"""``cfsign trace``: the stages on the command line, as text and JSON, with usage errors that name the fix."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from cfsign_nb import (
    PrivateKey,
    Signer,
    set_cookie_headers,
)
from cfsign_nb.cli import main

from .conftest import KEY_ID, NOW, URL
from .trace_cases import EXPIRES, WILDCARD


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


@pytest.mark.parametrize("columns", [80, 60, 120])
def test_cli_trace_fits_the_terminal_width(capsys, monkeypatch, rsa_files, signer: Signer, columns: int) -> None:
    private, public = rsa_files
    monkeypatch.setenv("COLUMNS", str(columns))
    custom = signer.sign_url(URL + "?size=large&license=yes", expires=NOW - 10, starts=NOW - 100,
                             ip_address="192.0.2.0/24")
    runs = [
        ["trace", custom + "&tracking=" + "x" * 150, "--public-key", f"{KEY_ID}={public}", "--at", str(NOW)],
        ["trace", "--sign", WILDCARD, "--key-pair-id", KEY_ID, "--private-key", str(private), "--expires", "+1h",
         "--cookies", "--ip", "192.0.2.0/24", "--hash", "sha256"],
        ["trace", "--sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(private), "--expires", "+1h"],
    ]
    for args in runs:
        main(args)
        out = capsys.readouterr().out
        longest = max(out.splitlines(), key=len)
        assert len(longest) <= columns, (len(longest), longest)
        assert "-" * columns in out.splitlines()  # the rules between stages span the width
