"""One tabbed panel with shared state: a key loaded once serves signing and verification."""

from __future__ import annotations

import ipywidgets as w

from ..keys import PrivateKey
from ..times import TimeLike
from ..trace import Trace
from .base import Clock, Panel
from .inspector import Inspector
from .key_panel import KeyPanel
from .policy_builder import PolicyBuilder
from .signer_panel import SignerPanel
from .stepper import StageStepper
from .views import APP_TITLE


class App(Panel):
    """Key, Sign, Inspect, Step through: ``App()`` as the last line of a cell shows it."""

    TABS = ("Key", "Sign", "Inspect", "Step through")

    def __init__(
        self,
        *,
        key: PrivateKey | None = None,
        key_pair_id: str = "",
        url: str = "",
        now: TimeLike | Clock | None = None,
    ) -> None:
        self.keys = KeyPanel(key_pair_id=key_pair_id, key=key)
        self.policy = PolicyBuilder(url=url, now=now)
        self.signer = SignerPanel(self.keys, self.policy)
        self.inspector = Inspector(keys=self.keys, now=now)
        self.stepper = StageStepper()
        self.tabs = w.Tab(
            children=[self.keys.widget, w.VBox([self.policy.widget, self.signer.widget]), self.inspector.widget,
                      self.stepper.widget],
            titles=self.TABS,
        )
        self.signer.on_inspect(self._inspect)
        self.signer.on_step(self._step)
        self.inspector.on_step(self._step)
        self.widget = w.VBox([w.HTML(APP_TITLE), self.tabs])
        self.widget.add_class("cfsign-app")

    def _inspect(self, text: str) -> None:
        self.tabs.selected_index = self.TABS.index("Inspect")
        if not self.inspector.request_url.value and self.policy.cookies:
            self.inspector.request_url.value = self.policy.url.value
        self.inspector.inspect(text)

    def _step(self, trace: Trace) -> None:
        failed = trace.names.index(trace.stopped_at) if trace.stopped_at in trace.names else 0
        self.stepper.show(trace, at=failed)
        self.tabs.selected_index = self.TABS.index("Step through")

    def __repr__(self) -> str:
        return f"App(key={self.keys.key!r})"
