from datetime import date, datetime, timedelta, timezone

import pytest

from cfsign_nb import TimeError, parse_when
from cfsign_nb.times import format_epoch, to_epoch

from .conftest import NOW, NOW_DT


def test_accepted_forms() -> None:
    assert to_epoch(NOW_DT) == NOW
    assert to_epoch(NOW) == NOW
    assert to_epoch(float(NOW) + 0.9) == NOW
    assert to_epoch(timedelta(minutes=10), now=NOW) == NOW + 600
    assert to_epoch(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == NOW


def test_naive_datetime_names_the_fix() -> None:
    with pytest.raises(TimeError, match="tzinfo=timezone.utc"):
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
