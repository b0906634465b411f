"""Text fields that never keep a private key: one guard for every Text, Textarea and Password.

A private key pasted anywhere but the Key tab's PEM field must not stay in the page, in the
notebook's saved widget state, or in any HTML the panels render. The panels build their text
fields from :class:`Text`, :class:`Textarea` and :class:`Password` below: when one receives key
material it clears itself before the value is synced to the page or any observer runs, and
hands the event to the panel (which says where a private key belongs) or, for the PEM field
itself, hands the text to Python. :func:`guard_fields` wires a panel's fields and refuses a
plain ipywidgets text field, so a new field cannot forget the protection.
"""

from __future__ import annotations

import binascii
import re
import time
from base64 import b64decode
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as w

# PEM and other armours of private keys (PKCS#1/#8, SEC1, OpenSSH, encrypted, PuTTY).
# Every repeat is followed by something it cannot match (words and the spaces between them never
# overlap, no run of dashes is open-ended), so matching stays linear on hostile input.
_WORDS = r"\s+(?:[A-Z0-9]+\s+)*"
_ARMOUR_RE = re.compile(rf"--\s*(?:BEGIN|END){_WORDS}PRIVATE\s+KEY|PRIVATE\s+KEY\s*--|PuTTY-User-Key-File-",
                        re.IGNORECASE)
# A PEM block (or what is left of one), for scrubbing text that will be shown.
_BLOCK_RE = re.compile(rf"--\s*BEGIN{_WORDS}PRIVATE\s+KEY.*?(?:--\s*END{_WORDS}PRIVATE\s+KEY-*|$)",
                       re.IGNORECASE | re.DOTALL)
