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
# Paste a signed URL, a `Cookie:` header or `Set-Cookie:` lines to learn whether CloudFront would
# serve the request, and if not, why and how to fix it. Nothing leaves this server.

# %%
from cfsign_nb.widgets import Inspector

Inspector()
