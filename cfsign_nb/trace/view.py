"""A trace and a comparison as terminal text and as HTML, built from :mod:`cfsign_nb.render` pieces.

Text marks changed characters with a line of carets beneath them; HTML highlights them. Every
value shown comes from the artifact, so all of it goes through render's one escaper.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import render
from ..render.text import width as terminal_width
from .compare import diff_marks
from .format import Marks

if TYPE_CHECKING:
    from .model import Comparison, Stage, Trace

_INDENT = "    "
_MIN_COLUMNS = 40  # narrower than any terminal people read a trace in; keeps every block some room
_COMPARE_WIDTH = 76  # a hex dump line (74 characters) fits whole, when the terminal has the room
_CARET_SPAN = 8  # longer marks (a whole query string) are left to the HTML view
_VALUE_COLUMN = "max-width:0;width:62%"  # takes the room left, scrolls its code blocks rather than widen the page
_STAGE_COLUMN = "min-width:8em;overflow-wrap:normal"  # whole words: titles and names never break mid-word
_WHY_COLUMN = "min-width:12em"


# --- text ---------------------------------------------------------------------------------------

def trace_text(trace: Trace, *, columns: int | None = None) -> str:
    """The headline, then every stage: its input (when not the previous output), output, detail and why.

    No line is longer than ``columns`` (default: the terminal's width, :func:`cfsign_nb.render.text.width`).
    """
    width = max(columns or terminal_width(), _MIN_COLUMNS)
    rule = "-" * width
    lines = [*_wrapped(trace.headline, width), rule]
    previous: Stage | None = None
    for number, stage in enumerate(trace.stages, 1):
        lines += _stage_text(number, stage, previous, width)
        lines.append(rule)
        previous = stage
    return "\n".join(lines)


def _wrapped(text: str, width: int, indent: str = "", later: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width``, long unbroken runs (URLs, base64) split."""
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent if later is None else later,
                         break_long_words=True, break_on_hyphens=False) or [indent.rstrip()]


def _stage_text(number: int, stage: Stage, previous: Stage | None, width: int) -> list[str]:
    status = "ok" if stage.ok else "FAIL"
    lines = _wrapped(f"{number:>2}  {stage.name:<18} {status:<4}  {stage.title}", width, later=" " * 30)

    def block(label: str, text: str, marks: Marks = ()) -> None:
        lines.append(f"{_INDENT}{label}:")
        lines.extend(_INDENT + "  " + line for line in render.marked_lines(text, marks, width - len(_INDENT) - 2))

    if previous is None or stage.input != previous.output:
        block("in", stage.input)
    block("out", stage.output, tuple(m for m in stage.marks if m[1] - m[0] <= _CARET_SPAN))
    if stage.detail:
        block("detail", stage.detail)
    lines += _wrapped("why: " + stage.explanation, width, _INDENT)
    for note in stage.notes:
        lines += _wrapped(f"note: {note.severity} {note.code}: {note.message}", width, _INDENT)
    if stage.problem is not None:
        answer = stage.problem.cloudfront_error or stage.problem.severity
        lines += _wrapped(f"problem: {stage.problem.code} ({answer})", width, _INDENT)
    return lines


def comparison_text(comparison: Comparison, *, columns: int | None = None) -> str:
    """Every stage's status; at the first difference, both outputs with the differences marked.

    No line is longer than ``columns`` (default: the terminal's width).
    """
    width = max(columns or terminal_width(), _MIN_COLUMNS)
    summary = _wrapped("  ".join(f"{name}:{status}" for name, status in comparison.rows), width)
    if comparison.first_difference is None:
        return "\n".join(["The traces agree at every stage they share.", *summary])
    left, right = comparison.left_stage, comparison.right_stage
    title = (left or right).title if (left or right) else ""  # type: ignore[union-attr]
    lines = _wrapped(f"First difference: {comparison.first_difference} ({title})", width)
    for note in comparison.diagnosis_notes:
        lines += _wrapped(note, width)
    lines += summary
    left_marks, right_marks = diff_marks(left.output if left else "", right.output if right else "")
    for label, stage, marks in zip(comparison.labels, (left, right), (left_marks, right_marks), strict=True):
        lines += _wrapped(f"{label}:", width)
        if stage is None:
            lines += _wrapped("(this trace has no such stage: it stopped earlier)", width, _INDENT)
        else:
            chunk = min(_COMPARE_WIDTH, width - len(_INDENT))
            lines += [_INDENT + line for line in render.marked_lines(stage.output, marks, chunk)]
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------

