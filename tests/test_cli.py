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
    out = tmp_path / "new.pem"
    assert main(["keygen", "--type", "rsa", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "-----BEGIN PUBLIC KEY-----" in printed and "PRIVATE KEY-----" not in printed
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert load_private_key(out).description == "RSA-2048"
    assert main(["keygen", "--out", str(out)]) == 2  # never overwrites


def test_console_script_and_module_entry_point(key_file) -> None:
    result = subprocess.run([sys.executable, "-m", "cfsign_nb", "sign", URL, "--key-pair-id", KEY_ID,
                             "--private-key", str(key_file), "--expires", "+10m"], capture_output=True, text=True, check=True)
    assert "&Signature=" in result.stdout
