"""ipywidgets panels over the cfsign_nb core: keys, policy, signing, inspection, step-through.

Each panel is a plain class that owns its widgets (``.widget`` is the root) and keeps typed
state (``.key``, ``.plan``, ``.result``...). Panels call the core and render its results; they
hold no signing logic. A panel displays itself when it is the value of a notebook cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from ..diagnose import Diagnosis, diagnose
from ..errors import CfSignError
from ..keys import PrivateKey, generate_key, load_private_key, load_public_key
from ..signer import PolicyPlan, Signer, check_key_pair_id, plan_policy, set_cookie_headers
from ..stages import Stage, Trace, trace_decode, trace_sign
from ..times import TimeLike, format_epoch, parse_when, to_epoch
from . import _render as render
from ._secrets import Password, Text, Textarea, as_key_source, guard_fields, is_encrypted_key

Clock = Callable[[], int]
_WIDE = w.Layout(width="100%")
_STYLE = {"description_width": "130px"}


def _clock(now: TimeLike | Clock | None) -> Clock:
    """Panels take a fixed time (for tests and "as of" teaching) or read the clock on each update."""
    if now is None:
        return lambda: int(time.time())
    if callable(now):
        return now  # type: ignore[return-value]
    fixed = to_epoch(now, name="now")
    return lambda: fixed


class _Panel:
    widget: w.Widget

    def _guard_fields(self, status: w.HTML) -> None:
        """Every text field of this panel clears a pasted private key at once and says so in ``status``."""
        def refused(field: Any) -> None:
            status.value = render.key_refused(self._key_refused(field), status.value)
        guard_fields(self.widget, refused)

    def _key_refused(self, field: Any) -> str:
        """What to say when ``field`` cleared a private key: where a private key belongs."""
        return (f"a private key was pasted into “{field.label}” and removed at once (not kept, shown or saved). "
                "A private key belongs only in the Key tab's “Private key PEM” field (KeyPanel), which loads it "
                "into this Python kernel and clears itself.")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class KeyPanel(_Panel):
    """Load (paste, upload) or generate the private key, and name its key pair id.

    The key lives in Python only: a PEM pasted into the PEM field is loaded at once and the
    field clears itself, so it is never left in the page or saved with the notebook's widget
    state. An encrypted key waits for its passphrase in a Python attribute, not in a widget.
    """

    _ASK_PASSPHRASE = ("the private key is encrypted: type its passphrase in the Passphrase field and press "
                       "Enter (the key waits in this Python kernel, not in the page)")

    def __init__(self, *, key_pair_id: str = "", key: PrivateKey | None = None) -> None:
        self.key: PrivateKey | None = None
        self._listeners: list[Callable[[KeyPanel], object]] = []
        self._pending: str | bytes | None = None  # an encrypted key waiting for its passphrase
        self._passphrase: str | None = None  # a passphrase typed before its key arrived
        self.key_pair_id = Text(value=key_pair_id, description="Key pair id",
                                placeholder="K2JCJMDEHXQW5F", style=_STYLE)
        self.pem = Password(description="Private key PEM", style=_STYLE, layout=_WIDE,
                            placeholder="paste the PEM here: it loads at once and the field clears")
        self.passphrase = Password(description="Passphrase", placeholder="only for encrypted keys (then Enter)",
                                   continuous_update=False, style=_STYLE)
        self.load_button = w.Button(description="Load pasted key", button_style="primary", icon="key")
        self.upload = w.FileUpload(accept=".pem,.der,.key", multiple=False, description="Upload key file")
        self.generate_rsa = w.Button(description="New RSA-2048 key")
        self.generate_ecdsa = w.Button(description="New ECDSA P-256 key")
        self.status = w.HTML()
        self.public_pem = Textarea(description="Public key", disabled=True, style=_STYLE,
                                   layout=w.Layout(width="100%", height="150px"))
        self.pem.take_keys(self._take)
        self.passphrase.observe(lambda _: self._passphrase_entered(), names="value")
        self.load_button.on_click(lambda _: self.load_pasted())
        self.upload.observe(lambda _: self.load_uploaded(), names="value")
        self.generate_rsa.on_click(lambda _: self.generate("rsa"))
        self.generate_ecdsa.on_click(lambda _: self.generate("ecdsa"))
        self.key_pair_id.observe(lambda _: self._changed(), names="value")
        self.widget = w.VBox([
            self.key_pair_id,
            w.HBox([self.generate_rsa, self.generate_ecdsa]),
            self.pem, self.passphrase, w.HBox([self.load_button, self.upload]),
            self.status, self.public_pem,
        ])
        self.widget.add_class("cfsign-key-panel")
        if key is not None:
            self.set_key(key)
        else:
            self._changed()
        self._guard_fields(self.status)

    def on_change(self, callback: Callable[[KeyPanel], object]) -> None:
        """Call ``callback(panel)`` whenever the key or the key pair id changes."""
        self._listeners.append(callback)

    def load_pasted(self) -> None:
        """Load what the PEM field holds (a key loads on paste already; this reads a path), or the waiting key."""
        text = self.pem.value
        self.pem.value = ""
        if text.strip():
            self._take(text)
        elif self._pending is not None:
            self.status.value = render.message(self._ASK_PASSPHRASE, "warning")
        elif self.key is None:
            self.status.value = render.message("paste a private key PEM first (or upload or generate one)", "error")

    def load_uploaded(self) -> None:
        if not self.upload.value:
            return
        content = bytes(self.upload.value[0]["content"])
        self.upload.value = ()
        self._take(content)

    def generate(self, kind: str) -> None:
        self._load(lambda: generate_key(kind))

    def set_key(self, key: PrivateKey) -> None:
        self.key = key
        self.public_pem.value = key.public_key_pem()
        self._changed()

    def _take(self, source: str | bytes) -> None:
        """Load a pasted or uploaded key now, or keep an encrypted one in Python until its passphrase comes."""
        self._pending = None
        if isinstance(source, str) and "-----BEGIN" in source and "-----END" not in source:
            self.status.value = render.message(
                "this PEM is incomplete: paste the whole key at once, from -----BEGIN to -----END (a key typed "
                "character by character reaches Python in pieces, and every piece is discarded)", "error")
            return
        if is_encrypted_key(source) and self._passphrase is None:
            self._pending = source
            self.status.value = render.message(self._ASK_PASSPHRASE, "warning")
            return
        passphrase = self._passphrase if is_encrypted_key(source) else None
        self._passphrase = None
        if passphrase is None:
            self._load(lambda: load_private_key(as_key_source(source)))
        elif not self._load(lambda: load_private_key(as_key_source(source), passphrase),
                            again="type the passphrase again"):
            self._pending = source  # a wrong passphrase: the key waits for the next try

    def _passphrase_entered(self) -> None:
        """Take the passphrase out of the page at once; use it for the waiting key, or keep it for the next."""
        passphrase = self.passphrase.value
        if not passphrase:
            return
        self.passphrase.value = ""
        self._passphrase = passphrase
        if self._pending is not None:
            self._take(self._pending)
        else:
            self.status.value = render.message("passphrase kept in Python for the encrypted key you paste or "
                                               "upload next")

    def _load(self, loader: Callable[[], PrivateKey], again: str = "paste or upload the key again") -> bool:
        try:
            key = loader()
        except CfSignError as err:
            self.status.value = render.message(f"{err} — {again}", "error")
            return False
        self.set_key(key)
        return True

    def _changed(self) -> None:
        key_id = self.key_pair_id.value.strip()
        if self.key is None:
            self.status.value = render.message("no key loaded yet")
        else:
            problem = ""
            try:
                check_key_pair_id(key_id)
            except CfSignError as err:
                problem = render.message(str(err), "warning")
            self.status.value = render.key_summary(self.key, key_id) + problem
        for listener in self._listeners:
            listener(self)

    def signer(self, hash_algorithm: str = "SHA1") -> Signer:
        """A Signer for the loaded key; raises CfSignError with the fix when something is missing."""
        if self.key is None:
            raise CfSignError("no private key loaded: paste, upload or generate one in the Key tab")
        return Signer(self.key_pair_id.value.strip(), self.key, hash_algorithm=hash_algorithm)

    def __repr__(self) -> str:
        return f"KeyPanel(key={self.key!r}, key_pair_id={self.key_pair_id.value!r})"


class PolicyBuilder(_Panel):
    """Build what gets signed: URL or cookie resource, expiry, optional start and IP, hash.

    Shows live whether the policy is canned or custom and why, the exact compact bytes that will
    be signed, and the core's validation message when an input is wrong.
    """

    QUICK = (("+10 min", "+10m"), ("+1 hour", "+1h"), ("+1 day", "+1d"))

    def __init__(self, *, url: str = "", now: TimeLike | Clock | None = None) -> None:
        self._now = _clock(now)
        self.plan: PolicyPlan | None = None
        self.error: str | None = None
        self.mode = w.ToggleButtons(options=[("Signed URL", "url"), ("Signed cookies", "cookies")], value="url")
        self.url = Text(value=url, description="URL", placeholder="https://d111111abcdef8.cloudfront.net/video.mp4",
                        style=_STYLE, layout=_WIDE)
        self.resource = Text(description="Resource pattern", placeholder="optional, e.g. https://host/videos/*",
                             style=_STYLE, layout=_WIDE)
        self.expires = Text(value="+1h", description="Expires", style=_STYLE,
                            placeholder="+10m, +2h, +7d, epoch seconds or 2026-12-31T23:59:00Z")
        self.quick = w.ToggleButtons(options=[label for label, _ in self.QUICK], value=None)
        self.expires_picker = w.DatetimePicker(description="…or pick (UTC)", style=_STYLE)
        self.starts = Text(description="Not before", placeholder="optional start time", style=_STYLE)
        self.ip = Text(description="Viewer IPv4/CIDR", placeholder="optional, e.g. 192.0.2.0/24", style=_STYLE)
        self.hash = w.ToggleButtons(options=["SHA1", "SHA256"], value="SHA1", description="Hash", style=_STYLE)
        self.view = w.HTML()
        for control in (self.mode, self.url, self.resource, self.expires, self.starts, self.ip, self.hash):
            control.observe(lambda _: self.refresh(), names="value")
        self.quick.observe(self._quick_choice, names="value")
        self.expires_picker.observe(self._picked, names="value")
        self.widget = w.VBox([
            self.mode, self.url, self.resource, w.HBox([self.expires, self.quick]), self.expires_picker,
            self.starts, self.ip, self.hash, self.view,
        ])
        self.widget.add_class("cfsign-policy-builder")
        self.refresh()
        self._guard_fields(self.view)

    @property
    def cookies(self) -> bool:
        return bool(self.mode.value == "cookies")

    def set_expires(self, value: TimeLike) -> None:
        """Set the expiry from Python (an aware datetime, epoch seconds or a timedelta)."""
        try:
            epoch = to_epoch(value, now=self._now(), name="expires")
        except CfSignError as err:
            self._fail(str(err))
            return
        self.expires.value = str(epoch)

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments for Signer.sign_url / sign_cookies; raises CfSignError if invalid."""
        now = self._now()
        url = self.url.value.strip()
        if not url:
            raise CfSignError("enter the URL the viewer will request (or the cookie resource)")
        expires = parse_when(self.expires.value, now=now) if self.expires.value.strip() else None
        return {
            "expires": expires,
            "starts": parse_when(self.starts.value, now=now) if self.starts.value.strip() else None,
            "ip_address": self.ip.value.strip() or None,
            "resource": self.resource.value.strip() or None,
        }

    def refresh(self) -> None:
        try:
            arguments = self.arguments()
            url = self.url.value.strip()
            if self.cookies:
                target = arguments.pop("resource") or url
                self.plan = plan_policy(target, cookies=True, **arguments)
            else:
                self.plan = plan_policy(url, **arguments)
        except CfSignError as err:
            self._fail(str(err))
            return
        self.error = None
        self.view.value = render.plan_view(self.plan, self._notes())

    def _notes(self) -> list[str]:
        notes = []
        for label, text in (("expiry", self.expires.value), ("start", self.starts.value)):
            stripped = text.strip()
            if stripped[:1].isdigit() and ("T" in stripped or "-" in stripped) and not stripped.endswith(("Z", "z")) \
                    and "+" not in stripped[10:] and "-" not in stripped[10:]:
                notes.append(f"the {label} {stripped!r} has no time zone, so it was read as UTC")
        if self.hash.value == "SHA256":
            notes.append("SHA-256 adds Hash-Algorithm=SHA256 (cookie: CloudFront-Hash-Algorithm)")
        if self.plan is not None and self.plan.policy.date_less_than <= self._now():
            notes.append("the expiry has already passed: CloudFront will refuse this (fine for practice)")
        return notes

    def _fail(self, text: str) -> None:
        self.plan = None
        self.error = text
        self.view.value = render.message(text, "error")

    def _quick_choice(self, change: dict[str, Any]) -> None:
        for label, value in self.QUICK:
            if change["new"] == label:
                self.expires.value = value

    def _picked(self, change: dict[str, Any]) -> None:
        picked = change["new"]
        if isinstance(picked, datetime):
            self.expires.value = picked.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def __repr__(self) -> str:
        return f"PolicyBuilder(plan={self.plan!r}, error={self.error!r})"


