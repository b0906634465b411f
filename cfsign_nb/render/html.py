"""HTML pieces: the escaper, the palette, tables, banners and pre blocks.

Everything that reaches a page goes through :func:`esc` here: the ipywidgets ``HTML`` widget and
notebook outputs do not sanitise, and a pasted URL is attacker-controlled.
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
}
"""Colours by role, as JupyterLab theme variables with a fallback for other front ends."""

_FONT = "font-family:var(--jp-ui-font-family, sans-serif);font-size:var(--jp-ui-font-size1, 13px)"
_MONO = "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 12px)"
_TABLE = "border-collapse:collapse;width:100%;background:transparent;color:inherit;table-layout:auto"
_TH = (f"text-align:left;padding:4px 6px;border-bottom:2px solid {PALETTE['border']};"
       "color:inherit;background:transparent")
_TD = (f"text-align:left;vertical-align:top;padding:4px 6px;color:inherit;background:transparent;"
       f"border-bottom:1px solid {PALETTE['rule']};white-space:normal;overflow-wrap:anywhere")
_PRE = f"margin:0;padding:4px 6px;{_MONO};color:inherit;background:{PALETTE['code-background']};border-radius:3px"


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css_class: str = "") -> str:
    """A left-aligned, wrapping table; ``rows`` hold cells that are already HTML (escape them first)."""
    head = "".join(f"<th style='{_TH}'>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='{_TD}'>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (f"<table class='cfsign-table {esc(css_class)}' style='{_TABLE};{_FONT}'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def key_value_table(rows: Iterable[tuple[str, object]], *, css_class: str = "", mono: bool = True) -> str:
    """Two columns, a name and its value (escaped here), for decoded parts and plans."""
    value_style = f"{_MONO};overflow-wrap:anywhere" if mono else ""
    cells = [(f"<b>{esc(name)}</b>", f"<span style='{value_style}'>{esc(value)}</span>") for name, value in rows]
    body = "".join(f"<tr><th style='{_TH};border-bottom:1px solid {PALETTE['rule']};width:9em'>{k}</th>"
                   f"<td style='{_TD}'>{v}</td></tr>" for k, v in cells)
    return f"<table class='cfsign-table {esc(css_class)}' style='{_TABLE};{_FONT}'><tbody>{body}</tbody></table>"


def pre(text: str, body: str | None = None) -> str:
    """A code block: column layouts (hex dumps, indented JSON) keep their columns, long runs wrap."""
    columns = "\n" in text and max(len(line) for line in text.split("\n")) <= 100
    flow = "white-space:pre;overflow-x:auto" if columns else "white-space:pre-wrap;word-break:break-all"
    return f"<pre style='{_PRE};{flow}'>{esc(text) if body is None else body}</pre>"


def message(text: str, kind: str = "info") -> str:
    """A one-line status; ``kind`` is error, warning, info or ok."""
    colour = PALETTE.get(kind, PALETTE["text"])
    return f"<div class='cfsign-message cfsign-{esc(kind)}' style='color:{colour};{_FONT}'>{esc(text)}</div>"


def banner(ok: bool, text: str, *, kind: str | None = None) -> str:
    """The verdict line: a coloured bar, a mark and the text (``kind`` warning for a conditional yes)."""
    kind = kind or ("ok" if ok else "error")
    colour = PALETTE[kind]
    mark = "✔" if ok and kind == "ok" else ("⚠" if ok else "✘")
    return (f"<div class='cfsign-verdict cfsign-verdict-{'ok' if ok else 'refused'}' "
            f"style='border-left:6px solid {colour};padding:6px 10px;font-weight:bold;{_FONT}'>"
            f"<span style='color:{colour}'>{mark}</span> {esc(text)}</div>")


def findings_table(findings: Sequence[Finding]) -> str:
    """Findings as one table (severity, code, what is wrong, fix, CloudFront's answer): every view uses this."""
    if not findings:
        return message("no findings")
    rows = [(f"<span style='color:{PALETTE[f.severity]};font-weight:bold'>{esc(f.severity)}</span>",
             f"<code>{esc(f.code)}</code>", esc(f.message), esc(f.fix), esc(f.cloudfront_error or ""))
            for f in findings]
    return table(("severity", "code", "what is wrong", "how to fix it", "CloudFront answers"), rows,
                 css_class="cfsign-findings")
