"""The old module path of the diagnosis, kept for imports that use it: see :mod:`cfsign_nb.diagnosis`."""

from .diagnosis import (
    CHECKS,
    SEARCH_BYTES,
    SEARCH_PARAMETERS,
    SEARCH_VARIANTS,
    SEARCH_VERIFICATIONS,
    Check,
    Context,
    Diagnosis,
    diagnose,
    verify,
)
from .protocol import COOKIE_LIMIT, LONG_LIFETIME_SECONDS, URL_LIMIT

__all__ = [
    "CHECKS",
    "COOKIE_LIMIT",
    "LONG_LIFETIME_SECONDS",
    "SEARCH_BYTES",
    "SEARCH_PARAMETERS",
    "SEARCH_VARIANTS",
    "SEARCH_VERIFICATIONS",
    "URL_LIMIT",
    "Check",
    "Context",
    "Diagnosis",
    "diagnose",
    "verify",
]
