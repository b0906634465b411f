"""Every stage of signing and of decoding as values: policy → bytes → digest → signature → base64 → URL.

:func:`trace_sign` watches a :class:`~cfsign_nb.signer.Signer` sign once and derives every stage
from that one signature. :func:`trace_decode` takes a URL or cookies apart in the same named
stages and stops at the first one CloudFront would refuse. :meth:`Trace.compare` lines two
traces up by stage name, e.g. your signer's output against ours.
"""

from .backward import trace_decode
from .format import HEX_LINES, TEXT_LIMIT, Marks, hexdump
from .forward import trace_sign
from .model import STAGE_ORDER, Comparison, Direction, Stage, Trace

__all__ = ["HEX_LINES", "STAGE_ORDER", "TEXT_LIMIT", "Comparison", "Direction", "Marks", "Stage", "Trace", "hexdump",
           "trace_decode", "trace_sign"]
