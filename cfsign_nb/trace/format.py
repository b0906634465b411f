"""Values for people: hex dumps, the DER layout of a signature, policy conditions, spans to mark.

The forward and backward traces both describe their stages with these, so a signing and a
decoding of the same artifact show the same text at every stage (which :meth:`Trace.compare`
relies on).
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ..errors import CfSignError
from ..policy import Policy
from ..protocol import CLOUDFRONT_SUBSTITUTIONS
from ..times import format_epoch

Marks = tuple[tuple[int, int], ...]
"""Half-open ``(start, end)`` character spans of a stage's ``output`` to highlight."""

HEX_LINES = 20
"""Hex dump lines shown in full (320 bytes); longer values show their start and end."""

TEXT_LIMIT = 4000
"""Characters of a text value shown; ``Stage.value`` always holds all of it."""

SUBSTITUTIONS = CLOUDFRONT_SUBSTITUTIONS
"""Standard base64 characters and the CloudFront-safe characters that replace them, in the order
people are told about them."""

HASH_LABEL = {"SHA1": "SHA-1", "SHA256": "SHA-256"}
"""How the hash algorithms are written for people."""


def hexdump(data: bytes, *, max_lines: int = HEX_LINES) -> str:
    """Offsets, hex and printable ASCII, 16 bytes a line; longer than ``max_lines``, the middle is elided."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:04x}  {hexes:<48}  |{text}|")
    if not lines:
        return "(0 bytes)"
    if len(lines) > max_lines:
        head = max(max_lines - 3, 1)
        hidden = 16 * (len(lines) - 2 - head)
        lines = [*lines[:head], f"....  {hidden} more bytes (of {len(data)}); Stage.value holds them all",
                 *lines[-2:]]
    return "\n".join(lines)


def shown(text: str) -> str:
    """``text`` as a stage displays it: whole up to :data:`TEXT_LIMIT` characters, else its start."""
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}… ({len(text)} characters in all; Stage.value holds them all)"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis saying so."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_repr(value: object) -> str:
    """A short ``repr`` of any value, even one whose ``__repr__`` raises."""
    try:
        return shorten(repr(value), 2000)
    except Exception:
        return f"<{type(value).__name__}>"


def pretty_json(data: bytes) -> str:
    """The policy JSON indented for reading, or "" when it does not parse."""
    try:
        return json.dumps(json.loads(data), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return ""


def digest_text(name: str, digest: bytes) -> str:
    """A digest as ``SHA-1  <hex>``."""
    return f"{HASH_LABEL[name]}  {digest.hex()}"


def byte_count(n: int) -> str:
    """``n`` bytes, singular or plural."""
    return f"{n} byte{'' if n == 1 else 's'}"


def signature_view(signature: bytes, algorithm: str | None) -> tuple[str, str]:
    """A one-paragraph summary of the signature's structure, and r and s in full for ECDSA."""
    n = len(signature)
    if algorithm != "RSA" and 8 <= n <= 80:
        layout = der_layout(signature)
        if layout is not None:
            r, s = decode_dss_signature(signature)
            lines = [f"ECDSA signature, ASN.1 DER, {n} bytes:", *layout]
            return "\n".join(lines), f"r = {r}\ns = {s}"
    if n == 64 and algorithm != "RSA":
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        return (f"64 bytes: a raw ECDSA r||s pair, not DER\nr = {signature[:32].hex()}\ns = {signature[32:].hex()}",
                f"r = {r}\ns = {s}")
    if algorithm == "RSA" or n in (128, 256, 384, 512):
        return f"RSA PKCS#1 v1.5 signature, {n} bytes ({n * 8}-bit modulus)", ""
    return f"{byte_count(n)} (neither an RSA-2048 nor a DER ECDSA P-256 signature)", ""


def der_layout(signature: bytes) -> list[str] | None:
    """Where r and s sit in a short-form DER ECDSA signature, or None when it is not one."""
    if signature[0] != 0x30 or signature[1] != len(signature) - 2:
        return None
    rows = [f"  @0  30 {signature[1]:02x}  SEQUENCE of {signature[1]} bytes"]
    at = 2
    for label in ("r", "s"):
        if at + 2 > len(signature) or signature[at] != 0x02:
            return None
        size = signature[at + 1]
        value = signature[at + 2:at + 2 + size]
        if len(value) != size or size == 0:
            return None
        lead = "  (leading 00 keeps it positive)" if size > 1 and value[0] == 0 else ""
        rows.append(f"  @{at:<2} 02 {size:02x}  INTEGER {label}, {size} bytes{lead}")
        rows.append(f"          {label} = {value.hex()}")
        at += 2 + size
    return rows if at == len(signature) else None


def conditions(policy: Policy) -> str:
    """The canonical text of what a policy grants; equal for a signing and a decoding of the same artifact."""
    def when(epoch: int) -> str:
        return f"{epoch}  ({format_epoch(epoch)})"

    rows = (
        ("resource", policy.resource if policy.resource is not None else "(none: any URL the key may sign)"),
        ("expires", when(policy.date_less_than)),
        ("starts", when(policy.date_greater_than) if policy.date_greater_than is not None else "(none)"),
        ("ip_address", policy.ip_address or "(any)"),
    )
    return "\n".join(f"{name:<10}  {value}" for name, value in rows)


def conditions_of(policy_bytes: bytes) -> str:
    """:func:`conditions` of signed policy bytes, or why they do not parse as a CloudFront policy."""
    try:
        return conditions(Policy.from_json(policy_bytes))
    except CfSignError as err:
        return f"(the policy does not parse as a CloudFront policy: {err})"


# --- spans to mark ------------------------------------------------------------------------------

def changed(before: str, after: str) -> Marks:
    """The spans where ``after`` differs from ``before``, character by character."""
    return merge(tuple((i, i + 1) for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b))


def replacements(before: str, after: str) -> str:
    """Each substitution from ``before`` to ``after`` and the positions where it happened, a line each."""
    by_pair: dict[tuple[str, str], list[int]] = {}
    for i, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            by_pair.setdefault((a, b), []).append(i)
    return "\n".join(f"'{a}' → '{b}' at {', '.join(map(str, positions))}"
                     for (a, b), positions in by_pair.items())


def value_marks(text: str, value: str) -> Marks:
    """The span of ``value`` where it first follows an ``=`` in ``text`` (a parameter's value)."""
    if not value:
        return ()
    at = text.find("=" + value)
    return clip(((at + 1, at + 1 + len(value)),), text) if at >= 0 else ()


def merge(spans: Marks) -> Marks:
    """Ordered spans with touching or overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def clip(spans: Marks, text: str) -> Marks:
    """Spans limited to what is shown of ``text`` (long values are truncated for display)."""
    limit = min(len(text), TEXT_LIMIT)
    return tuple((start, min(end, limit)) for start, end in spans if start < limit)
