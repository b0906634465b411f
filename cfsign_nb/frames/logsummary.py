"""Summaries of many diagnosed log files, reduced partition by partition: on the cluster, or here file by file.

Each partition becomes a few rows of counts (per code, key pair id, served, 403, unexplained),
with the checks its file's fields could not support; only those travel, and the tables are built
from their sums, so a month of logs never has to fit in one process. The tables read like
:func:`~cfsign_nb.frames.counts_by_code` and :func:`~cfsign_nb.frames.counts_by_key` on the whole
log (ties broken by name, so they are stable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..findings import CATALOG
from .cluster import DiagnosedLogs

__all__ = ["LogSummary", "summarise"]

_COUNTED = ("code", "key_pair_id", "ok", "sc-status", "unexplained_403")  # the columns counted (sc-status if logged)


@dataclass(frozen=True, eq=False)
class LogSummary:
    """Totals of a diagnosed log, and the requests per code and per key pair id."""

    requests: int
    ok: int
    refused_by_cloudfront: int  # sc-status 403
    unexplained_403: int
    counts_by_code: pd.DataFrame  # as frames.counts_by_code, ties in code order
    counts_by_key: pd.DataFrame  # as frames.counts_by_key, ties in key order
    unsupported: dict[str, str]  # each check some file's fields could not support: the fields it needs


def summarise(result: Any, *, client: object | None = None) -> LogSummary:
    """Totals, the per-code and per-key tables, and the checks some file could not support, partition by partition.

    ``result`` is what :func:`diagnose_access_logs` returned (a Dask DataFrame is reduced on the
    cluster: only small counts come back), or a diagnosed pandas frame.
    """
    if isinstance(result, pd.DataFrame):
        counts = _partial_counts(result)
    elif isinstance(result, DiagnosedLogs):
        counted = replace(result, selected=_COUNTED)  # not result[...]: that reads a record to check names
        counts = pd.concat([_partial_counts(frame) for frame in counted], ignore_index=True)
    elif hasattr(result, "map_partitions"):  # the selection reaches each partition: only what is counted is built
        counted = result[[c for c in _COUNTED if c in result.columns]]
        partial = counted.map_partitions(_partial_counts, meta=_partial_counts(counted._meta))
        counts = client.compute(partial).result() if client is not None else partial.compute()  # type: ignore[attr-defined]
    else:
        raise InputError(f"summarise takes the result of diagnose_access_logs, not {type(result).__name__}")
    return _summary(counts)


def _partial_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Requests per (code, key, ok, 403, unexplained) in one partition: a few rows, whatever its size.

    The five columns are packed into one integer per row (category codes and flags) and counted
    with numpy; only the distinct combinations are turned back into names.
    """
    status = frame["sc-status"] if "sc-status" in frame else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    code, code_names = _codes_of(frame["code"])
    key, key_names = _codes_of(frame["key_pair_id"])
    flags = (
        frame["ok"].to_numpy(dtype=bool) * 1
        + status.eq(403).fillna(False).to_numpy(dtype=bool) * 2
        + frame["unexplained_403"].to_numpy(dtype=bool) * 4
    )
    combos, counts = np.unique((code * len(key_names) + key) * 8 + flags, return_counts=True)
    unsupported = json.dumps(sorted(frame.attrs.get("unsupported", {}).items()))  # what this partition's file lacks
    return pd.DataFrame({
        "code": code_names[combos // 8 // len(key_names)],
        "key_pair_id": key_names[combos // 8 % len(key_names)],
        "ok": (combos & 1).astype(bool),
        "refused_by_cloudfront": (combos & 2).astype(bool),
        "unexplained_403": (combos & 4).astype(bool),
        "requests": counts.astype("int64"),
        "unsupported": pd.Series([unsupported] * len(combos), dtype=object),
    })


def _codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's category code + 1 (0: missing) and the names they stand for (``(none)`` first)."""
    values = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column.astype(object))
    names = np.array(["(none)", *(str(c) for c in values.categories)], dtype=object)
    return values.codes.astype(np.int64) + 1, names


def _summary(counts: pd.DataFrame) -> LogSummary:
    total = int(counts["requests"].sum())
    by_code = counts.groupby("code")["requests"].sum()
    by_code = by_code[by_code > 0]
    order = sorted(by_code.index, key=lambda c: (-int(by_code[c]), c))
    codes = pd.DataFrame({"requests": by_code.reindex(order).astype("int64")})
    codes["share"] = codes["requests"] / max(total, 1)
    codes["cloudfront_error"] = [CATALOG[c].cloudfront_error if c in CATALOG else None for c in order]
    codes["title"] = [CATALOG[c].title if c in CATALOG else "served" for c in order]
    codes.index = pd.Index(order, dtype=object, name="code")
    return LogSummary(
        requests=total,
        ok=int(counts.loc[counts["ok"], "requests"].sum()),
        refused_by_cloudfront=int(counts.loc[counts["refused_by_cloudfront"], "requests"].sum()),
        unexplained_403=int(counts.loc[counts["unexplained_403"], "requests"].sum()),
        counts_by_code=codes,
        counts_by_key=_by_key(counts),
        unsupported=dict(sorted(pair for text in counts["unsupported"].unique() for pair in json.loads(text))),
    )


def _by_key(counts: pd.DataFrame) -> pd.DataFrame:
    """Requests, served, refused and the most common refusal code per key pair id."""
    grouped = counts.groupby("key_pair_id", sort=True)
    frame = pd.DataFrame({
        "requests": grouped["requests"].sum().astype("int64"),
        "ok": counts[counts["ok"]].groupby("key_pair_id")["requests"].sum().reindex(grouped.size().index, fill_value=0),
    }).astype("int64")
    frame["refused"] = frame["requests"] - frame["ok"]
    refused = counts[~counts["ok"]].groupby(["key_pair_id", "code"], sort=True)["requests"].sum().reset_index()
    refused = refused.sort_values(["key_pair_id", "requests", "code"], ascending=[True, False, True], kind="stable")
    top = refused.drop_duplicates("key_pair_id").set_index("key_pair_id")["code"]
    frame["top_code"] = top.reindex(frame.index).astype(object)
    frame.index = frame.index.astype(object)
    frame.index.name = "key_pair_id"
    order = np.lexsort((np.arange(len(frame)), -frame["requests"].to_numpy()))
    return frame.iloc[order]

