"""The Key tab (KeyPanel) driven as a user would, without a kernel or a browser: paste, upload, generate, name."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest

from cfsign_nb import PrivateKey
from cfsign_nb.widgets import App, KeyPanel

from .conftest import KEY_ID, NOW, URL


def _body(pem: bytes | str) -> str:
    text = pem.decode() if isinstance(pem, bytes) else pem
    return "".join(text.strip().splitlines()[1:-1])[:48]


def test_pasting_a_key_loads_it_at_once_and_clears_the_field(rsa_key: PrivateKey) -> None:
    panel = KeyPanel(key_pair_id=KEY_ID)
    panel.pem.value = rsa_key.private_pem().decode()  # no click: a pasted key loads on paste
    assert panel.key == rsa_key
    assert panel.pem.value == ""
    assert "RSA-2048" in panel.status.value and rsa_key.fingerprint in panel.status.value
    assert panel.public_pem.value == rsa_key.public_key_pem()


def test_an_encrypted_key_waits_in_python_for_its_passphrase(ecdsa_key: PrivateKey) -> None:
    panel = KeyPanel(key_pair_id=KEY_ID)
    secret = ecdsa_key.private_pem("right").decode()
    panel.pem.value = secret
    assert panel.key is None and panel.pem.value == ""
    assert "encrypted: type its passphrase" in panel.status.value
    assert panel._pending == secret  # a Python attribute, never a synced trait
    panel.passphrase.value = "wrong"
    assert panel.key is None and panel.passphrase.value == ""
    assert "passphrase is wrong" in panel.status.value and "type the passphrase again" in panel.status.value
    panel.passphrase.value = "right"
    assert panel.key == ecdsa_key and panel.passphrase.value == "" and panel._pending is None
    assert panel._passphrase is None
    assert _body(secret) not in panel.status.value


def test_a_passphrase_typed_first_waits_for_its_key(ecdsa_key: PrivateKey) -> None:
    panel = KeyPanel()
    panel.passphrase.value = "pw"
    assert panel.passphrase.value == "" and "passphrase kept in Python" in panel.status.value
    panel.pem.value = ecdsa_key.private_pem("pw").decode()
    assert panel.key == ecdsa_key and panel.pem.value == ""
    panel.load_button.click()  # nothing waits: the loaded key stays and so does its summary
    assert panel.key == ecdsa_key and ecdsa_key.fingerprint in panel.status.value


def test_uploading_a_key(rsa_key: PrivateKey) -> None:
    panel = KeyPanel()
    panel.upload.value = ({"name": "k.pem", "type": "", "size": 1, "content": memoryview(rsa_key.private_pem()),
                           "last_modified": datetime.now(UTC)},)
    assert panel.key == rsa_key
    assert panel.upload.value == ()


def test_uploading_an_encrypted_der_key_asks_for_its_passphrase(ecdsa_key: PrivateKey) -> None:
    from cryptography.hazmat.primitives import serialization

    der = ecdsa_key.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"pw"))
    panel = KeyPanel()
    panel.upload.value = ({"name": "k.der", "type": "", "size": len(der), "content": memoryview(der),
                           "last_modified": datetime.now(UTC)},)
    assert panel.key is None and panel.upload.value == () and "type its passphrase" in panel.status.value
    panel.passphrase.value = "pw"
    assert panel.key == ecdsa_key


@pytest.mark.parametrize(("pem", "hint"), [("not a key", "neither PEM"), ("", "paste a private key")])
def test_bad_input_in_the_pem_field_shows_a_message(pem: str, hint: str) -> None:
    panel = KeyPanel()
    panel.pem.value = pem
    panel.load_button.click()
    assert panel.key is None
    assert hint in panel.status.value
    assert panel.pem.value == "" and panel.passphrase.value == ""


def test_generating_keys_and_key_pair_id_warnings(rsa_key: PrivateKey) -> None:
    panel = KeyPanel()
    seen: list[str] = []
    panel.on_change(lambda p: seen.append(p.key.description if p.key else "none"))
    panel.generate_ecdsa.click()
    panel.generate_rsa.click()
    assert seen == ["ECDSA P-256", "RSA-2048"]
    panel.key_pair_id.value = rsa_key.public_key_pem()
    assert "holds a PEM key" in panel.status.value
    panel.key_pair_id.value = "-----BEGIN PRIVATE KEY-----"
    assert panel.key_pair_id.value == ""
    assert "removed at once" in panel.status.value and "Private key PEM" in panel.status.value
    assert "PRIVATE KEY-----" not in panel.public_pem.value + panel.status.value


@pytest.mark.parametrize("key_pair_id", ["my_id", "CF_KEYPAIR_ID", "k2jcjmdehxqw5f"])
def test_an_id_that_does_not_look_like_cloudfronts_is_a_warning_and_still_signs(
        rsa_key: PrivateKey, key_pair_id: str) -> None:
    """The AWS SDKs' test ids are accepted (signing works), and the Key tab says why CloudFront may refuse them."""
    app = App(key=rsa_key, key_pair_id=key_pair_id, url=URL, now=NOW)
    status = app.keys.status.value
    assert "cfsign-warning" in status and "does not look like a CloudFront public key id" in status
    assert f"key pair id &#x27;{key_pair_id}&#x27;" in status and "InvalidKey" in status
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the panel shows the note: no Python warning on top of it
        app.signer.sign()
    assert isinstance(app.signer.result, str) and app.signer.result.endswith(f"&Key-Pair-Id={key_pair_id}")
    app.keys.key_pair_id.value = KEY_ID
    assert "cfsign-warning" not in app.keys.status.value and KEY_ID in app.keys.status.value


def test_a_key_group_id_is_told_apart(rsa_key: PrivateKey) -> None:
    panel = KeyPanel(key_pair_id="1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", key=rsa_key)
    assert "looks like a key group id" in panel.status.value
