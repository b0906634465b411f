"""HTML pieces: the escaper, the palette, tables, banners, marked text and pre blocks.

Everything that reaches a page goes through :func:`esc` here: the ipywidgets ``HTML`` widget and
notebook outputs do not sanitise, and a pasted URL is attacker-controlled. Every piece escapes
what it is given as text; arguments documented as HTML (``rows`` cells, ``body``) are escaped by
the caller, with these pieces.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from ..findings import Finding

PALETTE: Mapping[str, str] = {
    "ok": "var(--jp-success-color1, #2e7d32)",
    "error": "var(--jp-error-color1, #c62828)",
    "warning": "var(--jp-warn-color1, #ef6c00)",
    "info": "var(--jp-info-color1, #546e7a)",
    "text": "var(--jp-ui-font-color1, inherit)",
    "muted": "var(--jp-ui-font-color2, inherit)",
    "border": "var(--jp-border-color1, rgba(127,127,127,.5))",
    "rule": "var(--jp-border-color2, rgba(127,127,127,.3))",
    "code-background": "var(--jp-layout-color2, rgba(127,127,127,.12))",
    "mark": "var(--jp-warn-color2, #ffb74d)",
    "error-background": "var(--jp-error-color3, #fdecea)",
}
"""Colours by role, as JupyterLab theme variables with a fallback for other front ends."""

_FONT = "font-family:var(--jp-ui-font-family, sans-serif);font-size:var(--jp-ui-font-size1, 13px)"
_MONO = "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 12px)"
_TABLE = ("border-collapse:collapse;width:100%;background:transparent;color:inherit;table-layout:auto;"
          "line-height:1.4")
_TH = (f"text-align:left;padding:4px 6px;border-bottom:2px solid {PALETTE['border']};"
       "color:inherit;background:transparent;white-space:normal;overflow-wrap:normal;word-break:normal")
_TD = (f"text-align:left;vertical-align:top;padding:4px 6px;color:inherit;background:transparent;"
       f"border-bottom:1px solid {PALETTE['rule']};white-space:normal;overflow-wrap:anywhere")
_PRE = f"margin:0;padding:4px 6px;{_MONO};color:inherit;background:{PALETTE['code-background']};border-radius:3px"
_MARK = f"background:{PALETTE['mark']};color:#000;border-radius:2px"


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


def colour(kind: str) -> str:
    """The palette colour of ``kind`` (ok, error, warning, info, ...), the text colour when unknown."""
    return PALETTE.get(kind, PALETTE["text"])


def coloured(text: str, kind: str, *, bold: bool = False) -> str:
    """``text`` in the colour of ``kind``: a severity, a ✔/✘ mark, a same/different status."""
    weight = ";font-weight:bold" if bold else ""
    return f"<span style='color:{colour(kind)}{weight}'>{esc(text)}</span>"


def box(body: str, *, css_class: str = "", title: str | None = None) -> str:
    """A container in the theme's UI font and text colour around ``body`` (HTML), with a bold title line."""
    head = f"<div style='font-weight:600;margin:0 0 4px'>{esc(title)}</div>" if title is not None else ""
    style = f"{_FONT};color:{PALETTE['text']};background:transparent;overflow-wrap:anywhere"
    return f"<div class='{esc(css_class)}' style='{style}'>{head}{body}</div>"


def caption(text: str) -> str:
    """A small muted label above a block (``in``, ``out``, a side of a comparison)."""
    return f"<div style='color:{PALETTE['muted']};opacity:.85'>{esc(text)}</div>"


