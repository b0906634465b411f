"""``cfsign diagnose --har``: a browser session's requests to CloudFront as a table, failing rows first.

The table fits 80 columns (time, status, what CloudFront said, the cause, the path); below it
each failing request's message and fix, wrapped. ``--json`` gives the rows as plain values.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..frames.har import HAR_COLUMNS, diagnose_har
from ..render.text import wrap
from .options import STDIN_LIMIT
from .output import for_cli

__all__ = ["COLUMNS", "har_json", "har_text", "read_har"]

COLUMNS = 80
_HAR_LIMIT = 256 * STDIN_LIMIT
"""The largest HAR read (256 MB: a long session with its bodies embedded)."""


def read_har(path: Path, public_keys: dict[str, Any]) -> pd.DataFrame:
    """The diagnosed rows of the HAR file at ``path``; a file that is not a HAR is one InputError line."""
    with path.open("rb") as handle:  # an OSError is reported by main() as one line
        data = handle.read(_HAR_LIMIT + 1)
    if len(data) > _HAR_LIMIT:
        raise InputError(f"{str(path)[:200]!r} is larger than {_HAR_LIMIT >> 20} MB; export a shorter session")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise InputError(f"{str(path)[:200]!r} is not a HAR file (not JSON: {str(err)[:120]}); save it from the "
                         "browser's network panel with 'Save all as HAR'") from None
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise InputError(f"{str(path)[:200]!r} is JSON but not a HAR (no log.entries); save it from the browser's "
                         "network panel with 'Save all as HAR'")
    table = diagnose_har(document, public_keys=public_keys or None)
    for column in ("message", "fix"):  # the findings' words, with each setting named by its flag
        table[column] = table[column].map(lambda text: for_cli(text) if isinstance(text, str) else text)
    return table


def failing_first(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with the failed ones first, each group in the order the requests started."""
    failed = table["failed"].fillna(True).astype(bool)
    return pd.concat([table[failed], table[~failed]])


def har_text(table: pd.DataFrame, columns: int = COLUMNS) -> str:
    """The table for a terminal ``columns`` wide: one line a request, then why each failing one failed."""
    if table.empty:
        return "no request in this HAR went to CloudFront or carried signed URLs or cookies"
    rows = failing_first(table)
    code_width = min(31, max(4, *(len(str(c)) for c in rows["code"])))
    head = f"{'#':>3} {'time':8} {'st':3} {'CloudFront':12} {'code':{code_width}} "
    path_width = max(12, columns - len(head))
    lines = [head + "path", "-" * min(columns, len(head) + path_width)]
    notes: list[str] = []
    for number, row in enumerate(rows.itertuples(), 1):
        said = row.cloudfront_said if isinstance(row.cloudfront_said, str) else (
            "(origin)" if row.answered_by == "origin" else "")
        lines.append(f"{number:>3} {_time(row.started):8} {_status(row.status):3} {said[:12]:12} "
                     f"{str(row.code)[:code_width]:{code_width}} {_path(row.url, path_width)}")
        if row.failed or row.agrees is False:
            notes.append(wrap(f"[{number}] {row.code}: {row.message}", indent="    ", columns=columns))
            if isinstance(row.fix, str) and row.fix:
                notes.append(wrap(f"fix: {row.fix}", indent="        ", columns=columns))
    failed = int(rows["failed"].fillna(True).sum())
    judged = rows["agrees"].dropna()
    summary = (f"{len(rows)} requests, {failed} failed; the diagnosis agrees with the answer on "
               f"{int(judged.sum())} of {len(judged)}")
    return "\n".join([*lines, "", summary, *(["", *notes] if notes else [])])


def har_json(table: pd.DataFrame) -> dict[str, Any]:
    """The rows as plain JSON values (times in ISO-8601 UTC), failing first."""
    rows = failing_first(table)
    return {
        "requests": len(rows),
        "failed": int(rows["failed"].fillna(True).sum()),
        "rows": [{name: _plain(getattr(row, name)) for name in HAR_COLUMNS} for row in rows.itertuples()],
    }


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[no-any-return]
    return value


def _time(started: object) -> str:
    return started.strftime("%H:%M:%S") if isinstance(started, pd.Timestamp) else "-"


def _status(status: object) -> str:
    return "-" if status is None or status is pd.NA else str(status)


def _path(url: object, width: int) -> str:
    """The URL without scheme, host and query (the query shown as ``?…``), its end kept when too long."""
    if not isinstance(url, str):
        return "-"
    rest = url.partition("://")[2] if "://" in url else url
    path, has_query, _ = ("/" + rest.partition("/")[2]).partition("?")
    shown = path + ("?…" if has_query else "")
    return shown if len(shown) <= width else "…" + shown[-(width - 1):]
