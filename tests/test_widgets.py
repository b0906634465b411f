"""Panels driven as a user would, without a kernel or a browser: set values, click, read what is shown."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from cfsign_nb import PrivateKey, Signer, generate_key, render
from cfsign_nb.errors import InputError
from cfsign_nb.widgets import App, Inspector, KeyPanel, PolicyBuilder, SignerPanel, places

from .conftest import KEY_ID, NOW, URL

HOSTILE = "https://d111111abcdef8.cloudfront.net/a.jpg?x=<img src=x onerror=alert(1)>&Expires=1&Signature=<script>"


# --- SignerPanel and Inspector -------------------------------------------------------------

def test_sign_then_inspect(any_key: PrivateKey) -> None:
    app = App(key=any_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.policy.hash.value = "SHA256"
    app.signer.sign_button.click()
    assert isinstance(app.signer.result, str) and app.signer.result.endswith("&Hash-Algorithm=SHA256")
    assert app.signer.signed_url.value == app.signer.result
    app.signer.inspect_button.click()
    assert app.tabs.selected_index == 2
    result = app.inspector.result
    assert result is not None and result.ok and result.verified
    assert app.inspector.valid.value is True
    assert "would be served</div>" in app.inspector.verdict.value and "✔" in app.inspector.verdict.value


def test_an_ip_limited_url_inspected_without_a_client_ip_is_a_warning(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.policy.ip.value = "203.0.113.0/24"
    app.signer.sign()
    app.signer.inspect_button.click()
    verdict = app.inspector.verdict.value
    assert "would be served if the viewer&#x27;s IP is in 203.0.113.0/24 (not checked: no client IP)" in verdict
    assert "⚠" in verdict and "✔" not in verdict
    assert app.inspector.valid.layout.visibility == "hidden"  # no green check mark beside the amber banner
    app.inspector.client_ip.value = "203.0.113.9"
    assert "would be served</div>" in app.inspector.verdict.value and "✔" in app.inspector.verdict.value
    assert app.inspector.valid.layout.visibility == "visible" and app.inspector.valid.value is True


def test_changing_a_policy_input_clears_the_old_signed_output(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.signer.sign()
    assert app.signer.signed_url.value and "signed URL" in app.signer.status.value
    app.policy.ip.value = "203.0.113.0/24"
    assert app.signer.result is None and app.signer.signed_url.value == "" and app.signer.status.value == ""
    assert app.signer.inspect_button.disabled and app.signer.step_button.disabled


def test_one_now_per_signing_the_plan_and_the_url_carry_the_same_epoch(rsa_key: PrivateKey) -> None:
    ticks = iter(range(NOW, NOW + 1000, 7))
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=lambda: next(ticks))
    app.signer.sign()
    expires = app.signer.result.split("Expires=")[1].split("&")[0]
    assert f"EpochTime&quot;:{expires}" in app.policy.view.value or f'"EpochTime":{expires}' in app.policy.view.value


def test_the_sign_tab_shows_only_the_box_of_its_mode(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    assert app.signer.cookie_lines.layout.display == "none" and app.signer.signed_url.layout.display is None
    app.policy.mode.value = "cookies"
    assert app.signer.signed_url.layout.display == "none" and app.signer.cookie_lines.layout.display is None


def test_a_failed_key_load_names_the_key_still_active(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.keys._load(lambda: (_ for _ in ()).throw(InputError("cannot load the private key: junk")))
    status = app.keys.status.value
    assert "junk" in status and "still active" in status and rsa_key.fingerprint in status


def test_panel_messages_name_the_panel_control(ecdsa_key: PrivateKey) -> None:
    """The core's own message, as the Key tab shows it: the panel's field, never the Python argument."""
    from cfsign_nb import load_private_key
    from cfsign_nb.widgets.places import for_panel

    with pytest.raises(InputError) as raised:
        load_private_key(ecdsa_key.private_pem("pw"))
    assert "passphrase=" in str(raised.value)
    assert "the Key tab's Passphrase field" in for_panel(str(raised.value))
    assert "passphrase=" not in for_panel(str(raised.value))


def test_signed_cookies_then_inspect(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL.rsplit("/", 1)[0] + "/*", now=NOW)
    app.policy.mode.value = "cookies"
    app.signer.sign()
    assert isinstance(app.signer.result, dict) and "CloudFront-Policy" in app.signer.result
    assert app.signer.cookie_lines.value.count("Set-Cookie: ") == 3
    app.inspector.request_url.value = URL
    app.signer.inspect_button.click()
    assert app.inspector.result is not None and app.inspector.result.ok


def test_signing_without_a_key_or_id_says_what_to_do() -> None:
    keys = KeyPanel()
    panel = SignerPanel(keys, PolicyBuilder(url=URL, now=NOW))
    panel.sign_button.click()
    assert "no private key loaded" in panel.status.value and panel.inspect_button.disabled
    keys.generate("ecdsa")
    panel.sign_button.click()
    assert "the Key tab&#x27;s Key pair id field" in panel.status.value and "key_pair_id=" not in panel.status.value


def test_inspector_expired_and_garbage(rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW - 5)
    inspector = Inspector(now=NOW)
    inspector.public_key_id.value = KEY_ID
    inspector.public_key.value = rsa_key.public_key_pem()
    inspector.artifact.value = url
    assert inspector.result is not None and inspector.result.cause.code == "EXPIRED"
    assert inspector.valid.value is False and inspector.valid.readout == "AccessDenied"
    assert "EXPIRED" in inspector.verdict.value and "EXPIRED" in inspector.findings_view.value
    inspector.as_of.value = str(NOW - 60)
    assert inspector.result.ok
    inspector.artifact.value = "garbage ☃ \x00"
    assert inspector.result.cause.code == "NO_SIGNING_DATA"
    inspector.public_key.value = "not a key"
    assert "public key:" in inspector.verdict.value


def test_inspector_uses_the_loaded_key(ecdsa_key: PrivateKey) -> None:
    keys = KeyPanel(key_pair_id=KEY_ID, key=ecdsa_key)
    inspector = Inspector(keys=keys, now=NOW)
    inspector.artifact.value = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW + 60)
    assert inspector.result is not None and inspector.result.verified
    keys.set_key(generate_key("ecdsa"))  # another key: the inspector re-checks at once
    assert inspector.result is not None and not inspector.result.ok


def test_inspector_escapes_hostile_input() -> None:
    inspector = Inspector(now=NOW)
    inspector.artifact.value = HOSTILE
    shown = inspector.verdict.value + inspector.findings_view.value + inspector.decoded_view.value
    assert "<img" not in shown and "<script" not in shown
    assert "&lt;img" in shown


def test_inspector_shows_the_findings_table_of_the_diagnosis(rsa_key: PrivateKey) -> None:
    inspector = Inspector(now=NOW)
    inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW - 5) + "&utm=<b>"
    result = inspector.result
    assert result is not None and result.findings
    assert places.findings_table(result.findings) in inspector.findings_view.value  # the renderer's table, worded for the panel
    assert render.findings_table(result.findings) in result._repr_html_()


def test_panels_follow_the_jupyterlab_theme(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.signer.sign_button.click()
    app.signer.inspect_button.click()
    for shown in (app.keys.status.value, app.policy.view.value, app.signer.status.value,
                  app.inspector.verdict.value, app.inspector.findings_view.value, app.inspector.decoded_view.value):
        assert "var(--jp-" in shown
        assert not re.search(r"(colou?r|background|border[\w-]*):\s*#", re.sub(r"var\(--jp-[^)]*\)", "", shown))


def test_importing_the_panels_without_ipywidgets_names_the_extra() -> None:
    code = ("import sys; sys.modules['ipywidgets'] = None\n"
            "from cfsign_nb.errors import MissingExtraError\n"
            "try:\n    import cfsign_nb.widgets\n"
            "except MissingExtraError as err:\n    print(err.extra, '|', err)\n")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.startswith("widgets | ")
    assert 'pip install "cfsign-nb[widgets]"' in shown.stdout and len(shown.stdout.strip().splitlines()) == 1


def test_panels_display_themselves() -> None:
    app = App(now=NOW)
    bundle = app._repr_mimebundle_()
    assert "text/plain" in bundle
    assert repr(app) == "App(key=None)"


# --- StageStepper ---------------------------------------------------------------------------

def test_stepping_through_a_signing_trace(any_key: PrivateKey) -> None:
    app = App(key=any_key, key_pair_id=KEY_ID, url=URL, now=NOW)
    app.signer.sign_button.click()
    assert app.signer.trace is not None and app.signer.trace.result == app.signer.result
    app.signer.step_button.click()
    stepper = app.stepper
    assert app.tabs.selected_index == 3
    assert stepper.stage is not None and stepper.stage.name == "inputs" and stepper.previous.disabled
    seen = [stepper.stage.name]
    while not stepper.next.disabled:
        stepper.next.click()
        seen.append(stepper.stage.name)
        assert stepper.stage.title in stepper.position.value
    assert seen == list(app.signer.trace.names)
    assert seen[-1] == "artifact"
    stepper.previous.click()
    assert stepper.stage.name == seen[-2]
    assert "PRIVATE KEY" not in stepper.view.value


def test_stepping_through_a_failing_decode_starts_at_the_failure(rsa_key: PrivateKey) -> None:
    app = App(key=rsa_key, key_pair_id=KEY_ID, now=NOW)
    app.inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60) + "&utm=1"
    app.inspector.step_button.click()
    trace = app.stepper.trace
    assert trace is not None and trace.direction == "decode" and not trace.ok
    assert app.stepper.stage is not None and app.stepper.stage.name == trace.stopped_at
    assert "URL_CHANGED_AFTER_SIGNING" in app.stepper.view.value


def test_stepper_without_a_trace_and_with_hostile_input() -> None:
    from cfsign_nb import trace_decode
    from cfsign_nb.widgets import StageStepper

    stepper = StageStepper()
    assert "nothing to step through" in stepper.view.value and stepper.next.disabled
    stepper.show(trace_decode(HOSTILE, now=NOW))
    while not stepper.next.disabled:
        assert "<img" not in stepper.view.value and "<script" not in stepper.view.value
        stepper.next.click()


# --- Inspector: any paste, CloudFront's response, a HAR session, Step through on its own ----------

CF_HOST = "d111111abcdef8.cloudfront.net"
ACCESS_DENIED = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                 "<Message>Access denied</Message></Error>")


def _curl_with_cookies(url: str, cookies: dict[str, str]) -> str:
    """A curl command as Chrome's "Copy as cURL (bash)" writes it, the cookies in a -H 'cookie: …' header."""
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return (f"curl '{url}' \\\n  -H 'accept: */*' \\\n  -H 'cookie: {header}' \\\n"
            "  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \\\n  --compressed")


