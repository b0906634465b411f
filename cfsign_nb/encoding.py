"""CloudFront's URL-safe base64: standard base64 with ``+``→``-``, ``=``→``_`` and ``/``→``~``.

This is *not* RFC 4648 base64url (which uses ``-`` and ``_`` for ``+`` and ``/`` and drops padding).
The strict decoder accepts only CloudFront's alphabet; :func:`detect_alphabet` and
:func:`decode_any` tell the other alphabets apart so a diagnosis can say which one was used.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from typing import Literal

from .errors import EncodingError
from .protocol import CLOUDFRONT_BASE64_PATTERN, CLOUDFRONT_SUBSTITUTIONS

Alphabet = Literal["cloudfront", "standard", "base64url", "mixed", "invalid"]

_STANDARD = "".join(standard for standard, _ in CLOUDFRONT_SUBSTITUTIONS)
_SAFE = "".join(safe for _, safe in CLOUDFRONT_SUBSTITUTIONS)
_TO_CLOUDFRONT = bytes.maketrans(_STANDARD.encode(), _SAFE.encode())
_FROM_CLOUDFRONT = bytes.maketrans(_SAFE.encode(), _STANDARD.encode())
_TO_CLOUDFRONT_TEXT = str.maketrans(_STANDARD, _SAFE)
_FROM_CLOUDFRONT_TEXT = str.maketrans(_SAFE, _STANDARD)
_CLOUDFRONT_RE = re.compile(CLOUDFRONT_BASE64_PATTERN)
CLOUDFRONT_ALPHABET = (string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/").translate(
    _TO_CLOUDFRONT_TEXT
)
"""The 64 characters of CloudFront base64 in the order of their values (``_`` pads)."""
_STANDARD_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def b64encode(data: bytes) -> str:
    """Encode bytes as CloudFront base64 (padding kept, written ``_``)."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_CLOUDFRONT).decode("ascii")


def to_cloudfront_alphabet(standard_b64: str) -> str:
    """Apply CloudFront's three substitutions to standard base64 text."""
    return standard_b64.translate(_TO_CLOUDFRONT_TEXT)


def b64decode(text: str) -> bytes:
    """Decode CloudFront base64 strictly, as CloudFront does.

    Raises :class:`EncodingError` naming the alphabet that was used instead, if any.
    """
    if not isinstance(text, str):
        raise EncodingError(
            f"expected CloudFront base64 text (str), got {type(text).__name__}; "
            "decode bytes with .decode('ascii') first"
        )
    if _CLOUDFRONT_RE.fullmatch(text) is None or len(text) % 4:
        raise EncodingError(_explain_not_cloudfront(text))
    try:
        return base64.b64decode(text.encode("ascii").translate(_FROM_CLOUDFRONT), validate=True)
    except binascii.Error as err:  # pragma: no cover - the regex and length check catch these
        raise EncodingError(f"not valid CloudFront base64: {err}") from None


def cloudfront_characters(text: str) -> bool:
    """True when ``text`` holds only CloudFront base64 characters, padding last, whatever its length."""
    return _CLOUDFRONT_RE.fullmatch(text) is not None


def detect_alphabet(text: str) -> Alphabet:
    """Say which base64 alphabet ``text`` is written in (CloudFront's is preferred when ambiguous)."""
    if _CLOUDFRONT_RE.fullmatch(text) and len(text) % 4 == 0:
        return "cloudfront"
    if _STANDARD_RE.fullmatch(text) and len(text) % 4 == 0:
        return "standard"
    if _BASE64URL_RE.fullmatch(text) and (len(text) % 4 != 1):
        return "base64url"
    if re.fullmatch(r"[A-Za-z0-9+/=_~-]*", text):
        return "mixed"
    return "invalid"


def decode_any(text: str) -> tuple[bytes | None, Alphabet]:
    """Decode ``text`` in whichever alphabet it is written; ``None`` when nothing decodes it.

    Never raises: this is the forgiving decoder used by diagnosis.
    """
    alphabet = detect_alphabet(text)
    try:
        if alphabet == "cloudfront":
            return b64decode(text), alphabet
        if alphabet == "standard":
            return base64.b64decode(text, validate=True), alphabet
        if alphabet == "base64url":
            padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
            return base64.urlsafe_b64decode(padded), alphabet
        if alphabet == "mixed":
            unified = text.translate(_FROM_CLOUDFRONT_TEXT)
            return base64.b64decode(unified, validate=True), alphabet
    except (binascii.Error, ValueError, EncodingError):
        pass
    return None, alphabet


def _explain_not_cloudfront(text: str) -> str:
    alphabet = detect_alphabet(text)
    if alphabet == "standard":
        return (
            "this is standard base64 ('+', '/' or '=' present), not CloudFront base64; "
            "replace '+' with '-', '=' with '_' and '/' with '~'"
        )
    if alphabet == "base64url":
        return (
            "this looks like RFC 4648 base64url (no '~', padding stripped or '_' for '/'), "
            "not CloudFront base64; encode with standard base64, keep the padding, then "
            "replace '+' with '-', '=' with '_' and '/' with '~'"
        )
    if len(text) % 4 and cloudfront_characters(text):
        return (
            f"CloudFront base64 must have a length that is a multiple of 4 (got {len(text)}); "
            "the value was probably truncated or its '_' padding was stripped"
        )
    bad = sorted({c for c in text if not (c.isascii() and (c.isalnum() or c in "-_~"))})
    shown = "".join(bad[:10])
    return (
        f"not CloudFront base64: unexpected characters {shown!r}; "
        "if the value is percent-encoded (e.g. '%7E'), URL-decode it once first"
    )
