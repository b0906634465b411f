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

import matplotlib.pyplot as plt

from cfsign_nb import frames

log = frames.sample_access_log(2000, seed=7, span=86400)  # one day
public_keys = log.attrs["public_keys"]  # the public keys the distribution trusts, by key pair id
log[["timestamp", "c-ip", "sc-status", "cs-uri-stem", "cs-uri-query"]].head()

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
# Each row is judged at its own time (`date` + `time`) and from its own `c-ip`; the 403s come first.

# %%
diagnosed = frames.diagnose_access_log(log, public_keys=public_keys)
diagnosed[["timestamp", "sc-status", "code", "cs-uri-stem"]].head(10)

# %% [markdown]
# ## Why were requests refused?

# %%
frames.counts_by_code(diagnosed)

# %%
frames.counts_by_key(diagnosed)

# %% [markdown]
# How long before expiry were the URLs used? Many requests in the last minutes mean expiries are
# too tight for slow clients (or clocks are skewed).

# %%
frames.expiry_distribution(diagnosed)

# %% [markdown]
# ## Causes over time

# %%
refused = diagnosed[diagnosed["code"] != "OK"]
per_hour = refused.groupby([refused["timestamp"].dt.floor("h"), "code"], observed=True).size().unstack(fill_value=0)
per_hour.index = per_hour.index.strftime("%H:00")
ax = per_hour.plot.bar(stacked=True, figsize=(10, 4), title="Refused requests per hour, by cause")
ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize="small")
ax.set_xlabel("hour (UTC)")
ax.set_ylabel("requests")
plt.tight_layout()

# %% [markdown]
# ## Causes by key pair id

# %%
by_key = refused.groupby(["key_pair_id", "code"], observed=True).size().unstack(fill_value=0)
ax = by_key.plot.barh(stacked=True, figsize=(10, 3), title="Refused requests by key pair id and cause")
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