def trace_html(trace: Trace, indices: Iterable[int], *, show_inputs: bool = False) -> str:
    """The stages at ``indices`` as one table under the headline; inputs only where they are news."""
    stages = trace.stages
    shown = [(i, stages[i], None if show_inputs or i == 0 else stages[i - 1]) for i in indices]
    rows = [_stage_cells(i + 1, stage, previous) for i, stage, previous in shown]
    table = render.table(("#", "stage", "value", "why"), rows, css_class="cfsign-stages",
                         column_styles=("", _STAGE_COLUMN, _VALUE_COLUMN, _WHY_COLUMN),
                         accents=["ok" if stage.ok else "error" for _, stage, _ in shown])
    return render.box(table, css_class="cfsign-trace", title=trace.headline)


def _stage_cells(number: int, stage: Stage, previous: Stage | None) -> tuple[str, str, str, str]:
    kind = "ok" if stage.ok else "error"
    name = (f"<b>{render.esc(stage.title)}</b><br><code>{render.esc(stage.name)}</code> "
            f"{render.coloured('✔' if stage.ok else '✘', kind, bold=True)}")
    value = ""
    if previous is None or stage.input != previous.output:
        value += render.caption("in") + render.pre(stage.input) + render.caption("out")
    output = render.pre(stage.output, render.marked(stage.output, stage.marks))
    value += render.side_by_side([output, render.pre(stage.detail)]) if stage.detail else output
    why = render.esc(stage.explanation)
    for note in stage.notes:
        why += (f"<div style='opacity:.85;margin-top:3px'><code>{render.esc(note.code)}</code> "
                f"{render.esc(note.message)}</div>")
    if stage.problem is not None:
        answer = stage.problem.cloudfront_error or stage.problem.severity
        why += (f"<div style='color:{render.colour('error')};margin-top:3px'>"
                f"<b><code>{render.esc(stage.problem.code)}</code></b> {render.esc(answer)}</div>")
    return str(number), name, value, why


def comparison_html(comparison: Comparison) -> str:
    """The first difference with both outputs side by side and the differences highlighted; every status."""
    statuses = "".join(
        f"<span style='margin-right:10px'><code>{render.esc(name)}</code> "
        f"{render.coloured(status, {'same': 'ok', 'different': 'error'}.get(status, 'text'))}</span>"
        for name, status in comparison.rows
    )
    if comparison.first_difference is None:
        body = "<p>The traces agree at every stage they share.</p>"
    else:
        left, right = comparison.left_stage, comparison.right_stage
        left_marks, right_marks = diff_marks(left.output if left else "", right.output if right else "")
        sides = []
        for label, stage, marks in zip(comparison.labels, (left, right), (left_marks, right_marks), strict=True):
            block = (render.pre(stage.output, render.marked(stage.output, marks)) if stage
                     else render.pre("(no such stage: it stopped earlier)"))
            sides.append(f"<b>{render.esc(label)}</b>{block}")
        title = (left or right).title if (left or right) else ""  # type: ignore[union-attr]
        notes = "".join(f"<p style='margin:2px 0'>{render.esc(note)}</p>" for note in comparison.diagnosis_notes)
        body = (f"<p>First difference: <code>{render.esc(comparison.first_difference)}</code> "
                f"({render.esc(title)})</p>{notes}{render.side_by_side(sides, min_width='20em')}")
    return render.box(f"{body}<div style='margin-top:4px'>{statuses}</div>", css_class="cfsign-comparison")
