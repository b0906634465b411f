"""The Inspector's HAR view: a browser session's CloudFront requests as a table (failing first) and a timeline."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from .. import render
from .views import message

SESSION_COLUMNS = ("started", "method", "url", "status", "cloudfront_said", "answered_by", "code", "verdict",
                   "agrees", "fix")
"""The columns the session table shows, in order (of :func:`cfsign_nb.frames.har.diagnose_har`'s)."""
_HEADERS = ("started (UTC)", "method", "request URL", "status", "CloudFront said", "answered by", "cause",
            "verdict", "agrees", "how to fix it")
_MAX_ROWS = 500
_MAX_BYTES = 64 * 1024 * 1024


def har_text(upload_value: Any) -> tuple[str, str] | None:
    """The (name, text) of the first uploaded file of a FileUpload value (ipywidgets 8), or None."""
    files = list(upload_value.values()) if isinstance(upload_value, dict) else list(upload_value or ())
    if not files:
        return None
    first = files[0]
    content = bytes(first.get("content", b""))[:_MAX_BYTES]
    return str(first.get("name", "session.har")), content.decode("utf-8", errors="replace")


def session_table(frame: Any) -> str:
    """The diagnose_har rows as one HTML table, failing rows first, every cell escaped through render."""
    if frame is None or len(frame) == 0:
        return message("no request in this HAR went to CloudFront or carried signing data")
    ordered = frame.assign(_ok=~frame["failed"].astype(bool)).sort_values(["_ok", "started"], kind="stable")
    rows, accents = [], []
    for record in ordered.head(_MAX_ROWS).to_dict("records"):
        rows.append(tuple(render.esc(_cell(record.get(column))) for column in SESSION_COLUMNS))
        accents.append("error" if record.get("failed") else "ok")
    more = len(ordered) - len(rows)
    note = message(f"{more} more rows not shown (the first {_MAX_ROWS}, failing first)") if more > 0 else ""
    mono = "font-family:var(--jp-code-font-family,monospace);overflow-wrap:anywhere"
    return render.table(_HEADERS, rows, css_class="cfsign-session", column_styles=("", "", mono),
                        accents=accents) + note


def timeline_svg(frame: Any) -> str:
    """Request time × HTTP status, one colour per cause, as an ``<img>`` of a matplotlib SVG (empty for no rows)."""
    if frame is None or len(frame) == 0:
        return ""
    try:
        import matplotlib
    except ImportError:
        return message('the timeline needs matplotlib: pip install "cfsign-nb[lab]"', "warning")

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 2.8))
    axes = figure.add_subplot()
    codes = list(dict.fromkeys(str(c) for c in frame["code"]))
    palette = matplotlib.colormaps["tab20"]
    started = frame["started"]
    status = frame["status"].fillna(0)
    for index, code in enumerate(codes):
        chosen = frame["code"].astype(str) == code
        hue = (2 * index) % 20 + (index // 10) % 2  # the 10 distinct hues first, then their light shades
        axes.scatter(started[chosen], status[chosen], s=28, color=palette(hue), label=code)
    axes.set_xlabel("request started (UTC)")
    axes.set_ylabel("HTTP status")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    data = base64.b64encode(buffer.getvalue().encode()).decode()
    return (f"<img class='cfsign-timeline' alt='{render.esc('timeline: request time by status, coloured by cause')}'"
            f" style='max-width:100%' src='data:image/svg+xml;base64,{render.esc(data)}'>")


class SessionView:
    """A HAR upload (.har or .json) and what it shows: the session table and its timeline."""

    def __init__(self, diagnose: Callable[[str], Any]) -> None:
        self._diagnose = diagnose
        self.frame: Any = None
        self.upload = w.FileUpload(accept=".har,.json", multiple=False, description="Upload a HAR")
        self.status = w.HTML()
        self.table = w.HTML()
        self.timeline = w.HTML()
        self.upload.observe(lambda _: self.load(), names="value")
        self.widget = w.VBox([w.HBox([self.upload, self.status]), self.timeline, self.table])
        self.widget.add_class("cfsign-session-view")

    def load(self, text: str | None = None, name: str = "session.har") -> Any:
        """Diagnose the uploaded HAR (or ``text``) and show its table and timeline; returns the DataFrame."""
        if text is None:
            upload = har_text(self.upload.value)
            if upload is None:
                self.frame = None
                self.status.value = self.table.value = self.timeline.value = ""
                return None
            name, text = upload
        self.frame = frame = self._diagnose(text)
        failed = int(frame["failed"].sum()) if len(frame) else 0
        self.status.value = message(f"{name}: {len(frame)} requests to CloudFront, {failed} refused",
                                    "error" if failed else "ok")
        self.table.value = session_table(frame)
        try:
            self.timeline.value = timeline_svg(frame)
        except Exception as err:  # the plot is a convenience: the table stands without it
            self.timeline.value = message(f"no timeline: {err}", "warning")
        return frame


def _cell(value: object) -> str:
    if value is None or type(value).__name__ in ("NaTType", "NAType") or (isinstance(value, float) and value != value):
        return "—"
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    return str(value)