# A run of base64 long enough to start a key body (64-character lines joined by line breaks).
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]{32,}(?:(?:\s|\\n)+[A-Za-z0-9+/]+)*={0,2}")
_OPENSSH_MAGIC = b"openssh-key-v1\x00"
# PKCS#5 (PBES1/PBES2) and PKCS#12 PBE algorithm ids, which begin an encrypted PKCS#8 key.
_PBE_OIDS = (b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05", b"\x06\x0a\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01")
REMOVED = "[private key removed]"
# What the rest of a key typed (not pasted) character by character looks like, and for how long
# after a refused piece more such pieces are refused too: the page syncs every keystroke.
_CONTINUATION_RE = re.compile(r"[A-Za-z0-9+/=\s:,-]+")
TYPING_SECONDS = 1.0


def der_private_key_kind(data: bytes) -> str | None:
    """``"plain"`` or ``"encrypted"`` when ``data`` starts like a DER private key, else None.

    Reads only the first bytes (the version after the outer SEQUENCE), so a truncated body is
    recognised too: PKCS#1 RSA, PKCS#8 and SEC1 keys start with INTEGER 0 or 1, an encrypted
    PKCS#8 key with a password-based encryption algorithm id. Public keys, certificates and
    ECDSA signatures start differently.
    """
    if data.startswith(_OPENSSH_MAGIC):
        return "plain"
    if len(data) < 8 or data[0] != 0x30:
        return None
    length = data[1]
    if length & 0x80 and not 1 <= length & 0x7F <= 3:
        return None
    rest = data[2 + (length & 0x7F) :] if length & 0x80 else data[2:]
    if rest[:3] in (b"\x02\x01\x00", b"\x02\x01\x01") and rest[3:4] in (b"\x30", b"\x02", b"\x04"):
        return "plain"
    if rest[:1] == b"\x30" and any(oid in rest[:16] for oid in _PBE_OIDS):
        return "encrypted"
    return None


def _base64_keys(text: str) -> Iterator[re.Match[str]]:
    """Runs of base64 in ``text`` that decode to the start of a private key."""
    for match in _BASE64_RE.finditer(text):
        head = re.sub(r"\s|\\n", "", match.group())[:48]
        try:
            start = b64decode(head[: len(head) // 4 * 4])
        except (binascii.Error, ValueError):
            continue
        if der_private_key_kind(start) is not None:
            yield match


def looks_like_private_key(text: object) -> bool:
    """True when ``text`` holds private key material: a PEM armour, or base64 of a DER key."""
    if not isinstance(text, str) or len(text) < 20:
        return False
    if _ARMOUR_RE.search(text):
        return True
    return next(_base64_keys(text), None) is not None


def scrub(text: str) -> str:
    """``text`` with every private key (PEM block or base64 key body) replaced by a marker."""
    if not looks_like_private_key(text):
        return text
    text = _BLOCK_RE.sub(REMOVED, text)
    for match in reversed(list(_base64_keys(text))):
        text = text[: match.start()] + REMOVED + text[match.end() :]
    return _ARMOUR_RE.sub(REMOVED, text)


def _armoured(source: str | bytes) -> bool:
    return "-----BEGIN" in source if isinstance(source, str) else b"-----BEGIN" in source


def _base64_der(text: str) -> bytes | None:
    """The DER bytes of a key body pasted without its PEM lines, or None."""
    body = re.sub(r"\s|\\n", "", text)
    if not body or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", body):
        return None
    try:
        data = b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if der_private_key_kind(data) is not None else None


def is_encrypted_key(source: str | bytes) -> bool:
    """True for an encrypted private key (PEM, or PKCS#8 DER raw or in base64): it needs a passphrase."""
    if _armoured(source):
        return "ENCRYPTED" in source if isinstance(source, str) else b"ENCRYPTED" in source
    data = _base64_der(source) if isinstance(source, str) else source
    return data is not None and der_private_key_kind(data) == "encrypted"


def as_key_source(source: str | bytes) -> str | bytes:
    """What ``load_private_key`` reads: a key body pasted without its PEM lines becomes its DER bytes."""
    if isinstance(source, str) and not _armoured(source):
        return _base64_der(source) or source
    return source


class _Guarded:
    """Mixin for ipywidgets text fields: a private key is cleared before it is synced or observed.

    ``notify_change`` runs after the value is set and before the change reaches the page or any
    observer, so replacing a key with ``""`` there means the page is told ``""`` and observers
    only ever see ``""``; ``set_state`` (a value typed in the page) skips the echo of a key back
    to the page. The key itself goes to the field's takers (Python only) if it has any, else
    the field's listeners hear that a key was refused.
    """

    value: str
    description: str
    placeholder: str

    def __init__(self, *, label: str = "", **kwargs: Any) -> None:
        self._takers: list[Callable[[str], object]] = []
        self._listeners: list[Callable[[_Guarded], object]] = []
        self._typing_until = 0.0  # a key is being typed into this field until then
        self.refused = 0  # how many keys this field has cleared
        super().__init__(**kwargs)
        self.label = label or self.description or self.placeholder or type(self).__name__

    def take_keys(self, taker: Callable[[str], object]) -> None:
        """Hand a pasted private key to ``taker(text)`` (Python only) instead of refusing it."""
        self._takers.append(taker)

    def on_refused(self, listener: Callable[[_Guarded], object]) -> None:
        """Call ``listener(field)`` after this field cleared a private key it does not take."""
        self._listeners.append(listener)

    def notify_change(self, change: Any) -> None:
        if change["name"] == "value" and self._secret(change["new"]):
            self.value = ""  # this change is the one that gets synced and observed
            self._refuse(change["new"])
            return
        super().notify_change(change)  # type: ignore[misc]

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A key typed in the page is not echoed back to it: the page is told ``""`` instead."""
        if not self._secret(sync_data.get("value")):
            super().set_state(sync_data)  # type: ignore[misc]
            return
        rest = {name: value for name, value in sync_data.items() if name != "value"}
        if rest:
            super().set_state(rest)  # type: ignore[misc]
        if self.value:
            self.value = ""
        else:
            self.send_state("value")  # type: ignore[attr-defined]  # no change in Python, but the page holds the key
        self._refuse(sync_data["value"])

    def _secret(self, value: object) -> bool:
        """A private key, or the next piece of one being typed into this field."""
        if looks_like_private_key(value):
            return True
        return (isinstance(value, str) and time.monotonic() < self._typing_until and "BEGIN" not in value
                and _CONTINUATION_RE.fullmatch(value) is not None)

    def _refuse(self, secret: str) -> None:
        piece = not looks_like_private_key(secret)  # the rest of a key being typed: already reported
        self._typing_until = time.monotonic() + TYPING_SECONDS
        self.refused += 1
        if piece:
            return
        for taker in self._takers:
            taker(secret)
        if not self._takers:
            for listener in self._listeners:
                listener(self)


class Text(_Guarded, w.Text):  # type: ignore[misc]
    """``ipywidgets.Text`` that never keeps a private key."""


class Textarea(_Guarded, w.Textarea):  # type: ignore[misc]
    """``ipywidgets.Textarea`` that never keeps a private key."""


class Password(_Guarded, w.Password):  # type: ignore[misc]
    """``ipywidgets.Password`` that never keeps a private key (it is synced like any Text)."""


TEXT_WIDGETS = (w.Text, w.Textarea)  # Password and Combobox are Text subclasses


def walk(root: w.Widget) -> Iterator[w.Widget]:
    """``root`` and every widget below it (through ``children``), depth first."""
    yield root
    for child in getattr(root, "children", ()) or ():
        yield from walk(child)


def text_fields(root: w.Widget) -> list[w.Widget]:
    """Every text input (Text, Textarea, Password...) in the tree under ``root``."""
    return [widget for widget in walk(root) if isinstance(widget, TEXT_WIDGETS)]


def guard_fields(root: w.Widget, listener: Callable[[_Guarded], object]) -> None:
    """Tell ``listener`` when any text field under ``root`` clears a private key.

    Raises TypeError for a plain ipywidgets text field: create it from this module's Text,
    Textarea or Password so it refuses keys too. A key given before the panel was wired (e.g.
    ``KeyPanel(key_pair_id=pem)``) is reported now.
    """
    for field in text_fields(root):
        if not isinstance(field, _Guarded):
            raise TypeError(
                f"{type(field).__name__} field {field.description!r} does not refuse private keys; "
                "create it with cfsign_nb.widgets._secrets.Text/Textarea/Password"
            )
        field.on_refused(listener)
        if field.refused and not field._takers:
            listener(field)
