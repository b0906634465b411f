"""Terminal text: findings and wrapped paragraphs that fit the terminal's width."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence

from ..findings import Finding


def width() -> int:
    """The terminal's width in columns (``COLUMNS``, else the terminal's, else 80), capped at 120 for reading.

    Read with :func:`os.get_terminal_size`, as :func:`shutil.get_terminal_size` does, without
    importing :mod:`shutil` (and its compression modules) into every ``import cfsign_nb``.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return min(int(columns), 120)
    try:
        return min(os.get_terminal_size(1).columns or 80, 120)
    except (OSError, ValueError):
        return 80


def wrap(text: str, *, indent: str = "", columns: int | None = None) -> str:
    """``text`` wrapped to the terminal, long unbroken runs (URLs, base64) split rather than overflowing."""
    return textwrap.fill(text, width=columns or width(), initial_indent=indent, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False)


def findings_text(findings: Sequence[Finding], *, columns: int | None = None) -> str:
    """One paragraph per finding: ``severity CODE: message`` and the fix beneath it."""
    lines = []
    for f in findings:
        lines.append(wrap(f"{f.severity:<7} {f.code}: {f.message}", columns=columns))
        if f.fix:
            lines.append(wrap(f"fix: {f.fix}", indent="        ", columns=columns))
    return "\n".join(lines)


def marked_lines(text: str, spans: Sequence[tuple[int, int]], width: int) -> list[str]:
    """``text`` cut into lines of at most ``width``, each line with marked characters followed by carets.

    ``spans`` are half-open character ranges of ``text`` (newlines count as one character).
    """
    out: list[str] = []
    position = 0
    for line in text.split("\n"):
        for start in range(0, max(len(line), 1), width):
            chunk = line[start:start + width]
            begin = position + start
            carets = [" "] * len(chunk)
            for m_start, m_end in spans:
                for i in range(max(m_start, begin), min(m_end, begin + len(chunk))):
                    carets[i - begin] = "^"
            out.append(chunk)
            if "^" in carets:
                out.append("".join(carets).rstrip())
        position += len(line) + 1
    return out
