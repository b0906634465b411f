"""The one renderer: every piece escapes every input, uses JupyterLab's theme variables, keeps its shape."""

from __future__ import annotations

import re

import pytest

from cfsign_nb import render
from cfsign_nb.findings import CATALOG, Finding, finding
from cfsign_nb.render.text import marked_lines

from .browser import ARTIFACTS, browser_page

PAYLOAD = "<script>alert(1)</script>\"'&"
"""Breaks out of an element, a double- and a single-quoted attribute, and an entity."""


def safe(page: str) -> bool:
    """No tag, quote or raw ampersand of the payload survived."""
    return "<script" not in page and "\"'" not in page and "&\"" not in page and "</script" not in page


def hostile_finding() -> Finding:
    return Finding(code=PAYLOAD, severity="error", message=PAYLOAD, fix=PAYLOAD, evidence={"x": PAYLOAD},
                   cloudfront_error=PAYLOAD)  # type: ignore[arg-type]


PIECES = {
    "esc": lambda: render.esc(PAYLOAD),
    "coloured": lambda: render.coloured(PAYLOAD, PAYLOAD, bold=True),
    "box": lambda: render.box(render.esc(PAYLOAD), css_class=PAYLOAD, title=PAYLOAD),
    "caption": lambda: render.caption(PAYLOAD),
    "side_by_side": lambda: render.side_by_side([render.esc(PAYLOAD)], min_width=PAYLOAD),
    "table": lambda: render.table([PAYLOAD], [[render.esc(PAYLOAD)]], css_class=PAYLOAD, column_styles=[PAYLOAD],
                                  accents=[PAYLOAD]),
    "key_value_table": lambda: render.key_value_table([(PAYLOAD, PAYLOAD)], css_class=PAYLOAD),
    "marked": lambda: render.marked(PAYLOAD * 2, [(0, 3), (30, 40)]),
    "pre": lambda: render.pre(PAYLOAD),
    "pre-lines": lambda: render.pre(f"{PAYLOAD}\n{PAYLOAD}"),
    "message": lambda: render.message(PAYLOAD, PAYLOAD),
    "banner": lambda: render.banner(False, PAYLOAD, kind=PAYLOAD),
    "banner-ok": lambda: render.banner(True, PAYLOAD),
    "findings_table": lambda: render.findings_table([hostile_finding()]),
}


@pytest.mark.parametrize("piece", PIECES)
def test_every_piece_escapes_every_input(piece: str) -> None:
    page = PIECES[piece]()
    assert safe(page), page
    assert "&lt;" in page and "&quot;" in page


@pytest.mark.parametrize("piece", [name for name in PIECES if name not in ("esc", "side_by_side")])
def test_every_piece_follows_the_jupyterlab_theme(piece: str) -> None:
    page = PIECES[piece]()
    assert "var(--jp-" in page
    unthemed = re.search(r"(background|color):\s*(#fff\b|#ffffff|white|black|#000\b)", page.replace("color:#000;", ""))
    assert unthemed is None, page  # the one fixed colour: black text on the (always light) mark


def test_palette_is_theme_variables_with_fallbacks() -> None:
    assert {"ok", "error", "warning", "info", "text", "border", "mark"} <= set(render.PALETTE)
    assert all(re.fullmatch(r"var\(--jp-[\w-]+, [^)]+\)?\)?", value) for value in render.PALETTE.values())
    assert render.colour("error") == render.PALETTE["error"]
    assert render.colour("no such kind") == render.PALETTE["text"]


def test_banner_shapes() -> None:
    ok, refused, maybe = render.banner(True, "served"), render.banner(False, "refused"), \
        render.banner(True, "served, but", kind="warning")
    assert "cfsign-verdict-ok" in ok and "✔" in ok and render.PALETTE["ok"] in ok
    assert "cfsign-verdict-refused" in refused and "✘" in refused and render.PALETTE["error"] in refused
    assert "⚠" in maybe and render.PALETTE["warning"] in maybe and "cfsign-verdict-ok" in maybe


def test_message_shape() -> None:
    page = render.message("no findings", "warning")
    assert page.startswith("<div class='cfsign-message cfsign-warning'") and render.PALETTE["warning"] in page
    assert page.endswith(">no findings</div>")


def test_findings_table_shape() -> None:
    items = [finding("EXPIRED", "it expired", "sign again"), finding("POLICY_WHITESPACE", "spaces", "")]
    page = render.findings_table(items)
    assert "cfsign-findings" in page and page.count("<tr>") == 3
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert headers == ["severity", "code", "what is wrong", "how to fix it", "CloudFront answers"]
    assert ">EXPIRED</code>" in page and "AccessDenied" in page and render.PALETTE["warning"] in page
    assert ">POLICY_<wbr>WHITESPACE</code>" in page  # a code may break after its underscore, nowhere else
    assert "None" not in page and "NaN" not in page  # no CloudFront answer is an empty cell
    assert render.findings_table([]) == render.message("no findings")


