"""HTML for the panels. Everything that comes from the user or an artifact is escaped here.

The ipywidgets ``HTML`` widget does not sanitise, and a pasted URL is attacker-controlled, so
every value goes through :func:`html.escape` or ``Styler.format(escape="html")``.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

from ..decode import Decoded
from ..diagnose import Diagnosis
from ..keys import PrivateKey
from ..signer import PolicyPlan
from ..times import format_epoch
from ._secrets import scrub

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#546e7a"}
_MONO = "font-family: var(--jp-code-font-family, monospace); word-break: break-all;"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def message(text: str, kind: str = "info") -> str:
    """A one-line status message; ``kind`` is error, warning, info or success. Never shows key material."""
    colour = {"error": "#c62828", "warning": "#ef6c00", "success": "#2e7d32"}.get(kind, "inherit")
    return f"<div class='cfsign-message cfsign-{kind}' style='color:{colour}'>{esc(scrub(text))}</div>"


_REFUSED_CLASS = "cfsign-key-refused"
_REFUSED_RE = re.compile(rf"<div class='cfsign-message cfsign-error {_REFUSED_CLASS}'[^>]*>.*?</div>", re.DOTALL)


def key_refused(text: str, status: str) -> str:
    """``status`` led by the notice that a field cleared a private key (one notice: a new one replaces the last)."""
    notice = message(text, "error").replace("cfsign-error'", f"cfsign-error {_REFUSED_CLASS}'", 1)
    return notice + _REFUSED_RE.sub("", status)


def key_summary(key: PrivateKey, key_pair_id: str) -> str:
    return (
        "<div class='cfsign-key'>"
        f"<b>{esc(key.description)}</b> key loaded (kept in this Python kernel only)<br>"
        f"fingerprint <code>{esc(key.fingerprint)}</code><br>"
        f"key pair id <code>{esc(key_pair_id or '— not set —')}</code></div>"
    )


def plan_view(plan: PolicyPlan, notes: list[str]) -> str:
    policy = plan.policy
    rows = [("policy", "canned" if plan.canned else "custom"), ("why", plan.reason),
            ("expires", f"{format_epoch(policy.date_less_than)} ({policy.date_less_than})")]
    if policy.date_greater_than is not None:
        rows.append(("not before", f"{format_epoch(policy.date_greater_than)} ({policy.date_greater_than})"))
    if policy.ip_address:
        rows.append(("IP range", policy.ip_address))
    rows += [("note", note) for note in notes]
    table = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return (
        f"<table class='cfsign-plan'>{table}</table>"
        "<div><b>Exact bytes that get signed</b> "
        f"({len(policy.to_json())} bytes, compact UTF-8 JSON):</div>"
        f"<pre class='cfsign-policy-json' style='{_MONO} white-space: pre-wrap'>{esc(policy.to_json().decode())}</pre>"
        f"<details><summary>pretty view (for reading only; never sign this)</summary>"
        f"<pre style='{_MONO}'>{esc(policy.to_pretty_json())}</pre></details>"
    )


def verdict_banner(result: Diagnosis) -> str:
    if result.ok:
        colour, mark = "#2e7d32", "✔"
        text = "CloudFront would serve this request"
        if not result.verified:
            text += " — signature not checked (give a public key to verify it)"
    else:
        colour, mark = "#c62828", "✘"
        cause = result.cause
        assert cause is not None
        text = f"CloudFront would refuse it: {result.cloudfront_error} — {cause.code}: {cause.message}"
    return (
        f"<div class='cfsign-verdict cfsign-verdict-{'ok' if result.ok else 'refused'}' "
        f"style='border-left: 6px solid {colour}; padding: 6px 10px; font-weight: bold'>"
        f"<span style='color:{colour}'>{mark}</span> {esc(text)}</div>"
    )


def findings_table(result: Diagnosis) -> str:
    frame = result.to_frame()[["severity", "code", "message", "fix", "cloudfront_error"]]
    if frame.empty:
        return message("no findings")
    frame = frame.astype(object).where(frame.notna(), "")
    styler = (
        frame.style.format(escape="html")
        .map(lambda v: f"color: {SEVERITY_COLOURS.get(v, 'inherit')}; font-weight: bold", subset=["severity"])
        .hide(axis="index")
        .set_table_attributes("class='cfsign-findings'")
    )
    return styler.to_html()


def decoded_table(decoded: Decoded) -> str:
    data = decoded.to_dict()
    rows: list[tuple[str, Any]] = [
        ("source", data["source"]),
        ("policy", data["policy_kind"] or "—"),
        ("resource", data["resource"] or data["resource_url"] or "—"),
        ("expires", _when(data["expires"])),
        ("not before", _when(data["starts"])),
        ("IP range", data["ip_address"] or "—"),
        ("key pair id", data["key_pair_id"] or "—"),
        ("hash algorithm", data["hash_algorithm"]),
        ("signature", f"{data['signature_bytes']} bytes" if data["signature_bytes"] is not None else "—"),
        ("policy JSON", data["policy_json"] or "—"),
    ]
    frame = pd.DataFrame(rows, columns=["part", "value"])
    return (
        frame.style.format(escape="html").hide(axis="index")
        .set_table_attributes("class='cfsign-decoded'")
        .set_properties(subset=["value"], **{"font-family": "monospace", "word-break": "break-all"})
        .to_html()
    )


def _when(epoch: int | None) -> str:
    return "—" if epoch is None else f"{format_epoch(epoch)} ({epoch})"
