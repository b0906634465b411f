"""The Sign tab's inputs: what gets signed, until when, from where; canned or custom, live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from ..errors import CfSignError, InputError
from ..settings import EXPIRES_AT, STARTS
from ..signer import PolicyPlan, plan_policy
from ..times import TimeLike, naive_note, parse_when, to_epoch
from ._secrets import Text
from .base import STYLE, WIDE, Clock, Panel, clock
from .views import message, plan_view


class PolicyBuilder(Panel):
    """Build what gets signed: URL or cookie resource, expiry, optional start and IP, hash.

    Shows live whether the policy is canned or custom and why, the exact compact bytes that will
    be signed, and the core's validation message when an input is wrong.
    """

    QUICK = (("+10 min", "+10m"), ("+1 hour", "+1h"), ("+1 day", "+1d"))

    def __init__(self, *, url: str = "", now: TimeLike | Clock | None = None) -> None:
        self._now = clock(now)
        self.plan: PolicyPlan | None = None
        self.error: str | None = None
        self._change_listeners: list[Callable[[], None]] = []
        self.mode = w.ToggleButtons(options=[("Signed URL", "url"), ("Signed cookies", "cookies")], value="url")
        self.url = Text(value=url, description="URL", placeholder="https://d111111abcdef8.cloudfront.net/video.mp4",
                        style=STYLE, layout=WIDE)
        self.resource = Text(description="Resource pattern", placeholder="optional, e.g. https://host/videos/*",
                             style=STYLE, layout=WIDE)
        self.expires = Text(value="+1h", description="Expires", style=STYLE,
                            placeholder="+10m, +2h, +7d, epoch seconds or 2026-12-31T23:59:00Z")
        self.quick = w.ToggleButtons(options=[label for label, _ in self.QUICK], value=None)
        self.expires_picker = w.DatetimePicker(description="…or pick (UTC)", style=STYLE)
        field = w.Layout(width="400px")  # the placeholders are read whole
        self.starts = Text(description="Not before", placeholder="optional start time", style=STYLE, layout=field)
        self.ip = Text(description="Viewer IPv4/CIDR", placeholder="optional, e.g. 192.0.2.0/24", style=STYLE,
                       layout=field)
        self.hash = w.ToggleButtons(options=["SHA1", "SHA256"], value="SHA1", description="Hash", style=STYLE)
        self.view = w.HTML()
        for control in (self.mode, self.url, self.resource, self.expires, self.starts, self.ip, self.hash):
            control.observe(lambda _: self._changed(), names="value")
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

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever an input changes, so outputs made from the old inputs can be cleared."""
        self._change_listeners.append(callback)

    def arguments(self, now: int | None = None) -> dict[str, Any]:
        """The keyword arguments for Signer.sign_url / sign_cookies; raises InputError if invalid.

        ``now`` is the one reading of the clock of the action (a relative expiry is resolved against it once).
        """
        now = self._now() if now is None else now
        url = self.url.value.strip()
        if not url:
            raise InputError("enter the URL the viewer will request (or the cookie resource)")
        expires = parse_when(self.expires.value, now=now, setting=EXPIRES_AT) if self.expires.value.strip() else None
        return {
            "expires": expires,
            "starts": parse_when(self.starts.value, now=now, setting=STARTS) if self.starts.value.strip() else None,
            "ip_address": self.ip.value.strip() or None,
            "resource": self.resource.value.strip() or None,
        }

    def _changed(self) -> None:
        """An input changed: the plan is rebuilt and whoever showed results of the old inputs clears them."""
        self.refresh()
        for listener in self._change_listeners:
            listener()

    def refresh(self, now: int | None = None) -> None:
        """Rebuild the plan and its view from the current inputs, at ``now`` (one clock reading) or the clock's."""
        now = self._now() if now is None else now
        try:
            arguments = self.arguments(now)
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
        self.view.value = plan_view(self.plan, self._notes(now))

    def _notes(self, now: int) -> list[str]:
        notes = [note for label, text in (("expiry", self.expires.value), ("start", self.starts.value))
                 if (note := naive_note(text, label))]  # the CLI's --expires says the same, from the same place
        if self.hash.value == "SHA256":
            notes.append("SHA-256 adds Hash-Algorithm=SHA256 (cookie: CloudFront-Hash-Algorithm)")
        if self.plan is not None and self.plan.policy.date_less_than <= now:
            notes.append("the expiry has already passed: CloudFront will refuse this (fine for practice)")
        return notes

    def _fail(self, text: str) -> None:
        self.plan = None
        self.error = text
        self.view.value = message(text, "error")

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
