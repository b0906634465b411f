import json
import os
import stat
import subprocess
import sys

import pytest

from cfsign_nb import Policy, PrivateKey, b64decode, load_private_key
from cfsign_nb.cli import main

from .conftest import KEY_ID, NOW, URL


@pytest.fixture
def key_file(tmp_path, ecdsa_key: PrivateKey):
    path = tmp_path / "key.pem"
    path.write_bytes(ecdsa_key.private_pem())
    return path


def test_sign_a_url(capsys, key_file) -> None:
    status = main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", str(NOW),
                   "--hash", "SHA256"])
    out = capsys.readouterr().out.strip()
    assert status == 0
    assert out.startswith(URL + f"?Expires={NOW}&Signature=ME")
    assert out.endswith("&Hash-Algorithm=SHA256")


def test_sign_cookies_as_json(capsys, key_file, ecdsa_key: PrivateKey) -> None:
    status = main(["sign", URL[:-11] + "*", "--key-pair-id", KEY_ID, "--private-key", str(key_file),
                   "--expires", "2026-01-01T00:00:00Z", "--cookies", "--json", "--domain", "d111111abcdef8.cloudfront.net"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    policy = b64decode(result["cookies"]["CloudFront-Policy"])
    assert Policy.from_json(policy) == Policy(URL[:-11] + "*", NOW)
    assert ecdsa_key.public_key.verify(b64decode(result["cookies"]["CloudFront-Signature"]), policy)
    assert all(line.endswith("Domain=d111111abcdef8.cloudfront.net; Path=/; Secure; HttpOnly") for line in result["set_cookie"])


def test_encrypted_key_through_the_environment(capsys, tmp_path, ecdsa_key: PrivateKey, monkeypatch) -> None:
    path = tmp_path / "enc.pem"
    path.write_bytes(ecdsa_key.private_pem("s3cret"))
    args = ["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(path), "--expires", "+1h"]
    assert main(args) == 2
    assert "CFSIGN_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("CFSIGN_PASSPHRASE", "s3cret")
    assert main(args) == 0


@pytest.mark.parametrize(
    ("extra", "hint"),
    [(["--expires", "20260101"], "2026-01-01"), (["--expires", "+1h", "--ip", "::1"], "only IPv4"),
     (["--expires", "+1h", "--starts", "+2h"], "before the expiry")],
)
def test_errors_are_one_line_with_the_fix(capsys, key_file, extra: list[str], hint: str) -> None:
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), *extra]) == 2
    err = capsys.readouterr().err
    assert hint in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_keygen_writes_a_private_file_and_prints_only_the_public_key(capsys, tmp_path) -> None:
    out, public = tmp_path / "new.pem", tmp_path / "new.pub.pem"
    assert main(["keygen", "--type", "rsa", "--out", str(out), "--public-out", str(public)]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("-----BEGIN PUBLIC KEY-----") and printed.out == public.read_text()
    assert "PRIVATE KEY-----" not in printed.out + printed.err and "fingerprint" in printed.err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert load_private_key(out).description == "RSA-2048"
    assert main(["keygen", "--out", str(out)]) == 2  # never overwrites


def test_signing_an_expiry_in_the_past_warns(capsys, key_file) -> None:
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", "2020-01-01"]) == 0
    assert "has already passed" in capsys.readouterr().err


def test_console_script_and_module_entry_point(key_file) -> None:
    result = subprocess.run([sys.executable, "-m", "cfsign_nb", "sign", URL, "--key-pair-id", KEY_ID,
                             "--private-key", str(key_file), "--expires", "+10m"], capture_output=True, text=True, check=True)
    assert "&Signature=" in result.stdout


@pytest.fixture
def public_file(tmp_path, ecdsa_key: PrivateKey):
    path = tmp_path / "public.pem"
    path.write_text(ecdsa_key.public_key_pem())
    return path


def test_diagnose_exit_status_and_json(capsys, ecdsa_key: PrivateKey, public_file) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW)
    assert main(["diagnose", url, "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW - 10)]) == 0
    assert capsys.readouterr().out.startswith("OK: would be served")
    assert main(["diagnose", url + "&x=1", "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW - 10),
                 "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["findings"][0]["code"] == "URL_CHANGED_AFTER_SIGNING"
    assert main(["diagnose", url, "--public-key", "no-equals-sign"]) == 2
    assert "ID=FILE" in capsys.readouterr().err


def test_diagnose_cookies_from_stdin(capsys, monkeypatch, ecdsa_key: PrivateKey, public_file) -> None:
    import io

    from cfsign_nb import Signer

    cookies = Signer(KEY_ID, ecdsa_key).sign_cookies(URL, expires=NOW)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    monkeypatch.setattr("sys.stdin", io.StringIO(header))
    assert main(["diagnose", URL, "--cookie", "-", "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW)]) == 1
    assert "EXPIRED" in capsys.readouterr().out


def test_decode_and_verify(capsys, ecdsa_key: PrivateKey, public_file) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key, hash_algorithm="SHA256").sign_url(URL, expires=NOW)
    assert main(["decode", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hash_algorithm"] == "SHA256"
    assert main(["verify", url, "--public-key", str(public_file)]) == 0
    assert main(["verify", url, "--public-key", f"{KEY_ID}={public_file}"]) == 0
    assert main(["verify", url, "--public-key", str(public_file), "--hash", "sha1"]) == 1
    assert main(["verify", "garbage", "--public-key", str(public_file)]) == 2
    assert "nothing to verify" in capsys.readouterr().err
    assert main(["decode", "not a url"]) == 1
    assert "NO_SIGNING_DATA" in capsys.readouterr().out
