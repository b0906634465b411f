"""One exception root for everything cfsign_nb refuses, and one warning category.

Every message says what is wrong and how to fix it; none ever contains key material.
"""

from __future__ import annotations


class CfSignError(ValueError):
    """Root of every error cfsign_nb raises on bad input.

    It subclasses ``ValueError`` so callers that already catch bad values keep working.
    """


class EncodingError(CfSignError):
    """A value is not valid CloudFront base64."""


class PolicyError(CfSignError):
    """A policy cannot be built or parsed as CloudFront would accept it."""


class TimeError(CfSignError):
    """A time is naive, out of range, in milliseconds, or in the wrong order."""


class KeyLoadError(CfSignError):
    """A key cannot be loaded, is encrypted without a passphrase, or is of a type CloudFront rejects."""


class UrlError(CfSignError):
    """A URL cannot be signed as given (not absolute, has a fragment, already signed, ...)."""


class CfSignWarning(UserWarning):
    """Something works here but may not work with CloudFront (for example an RSA-1024 key)."""

