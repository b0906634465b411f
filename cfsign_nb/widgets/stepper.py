"""The Step through tab: walk a signing or decoding trace one stage at a time."""

from __future__ import annotations

import ipywidgets as w

from ..trace import Stage, Trace
from .base import Panel
from .places import stage_html
from .views import message, stage_position


class StageStepper(Panel):
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
            self.view.value = message("nothing to step through yet: sign or inspect something first")
            self.previous.disabled = self.next.disabled = True
            return
        stage = trace.stages[index]
        self.previous.disabled = index == 0
        self.next.disabled = index == len(trace.stages) - 1
        self.position.value = stage_position(index, len(trace.stages), stage.title)
        self.view.value = stage_html(trace, index)

    def __repr__(self) -> str:
        return f"StageStepper(trace={self.trace!r}, at={self.slider.value})"
