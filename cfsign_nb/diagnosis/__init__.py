"""Say why CloudFront would refuse a signed URL or signed cookies, and how to fix it.

:func:`diagnose` runs small checks in CloudFront's own order (is there signing data, is the key
known, do the values decode, does the signature verify, do the conditions hold). When a signature
does not verify, it searches the plausible variants (the other hash, the other keys, the URL as it
was probably signed, the canned policy in the formats broken signers produce) and reports the one
that verifies as the cause. Time is an argument; nothing here reads the clock except the default.

- :mod:`.model`: the :class:`Context` of the viewer's request and the :class:`Diagnosis`;
- :mod:`.checks`: the checks, one ordered list (:data:`CHECKS`);
- :mod:`.variants`: the bounded differential search;
- :mod:`.cookies`: whether a browser sends a cookie at all;
- :mod:`.response`, :mod:`.answer`: what CloudFront (or the origin) answered, held against the prediction;
- :mod:`.run`: :func:`diagnose` and :func:`verify`.
"""

from .checks import CHECKS, Check
from .model import Context, Diagnosis
from .response import Response, read_response
from .run import diagnose, verify
from .variants import SEARCH_BYTES, SEARCH_PARAMETERS, SEARCH_VARIANTS, SEARCH_VERIFICATIONS

__all__ = [
    "CHECKS",
    "SEARCH_BYTES",
    "SEARCH_PARAMETERS",
    "SEARCH_VARIANTS",
    "SEARCH_VERIFICATIONS",
    "Check",
    "Context",
    "Diagnosis",
    "Response",
    "diagnose",
    "read_response",
    "verify",
]
