"""cfsign_nb: CloudFront signed URLs and signed cookies — sign, decode, verify, diagnose.

The public API, re-exported from the layers that define it. The core imports only the standard
library and ``cryptography``; pandas and ipywidgets are imported by the layers that need them,
and the step-through API loads on first use so ``import cfsign_nb`` stays quick.
"""

import importlib
from typing import TYPE_CHECKING

from . import extras as _extras
from .decode import Decoded as Decoded
from .decode import decode as decode
from .decode import decode_all as decode_all
from .diagnosis import Context as Context
from .diagnosis import Diagnosis as Diagnosis
from .diagnosis import Response as Response
from .diagnosis import diagnose as diagnose
from .diagnosis import read_response as read_response
from .diagnosis import verify as verify
from .encoding import b64decode as b64decode
from .encoding import b64encode as b64encode
from .errors import CfSignError as CfSignError
from .errors import CfSignWarning as CfSignWarning
from .errors import EncodingError as EncodingError
from .errors import InputError as InputError
from .errors import KeyLoadError as KeyLoadError
from .errors import MissingExtraError as MissingExtraError
from .errors import PolicyError as PolicyError
from .errors import SetupError as SetupError
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
    from .frames.har import diagnose_har as diagnose_har
    from .trace import Stage as Stage
    from .trace import Trace as Trace
    from .trace import trace_decode as trace_decode
    from .trace import trace_sign as trace_sign

__version__ = "0.1.0"

__all__ = [
    "CATALOG",
    "CfSignError",
    "CfSignWarning",
    "Context",
    "Decoded",
    "Diagnosis",
    "EncodingError",
    "Finding",
    "InputError",
    "KeyLoadError",
    "MissingExtraError",
    "Policy",
    "PolicyError",
    "PolicyPlan",
    "PrivateKey",
    "PublicKey",
    "Response",
    "SetupError",
    "Signer",
    "Stage",
    "TimeError",
    "Trace",
    "UrlError",
    "b64decode",
    "b64encode",
    "decode",
    "decode_all",
    "diagnose",
    "diagnose_har",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "parse_when",
    "plan_policy",
    "read_response",
    "resource_matches",
    "set_cookie_headers",
    "trace_decode",
    "trace_sign",
    "verify",
]

_LAZY = {"Stage": "trace", "Trace": "trace", "trace_decode": "trace", "trace_sign": "trace",
         "diagnose_har": "frames.har"}

# Core values reach the pandas layer only through this hook: to_frame() loads it on first use.
_extras.set_frame_loader(lambda: importlib.import_module(".frames", __name__))


def __getattr__(name: str) -> object:
    """The step-through API and diagnose_har (pandas) load on first use, so ``import cfsign_nb`` stays quick."""
    if name in _LAZY:
        if _LAZY[name].startswith("frames"):
            _extras.require("pandas", needed_for=name)
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
