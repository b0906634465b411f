# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A day of 403s: CloudFront access logs in pandas
#
# CloudFront's standard access logs record every request, including the signed query string and the
# status CloudFront answered. Here we generate a realistic log (no customer data: the signers, keys
# and mistakes are made up on the spot), read it as CloudFront writes it, diagnose every row as of its
# own request time and client IP, and summarise why requests were refused.

# %%
import io
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from cfsign_nb import frames

log = frames.sample_access_log(2000, seed=7, span=86400)  # one day
public_keys = log.attrs["public_keys"]  # the public keys the distribution trusts, by key pair id
frames.style(log[["timestamp", "c-ip", "sc-status", "cs-uri-stem", "cs-uri-query"]].head())  # escaped; no NaN

# %% [markdown]
# The same log written and read back in CloudFront's tab-separated format (`#Version`, `#Fields`):

# %%
buffer = io.BytesIO()
frames.write_access_log(log.drop(columns=["sample_kind", "url", "timestamp"]), buffer)
print(buffer.getvalue().decode()[:400])
buffer.seek(0)
log = frames.read_access_log(buffer).assign(sample_kind=log["sample_kind"].to_numpy())
log.dtypes.head(12)

# %% [markdown]
# ## Diagnose every request
# Each row is judged at its own time (`date` + `time`) and from its own `c-ip`; the table keeps the
# log's order, so the requests CloudFront refused are one filter away.

# %%
diagnosed = frames.diagnose_access_log(log, public_keys=public_keys)
diagnosed.loc[diagnosed["sc-status"] == 403, ["timestamp", "sc-status", "code", "cs-uri-stem"]].head(10)


# %% [markdown]
# ## Why were requests refused?
# `shown` displays a summary table escaped (key pair ids come from viewers), shares as percentages and
# empty cells empty; the tables themselves keep plain numbers for further work.

# %%
def shown(table):
    """A summary as this notebook shows it: every cell escaped, shares as percentages, no NaN."""
    styler = frames.style(table)
    return styler.format({"share": "{:.1%}"}) if "share" in table.columns else styler


shown(frames.counts_by_code(diagnosed))

# %%
shown(frames.counts_by_key(diagnosed))

# %% [markdown]
# How long before expiry were the URLs used? Many requests in the last minutes mean expiries are
# too tight for slow clients (or clocks are skewed).

# %%
shown(frames.expiry_distribution(diagnosed))

# %% [markdown]
# ## Causes over time
# Each cause keeps one colour in both plots: the ten of `tab10`, then the lighter ten of `tab20`, so
# even 20 causes never share one.

# %%
refused = diagnosed[diagnosed["code"] != "OK"]
causes = sorted(refused["code"].astype(str).unique())
palette = [*plt.get_cmap("tab20").colors[::2], *plt.get_cmap("tab20").colors[1::2]]
colours = dict(zip(causes, palette, strict=False))
assert len(causes) <= len(palette) and len(set(colours.values())) == len(causes)  # a colour each
per_hour = refused.groupby([refused["timestamp"].dt.floor("h"), "code"], observed=True).size().unstack(fill_value=0)
per_hour.index = per_hour.index.strftime("%H:00")
ax = per_hour.plot.bar(stacked=True, figsize=(10, 4), title="Refused requests per hour, by cause",
                       color=[colours[c] for c in per_hour.columns.astype(str)])
ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize="small")
ax.set_xlabel("hour (UTC)")
ax.set_ylabel("requests")
plt.tight_layout()

# %% [markdown]
# ## Causes by key pair id

# %%
by_key = refused.groupby(["key_pair_id", "code"], observed=True).size().unstack(fill_value=0)
ax = by_key.plot.barh(stacked=True, figsize=(10, 3), title="Refused requests by key pair id and cause",
                      color=[colours[c] for c in by_key.columns.astype(str)])
ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize="small")
ax.set_xlabel("requests")
plt.tight_layout()

# %% [markdown]
# One refused request in full — `diagnose` on its URL gives the message and the fix that the
# batch table summarises as a code:

