"""Lining two traces up stage by stage, and the characters where two outputs part.

Stages are matched by name and walked in signing order whichever way either trace was made, so
the first difference is the earliest step that went another way.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from ..findings import STAGE_NAMES
from .format import Marks

if TYPE_CHECKING:
    from .model import Trace

Status = str
"""``same``, ``different``, ``only left`` or ``only right``."""


def line_up(left: Trace, right: Trace) -> tuple[tuple[tuple[str, Status], ...], str | None]:
    """Each stage name with its status, and the first that differs (else the first only one trace reached)."""
    names = [*STAGE_NAMES, *(n for n in (*left.names, *right.names) if n not in STAGE_NAMES)]
    rows: list[tuple[str, Status]] = []
    for name in dict.fromkeys(names):
        a, b = left.get(name), right.get(name)
        if a is None and b is None:
            continue
        if a is None or b is None:
            rows.append((name, "only left" if b is None else "only right"))
        else:
            rows.append((name, "same" if a.value == b.value else "different"))
    first = next((n for n, status in rows if status == "different"), None)
    if first is None:
        first = next((n for n, status in rows if status != "same"), None)
    return tuple(rows), first


def diff_marks(a: str, b: str) -> tuple[Marks, Marks]:
    """Spans of ``a`` and of ``b`` that are not common to both."""
    left: list[tuple[int, int]] = []
    right: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            if i2 > i1:
                left.append((i1, i2))
            if j2 > j1:
                right.append((j1, j2))
    return tuple(left), tuple(right)
