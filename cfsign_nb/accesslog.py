"""The old module path of the access-log functions: they now live in :mod:`cfsign_nb.frames.accesslog`
and :mod:`cfsign_nb.frames.logsample` (importing this imports pandas)."""

from .frames.accesslog import (
    DIAGNOSIS_COLUMNS,
    FIELDS,
    diagnose_access_log,
    iter_access_log,
    read_access_log,
    write_access_log,
)
from .frames.logsample import EXPECTED_CODES, SAMPLE_KINDS, sample_access_log

__all__ = [
    "DIAGNOSIS_COLUMNS",
    "EXPECTED_CODES",
    "FIELDS",
    "SAMPLE_KINDS",
    "diagnose_access_log",
    "iter_access_log",
    "read_access_log",
    "sample_access_log",
    "write_access_log",
]