def _har_entry(seconds: int, url: str, status: int, body: str = "") -> dict:
    """One HAR entry written by hand, with CloudFront's response headers."""
    started = datetime.fromtimestamp(NOW + seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cache = "Error from cloudfront" if status >= 400 else "Miss from cloudfront"
    return {"startedDateTime": started, "time": 10.0,
            "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Host", "value": CF_HOST}], "cookies": [], "queryString": []},
            "response": {"status": status, "statusText": "", "headers": [{"name": "X-Cache", "value": cache}],
                         "content": {"size": len(body), "mimeType": "text/xml", "text": body}}}


def _har(*entries: dict) -> str:
    import json

    return json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                               "entries": list(entries)}})


def test_inspector_before_anything_is_pasted_shows_no_red_cross() -> None:
    inspector = Inspector(now=NOW)
    assert inspector.valid.layout.visibility == "hidden" and inspector.valid.readout == ""
    assert inspector.verdict.value == "" and inspector.step_button.disabled


def test_inspector_takes_a_curl_command_and_says_what_it_took(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(f"https://{CF_HOST}/hls/*", expires=NOW + 60)
    inspector = Inspector(now=NOW)
    inspector.public_key_id.value = KEY_ID
    inspector.public_key.value = rsa_key.public_key_pem()
    inspector.artifact.value = _curl_with_cookies(f"https://{CF_HOST}/hls/s0.ts", cookies)
    result = inspector.result
    assert result is not None and result.ok and result.verified
    assert "PASTE_EXTRACTED" in [f.code for f in result.findings]
    assert "taken from the paste: taken from a curl command" in inspector.verdict.value
    assert inspector.valid.layout.visibility == "visible" and inspector.valid.readout == "served"


def test_inspector_request_url_is_shown_not_hidden_in_the_accordion() -> None:
    inspector = Inspector(now=NOW)
    assert inspector.request_url in inspector.widget.children
    assert inspector.response in inspector.widget.children


def test_inspector_holds_cloudfronts_response_against_the_verdict(rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60)
    inspector = Inspector(now=NOW)
    inspector.public_key_id.value = KEY_ID
    inspector.public_key.value = rsa_key.public_key_pem()
    inspector.artifact.value = url
    assert inspector.result is not None and inspector.result.cloudfront_said is None
    inspector.response.value = "HTTP/1.1 403 Forbidden\nX-Cache: Error from cloudfront\n\n" + ACCESS_DENIED
    result = inspector.result
    assert result is not None and result.cloudfront_said == "AccessDenied" and result.agrees is False
    assert "ANSWER_DISAGREES" in [f.code for f in result.findings] or "ORIGIN_DENIED" in [f.code for f in result.findings]


def test_standalone_inspector_steps_through_itself(rsa_key: PrivateKey) -> None:
    inspector = Inspector(now=NOW)
    inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW - 5)
    inspector.step_button.click()
    stepper = inspector.stepper
    assert stepper is not None and stepper.widget in inspector.step_view.children
    assert stepper.trace is not None and stepper.stage is not None and stepper.stage.name == stepper.trace.stopped_at
    assert "EXPIRED" in stepper.view.value
    inspector.artifact.value = ""
    assert inspector.step_view.children == ()


