"""The panels' HTML, composed from :mod:`cfsign_nb.render` pieces (its one escaper and theme palette).

The ipywidgets ``HTML`` widget does not sanitise and a pasted URL is attacker-controlled, so every
value reaches the page through ``render``; status text is also scrubbed of key material first.
"""

from __future__ import annotations

import re

from .. import render
from ..decode import Decoded
from ..diagnosis import Diagnosis
from ..keys import PrivateKey
from ..signer import PolicyPlan
from ..times import format_epoch
from ._secrets import scrub
from .places import for_panel

APP_TITLE = "<h3 style='margin:4px 0'>cfsign_nb — CloudFront signed URLs and cookies</h3>"
FINDINGS_TITLE = "<b>Findings</b>"
DECODED_TITLE = "<b>Decoded</b>"

_REFUSED_OPEN = "<div class='cfsign-key-refused'>"
_REFUSED_RE = re.compile(rf"{_REFUSED_OPEN}.*?</div></div>", re.DOTALL)


def message(text: str, kind: str = "info") -> str:
    """A one-line status (``kind`` error, warning, info or ok) that never shows key material."""
    return render.message(for_panel(scrub(text)), kind)


def key_refused(text: str, status: str) -> str:
    """``status`` led by the notice that a field cleared a private key (one notice: a new one replaces the last)."""
    return f"{_REFUSED_OPEN}{message(text, 'error')}</div>" + _REFUSED_RE.sub("", status)


def key_summary(key: PrivateKey, key_pair_id: str) -> str:
    """The loaded key as the Key tab shows it: kind, fingerprint, key pair id (never the key itself)."""
    rows = [("key", f"{key.description}, loaded (kept in this Python kernel only)"),
            ("fingerprint", key.fingerprint), ("key pair id", key_pair_id or "— not set —")]
    return f"<div class='cfsign-key'>{render.key_value_table(rows, css_class='cfsign-key-summary')}</div>"


def plan_view(plan: PolicyPlan, notes: list[str]) -> str:
    """Canned or custom and why, the times and conditions, and the exact bytes that get signed."""
    policy = plan.policy
    rows = [("policy", "canned" if plan.canned else "custom"), ("why", plan.reason),
            ("expires", _when(policy.date_less_than))]
    if policy.date_greater_than is not None:
        rows.append(("not before", _when(policy.date_greater_than)))
    if policy.ip_address:
        rows.append(("IP range", policy.ip_address))
    rows += [("note", note) for note in notes]
    signed = policy.to_json()
    return (
        render.key_value_table(rows, css_class="cfsign-plan", mono=False)
        + f"<div><b>Exact bytes that get signed</b> ({len(signed)} bytes, compact UTF-8 JSON):</div>"
        + f"<div class='cfsign-policy-json'>{render.pre(signed.decode())}</div>"
        + "<details><summary>pretty view (for reading only; never sign this)</summary>"
        + f"{render.pre(policy.to_pretty_json())}</details>"
    )


def verdict_banner(result: Diagnosis) -> str:
    """Would CloudFront serve it: ``Diagnosis.verdict`` itself (one wording everywhere), amber when conditional.

    A refusal adds its cause's message; "would be served if ..." (a check that could not run) is a warning, never a ✔.
    """
    text = result.verdict
    cause = result.cause
    if cause is not None:
        text += f" — {for_panel(cause.message)}"
    return render.banner(result.ok, text, kind="warning" if conditional(result) else None)


def conditional(result: Diagnosis) -> bool:
    """Served only if something not checked holds (an IP, a request URL, a key) or CloudFront's answer disagrees."""
    return result.ok and (bool(result.unchecked) or result.agrees is False)


def decoded_table(decoded: Decoded) -> str:
    """Every decoded part of the artifact, one row each."""
    data = decoded.to_dict()
    signature = data["signature_bytes"]
    rows = [
        ("source", data["source"]),
        ("policy", data["policy_kind"] or "—"),
        ("resource", data["resource"] or data["resource_url"] or "—"),
        ("expires", _when(data["expires"])),
        ("not before", _when(data["starts"])),
        ("IP range", data["ip_address"] or "—"),
        ("key pair id", data["key_pair_id"] or "—"),
        ("hash algorithm", data["hash_algorithm"]),
        ("signature", f"{signature} bytes" if signature is not None else "—"),
        ("policy JSON", data["policy_json"] or "—"),
    ]
    return render.key_value_table(rows, css_class="cfsign-decoded")


def stage_position(index: int, count: int, title: str) -> str:
    """Where the stepper is: ``3 / 9: the stage's title``."""
    return f"<span class='cfsign-stage-position'>{index + 1} / {count}: <b>{render.esc(title)}</b></span>"


def _when(epoch: int | None) -> str:
    return "—" if epoch is None else f"{format_epoch(epoch)} ({epoch})"
