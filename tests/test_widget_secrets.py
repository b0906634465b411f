"""No private key stays in a panel: every text field of every panel, fed fresh keys in every form.

The fields are found by walking the widget trees, so a field added later is covered without
touching this file. Each paste is checked three ways: the field is empty afterwards, no widget's
synced state (``get_state()``) holds key material, and nothing rendered or sent to the page
(every HTML value ever set, every comm message) did either.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as w
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cfsign_nb import PrivateKey, Signer, generate_key
from cfsign_nb.widgets import App, Inspector, KeyPanel, PolicyBuilder, SignerPanel
from cfsign_nb.widgets._secrets import (
    Text,
    as_key_source,
    der_private_key_kind,
    guard_fields,
    is_encrypted_key,
    looks_like_private_key,
    scrub,
    text_fields,
    walk,
)
from cfsign_nb.widgets.views import message

from .conftest import KEY_ID, NOW, URL

_PEM = serialization.Encoding.PEM
_FORMATS = {"pkcs8": serialization.PrivateFormat.PKCS8, "traditional": serialization.PrivateFormat.TraditionalOpenSSL}


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, form: str, passphrase: bytes | None = None) -> str:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(_PEM, _FORMATS[form], encryption).decode()


def _body(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines()[1:-1] if ":" not in line)


_PUBLIC_BODIES: list[str] = []  # the public halves: a private key body holds them too, and they may be shown


def _fragments(pem: str) -> list[str]:
    """What must never appear anywhere: the armour and 24-character chunks from all over the private body."""
    body = _body(pem) or "".join(pem.split())
    chunks = [body[i : i + 24] for i in range(0, len(body) - 24, 12)]
    private = [chunk for chunk in chunks if not any(chunk in public for public in _PUBLIC_BODIES)]
    assert len(private) >= 3
    return ["PRIVATE KEY", *private]


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    """Fresh private keys as people paste them: RSA and ECDSA, PKCS#8 and PKCS#1/SEC1, on one line."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for key in (rsa_key, ec_key):
        public = key.public_key().public_bytes(_PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        _PUBLIC_BODIES.append(_body(public))
    texts = {
        "rsa-pkcs8": _pem(rsa_key, "pkcs8"),
        "rsa-pkcs1": _pem(rsa_key, "traditional"),
        "ecdsa-pkcs8": _pem(ec_key, "pkcs8"),
        "ecdsa-sec1": _pem(ec_key, "traditional"),
        "ecdsa-pkcs8-encrypted": _pem(ec_key, "pkcs8", b"pw"),
    }
    texts["rsa-pkcs8-one-line"] = texts["rsa-pkcs8"].replace("\n", " ")
    texts["ecdsa-sec1-one-line"] = texts["ecdsa-sec1"].replace("\n", "")
    texts["rsa-pkcs1-body-only"] = "\n".join(texts["rsa-pkcs1"].strip().splitlines()[1:-1])
    texts["ecdsa-in-prose"] = "my key is " + texts["ecdsa-pkcs8"] + " thanks"
    return texts


SECRET_NAMES = ["rsa-pkcs8", "rsa-pkcs1", "ecdsa-pkcs8", "ecdsa-sec1", "ecdsa-pkcs8-encrypted", "rsa-pkcs8-one-line",
                "ecdsa-sec1-one-line", "rsa-pkcs1-body-only", "ecdsa-in-prose"]


PANELS = ("app", "keys", "policy", "signer", "inspector")


def _panel(name: str) -> Any:
    """A panel alone or all of them inside App, with something already shown so there is state to leak into."""
    if name == "app":
        key = generate_key("ecdsa")
        app = App(key=key, key_pair_id=KEY_ID, url=URL, now=NOW)
        app.signer.sign()
        app.inspector.inspect(Signer(KEY_ID, key).sign_url(URL, expires=NOW + 60))
        return app
    if name == "keys":
        return KeyPanel(key_pair_id=KEY_ID)
    if name == "policy":
        return PolicyBuilder(url=URL, now=NOW)
    if name == "signer":
        return SignerPanel(KeyPanel(key_pair_id=KEY_ID), PolicyBuilder(url=URL, now=NOW))
    return Inspector(now=NOW)


FIELD_CASES = [(name, index) for name in PANELS for index, _ in enumerate(text_fields(_panel(name).widget))]


def _state_text(root: w.Widget) -> str:
    """The synced state of every widget under ``root`` (and their layouts and styles), as text."""
    seen: list[str] = []
    for widget in walk(root):
        for part in (widget, getattr(widget, "layout", None), getattr(widget, "style", None)):
            if part is not None:
                seen.append(json.dumps(part.get_state(), default=lambda v: bytes(v).decode("latin-1")))
    return "\n".join(seen)


def _html_text(root: w.Widget) -> str:
    """Everything the HTML widgets under ``root`` show, entities decoded."""
    return html.unescape("\n".join(widget.value for widget in walk(root) if isinstance(widget, w.HTML)))


class _Recorder:
    """Every HTML value set and every comm message sent under a widget tree, while it records."""

    def __init__(self, root: w.Widget) -> None:
        self.rendered: list[str] = []
        self.sent: list[str] = []
        for widget in walk(root):
            if isinstance(widget, w.HTML):
                widget.observe(lambda change: self.rendered.append(change["new"]), names="value")
            widget.comm.send = self._send

    def _send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.sent.append(json.dumps(data, default=str))

    def text(self) -> str:
        return "\n".join(self.rendered + self.sent)


def _assert_clean(text: str, secret: str, where: str) -> None:
    for fragment in _fragments(secret):
        assert fragment not in text, f"key material {fragment[:8]}… found in {where}"


def test_the_walk_finds_every_text_field_of_every_panel() -> None:
    app = _panel("app")
    found = {id(field) for field in text_fields(app.widget)}
    expected = [app.keys.key_pair_id, app.keys.pem, app.keys.passphrase, app.keys.public_pem, app.policy.url,
                app.policy.resource, app.policy.expires, app.policy.starts, app.policy.ip, app.signer.signed_url,
                app.signer.cookie_lines, app.inspector.artifact, app.inspector.public_key_id,
                app.inspector.public_key, app.inspector.request_url, app.inspector.response, app.inspector.client_ip,
                    app.inspector.as_of]
    assert {id(field) for field in expected} == found
    assert len(FIELD_CASES) == 2 * len(expected)


@pytest.mark.parametrize("secret_name", SECRET_NAMES)
@pytest.mark.parametrize(("panel_name", "index"), FIELD_CASES)
def test_every_field_clears_a_pasted_private_key(secrets: dict[str, str], panel_name: str, index: int,
                                                 secret_name: str) -> None:
    panel = _panel(panel_name)
    field = text_fields(panel.widget)[index]
    secret = secrets[secret_name]
    seen_by_observers: list[str] = []
    field.observe(lambda change: seen_by_observers.append(change["new"]), names="value")
    recorder = _Recorder(panel.widget)

    field.value = secret

    assert field.value == ""
    assert all(not looks_like_private_key(value) for value in seen_by_observers)
    _assert_clean(_state_text(panel.widget), secret, f"the synced state of {panel_name}")
    _assert_clean(recorder.text(), secret, f"what {panel_name} rendered or sent to the page")
    _assert_clean(repr(panel), secret, f"repr({panel_name})")
    shown = _html_text(panel.widget)
    keys = getattr(panel, "keys", None) if panel_name != "keys" else panel
    if keys is not None and field is keys.pem:
        if "encrypted" in secret_name:
            assert "type its passphrase" in shown and keys._pending is not None
        else:
            assert keys.key is not None and keys.key.fingerprint in shown
    else:
        assert f"“{field.label}” and removed at once" in shown, shown
        assert "belongs only in the Key tab's “Private key PEM” field" in shown


@pytest.mark.parametrize("secret_name", ["rsa-pkcs8", "ecdsa-sec1-one-line"])
@pytest.mark.parametrize(("panel_name", "index"), FIELD_CASES)
def test_a_key_typed_in_the_page_is_never_echoed_back(secrets: dict[str, str], panel_name: str, index: int,
                                                      secret_name: str) -> None:
    """What the browser sends arrives through set_state: the page must be told "" and never get the key back."""
    panel = _panel(panel_name)
    field = text_fields(panel.widget)[index]
    secret = secrets[secret_name]
    recorder = _Recorder(panel.widget)
    field.set_state({"value": secret})
    assert field.value == ""
    _assert_clean(recorder.text(), secret, "messages to the page")
    assert any('"value": ""' in sent for sent in recorder.sent), "the page was not told to clear the field"
    _assert_clean(_state_text(panel.widget), secret, "the synced state")


def test_the_pem_field_loads_every_form_on_paste(secrets: dict[str, str]) -> None:
    expected = {}
    for name in SECRET_NAMES:
        panel = KeyPanel(key_pair_id=KEY_ID)
        panel.pem.value = secrets[name]
        if "encrypted" in name:
            assert panel.key is None
            panel.passphrase.value = "pw"
        assert panel.key is not None, (name, panel.status.value)
        assert panel.pem.value == panel.passphrase.value == "" and panel._pending is None
        expected.setdefault(panel.key.algorithm, panel.key.fingerprint)
        assert panel.key.fingerprint == expected[panel.key.algorithm]
    assert set(expected) == {"RSA", "ECDSA"}


def test_a_private_key_is_not_accepted_as_the_inspectors_public_key(rsa_key: PrivateKey) -> None:
    inspector = Inspector(now=NOW)
    inspector.public_key_id.value = KEY_ID
    inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60)
    inspector.public_key.value = rsa_key.private_pem().decode()
    assert inspector.public_key.value == ""
    assert inspector.result is not None and not inspector.result.verified
    assert "Only a public key goes here" in inspector.verdict.value
    assert "derives it from the private key" in inspector.verdict.value
    inspector.public_key.value = rsa_key.public_key_pem()  # the public key is what works here
    assert inspector.result is not None and inspector.result.verified and inspector.result.ok


