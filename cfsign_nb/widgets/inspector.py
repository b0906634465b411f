"""The Inspect tab: would CloudFront serve what was pasted (a URL, cookies, a curl command...), and if not, why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..diagnosis import Diagnosis, diagnose
from ..errors import CfSignError
from ..keys import load_public_key
from ..settings import NOW
from ..times import TimeLike, format_epoch, parse_when
from ..trace import Trace, trace_decode
from ._secrets import Text, Textarea
from .base import STYLE, WIDE, Clock, Panel, clock
from .key_panel import KeyPanel
from .places import findings_table as panel_findings_table
from .session import SessionView
from .stepper import StageStepper
from .views import DECODED_TITLE, FINDINGS_TITLE, conditional, decoded_table, message, verdict_banner


class Inspector(Panel):
    """Paste anything that holds a signed URL or cookies (a curl command, a raw request, a log line...),
    optionally CloudFront's response, or upload a HAR: would CloudFront serve it, and if not, why?"""

    def __init__(self, *, keys: KeyPanel | None = None, now: TimeLike | Clock | None = None) -> None:
        self._now = clock(now)
        self.keys = keys
        self.result: Diagnosis | None = None
        self._context: dict[str, Any] = {}
        self.artifact = Textarea(label="Paste a signed URL or cookies",
                                 placeholder="Paste anything that holds a signed URL or cookies: the URL, a Cookie "
                                 "header, Set-Cookie lines, a curl command, a raw HTTP request, a log line...",
                                 continuous_update=False, layout=w.Layout(width="100%", height="110px"))
        self.public_key_id = Text(description="Public key id", placeholder="K2JCJMDEHXQW5F", style=STYLE)
        self.public_key = Textarea(description="Public key PEM", placeholder="optional: -----BEGIN PUBLIC KEY-----",
                                   continuous_update=False, style=STYLE, layout=w.Layout(width="100%", height="80px"))
        self.use_loaded_key = w.Checkbox(value=keys is not None, description="also trust the key loaded in the Key tab",
                                         indent=False)
        self.request_url = Text(description="Request URL", placeholder="for cookies: the URL the viewer requests",
                                continuous_update=False, style=STYLE, layout=WIDE)
        self.response = Textarea(label="CloudFront's response",
                                 placeholder="optional: CloudFront's response (status line, headers, body) or just "
                                 "its XML error body", continuous_update=False,
                                 layout=w.Layout(width="100%", height="60px"))
        self.client_ip = Text(description="Client IP", placeholder="optional", continuous_update=False, style=STYLE)
        self.as_of = Text(description="As of", placeholder="now (or +1h, 2026-01-01T00:00:00Z, epoch)",
                          continuous_update=False, style=STYLE)
        self.inspect_button = w.Button(description="Inspect", button_style="primary", icon="search")
        self.step_button = w.Button(description="Step through", icon="list-ol", disabled=True)
        self._step_listeners: list[Callable[[Trace], None]] = []
        self.valid = w.Valid(value=False, readout="", layout=w.Layout(visibility="hidden"))
        self.stepper: StageStepper | None = None
        self.step_view = w.VBox()
        self.verdict = w.HTML()
        self.decoded_view = w.HTML()
        self.findings_view = w.HTML()
        for control in (self.artifact, self.public_key_id, self.public_key, self.use_loaded_key,
                        self.request_url, self.response, self.client_ip, self.as_of):
            control.observe(lambda _: self.inspect(), names="value")
        self.inspect_button.on_click(lambda _: self.inspect())
        self.step_button.on_click(lambda _: self._step())
        if keys is not None:
            keys.on_change(lambda _: self.inspect())
        self.session = SessionView(self._diagnose_har)
        self.widget = w.VBox([
            self.artifact, self.request_url, self.response,
            w.Accordion(children=[w.VBox([self.public_key_id, self.public_key, self.use_loaded_key,
                                          self.client_ip, self.as_of])],
                        titles=("Keys, client IP, time",), selected_index=None),
            w.HBox([self.inspect_button, self.step_button, self.valid]), self.verdict,
            w.HTML(FINDINGS_TITLE), self.findings_view, w.HTML(DECODED_TITLE), self.decoded_view, self.step_view,
            w.HTML("<b>A browser session</b> (a HAR file: the network panel's “Save all as HAR”)"),
            self.session.widget,
        ])
        self.widget.add_class("cfsign-inspector")
        self._guard_fields(self.verdict)

    def inspect(self, text: str | None = None) -> Diagnosis | None:
        """Diagnose the pasted artifact (or ``text``) and show the verdict, findings and decoded parts."""
        if text is not None and text != self.artifact.value:
            self.artifact.value = text  # the observer runs the inspection
            return self.result
        if not self.artifact.value.strip():
            self.result = None
            self.step_button.disabled = True
            self.valid.value, self.valid.readout, self.valid.layout.visibility = False, "", "hidden"
            self.verdict.value = self.findings_view.value = self.decoded_view.value = ""
            self.step_view.children = ()
            return None
        notes: list[str] = []
        keys = self._public_keys(notes)
        now = self._now()  # one reading of the clock per inspection: the verdict and its trace share it
        if self.as_of.value.strip():
            try:
                now = parse_when(self.as_of.value, now=now, setting=NOW)
            except CfSignError as err:
                notes.append(f"as of: {err}; the current time was used")
        self._context = {"public_keys": keys or None, "now": now,
                         "client_ip": self.client_ip.value.strip() or None,
                         "request_url": self.request_url.value.strip() or None}
        result = diagnose(self.artifact.value, response=self.response.value.strip() or None, **self._context)
        self.result = result
        self.step_button.disabled = False
        self.step_view.children = ()
        # a ✔ only for an unconditional "would be served": a check that could not run leaves the amber banner alone
        self.valid.value = result.ok
        self.valid.layout.visibility = "hidden" if conditional(result) else "visible"
        self.valid.readout = "served" if result.ok else str(result.cloudfront_error)
        pasted = [f"taken from the paste: {n}" for n in result.decoded.paste_notes]
        pasted += [f"also in the paste (not diagnosed): {o}" for o in result.decoded.others]
        self.verdict.value = verdict_banner(result) + "".join(message(n, "warning") for n in notes) \
            + "".join(message(n) for n in pasted) + message(f"judged as of {format_epoch(now)}")
        self.findings_view.value = panel_findings_table(result.findings)
        self.decoded_view.value = decoded_table(result.decoded)
        return result

    def on_step(self, callback: Callable[[Trace], None]) -> None:
        """Call ``callback(trace)`` with the decoding trace when "Step through" is clicked."""
        self._step_listeners.append(callback)

    def trace(self) -> Trace | None:
        """The stages of decoding the pasted artifact, with the same keys, time and request as the verdict."""
        if self.result is None:
            return None
        return trace_decode(self.artifact.value, **self._context)

    def _step(self) -> None:
        """Hand the trace to the listeners (the App's Step through tab), or step through it right here."""
        trace = self.trace()
        if trace is None:
            return
        for listener in self._step_listeners:
            listener(trace)
        if not self._step_listeners:
            if self.stepper is None:
                self.stepper = StageStepper()
            failed = trace.names.index(trace.stopped_at) if trace.stopped_at in trace.names else 0
            self.stepper.show(trace, at=failed)
            self.step_view.children = (w.HTML("<b>Step through</b>"), self.stepper.widget)

    def _diagnose_har(self, text: str) -> Any:
        """The uploaded HAR through frames.diagnose_har, with the keys this panel trusts."""
        from ..frames.har import diagnose_har

        return diagnose_har(text, public_keys=self._public_keys([]) or None)

    def _public_keys(self, notes: list[str]) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        if self.public_key.value.strip():
            key_id = self.public_key_id.value.strip()
            try:
                public = load_public_key(self.public_key.value)
            except CfSignError as err:
                notes.append(f"public key: {err}")
            else:
                if key_id:
                    keys[key_id] = public
                else:
                    notes.append("the pasted public key has no id; enter its key pair id to use it")
        if self.use_loaded_key.value and self.keys is not None and self.keys.key is not None:
            key_id = self.keys.key_pair_id.value.strip()
            if key_id:
                keys.setdefault(key_id, self.keys.key.public_key)
        return keys

    def _key_refused(self, field: Any) -> str:
        text = super()._key_refused(field)
        if field is self.public_key:
            text += (" Only a public key goes here (-----BEGIN PUBLIC KEY-----): the Key tab derives it from the "
                     "private key and shows it under “Public key”, and “also trust the key loaded in the Key tab” "
                     "verifies with it directly.")
        return text

    def __repr__(self) -> str:
        return f"Inspector(result={self.result!r})"
