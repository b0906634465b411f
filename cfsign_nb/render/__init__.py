"""One place that turns values into HTML and terminal text.

Every view — ``_repr_html_``, ``__str__``, the trace views, the panels — builds its output from
these pieces, so there is one escaper and one palette (JupyterLab's theme variables, so light and
dark themes both read well). Standard library only; it knows findings, nothing above the core.
"""

from .html import (
    PALETTE,
    banner,
    box,
    caption,
    colour,
    coloured,
    esc,
    findings_table,
    key_value_table,
    marked,
    message,
    pre,
    side_by_side,
    table,
)
from .text import findings_text, marked_lines, wrap

__all__ = ["PALETTE", "banner", "box", "caption", "colour", "coloured", "esc", "findings_table", "findings_text",
           "key_value_table", "marked", "marked_lines", "message", "pre", "side_by_side", "table", "wrap"]