def test_keys_given_to_a_constructor_are_cleared_and_reported(secrets: dict[str, str]) -> None:
    secret = secrets["rsa-pkcs8"]
    keys = KeyPanel(key_pair_id=secret)
    policy = PolicyBuilder(url=secret, now=NOW)
    app = App(url=secret, key_pair_id=secret, now=NOW)
    for field, status in ((keys.key_pair_id, keys.status), (policy.url, policy.view),
                          (app.policy.url, app.policy.view), (app.keys.key_pair_id, app.keys.status)):
        assert field.value == ""
        assert "removed at once" in status.value
    _assert_clean(_state_text(app.widget) + _state_text(keys.widget) + _state_text(policy.widget), secret, "state")


def test_key_load_errors_never_show_key_text(secrets: dict[str, str]) -> None:
    pem = secrets["rsa-pkcs8"]
    lines = pem.strip().splitlines()
    lines[5] = lines[5][::-1]  # a damaged body: cryptography refuses it
    for broken in ("\n".join(lines), pem.replace("-----END PRIVATE KEY-----", "")):
        panel = KeyPanel()
        panel.pem.value = broken
        assert panel.key is None and panel.pem.value == ""
        assert "cfsign-error" in panel.status.value
        _assert_clean(panel.status.value, pem, "the error message")
    assert "[private key removed]" in message(f"cannot load {pem}")
    _assert_clean(message(f"cannot load {pem} or {_body(pem)}"), pem, "message()")


