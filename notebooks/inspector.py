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
# # CloudFront signed URL inspector
# *Needs* `pip install "cfsign-nb[widgets]"` (`cfsign-nb[app]` to serve it with Voila), which `scripts/tour` installs.
#
# Paste anything that holds a signed URL or cookies (the URL, a `Cookie:` header, `Set-Cookie:` lines,
# a curl command, a raw request), optionally CloudFront's response, or upload a HAR file, to learn
# whether CloudFront would serve each request, and if not, why and how to fix it. *Step through* shows
# the decoding stages under the verdict. Nothing leaves this server.

# %%
from cfsign_nb.widgets import Inspector

Inspector()
