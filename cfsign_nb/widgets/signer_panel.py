"""The Sign button: signs with a KeyPanel's key and a PolicyBuilder's inputs, through the stage trace."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from ..errors import CfSignError
from ..signer import set_cookie_headers
from ..trace import Trace, trace_sign
from ._secrets import Textarea
from .base import STYLE, Panel
from .key_panel import KeyPanel
from .policy_builder import PolicyBuilder
from .views import message


class SignerPanel(Panel):
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
        self.signed_url = Textarea(description="Signed URL", style=STYLE, layout=w.Layout(width="100%", height="90px"))
        self.cookie_lines = Textarea(description="Set-Cookie", style=STYLE,
                                     layout=w.Layout(width="100%", height="110px"))
        self.sign_button.on_click(lambda _: self.sign())
        self.inspect_button.on_click(lambda _: self._inspect())
        self.step_button.on_click(lambda _: self._step())
        self.widget = w.VBox([w.HBox([self.sign_button, self.inspect_button, self.step_button]), self.status,
                              self.signed_url, self.cookie_lines])
        self.widget.add_class("cfsign-signer-panel")
        self._guard_fields(self.status)
        policy.on_change(self.clear)
        keys.on_change(lambda _: self.clear())
        self._show_mode()

    def clear(self) -> None:
        """Drop every output of the last signing (inputs changed: nothing stale stays on screen)."""
        self.result, self.trace = None, None
        self.inspect_button.disabled = self.step_button.disabled = True
        self.signed_url.value = self.cookie_lines.value = ""
        self.status.value = ""
        self._show_mode()

    def _show_mode(self) -> None:
        """Only the box of the chosen mode: the signed URL, or the Set-Cookie lines."""
        cookies = self.policy.cookies
        self.signed_url.layout.display = "none" if cookies else None
        self.cookie_lines.layout.display = None if cookies else "none"

    def on_inspect(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(text)`` with the signed URL or Set-Cookie lines when "Inspect this" is clicked."""
        self._inspect_listeners.append(callback)

    def on_step(self, callback: Callable[[Trace], None]) -> None:
        """Call ``callback(trace)`` with the signing trace when "Step through" is clicked."""
        self._step_listeners.append(callback)

    def sign(self) -> None:
        """Sign once, through the stage trace, so the steps shown are those of this very result."""
        self.clear()
        now = self.policy._now()  # one reading of the clock: the plan shown and the signature share its epoch
        self.policy.refresh(now)
        try:
            signer = self.keys.signer(self.policy.hash.value)
            arguments = self.policy.arguments(now)
            url = self.policy.url.value.strip()
            if self.policy.cookies:
                url = arguments.pop("resource") or url
            self.trace = trace_sign(signer, url, cookies=self.policy.cookies, **arguments)
        except CfSignError as err:
            self.status.value = message(str(err), "error")
            return
        if isinstance(self.trace.result, str):
            self.result = self.signed_url.value = self.trace.result
        elif isinstance(self.trace.result, dict):
            self.result = dict(self.trace.result)
            self.cookie_lines.value = "\n".join(set_cookie_headers(self.result))
        self.inspect_button.disabled = self.step_button.disabled = False
        kind = "cookies" if self.policy.cookies else "URL"
        self.status.value = message(f"signed {kind} with {signer.private_key.description} "
                                           f"({signer.hash_algorithm})", "ok")

    def _inspect(self) -> None:
        text = self.cookie_lines.value if self.policy.cookies else self.signed_url.value
        for listener in self._inspect_listeners:
            listener(text)

    def _step(self) -> None:
        if self.trace is not None:
            for listener in self._step_listeners:
                listener(self.trace)