class SignerPanel(_Panel):
    """Sign with the key of a KeyPanel and the inputs of a PolicyBuilder; hand results on."""

    def __init__(self, keys: KeyPanel, policy: PolicyBuilder) -> None:
        self.keys, self.policy = keys, policy
        self.result: str | dict[str, str] | None = None
        self.trace: Trace | None = None
        self._inspect_listeners: list[Callable[[str], None]] = []
        self._step_listeners: list[Callable[[Trace], None]] = []
        self.sign_button = w.Button(description="Sign", button_style="primary", icon="pencil")
        self.inspect_button = w.Button(description="Inspect this", icon="search", disabled=True)
        self.step_button = w.Button(description="Step through", icon="list-ol", disabled=True)
        self.status = w.HTML()
        self.signed_url = Textarea(description="Signed URL", style=_STYLE, layout=w.Layout(width="100%", height="90px"))
        self.cookie_lines = Textarea(description="Set-Cookie", style=_STYLE,
                                     layout=w.Layout(width="100%", height="110px"))
        self.sign_button.on_click(lambda _: self.sign())
        self.inspect_button.on_click(lambda _: self._inspect())
        self.step_button.on_click(lambda _: self._step())
        self.widget = w.VBox([w.HBox([self.sign_button, self.inspect_button, self.step_button]), self.status,
                              self.signed_url, self.cookie_lines])
        self.widget.add_class("cfsign-signer-panel")
        self._guard_fields(self.status)

    def on_inspect(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(text)`` with the signed URL or Set-Cookie lines when "Inspect this" is clicked."""
        self._inspect_listeners.append(callback)

    def on_step(self, callback: Callable[[Trace], None]) -> None:
        """Call ``callback(trace)`` with the signing trace when "Step through" is clicked."""
        self._step_listeners.append(callback)

    def sign(self) -> None:
        """Sign once, through the stage trace, so the steps shown are those of this very result."""
        self.result, self.trace = None, None
        self.inspect_button.disabled = self.step_button.disabled = True
        self.signed_url.value = self.cookie_lines.value = ""
        try:
            signer = self.keys.signer(self.policy.hash.value)
            arguments = self.policy.arguments()
            url = self.policy.url.value.strip()
            if self.policy.cookies:
                url = arguments.pop("resource") or url
            self.trace = trace_sign(signer, url, cookies=self.policy.cookies, **arguments)
        except CfSignError as err:
            self.status.value = render.message(str(err), "error")
            return
        if isinstance(self.trace.result, str):
            self.result = self.signed_url.value = self.trace.result
        elif isinstance(self.trace.result, dict):
            self.result = dict(self.trace.result)
            self.cookie_lines.value = "\n".join(set_cookie_headers(self.result))
        self.inspect_button.disabled = self.step_button.disabled = False
        kind = "cookies" if self.policy.cookies else "URL"
        self.status.value = render.message(f"signed {kind} with {signer.private_key.description} "
                                           f"({signer.hash_algorithm})", "success")

    def _inspect(self) -> None:
        text = self.cookie_lines.value if self.policy.cookies else self.signed_url.value
        for listener in self._inspect_listeners:
            listener(text)

    def _step(self) -> None:
        if self.trace is not None:
            for listener in self._step_listeners:
                listener(self.trace)


class Inspector(_Panel):
    """Paste a signed URL, a Cookie header or Set-Cookie lines: would CloudFront serve it, and if not, why?"""

    def __init__(self, *, keys: KeyPanel | None = None, now: TimeLike | Clock | None = None) -> None:
        self._now = _clock(now)
        self.keys = keys
        self.result: Diagnosis | None = None
        self._context: dict[str, Any] = {}
        self.artifact = Textarea(label="Paste a signed URL or cookies",
                                 placeholder="Paste a signed URL, a Cookie header or Set-Cookie lines",
                                 continuous_update=False, layout=w.Layout(width="100%", height="110px"))
        self.public_key_id = Text(description="Public key id", placeholder="K2JCJMDEHXQW5F", style=_STYLE)
        self.public_key = Textarea(description="Public key PEM", placeholder="optional: -----BEGIN PUBLIC KEY-----",
                                   continuous_update=False, style=_STYLE, layout=w.Layout(width="100%", height="80px"))
        self.use_loaded_key = w.Checkbox(value=keys is not None, description="also trust the key loaded in the Key tab",
                                         indent=False)
        self.request_url = Text(description="Request URL", placeholder="for cookies: the URL the viewer requests",
                                continuous_update=False, style=_STYLE, layout=_WIDE)
        self.client_ip = Text(description="Client IP", placeholder="optional", continuous_update=False, style=_STYLE)
        self.as_of = Text(description="As of", placeholder="now (or +1h, 2026-01-01T00:00:00Z, epoch)",
                          continuous_update=False, style=_STYLE)
        self.inspect_button = w.Button(description="Inspect", button_style="primary", icon="search")
        self.step_button = w.Button(description="Step through", icon="list-ol", disabled=True)
        self._step_listeners: list[Callable[[Trace], None]] = []
        self.valid = w.Valid(value=False, readout="not inspected")
        self.verdict = w.HTML()
        self.decoded_view = w.HTML()
        self.findings_view = w.HTML()
        for control in (self.artifact, self.public_key_id, self.public_key, self.use_loaded_key,
                        self.request_url, self.client_ip, self.as_of):
            control.observe(lambda _: self.inspect(), names="value")
        self.inspect_button.on_click(lambda _: self.inspect())
        self.step_button.on_click(lambda _: self._step())
        if keys is not None:
            keys.on_change(lambda _: self.inspect())
        self.widget = w.VBox([
            self.artifact,
            w.Accordion(children=[w.VBox([self.public_key_id, self.public_key, self.use_loaded_key,
                                          self.request_url, self.client_ip, self.as_of])],
                        titles=("Keys, request URL, client IP, time",), selected_index=None),
            w.HBox([self.inspect_button, self.step_button, self.valid]), self.verdict,
            w.HTML("<b>Findings</b>"), self.findings_view, w.HTML("<b>Decoded</b>"), self.decoded_view,
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
            self.valid.value, self.valid.readout = False, "not inspected"
            self.verdict.value = self.findings_view.value = self.decoded_view.value = ""
            return None
        notes: list[str] = []
        keys = self._public_keys(notes)
        now = self._now()
        if self.as_of.value.strip():
            try:
                now = parse_when(self.as_of.value, now=now)
            except CfSignError as err:
                notes.append(f"as of: {err}; the current time was used")
        self._context = {"public_keys": keys or None, "now": now,
                         "client_ip": self.client_ip.value.strip() or None,
                         "request_url": self.request_url.value.strip() or None}
        result = diagnose(self.artifact.value, **self._context)
        self.result = result
        self.step_button.disabled = False
        self.valid.value = result.ok
        self.valid.readout = "served" if result.ok else str(result.cloudfront_error)
        self.verdict.value = render.verdict_banner(result) + "".join(render.message(n, "warning") for n in notes) \
            + render.message(f"judged as of {format_epoch(now)}")
        self.findings_view.value = render.findings_table(result)
        self.decoded_view.value = render.decoded_table(result.decoded)
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
        trace = self.trace()
        if trace is not None:
            for listener in self._step_listeners:
                listener(trace)

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


class StageStepper(_Panel):
    """Walk a Trace stage by stage (Previous/Next or the slider): input, output with the changed
    characters marked, and why. Works for signing (forward) and decoding (backward) traces."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.trace: Trace | None = None
        self.previous = w.Button(description="Previous", icon="arrow-left")
        self.next = w.Button(description="Next", icon="arrow-right")
        self.slider = w.IntSlider(min=0, max=0, value=0, description="Stage", readout=False, continuous_update=True)
        self.position = w.HTML()
        self.view = w.HTML()
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(1))
        self.slider.observe(lambda _: self._show(), names="value")
        self.widget = w.VBox([w.HBox([self.previous, self.slider, self.next, self.position]), self.view])
        self.widget.add_class("cfsign-stepper")
        self.show(trace)

    @property
    def stage(self) -> Stage | None:
        return self.trace.stages[self.slider.value] if self.trace and self.trace.stages else None

    def show(self, trace: Trace | None, at: int = 0) -> None:
        """Show ``trace`` from stage ``at`` (negative counts from the end)."""
        self.trace = trace
        count = len(trace.stages) if trace else 0
        self.slider.max = max(count - 1, 0)
        target = at % count if count else 0
        if self.slider.value == target:
            self._show()
        else:
            self.slider.value = target

    def step(self, delta: int) -> None:
        self.slider.value = min(max(self.slider.value + delta, self.slider.min), self.slider.max)

    def _show(self) -> None:
        trace, index = self.trace, self.slider.value
        if trace is None or not trace.stages:
            self.position.value = ""
            self.view.value = render.message("nothing to step through yet: sign or inspect something first")
            self.previous.disabled = self.next.disabled = True
            return
        stage = trace.stages[index]
        self.previous.disabled = index == 0
        self.next.disabled = index == len(trace.stages) - 1
        self.position.value = (f"<span class='cfsign-stage-position'>{index + 1} / {len(trace.stages)}: "
                               f"<b>{render.esc(stage.title)}</b></span>")
        self.view.value = trace.stage_html(index)

    def __repr__(self) -> str:
        return f"StageStepper(trace={self.trace!r}, at={self.slider.value})"
