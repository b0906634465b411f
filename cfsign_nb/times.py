"""Turn the ways people write a time into CloudFront epoch seconds, refusing the classic mistakes."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, date, datetime, timedelta

from .errors import TimeError
from .settings import Setting

TimeLike = datetime | int | float | timedelta
"""An aware datetime, epoch seconds, or a timedelta counted from ``now``."""

MAX_EPOCH_32 = 2**31 - 1
"""The old documented limit (2038-01-19); clients older than 2026 may reject later times."""

MAX_SECONDS = 10**12
"""Epoch values from here on are taken as milliseconds (10**12 ms is 2001-09-09; as seconds, year 33658)."""


def now_epoch(now: TimeLike | None = None) -> int:
    """``now`` as epoch seconds; the current clock when ``now`` is None."""
    if now is None:
        return int(time.time())
    if isinstance(now, timedelta):
        raise TimeError("now= must be an aware datetime or epoch seconds, not a timedelta")
    return to_epoch(now, name="now")


def to_epoch(value: object, *, now: TimeLike | None = None, name: str = "time") -> int:
    """Convert an aware datetime, epoch seconds or a timedelta (from ``now``) to epoch seconds."""
    if type(value) is int:
        return _check_range(value, name)
    if isinstance(value, bool) or value is None:
        raise TimeError(
            f"{name} must be an aware datetime, epoch seconds or a timedelta, got {value!r}"
        )
    if isinstance(value, timedelta):
        return now_epoch(now) + int(value.total_seconds())
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TimeError(
                f"{name} is a naive datetime ({value.isoformat()}): CloudFront times are UTC, so "
                "say which zone you mean, e.g. datetime(..., tzinfo=timezone.utc) or "
                "value.replace(tzinfo=timezone.utc)"
            )
        return _check_range(int(value.timestamp()), name)
    if isinstance(value, date):
        raise TimeError(
            f"{name} is a date ({value.isoformat()}), not a time; use an aware datetime such as "
            f"datetime({value.year}, {value.month}, {value.day}, tzinfo=timezone.utc)"
        )
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise TimeError(f"{name} must be a finite number of epoch seconds, got {value!r}")
        return _check_range(int(value), name)
    raise TimeError(
        f"{name} must be an aware datetime, epoch seconds or a timedelta, "
        f"got {type(value).__name__}; parse strings with cfsign_nb.parse_when()"
    )


def _check_range(epoch: int, name: str, typed: str | None = None) -> int:
    """``epoch`` when it can be a CloudFront time; else a :class:`TimeError` naming ``name``.

    ``typed`` is the text a person typed (already quoted, with where it was typed): the message then
    shows that text instead of ``name=epoch``.
    """
    subject = f"{name}={_number(epoch)}" if typed is None else typed
    if epoch < 0:
        before = f"{name} is before 1970 ({_number(epoch)})" if typed is None else f"{typed} is before 1970"
        raise TimeError(f"{before}; CloudFront epoch times are positive")
    if epoch >= MAX_SECONDS * 1000:
        raise TimeError(
            f"{subject} is too far in the future to be a time, even in milliseconds; "
            "CloudFront wants epoch seconds, which have 10 digits (e.g. 1767290400)"
        )
    if epoch >= MAX_SECONDS:
        raise TimeError(
            f"{subject} has {len(str(epoch))} digits: it looks like milliseconds "
            f"(e.g. JavaScript's Date.now()); CloudFront wants seconds, so divide by 1000 "
            f"({epoch // 1000})"
        )
    return epoch


def _number(value: int) -> str:
    """``value`` for a message; a huge one by its size, as str() of it costs (or raises) past 4,300 digits."""
    return str(value) if value.bit_length() <= 64 else f"<a number of about {int(value.bit_length() * 0.30103)} digits>"


def to_datetime(epoch: int) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, tz=UTC)


def format_epoch(epoch: int) -> str:
    """``1767290400`` → ``'2026-01-01T18:00:00Z'``."""
    try:
        return to_datetime(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"epoch {epoch}"


_RELATIVE_RE = re.compile(r"([+-])([0-9]+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MAX_DIGITS = 20
"""More digits than any epoch time, in seconds or in the milliseconds that get a dedicated hint."""
_MAX_TEXT = 64
"""Longer than any time people type (``2026-12-31T23:59:59.999999+05:30`` has 32 characters)."""
_EXAMPLES = ("use +10m, +2h or +7d (from now), epoch seconds such as 1767290400, "
             "or ISO-8601 such as 2026-12-31T23:59:00Z")


def parse_when(text: str, *, now: TimeLike | None = None, setting: Setting | None = None) -> int:
    """Parse a time as people type it: ``+10m``/``+2h``/``-1d`` (from now), epoch seconds, or ISO-8601.

    ISO-8601 values without an offset are taken as UTC (as ``aws cloudfront sign`` does);
    a bare date means midnight UTC. The text is checked (ASCII, length) before any number is
    converted, so hostile input costs nothing and fails with a :class:`TimeError`. ``setting`` is
    where the text was typed (e.g. ``settings.EXPIRES_AT``): messages name it, so each place
    (:func:`cfsign_nb.settings.reword`) names its own flag or field; without it they show the text only.
    """
    if not isinstance(text, str):
        raise TimeError(f"parse_when() takes text such as '+10m', got {type(text).__name__}; "
                        "convert datetimes and numbers with cfsign_nb.to_epoch()")
    text = text.strip()
    where = "" if setting is None else f" in {setting.python}"
    if not text.isascii():
        odd = next(ch for ch in text if not ch.isascii())
        raise TimeError(f"cannot read {_shown(text)}{where} as a time: it contains the non-ASCII character "
                        f"{odd!a}; type the time with ASCII digits only ({_EXAMPLES})")
    if text.isdigit() and len(text) > _MAX_DIGITS:
        raise TimeError(f"{_shown(text)}{where} has {len(text)} digits, more than any epoch time; epoch "
                        "seconds have 10 digits (e.g. 1767290400)")
    if len(text) > _MAX_TEXT:
        raise TimeError(f"{_shown(text)}{where} is {len(text)} characters long, longer than any time; "
                        f"{_EXAMPLES}")
    typed = _shown(text) + where
    relative = _RELATIVE_RE.fullmatch(text)
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        epoch = now_epoch(now) + sign * int(relative.group(2)) * _UNITS[relative.group(3)]
        return _check_range(epoch, "time", f"{typed} (epoch {_number(epoch)})")
    if text.isdigit():
        if len(text) == 8 and text.startswith(("19", "20")):
            raise TimeError(
                f"{text!r}{where} looks like a YYYYMMDD date but would be read as epoch seconds; "
                f"write it as {text[:4]}-{text[4:6]}-{text[6:]}"
            )
        return _check_range(int(text), "time", typed)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimeError(f"cannot read {typed} as a time; {_EXAMPLES}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    epoch = int(parsed.timestamp())
    return _check_range(epoch, "time", f"{typed} (epoch {epoch})")


def naive_note(text: str, label: str = "time") -> str | None:
    """The warning for an ISO-8601 time without an offset, which :func:`parse_when` reads as UTC; else None.

    One text for every place that reads typed times (the CLI's ``--expires``, the panels' fields).
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if not (stripped.isascii() and 8 <= len(stripped) <= _MAX_TEXT) or stripped.isdigit() or stripped[0] in "+-":
        return None
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return None
    return (f"the {label} {stripped!r} has no time zone, so it was read as UTC; add Z (or an offset such as "
            "+02:00) to say which")


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters so a huge value keeps it short."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"
