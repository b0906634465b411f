"""The Sign tab's inputs (PolicyBuilder) driven as a user would, without a kernel or a browser."""

from __future__ import annotations

from datetime import UTC, datetime

from cfsign_nb.times import naive_note
from cfsign_nb.widgets import PolicyBuilder

from .conftest import NOW, URL


def test_policy_builder_says_canned_or_custom_and_why() -> None:
    builder = PolicyBuilder(url=URL, now=NOW)
    assert builder.plan is not None and builder.plan.canned
    assert "canned" in builder.view.value and "rebuilds the policy" in builder.view.value
    builder.ip.value = "192.0.2.0/24"
    assert builder.plan is not None and not builder.plan.canned
    assert "IP address condition" in builder.view.value
    assert "192.0.2.0/24" in builder.view.value
    builder.quick.value = "+10 min"
    assert builder.plan.policy.date_less_than == NOW + 600


def test_policy_builder_inline_errors_never_raise() -> None:
    builder = PolicyBuilder(url=URL, now=NOW)
    for field, value, hint in [
        ("expires", "tomorrow", "cannot read"),
        ("expires", str(NOW * 1000), "milliseconds"),
        ("ip", "2001:db8::/32", "only IPv4"),
        ("url", "d111111abcdef8.cloudfront.net/a.jpg", "absolute"),
        ("starts", "+2h", "before the expiry"),
    ]:
        getattr(builder, field).value = value
        assert builder.plan is None and hint in (builder.error or ""), (field, builder.error)
        assert hint in builder.view.value
        getattr(builder, field).value = {"expires": "+1h", "ip": "", "url": URL, "starts": ""}[field]
        assert builder.plan is not None


def test_naive_time_gets_a_clear_message() -> None:
    builder = PolicyBuilder(url=URL, now=NOW)
    builder.set_expires(datetime(2026, 1, 2))
    assert builder.plan is None and "naive datetime" in builder.view.value
    builder.expires.value = "2026-01-02T00:00:00"
    assert "no time zone, so it was read as UTC" in builder.view.value
    builder.expires_picker.value = datetime(2026, 1, 3, tzinfo=UTC)
    assert builder.plan is not None and builder.plan.policy.date_less_than == NOW + 2 * 86400


def test_policy_builder_escapes_what_it_shows() -> None:
    builder = PolicyBuilder(url=URL, now=NOW)
    builder.resource.value = "https://d111111abcdef8.cloudfront.net/<script>alert(1)</script>*"
    assert "<script>" not in builder.view.value and "&lt;script&gt;" in builder.view.value


def test_policy_builder_notes_an_expiry_in_the_past() -> None:
    builder = PolicyBuilder(url=URL, now=NOW)
    builder.expires.value = str(NOW - 5)
    assert builder.plan is not None and "already passed" in builder.view.value


def test_a_naive_time_gets_the_cores_note_for_expiry_and_start() -> None:
    """The panel says what the CLI's --expires says for the same input: one text, from cfsign_nb.times."""
    builder = PolicyBuilder(url=URL, now=NOW)
    builder.expires.value = "2026-01-02 00:00"
    builder.starts.value = "2026-01-01T12:00:00"
    for label, text in (("expiry", "2026-01-02 00:00"), ("start", "2026-01-01T12:00:00")):
        note = naive_note(text, label)
        assert note is not None and note.replace("'", "&#x27;") in builder.view.value
    builder.expires.value, builder.starts.value = "2026-01-02T00:00:00Z", "2026-01-01T12:00:00+02:00"
    assert builder.plan is not None and "no time zone" not in builder.view.value
