"""The DataFrame of one result: what ``to_frame()`` returns on a policy, a decoded URL or cookies,
signed cookies, a diagnosis, a trace or a comparison of two traces.

The core and the diagnosis/trace values never import this layer: their ``to_frame()`` goes
through :func:`cfsign_nb.extras.to_frame`, and :mod:`cfsign_nb.frames` registers these builders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..decode import decode
from ..findings import CATALOG, SEVERITY_ORDER
from .assemble import DECODE_COLUMNS, ERROR_CATEGORIES, STR, datetimes, decoded_row, frame_of_rows

if TYPE_CHECKING:
    from ..decode import Decoded
    from ..diagnosis import Diagnosis
    from ..policy import Policy
    from ..trace import Comparison, Trace

__all__ = [
    "comparison_frame",
    "decoded_frame",
    "diagnosis_frame",
    "policy_frame",
    "signed_cookies_frame",
    "trace_frame",
]

def policy_frame(policy: Policy) -> pd.DataFrame:
    """One row: the policy's fields, epochs beside UTC datetimes, and the exact JSON that is signed."""
    frame = pd.DataFrame({
        "resource": pd.array([policy.resource], dtype=STR),
        "date_less_than": pd.array([policy.date_less_than], dtype="Int64"),
        "date_greater_than": pd.array([policy.date_greater_than], dtype="Int64"),
        "ip_address": pd.array([policy.ip_address], dtype=STR),
        "is_canned": [policy.is_canned],
        "policy_json": pd.array([policy.to_json().decode()], dtype=STR),
    })
    frame.insert(2, "expires_at", datetimes(frame["date_less_than"]))
    frame.insert(4, "starts_at", datetimes(frame["date_greater_than"]))
    return frame


def decoded_frame(decoded: Decoded) -> pd.DataFrame:
    """One row with the columns of :func:`~cfsign_nb.frames.decode_many` for one decoded URL or set of cookies."""
    return frame_of_rows([decoded_row(decoded)], DECODE_COLUMNS)


def signed_cookies_frame(cookies: Mapping[str, str]) -> pd.DataFrame:
    """One row per cookie: name, value, size in bytes, and (when present) the expiry it carries."""
    names = list(cookies)
    frame = pd.DataFrame({
        "name": pd.Categorical(names),
        "value": pd.array([cookies[n] for n in names], dtype=STR),
        "bytes": pd.array([len(n) + 1 + len(cookies[n].encode()) for n in names], dtype="Int64"),
    })
    decoded = decode(dict(cookies))
    expires = decoded.policy.date_less_than if decoded.policy else decoded.expires
    frame["expires"] = pd.array([expires] * len(names), dtype="Int64")
    frame["expires_at"] = datetimes(frame["expires"])
    return frame


def diagnosis_frame(diagnosis: Diagnosis) -> pd.DataFrame:
    """One row per finding, most likely cause first; severity, code and response are categoricals."""
    findings = diagnosis.findings
    return pd.DataFrame({
        "severity": pd.Categorical([f.severity for f in findings], categories=list(SEVERITY_ORDER)),
        "code": pd.Categorical([f.code for f in findings], categories=list(CATALOG)),
        "message": pd.array([f.message for f in findings], dtype=STR),
        "fix": pd.array([f.fix for f in findings], dtype=STR),
        "cloudfront_error": pd.Categorical([f.cloudfront_error for f in findings], categories=ERROR_CATEGORIES),
        "evidence": pd.Series([dict(f.evidence) for f in findings], dtype=object),
    })


def trace_frame(trace: Trace) -> pd.DataFrame:
    """One row per stage, numbered from 1 (``step``): the trace's plain :meth:`~cfsign_nb.trace.Trace.rows`."""
    rows = trace.rows()
    frame = pd.DataFrame(rows, columns=list(trace.COLUMNS))
    frame.index = pd.RangeIndex(1, len(rows) + 1, name="step")
    return frame


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per stage name: status (same / different / only left / only right) and both outputs."""
    return pd.DataFrame(comparison.records(), columns=list(comparison.COLUMNS))
