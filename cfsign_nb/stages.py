"""The old path of :mod:`cfsign_nb.trace`, kept so existing imports work; nothing inside the package uses it."""

from .trace import (
    HEX_LINES,
    STAGE_ORDER,
    TEXT_LIMIT,
    Comparison,
    Direction,
    Marks,
    Stage,
    Trace,
    hexdump,
    trace_decode,
    trace_sign,
)

__all__ = ["HEX_LINES", "STAGE_ORDER", "TEXT_LIMIT", "Comparison", "Direction", "Marks", "Stage", "Trace", "hexdump",
           "trace_decode", "trace_sign"]