def test_a_plain_text_field_in_a_panel_is_refused() -> None:
    root = w.VBox([Text(description="guarded"), w.HBox([w.Textarea(description="plain")])])
    with pytest.raises(TypeError, match="does not refuse private keys"):
        guard_fields(root, lambda field: None)


def test_what_counts_as_a_private_key(secrets: dict[str, str], rsa_key: PrivateKey) -> None:
    for name in SECRET_NAMES:
        assert looks_like_private_key(secrets[name]), name
        assert "[private key removed]" in scrub(secrets[name]), name
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60, ip_address="192.0.2.0/24")
    public = rsa_key.public_key_pem()
    for harmless in (url, public, _body(public), "+1h", "K2JCJMDEHXQW5F", "a private key belongs in the Key tab",
                     "", "A" * 5000, "☃\ud800" * 20):
        assert not looks_like_private_key(harmless), harmless[:40]
        assert scrub(harmless) == harmless
    assert is_encrypted_key(secrets["ecdsa-pkcs8-encrypted"]) and not is_encrypted_key(secrets["ecdsa-pkcs8"])
    der = as_key_source(secrets["rsa-pkcs1-body-only"])
    assert isinstance(der, bytes) and der_private_key_kind(der) == "plain"


HOSTILE_PIECES = ["-", " ", "\t", "\n", "\\n", "=", "/", "A", "A ", "MIIE", "BEGIN", "--BEGIN ", "-- END ", "PRIVATE ",
                  "-- BEGIN PRIVATE KEY", "-- END PRIVATE KEY ", "-----BEGIN PRIVATE KEY-----", "-\n",
                  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC "]


@pytest.mark.parametrize("piece", HOSTILE_PIECES)
def test_detection_stays_linear_on_hostile_input(piece: str) -> None:
    """100,000 characters built to make a backtracking matcher go quadratic are judged in well under a second."""
    import time

    for prefix in ("", "-----BEGIN PRIVATE KEY-----"):
        for suffix in ("", "x", "-", "PRIVATE KEY--"):
            text = prefix + piece * (100_000 // len(piece)) + suffix
            started = time.perf_counter()
            looks_like_private_key(text)
            scrub(text)
            assert time.perf_counter() - started < 0.5, (piece, prefix, suffix)
    url = "https://d111111abcdef8.cloudfront.net/" + "/".join(["A" * 40] * 20000) + "?x=" + "b" * 200_000
    assert not looks_like_private_key(url) and scrub(url) == url


def _type_in_page(field: Any, text: str, lag: int = 7) -> None:
    """Type ``text`` into ``field`` as the page does, one sync per keystroke; the kernel's "" lands ``lag`` keys late."""
    page, since_clear = "", None
    for char in text:
        page += char
        before = field.refused
        field.set_state({"value": page})
        if field.refused != before and since_clear is None:
            since_clear = 0
        if since_clear is not None:
            since_clear += 1
            if since_clear >= lag:
                page, since_clear = "", None


def test_a_key_typed_character_by_character_is_refused_piece_by_piece(secrets: dict[str, str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.widgets import _secrets

    clock = [1000.0]
    monkeypatch.setattr(_secrets.time, "monotonic", lambda: clock[0])
    secret = secrets["ecdsa-sec1-one-line"]
    app = _panel("app")
    for field in (app.keys.key_pair_id, app.policy.url, app.keys.pem):
        recorder = _Recorder(app.widget)
        _type_in_page(field, secret)
        assert field.value == "" and field.refused > 1
        _assert_clean(_state_text(app.widget) + recorder.text(), secret, "state and messages")
        clock[0] += 5  # the typing window closes: base64-looking text is accepted again
    assert "this PEM is incomplete: paste the whole key at once" in html.unescape(app.keys.status.value)
    app.keys.key_pair_id.value = "K2JCJMDEHXQW5F"
    assert app.keys.key_pair_id.value == "K2JCJMDEHXQW5F"
    app.keys.key_pair_id.value = secret
    app.keys.key_pair_id.value = "K2JCJMDEHXQW5F"  # within a second of a refusal: still the key being typed
    assert app.keys.key_pair_id.value == ""
    app.inspector.public_key.value = secret
    app.inspector.public_key.value = app.keys.key.public_key_pem()  # a whole new PEM is never a piece
    assert app.inspector.public_key.value == app.keys.key.public_key_pem()


def test_one_notice_at_a_time(secrets: dict[str, str]) -> None:
    inspector = _panel("inspector")
    for field in text_fields(inspector.widget):
        field.value = secrets["rsa-pkcs8"]
    shown = html.unescape(inspector.verdict.value)
    assert shown.count("removed at once") == 1 and f"“{inspector.as_of.label}”" in shown