def side_by_side(blocks: Iterable[str], *, min_width: str = "16em") -> str:
    """HTML blocks next to each other, wrapping under one another when the notebook is narrow."""
    cells = "".join(f"<div style='flex:1;min-width:{esc(min_width)}'>{block}</div>" for block in blocks)
    return f"<div style='display:flex;gap:6px;flex-wrap:wrap'>{cells}</div>"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css_class: str = "",
          column_styles: Sequence[str] = (), accents: Sequence[str] = ()) -> str:
    """A left-aligned, wrapping table; ``rows`` hold cells that are already HTML (escape them first).

    ``column_styles`` adds CSS to each column's cells; ``accents`` gives each row a palette kind
    drawn as a coloured bar at its left edge (a trace stage that went through or stopped).
    """
    def cell(index: int, content: str, accent: str | None) -> str:
        extra = column_styles[index] if index < len(column_styles) else ""
        bar = f";border-left:3px solid {colour(accent)}" if accent is not None and index == 0 else ""
        return f"<td style='{_TD};{esc(extra)}{bar}'>{content}</td>"

    head = "".join(f"<th style='{_TH};vertical-align:bottom'>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(cell(i, content, accents[n] if n < len(accents) else None)
                         for i, content in enumerate(row)) + "</tr>"
        for n, row in enumerate(rows)
    )
    return (f"<table class='cfsign-table {esc(css_class)}' style='{_TABLE};{_FONT}'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def key_value_table(rows: Iterable[tuple[str, object]], *, css_class: str = "", mono: bool = True) -> str:
    """Two columns, a name and its value (escaped here), for decoded parts and plans."""
    value_style = f"{_MONO};overflow-wrap:anywhere" if mono else ""
    cells = [(f"<b>{esc(name)}</b>", f"<span style='{value_style}'>{esc(value)}</span>") for name, value in rows]
    body = "".join(f"<tr><th style='{_TH};border-bottom:1px solid {PALETTE['rule']};width:9em'>{k}</th>"
                   f"<td style='{_TD}'>{v}</td></tr>" for k, v in cells)
    return f"<table class='cfsign-table {esc(css_class)}' style='{_TABLE};{_FONT}'><tbody>{body}</tbody></table>"


def marked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` escaped, its half-open character ``spans`` (in order) highlighted with ``<mark>``."""
    parts = []
    at = 0
    for start, end in spans:
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        parts.append(esc(text[at:start]))
        parts.append(f"<mark style='{_MARK}'>{esc(text[start:end])}</mark>")
        at = end
    parts.append(esc(text[at:]))
    return "".join(parts)


def pre(text: str, body: str | None = None) -> str:
    """A code block of ``text``: column layouts (hex dumps, indented JSON) keep their columns, long runs wrap.

    ``body`` is the block's HTML when it is more than the escaped text (e.g. :func:`marked`).
    """
    columns = "\n" in text and max(len(line) for line in text.split("\n")) <= 100
    flow = "white-space:pre;overflow-x:auto" if columns else "white-space:pre-wrap;word-break:break-all"
    return f"<pre style='{_PRE};{flow}'>{esc(text) if body is None else body}</pre>"


def message(text: str, kind: str = "info") -> str:
    """A one-line status; ``kind`` is error, warning, info or ok."""
    return f"<div class='cfsign-message cfsign-{esc(kind)}' style='color:{colour(kind)};{_FONT}'>{esc(text)}</div>"


def banner(ok: bool, text: str, *, kind: str | None = None) -> str:
    """The verdict line: a coloured bar, a mark and the text (``kind`` warning for a conditional yes)."""
    kind = kind or ("ok" if ok else "error")
    mark = "✔" if ok and kind == "ok" else ("⚠" if ok else "✘")
    return (f"<div class='cfsign-verdict cfsign-verdict-{'ok' if ok else 'refused'}' "
            f"style='border-left:6px solid {colour(kind)};padding:6px 10px;font-weight:bold;{_FONT}'>"
            f"{coloured(mark, kind)} {esc(text)}</div>")


def findings_table(findings: Sequence[Finding]) -> str:
    """Findings as one table (severity, code, what is wrong, fix, CloudFront's answer): every view uses this.

    Severities and CloudFront's answers never break; codes keep one line while the table has room
    (their column's share grows with the longest code) and, in a narrow view, wrap only after an
    underscore. The sentences take the rest and wrap at words.
    """
    if not findings:
        return message("no findings")
    rows = [(coloured(f.severity, f.severity, bold=True), f"<code style='font:inherit'>{_code(f.code)}</code>",
             esc(f.message), esc(f.fix), esc(f.cloudfront_error or ""))
            for f in findings]
    share = min(max(len(f.code) for f in findings) + 1, 40)  # in a 720 px view the longest code fits its share
    code_column = f"{_MONO};width:{share}%;overflow-wrap:normal;word-break:normal"
    sentence = "min-width:6em"
    return table(("severity", "code", "what is wrong", "how to fix it", "CloudFront answers"), rows,
                 css_class="cfsign-findings",
                 column_styles=("white-space:nowrap", code_column, sentence, sentence, "white-space:nowrap"))


def _code(code: str) -> str:
    """A finding code escaped, with a line-break opportunity after each underscore (and nowhere else)."""
    return "_<wbr>".join(esc(part) for part in code.split("_"))
