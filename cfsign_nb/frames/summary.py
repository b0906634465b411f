"""Summaries of a diagnosed batch or access log: requests by code, by key, by hour, by time left."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import CATALOG

__all__ = ["counts_by_code", "counts_by_hour", "counts_by_key", "expiry_distribution"]

_EXPIRY_BINS = (-np.inf, 0, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, np.inf)
_EXPIRY_LABELS = ("expired", "< 1 min", "1-5 min", "5-15 min", "15-60 min", "1-6 h", "6-24 h", "1-7 days", "> 7 days")


def counts_by_code(table: pd.DataFrame) -> pd.DataFrame:
    """Requests per primary finding code, with CloudFront's answer, the code's title and the share."""
    counts = table["code"].value_counts(sort=True)
    counts = counts[counts > 0]
    frame = counts.rename("requests").to_frame()
    frame["share"] = frame["requests"] / max(len(table), 1)
    frame["cloudfront_error"] = [CATALOG[c].cloudfront_error if c in CATALOG else None for c in frame.index.astype(str)]
    frame["title"] = [CATALOG[c].title if c in CATALOG else "served" for c in frame.index.astype(str)]
    frame.index = frame.index.astype(str)
    frame.index.name = "code"
    return frame


def counts_by_key(table: pd.DataFrame) -> pd.DataFrame:
    """Requests per key pair id: total, served (``ok``), refused, and the most common refusal code."""
    keyed = table.assign(key_pair_id=table["key_pair_id"].astype(object).fillna("(none)"))
    grouped = keyed.groupby("key_pair_id", observed=True, sort=True)
    frame = pd.DataFrame({"requests": grouped.size(), "ok": grouped["ok"].sum()})
    frame["refused"] = frame["requests"] - frame["ok"]
    refused = keyed[~keyed["ok"]]
    top = refused.groupby("key_pair_id", observed=True)["code"].agg(lambda c: c.astype(str).value_counts().index[0])
    frame["top_code"] = top.reindex(frame.index)
    return frame.sort_values("requests", ascending=False)


def counts_by_hour(table: pd.DataFrame, *, time_column: str | None = None) -> pd.DataFrame:
    """Requests per UTC hour with served/refused counts and one column per refusal code."""
    column = time_column or ("timestamp" if "timestamp" in table else "now_at")
    hours = table[column].dt.floor("h")
    codes = pd.crosstab(hours, table["code"].astype(str))
    frame = pd.DataFrame({"requests": codes.sum(axis=1)})
    frame["ok"] = codes.get("OK", 0)
    frame["refused"] = frame["requests"] - frame["ok"]
    frame = frame.join(codes.drop(columns=["OK"], errors="ignore"))
    frame.index.name = "hour"
    return frame


def expiry_distribution(table: pd.DataFrame) -> pd.DataFrame:
    """How long before their expiry signed URLs were used: requests per time-left bucket."""
    left = table["seconds_to_expiry"].astype("float64")
    buckets = pd.cut(left, bins=list(_EXPIRY_BINS), labels=list(_EXPIRY_LABELS), right=True)
    counts = buckets.value_counts(sort=False).rename("requests").to_frame()
    counts["share"] = counts["requests"] / max(int(left.notna().sum()), 1)
    counts.index.name = "time_left"
    stats = left.dropna()
    counts.attrs["median_seconds"] = float(stats.median()) if len(stats) else None
    return counts