def test_inspector_in_the_app_steps_in_the_app_tab(rsa_key: PrivateKey) -> None:
    app = App(now=NOW)
    app.inspector.artifact.value = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW - 5)
    app.inspector.step_button.click()
    assert app.inspector.step_view.children == () and app.stepper.trace is not None


def test_inspector_har_upload_shows_failing_rows_first_and_a_timeline(rsa_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, rsa_key)
    served = signer.sign_url(f"https://{CF_HOST}/hls/s0.ts", expires=NOW + 60)
    expired = signer.sign_url(f"https://{CF_HOST}/hls/s1.ts?x=<b>", expires=NOW + 5)
    har = _har(_har_entry(1, served, 200), _har_entry(30, expired, 403, ACCESS_DENIED))
    inspector = Inspector(now=NOW)
    inspector.public_key_id.value = KEY_ID
    inspector.public_key.value = rsa_key.public_key_pem()
    inspector.session.upload.value = ({"name": "session.har", "type": "application/json", "size": len(har),
                                       "content": memoryview(har.encode()),
                                       "last_modified": datetime(2026, 1, 1, tzinfo=UTC)},)
    frame = inspector.session.frame
    assert frame is not None and list(frame["code"]) == ["OK", "EXPIRED"]
    table = inspector.session.table.value
    assert "cfsign-session" in table and table.index("EXPIRED") < table.index("s0.ts")
    assert "<b>" not in table and "&lt;b&gt;" in table
    assert "session.har: 2 requests to CloudFront, 1 refused" in inspector.session.status.value
    assert inspector.session.timeline.value.startswith("<img class='cfsign-timeline'")


def test_inspector_har_upload_of_junk_is_a_row_not_an_error() -> None:
    inspector = Inspector(now=NOW)
    frame = inspector.session.load("not a HAR <script>", name="x.json")
    assert frame is not None and len(frame) == 1
    assert "<script" not in inspector.session.table.value
