"""Turn the ways people write a time into CloudFront epoch seconds, refusing the classic mistakes."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Union

from .errors import TimeError

TimeLike = Union[datetime, int, float, timedelta]
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


def _check_range(epoch: int, name: str) -> int:
    if epoch < 0:
        raise TimeError(f"{name} is before 1970 ({epoch}); CloudFront epoch times are positive")
    if epoch >= MAX_SECONDS:
        raise TimeError(
            f"{name}={epoch} has {len(str(epoch))} digits: it looks like milliseconds "
            f"(e.g. JavaScript's Date.now()); CloudFront wants seconds, so divide by 1000 "
            f"({epoch // 1000})"
        )
    return epoch


def to_datetime(epoch: int) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, tz=UTC)


def format_epoch(epoch: int) -> str:
    """``1767290400`` → ``'2026-01-01T18:00:00Z'``."""
    try:
        return to_datetime(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"epoch {epoch}"


_RELATIVE_RE = re.compile(r"([+-])(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(text: str, *, now: TimeLike | None = None) -> int:
    """Parse a time as people type it: ``+10m``/``+2h``/``-1d`` (from now), epoch seconds, or ISO-8601.

    ISO-8601 values without an offset are taken as UTC (as ``aws cloudfront sign`` does);
    a bare date means midnight UTC.
    """
    text = text.strip()
    relative = _RELATIVE_RE.fullmatch(text)
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        return to_epoch(now_epoch(now) + sign * int(relative.group(2)) * _UNITS[relative.group(3)], name="time")
    if text.isdigit():
        if len(text) == 8 and text.startswith(("19", "20")):
            raise TimeError(
                f"{text!r} looks like a YYYYMMDD date but would be read as epoch seconds; "
                f"write it as {text[:4]}-{text[4:6]}-{text[6:]}"
            )
        return to_epoch(int(text), name="time")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimeError(
            f"cannot read {text!r} as a time; use +10m, +2h or +7d (from now), epoch seconds "
            "such as 1767290400, or ISO-8601 such as 2026-12-31T23:59:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return to_epoch(parsed, name="time")
