"""The Key tab: load (paste, upload) or generate the private key, and name its key pair id."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import ipywidgets as w

from ..errors import CfSignError, CfSignWarning, InputError
from ..keys import PrivateKey, generate_key, load_private_key
from ..signer import Signer, check_key_pair_id, key_pair_id_note
from ._secrets import Password, Text, Textarea, as_key_source, is_encrypted_key
from .base import STYLE, WIDE, Panel
from .views import key_summary, message


class KeyPanel(Panel):
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
                                placeholder="K2JCJMDEHXQW5F", style=STYLE)
        self.pem = Password(description="Private key PEM", style=STYLE, layout=WIDE,
                            placeholder="paste the PEM here: it loads at once and the field clears")
        self.passphrase = Password(description="Passphrase", placeholder="only for encrypted keys (then Enter)",
                                   continuous_update=False, style=STYLE)
        self.load_button = w.Button(description="Load pasted key", button_style="primary", icon="key")
        self.upload = w.FileUpload(accept=".pem,.der,.key", multiple=False, description="Upload key file")
        self.generate_rsa = w.Button(description="New RSA-2048 key", layout=w.Layout(width="auto"))
        self.generate_ecdsa = w.Button(description="New ECDSA P-256 key", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.public_pem = Textarea(description="Public key", disabled=True, style=STYLE,
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
            self.status.value = message(self._ASK_PASSPHRASE, "warning")
        elif self.key is None:
            self.status.value = message("paste a private key PEM first (or upload or generate one)", "error")

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
            self.status.value = message(
                "this PEM is incomplete: paste the whole key at once, from -----BEGIN to -----END (a key typed "
                "character by character reaches Python in pieces, and every piece is discarded)", "error")
            return
        if is_encrypted_key(source) and self._passphrase is None:
            self._pending = source
            self.status.value = message(self._ASK_PASSPHRASE, "warning")
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
            self.status.value = message("passphrase kept in Python for the encrypted key you paste or "
                                               "upload next")

    def _load(self, loader: Callable[[], PrivateKey], again: str = "paste or upload the key again") -> bool:
        try:
            key = loader()
        except CfSignError as err:
            active = key_summary(self.key, self.key_pair_id.value.strip()) if self.key is not None else ""
            still = message("still active: the key below (the failed one was not loaded)") if active \
                else message("no key loaded")
            self.status.value = message(f"{err} — {again}", "error") + still + active
            return False
        self.set_key(key)
        return True

    def _changed(self) -> None:
        key_id = self.key_pair_id.value.strip()
        if self.key is None:
            self.status.value = message("no key loaded yet")
        else:
            try:
                check_key_pair_id(key_id)
            except CfSignError as err:
                problem = str(err)
            else:
                problem = key_pair_id_note(key_id) or ""  # accepted, but not what CloudFront's ids look like
            self.status.value = key_summary(self.key, key_id) + (message(problem, "warning") if problem else "")
        for listener in self._listeners:
            listener(self)

    def signer(self, hash_algorithm: str = "SHA1") -> Signer:
        """A Signer for the loaded key; raises InputError with the fix when something is missing."""
        if self.key is None:
            raise InputError("no private key loaded: paste, upload or generate one in the Key tab")
        with warnings.catch_warnings():  # an odd-looking id is already a warning in the Key tab's status
            warnings.simplefilter("ignore", CfSignWarning)
            return Signer(self.key_pair_id.value.strip(), self.key, hash_algorithm=hash_algorithm)

    def __repr__(self) -> str:
        return f"KeyPanel(key={self.key!r}, key_pair_id={self.key_pair_id.value!r})"
