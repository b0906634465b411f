"""Where a setting is given, named as the panels show it: core messages name Python arguments and CLI flags.

One mapping from a setting to its panel control; :func:`for_panel` rewrites the core's "(x= in Python, --x on
the command line)" hints into the control's name, so a panel never tells people to write Python or a flag.
"""

from __future__ import annotations

PANEL_NAMES: dict[str, str] = {
    "passphrase": "the Key tab's Passphrase field",
    "request_url": "the Inspector's Request URL field",
    "public_keys": "the Inspector's Public key fields (or the key loaded in the Key tab)",
    "client_ip": "the Inspector's Client IP field",
}
"""Each setting's control in the panels."""

_CORE_HINTS: tuple[tuple[str, str], ...] = (
    ("passphrase=... in Python, or the CFSIGN_PASSPHRASE environment variable for the cfsign command", "passphrase"),
    ("request_url= in Python, --request-url on the command line", "request_url"),
    ("public_keys={key_pair_id: pem} in Python, --public-key ID=FILE on the command line", "public_keys"),
    ("public_keys= in Python, --public-key ID=FILE on the command line", "public_keys"),
)


def for_panel(text: str) -> str:
    """``text`` with the core's Python/CLI hints replaced by the panel control that gives the same setting."""
    for hint, setting in _CORE_HINTS:
        if hint in text:
            text = text.replace(hint, PANEL_NAMES[setting])
    return text
