"""One exception root for everything cfsign_nb refuses, and one warning category.

Two branches: :class:`InputError` for a value that is wrong (it is also a ``ValueError``, so
callers that already catch bad values keep working) and :class:`SetupError` for an environment
that cannot do what was asked (a missing extra, a port in use). Every message says what is wrong
and how to fix it; none ever contains key material.
"""

from __future__ import annotations


class CfSignError(Exception):
    """Root of every error cfsign_nb raises."""


class InputError(CfSignError, ValueError):
    """A value given to cfsign_nb is wrong; the message says how to fix it."""


class EncodingError(InputError):
    """A value is not valid CloudFront base64."""


class PolicyError(InputError):
    """A policy cannot be built or parsed as CloudFront would accept it."""


class TimeError(InputError):
    """A time is naive, out of range, in milliseconds, or in the wrong order."""


class KeyLoadError(InputError):
    """A key cannot be loaded, is encrypted without a passphrase, or is of a type CloudFront rejects."""


class UrlError(InputError):
    """A URL cannot be signed as given (not absolute, has a fragment, already signed, ...)."""


class SetupError(CfSignError):
    """The environment cannot do what was asked (a port in use, a file that cannot be written...)."""


class MissingExtraError(SetupError, ImportError):
    """An optional extra is not installed; the message names the ``pip install`` command."""

    def __init__(self, message: str, *, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


class CfSignWarning(UserWarning):
    """Something works here but may not work with CloudFront (for example an RSA-1024 key)."""
