"""Every setting people give, named as each place takes it: a Python argument, a CLI flag, a panel control.

Core messages are Python exceptions and findings, so they name the Python argument, always as
:attr:`Setting.python` (written once, here); :func:`reword` turns that text into the command line's
flag or the panel's control, so each place tells people what to type where they are.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

Place = Literal["python", "cli", "panel"]
PLACES: tuple[Place, ...] = ("python", "cli", "panel")


@dataclass(frozen=True)
class Setting:
    """One input and its name in each place; ``python`` is the exact text core messages carry."""

    python: str
    cli: str
    panel: str

    def named(self, place: Place) -> str:
        """How ``place`` names this setting."""
        return {"python": self.python, "cli": self.cli, "panel": self.panel}[place]


PASSPHRASE = Setting("passphrase=...",
                     "the CFSIGN_PASSPHRASE environment variable, or the one --passphrase-env names",
                     "the Key tab's Passphrase field")
KEY_PAIR_ID = Setting("key_pair_id=...", "--key-pair-id ID", "the Key tab's Key pair id field")
PRIVATE_KEY = Setting("private_key=...", "--private-key FILE",
                      "the Key tab's Private key PEM field (or Upload key file)")
REQUEST_URL = Setting("request_url=...", "--request-url URL", "the Inspector's Request URL field")
PUBLIC_KEYS = Setting("public_keys={key_pair_id: pem}", "--public-key ID=FILE",
                      "the Inspector's Public key id and Public key PEM fields (or the key loaded in the Key tab)")
EXPIRES = Setting("expires=... (an aware datetime, epoch seconds, or a timedelta such as timedelta(hours=1)), "
                  "or a complete policy with policy=...",
                  "--expires WHEN (+1h, epoch seconds or 2026-12-31T23:59:00Z)",
                  "the Sign tab's Expires field (or its …or pick (UTC) date)")
EXPIRES_AT = Setting("expires=parse_when(...)", "--expires WHEN", "the Sign tab's Expires field")
"""An expiry typed as text (:func:`cfsign_nb.parse_when`), where a message says what was wrong with it."""
STARTS = Setting("starts=parse_when(...)", "--starts WHEN", "the Sign tab's Not before field")
IP_ADDRESS = Setting("ip_address=...", "--ip CIDR", "the Sign tab's Viewer IPv4/CIDR field")
CLIENT_IP = Setting("client_ip=...", "--client-ip IP", "the Inspector's Client IP field")
NOW = Setting("now=...", "--at WHEN", "the Inspector's As of field")
GENERATE_KEY = Setting("generate_key('rsa'|'ecdsa')", "cfsign keygen --type rsa|ecdsa",
                       "the Key tab's New RSA-2048 key or New ECDSA P-256 key button")
GENERATE_ECDSA = Setting("generate_key('ecdsa')", "cfsign keygen --type ecdsa",
                         "the Key tab's New ECDSA P-256 key button")
SIGN = Setting("Signer.sign_url(...)", "cfsign sign", "the Sign tab")
POLICY = Setting("cfsign_nb.Policy(...)",
                 "the policy flags of cfsign sign (--resource PATTERN, --starts WHEN, --ip CIDR)",
                 "the Sign tab's policy fields (Resource pattern, Not before, Viewer IPv4/CIDR)")
PORT = Setting("port=...", "--port PORT",
               "the port given where the edge is started (no panel starts one)")
TRACE = Setting("trace_sign(...) and trace_decode(...)", "cfsign trace",
                "the Step through button (on the Sign and Inspect tabs)")

SETTINGS: tuple[Setting, ...] = (PASSPHRASE, KEY_PAIR_ID, PRIVATE_KEY, EXPIRES, EXPIRES_AT, STARTS, IP_ADDRESS,
                                 REQUEST_URL, PUBLIC_KEYS, CLIENT_IP, NOW, GENERATE_KEY, GENERATE_ECDSA, SIGN, POLICY,
                                 PORT, TRACE)
"""Every setting a core message may name (:func:`reword` replaces the longest Python text first)."""


def reword(text: str, place: Place, *, in_html: bool = False) -> str:
    """``text`` (or HTML escaped by ``html.escape``) with each setting's Python name replaced by ``place``'s."""
    if place == "python":
        return text
    for setting in _LONGEST_FIRST:
        old = html.escape(setting.python) if in_html else setting.python
        if old in text:
            new = setting.named(place)
            text = text.replace(old, html.escape(new) if in_html else new)
    return text


_LONGEST_FIRST = tuple(sorted(SETTINGS, key=lambda s: -len(s.python)))
