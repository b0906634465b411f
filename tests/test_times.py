from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import TimeError, parse_when
from cfsign_nb.settings import EXPIRES_AT
from cfsign_nb.times import format_epoch, naive_note, to_epoch

from .conftest import NOW, NOW_DT


def test_accepted_forms() -> None:
    assert to_epoch(NOW_DT) == NOW
    assert to_epoch(NOW) == NOW
    assert to_epoch(float(NOW) + 0.9) == NOW
    assert to_epoch(timedelta(minutes=10), now=NOW) == NOW + 600
    assert to_epoch(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == NOW


def test_naive_datetime_names_the_fix() -> None:
    with pytest.raises(TimeError, match=r"tzinfo=timezone\.utc"):
        to_epoch(datetime(2026, 1, 1), name="expires")


def test_milliseconds_are_refused_with_the_seconds_value() -> None:
    with pytest.raises(TimeError, match=r"milliseconds.*divide by 1000 \(1767225600\)"):
        to_epoch(NOW * 1000)


@pytest.mark.parametrize("bad", [None, True, "1767225600", date(2026, 1, 1), -5, float("nan")])
def test_other_bad_values(bad: object) -> None:
    with pytest.raises(TimeError):
        to_epoch(bad)


def test_parse_when() -> None:
    assert parse_when("+10m", now=NOW) == NOW + 600
    assert parse_when("+2h", now=NOW) == NOW + 7200
    assert parse_when("+7d", now=NOW) == NOW + 7 * 86400
    assert parse_when("-1h", now=NOW) == NOW - 3600
    assert parse_when("1767225600") == NOW
    assert parse_when("2026-01-01T00:00:00Z") == NOW
    assert parse_when("2026-01-01T00:00:00") == NOW  # no offset means UTC, as in the AWS CLI
    assert parse_when("2026-01-01") == NOW
    assert parse_when("2026-01-01T01:00:00+01:00") == NOW


@pytest.mark.parametrize(("text", "hint"), [("20260101", "2026-01-01"), ("tomorrow", "from now")])
def test_parse_when_errors(text: str, hint: str) -> None:
    with pytest.raises(TimeError, match=hint):
        parse_when(text)


def test_format_epoch() -> None:
    assert format_epoch(NOW) == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("text", "hint"),
    [("9" * 5000, "5000 digits"), ("+" + "9" * 5000 + "d", "5002 characters"), ("1²", "non-ASCII"),
     ("١٧٦٧٢٢٥٦٠٠", "ASCII digits only"), ("+１h", "non-ASCII"), ("\udcff", "non-ASCII"), ("9" * 21, "21 digits"),
     ("9" * 20, "even in milliseconds"), ("+99999999999w", "even in milliseconds"), ("2026-01-01\x00", "cannot read")],
)
def test_parse_when_refuses_hostile_text_cheaply(text: str, hint: str) -> None:
    with pytest.raises(TimeError, match=hint) as caught:
        parse_when(text, now=NOW)
    assert len(str(caught.value)) < 400  # the value is cut, never echoed whole


@pytest.mark.parametrize("value", [10**5000, -(10**5000), 1e300], ids=["huge", "huge-negative", "1e300"])
def test_huge_numbers_are_a_time_error_not_a_conversion_error(value: object) -> None:
    with pytest.raises(TimeError, match=r"10 digits|before 1970"):
        to_epoch(value)


def test_parse_when_takes_only_text() -> None:
    with pytest.raises(TimeError, match="to_epoch"):
        parse_when(NOW)  # type: ignore[arg-type]


@given(st.text(max_size=80) | st.from_regex(r"[+-]?[0-9]{1,6000}[smhdw]?", fullmatch=True))
@settings(max_examples=300, deadline=None)
def test_parse_when_returns_an_epoch_or_raises_time_error(text: str) -> None:
    try:
        assert 0 <= parse_when(text, now=NOW) < 10**12
    except TimeError:
        pass


# --- the note for a time typed without a zone (the CLI and the panels show the same text) -----------

@pytest.mark.parametrize("text", ["2026-12-31T23:59:00", " 2026-12-31 23:59 ", "2026-12-31"])
def test_a_time_without_a_zone_gets_the_utc_note(text: str) -> None:
    note = naive_note(text, "expiry")
    assert note == (f"the expiry {text.strip()!r} has no time zone, so it was read as UTC; add Z (or an offset "
                    "such as +02:00) to say which")
    assert parse_when(text) == parse_when(text.strip() + ("Z" if "T" in text or ":" in text else "T00:00:00Z"))


@pytest.mark.parametrize("text", ["2026-12-31T23:59:00Z", "2026-12-31T23:59:00+02:00", "+1h", "-1h", "1767225600",
                                  "", "tomorrow", "2026-13-45T99:00:00", "２０２６-12-31", "2026-12-31T" + "0" * 100])
def test_no_note_for_times_that_say_their_zone_or_are_not_iso(text: str) -> None:
    assert naive_note(text) is None


@pytest.mark.parametrize(("text", "said"), [
    ("99999999999999", "'99999999999999' has 14 digits: it looks like milliseconds"),
    ("+99999999w", f"'+99999999w' (epoch {NOW + 99999999 * 7 * 86400}) has 14 digits"),
    ("-3000w", f"'-3000w' (epoch {NOW - 3000 * 7 * 86400}) is before 1970"),
    ("20260101", "'20260101' looks like a YYYYMMDD date"),
])
def test_parse_when_shows_the_typed_text_and_where_it_was_typed(text: str, said: str) -> None:
    with pytest.raises(TimeError) as plain:
        parse_when(text, now=NOW)
    assert str(plain.value).startswith(said) and "time=" not in str(plain.value)  # no Python name of any place
    with pytest.raises(TimeError) as named:
        parse_when(text, now=NOW, setting=EXPIRES_AT)
    assert str(named.value).startswith(f"{text!r} in expires=parse_when(...) ")