# %%
from cfsign_nb import diagnose

row = refused.iloc[0]
diagnose(row["url"], public_keys=public_keys, now=int(row["timestamp"].timestamp()), client_ip=row["c-ip"])


# %% [markdown]
# ## The same log as standard logging v2 delivers it: Parquet, chosen fields, Hive folders
#
# Since standard logging v2 a distribution can deliver its logs as Parquet (or JSON lines, or W3C)
# with only the fields its owner selected, into `year=/month=/day=/hour=` folders. `read_access_log`
# tells the formats apart by their first bytes and gives the same table (the folders' values become
# columns). Here the owner selected no `cs(Cookie)` field, so the requests
# that might carry signed cookies cannot be checked from this log — and the table says so.

# %%
chosen = ["date", "time", "c-ip", "cs(Host)", "x-host-header", "cs-protocol", "cs-uri-stem", "cs-uri-query",
          "sc-status", "x-edge-result-type", "x-edge-request-id"]
root = Path(tempfile.mkdtemp(prefix="cloudfront-logs-"))
for hour, rows in log.groupby(log["timestamp"].dt.hour):
    folder = root / "year=2026" / "month=01" / "day=01" / f"hour={hour:02d}"
    folder.mkdir(parents=True)
    frames.write_access_log(rows, folder / f"E2EXAMPLE.2026-01-01-{hour:02d}.parquet", format="parquet", fields=chosen)
v2 = frames.read_access_log(root)  # columns="diagnosis" would read only what a diagnosis needs
v2[["timestamp", "hour", "c-ip", "sc-status", "cs-uri-stem"]].head()

# %%
from cfsign_nb.frames.accesslog import coverage

shown(coverage(v2))

# %%
v2_diagnosed = frames.diagnose_access_log(v2, public_keys=public_keys)
shown(frames.counts_by_code(v2_diagnosed).head(8))

# %% [markdown]
# ## Many files on a Dask cluster
#
# A month of a busy distribution's logs is billions of rows; verifying a signature costs tens of
# microseconds a row. `diagnose_access_logs` makes one partition per file (or per
# `rows_per_partition` rows), and diagnoses each on a `dask.distributed` cluster's worker processes:
# the public keys travel as PEM text and each worker parses them once. The result is a lazy Dask
# DataFrame; `summarise` reduces it on the cluster, so only the counts come back. Here, a small
# cluster on this machine (two worker processes, listening on 127.0.0.1 only):

# %%
from distributed import Client, LocalCluster

from cfsign_nb.frames.cluster import diagnose_access_logs
from cfsign_nb.frames.logsummary import summarise

cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
client = Client(cluster)
lazy = diagnose_access_logs(root, public_keys=public_keys, client=client)
lazy.npartitions  # one per hourly file; nothing has run yet

# %%
summary = summarise(lazy, client=client)
print(f"{summary.requests:,} requests, {summary.ok:,} served, {summary.refused_by_cloudfront:,} refused by CloudFront")
shown(summary.counts_by_code.head(8))

# %%
shown(summary.counts_by_key)

# %% [markdown]
# Selecting columns travels too: each partition then reads only the fields those columns and the
# diagnosis need, and builds only those columns (`summarise` selects what it counts in the same way).
# The refused requests, with their time, key and code:

# %%
refused = lazy[["timestamp", "url", "key_pair_id", "code", "ok"]]
refused = refused[~refused["ok"]].compute()
shown(refused.drop(columns="ok").sort_values("timestamp").head(5))

# %% [markdown]
# Every row is the row the single-process run gives (the workers only spread the files):

# %%
on_cluster = lazy.compute().sort_values("x-edge-request-id")
here = v2_diagnosed.sort_values("x-edge-request-id")
assert list(on_cluster["code"].astype(str)) == list(here["code"].astype(str))
assert list(on_cluster["x-edge-request-id"]) == list(here["x-edge-request-id"])
client.close()
cluster.close()
