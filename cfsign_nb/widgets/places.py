"""The core's messages as the panels show them: each setting named by its panel control, never a Python argument.

The names come from :mod:`cfsign_nb.settings` (one table for every place); this module only applies them
to the panels' text and HTML: status lines, the verdict, the findings table and the stepper's stages.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import render
from ..findings import Finding
from ..settings import reword
from ..trace import Trace


def for_panel(text: str) -> str:
    """``text`` with each setting's Python argument replaced by the panel control that gives it."""
    return reword(text, "panel")


def findings_table(findings: Sequence[Finding]) -> str:
    """The findings as :func:`cfsign_nb.render.findings_table` draws them, worded for the panels."""
    return reword(render.findings_table(findings), "panel", in_html=True)


def stage_html(trace: Trace, index: int) -> str:
    """One stage of ``trace`` as :meth:`Trace.stage_html` draws it, worded for the panels."""
    return reword(trace.stage_html(index), "panel", in_html=True)