def test_key_value_table_shape() -> None:
    page = render.key_value_table([("Key-Pair-Id", "K2J"), ("Expires", 1700000000)], css_class="cfsign-decoded")
    assert "cfsign-table cfsign-decoded" in page and page.count("<tr>") == 2
    assert "<b>Expires</b>" in page and ">1700000000<" in page and "var(--jp-code-font-family" in page


def test_pre_keeps_columns_and_wraps_long_runs() -> None:
    columns = render.pre("0000  7b 22\n0010  52 65")
    assert "white-space:pre;overflow-x:auto" in columns and "var(--jp-layout-color2" in columns
    run = render.pre("A" * 500)
    assert "white-space:pre-wrap;word-break:break-all" in run
    assert render.pre("x", body="<mark>x</mark>").endswith("><mark>x</mark></pre>")


def test_table_accents_and_column_styles() -> None:
    page = render.table(("a", "b"), [("1", "2"), ("3", "4")], column_styles=("", "max-width:0"), accents=["ok", "error"])
    assert page.count("border-left:3px solid") == 2 and render.PALETTE["error"] in page
    assert page.count(";max-width:0") == 2


def test_marked_highlights_spans_in_order_and_clips() -> None:
    assert render.marked("abcdef", [(1, 3), (2, 4), (5, 99)]).count("<mark") == 3
    text = render.marked("a<b", [(1, 2)])
    assert re.sub(r"<mark[^>]*>", "[", text).replace("</mark>", "]") == "a[&lt;]b"
    assert render.marked("abc", [(5, 9)]) == "abc"


def test_text_pieces() -> None:
    assert marked_lines("abcdef", [(2, 4)], 4) == ["abcd", "  ^^", "ef"]
    assert marked_lines("ab\ncd", [(3, 4)], 10) == ["ab", "cd", "^"]
    assert render.wrap("x" * 30, columns=10).splitlines() == ["x" * 10] * 3
    text = render.findings_text([finding("EXPIRED", "it expired", "sign again")], columns=60)
    assert text.splitlines() == ["error   EXPIRED: it expired", "        fix: sign again"]


_LINE_BREAKS = """table => [...table.querySelectorAll('tbody tr')].map(row => [...row.children].map(cell => {
  const style = getComputedStyle(cell), canvas = document.createElement('canvas').getContext('2d');
  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const breaks = []; let top = null, at = 0;
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) for (let i = 0; i < node.length; i++, at++) {
    const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
    const y = range.getBoundingClientRect().top;
    if (top !== null && y > top + 2) breaks.push(at);
    if (top === null || y > top + 2) top = y;
  }
  canvas.font = style.font;
  const text = cell.textContent;
  const wider = text.split(' ').filter(word => canvas.measureText(word).width > room);
  return {text, breaks, wider};
}))"""
"""Each cell's text, where its lines start (character offsets) and the words wider than the cell."""


def _broken_words(cell: dict[str, object]) -> list[str]:
    """The words a cell's lines split inside: not after a space or a hyphen, nor a word wider than the cell."""
    text, breaks, wider = str(cell["text"]), cell["breaks"], cell["wider"]
    assert isinstance(breaks, list) and isinstance(wider, list)
    broken = []
    for at in breaks:
        word = text[:at].split(" ")[-1] + text[at:].split(" ")[0]
        if text[at - 1] not in " -" and word not in wider:
            broken.append(word)
    return broken


@pytest.mark.browser
@pytest.mark.parametrize("width", [900, 600, 480])
def test_findings_table_codes_and_severities_never_break_inside_a_word(width: int) -> None:
    longest = max(CATALOG, key=len)
    items = [finding(longest, "the policy allows only 203.0.113.0/24: viewers reaching CloudFront over IPv6 never "
                     "match it, https://d111111abcdef8.cloudfront.net/private/a/very/long/path/to/an/image.jpg",
                     "turn IPv6 off on the distribution (or serve IP-restricted content from one without IPv6)"),
             finding("SIGNATURE_VERIFIED", "the signature verifies with K2JCJMDEHXQW5F's ECDSA P-256 key", ""),
             finding("EXPIRED", "it expired", "sign again")]
    page_html = render.box(render.findings_table(items), title="Findings")
    with browser_page((width + 40, 700)) as page:
        page.set_content(f"<body style='margin:0;padding:8px'><div style='width:{width}px'>{page_html}</div></body>")
        table = page.locator("table.cfsign-findings")
        rows = table.evaluate(_LINE_BREAKS)
        page.screenshot(path=str(ARTIFACTS / f"render-findings-table-{width}px.png"))
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")  # fits, nothing clipped
    assert [row[1]["text"] for row in rows] == [longest, "SIGNATURE_VERIFIED", "EXPIRED"]
    for severity, code, *sentences in rows:
        assert severity["breaks"] == [], severity
        if width >= 900:  # the notebook's width: every code on one line
            assert code["breaks"] == [], code
        assert all(code["text"][at - 1] == "_" for at in code["breaks"]), code  # narrower: only after an '_'
        assert [_broken_words(cell) for cell in sentences] == [[], [], []]  # sentences wrap at words
    assert rows[0][2]["breaks"], "the long message wraps in its column"
    assert [cell["text"] for cell in rows[1][3:]] == ["", ""]  # no None / NaN in empty cells
