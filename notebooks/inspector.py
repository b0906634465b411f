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
# Paste a signed URL, a `Cookie:` header or `Set-Cookie:` lines to learn whether CloudFront would
# serve the request, and if not, why and how to fix it. Nothing leaves this server.

# %%
from cfsign_nb.widgets import Inspector

Inspector()
