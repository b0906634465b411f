"""What every panel shares: the clock it judges by, the key guard on its text fields, its display.

Each panel is a plain class that owns its widgets (``.widget`` is the root) and keeps typed
state (``.key``, ``.plan``, ``.result``...). Panels call the core and render its results; they
hold no signing logic. A panel displays itself when it is the value of a notebook cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..times import TimeLike, to_epoch
from ._secrets import guard_fields
from .views import key_refused

Clock = Callable[[], int]
WIDE = w.Layout(width="100%")
STYLE = {"description_width": "130px"}


def clock(now: TimeLike | Clock | None) -> Clock:
    """Panels take a fixed time (for tests and "as of" teaching) or read the clock on each update."""
    if now is None:
        return lambda: int(time.time())
    if callable(now):
        return now  # type: ignore[return-value]
    fixed = to_epoch(now, name="now")
    return lambda: fixed


class Panel:
    """The base of every panel: ``.widget`` is its root, shown when the panel is a cell's value."""

    widget: w.Widget

    def _guard_fields(self, status: w.HTML) -> None:
        """Every text field of this panel clears a pasted private key at once and says so in ``status``."""
        def refused(field: Any) -> None:
            status.value = key_refused(self._key_refused(field), status.value)
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
