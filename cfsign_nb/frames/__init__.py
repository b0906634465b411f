"""The pandas layer: tables of results, batch decode/diagnose over many URLs or cookie headers, access logs.

Importing it imports pandas, numpy and pyarrow, registers the ``.cfsign`` Series accessor and
registers the DataFrame builders that ``to_frame()`` on a core, diagnosis or trace value reaches
through :func:`cfsign_nb.extras.to_frame`; the core (``import cfsign_nb``) never imports it.
Every batch result agrees row by row with :func:`cfsign_nb.diagnose`: well-formed canned signed
URLs take a vectorised path (:mod:`.fast`), everything else the per-row functions themselves.
Codes, severities and CloudFront responses come from :data:`cfsign_nb.findings.CATALOG`.

The batch functions are pure per partition, so they run unchanged under Dask::

    import dask.dataframe as dd
    urls = dd.from_pandas(series, npartitions=8)
    table = urls.map_partitions(diagnose_many, now=now, meta=diagnose_many([]))

The files: :mod:`.single` (one result), :mod:`.batch` (the driver) with :mod:`.inputs`,
:mod:`.fast` (decoding) with :mod:`.fastverify`, :mod:`.assemble`, :mod:`.summary`, :mod:`.style`, :mod:`.accessor`,
:mod:`.accesslog` (read, write, diagnose logs), :mod:`.logsample` (a made-up log) and
:mod:`.har` (a browser session, request by request).
"""

from __future__ import annotations

from .. import extras
from ..decode import Decoded
from ..diagnosis import Diagnosis
from ..policy import Policy
from ..signer import SignedCookies
from ..trace import Comparison, Trace
from .accesslog import DIAGNOSIS_COLUMNS as DIAGNOSIS_COLUMNS
from .accesslog import (
    DIAGNOSIS_FIELDS,
    FIELDS,
    coverage,
    diagnose_access_log,
    iter_access_log,
    read_access_log,
    read_realtime_log,
    write_access_log,
)
from .accessor import CfSignAccessor as CfSignAccessor
from .assemble import CODE_CATEGORIES as CODE_CATEGORIES
from .assemble import DECODE_COLUMNS, DIAGNOSE_COLUMNS
from .assemble import INTERNAL_ERROR as INTERNAL_ERROR
from .assemble import STR as STR
from .assemble import UTC_SECONDS as UTC_SECONDS
from .batch import decode_many, diagnose_many
from .cluster import DiagnosedLogs, diagnose_access_logs
from .har import HAR_COLUMNS, diagnose_har
from .logsample import EXPECTED_CODES, SAMPLE_KINDS, sample_access_log
from .logsummary import LogSummary, summarise
from .logwrite import WRITE_FORMATS
from .single import (
    comparison_frame,
    decoded_frame,
    diagnosis_frame,
    policy_frame,
    signed_cookies_frame,
    trace_frame,
)
from .style import style
from .summary import counts_by_code, counts_by_hour, counts_by_key, expiry_distribution

__all__ = [
    "DECODE_COLUMNS",
    "DIAGNOSE_COLUMNS",
    "DIAGNOSIS_FIELDS",
    "EXPECTED_CODES",
    "FIELDS",
    "HAR_COLUMNS",
    "SAMPLE_KINDS",
    "WRITE_FORMATS",
    "DiagnosedLogs",
    "LogSummary",
    "comparison_frame",
    "counts_by_code",
    "counts_by_hour",
    "counts_by_key",
    "coverage",
    "decode_many",
    "decoded_frame",
    "diagnose_access_log",
    "diagnose_access_logs",
    "diagnose_har",
    "diagnose_many",
    "diagnosis_frame",
    "expiry_distribution",
    "iter_access_log",
    "policy_frame",
    "read_access_log",
    "read_realtime_log",
    "sample_access_log",
    "signed_cookies_frame",
    "style",
    "summarise",
    "trace_frame",
    "write_access_log",
]

extras.register_frame(Policy, policy_frame)
extras.register_frame(Decoded, decoded_frame)
extras.register_frame(SignedCookies, signed_cookies_frame)
extras.register_frame(Diagnosis, diagnosis_frame)
extras.register_frame(Trace, trace_frame)
extras.register_frame(Comparison, comparison_frame)
