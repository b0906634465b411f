"""cfsign_nb: CloudFront signed URLs and signed cookies — sign, decode, verify, diagnose.

The core imports only the standard library and ``cryptography``; pandas and ipywidgets are
imported by the layers that need them.
"""

import importlib
from typing import TYPE_CHECKING

from .decode import Decoded as Decoded
from .decode import decode as decode
from .diagnose import Context as Context
from .diagnose import Diagnosis as Diagnosis
from .diagnose import diagnose as diagnose
from .diagnose import verify as verify
from .encoding import b64decode as b64decode
from .encoding import b64encode as b64encode
from .errors import CfSignError as CfSignError
from .errors import CfSignWarning as CfSignWarning
from .errors import EncodingError as EncodingError
from .errors import KeyLoadError as KeyLoadError
from .errors import PolicyError as PolicyError
from .errors import TimeError as TimeError
from .errors import UrlError as UrlError
from .findings import CATALOG as CATALOG
from .findings import Finding as Finding
from .keys import PrivateKey as PrivateKey
from .keys import PublicKey as PublicKey
from .keys import generate_key as generate_key
from .keys import load_private_key as load_private_key
from .keys import load_public_key as load_public_key
from .policy import Policy as Policy
from .policy import resource_matches as resource_matches
from .signer import PolicyPlan as PolicyPlan
from .signer import Signer as Signer
from .signer import plan_policy as plan_policy
from .signer import set_cookie_headers as set_cookie_headers
from .times import parse_when as parse_when

if TYPE_CHECKING:
    from .stages import Stage as Stage
    from .stages import Trace as Trace
    from .stages import trace_decode as trace_decode
    from .stages import trace_sign as trace_sign

__version__ = "0.1.0"

__all__ = [
    # signing
    "Policy", "PolicyPlan", "PrivateKey", "PublicKey", "Signer", "generate_key", "load_private_key",
    "load_public_key", "parse_when", "plan_policy", "resource_matches", "set_cookie_headers",
    "b64decode", "b64encode",
    # inspection
    "CATALOG", "Context", "Decoded", "Diagnosis", "Finding", "decode", "diagnose", "verify",
    "Stage", "Trace", "trace_decode", "trace_sign",
    # errors and warnings
    "CfSignError", "CfSignWarning", "EncodingError", "KeyLoadError", "PolicyError", "TimeError", "UrlError",
]

_LAZY = {"Stage": "stages", "Trace": "stages", "trace_decode": "stages", "trace_sign": "stages"}


def __getattr__(name: str) -> object:
    """The step-through API loads on first use, so ``import cfsign_nb`` stays quick."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
