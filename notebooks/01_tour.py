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
# # cfsign_nb in a few cells
#
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# CloudFront serves private content only to requests that carry a valid signature. When one is
# rejected, CloudFront says little more than *Access denied*. This tour makes a key, signs a URL,
# checks it, breaks it on purpose and lets `cfsign_nb` say why it fails.
#
# Everything here runs locally: no AWS account is needed, and the key is generated in this kernel.

# %%
from datetime import timedelta

from cfsign_nb import Signer, diagnose, generate_key
from cfsign_nb.widgets import App

# %% [markdown]
# **1. A key.** CloudFront key groups accept RSA-2048 and (since 2025) ECDSA P-256 keys. ECDSA makes
# signatures of 96 characters instead of 344. The repr never shows key material.

# %%
key = generate_key("ecdsa")
key

# %% [markdown]
# The *public* half is what you upload to CloudFront (Public keys → Create), then put in a key group.

# %%
print(key.public_key_pem())

# %% [markdown]
# **2. Sign a URL** valid for one hour. `K2JCJMDEHXQW5F` stands for the id CloudFront gives the public key.

# %%
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
signer = Signer(KEY_PAIR_ID, key)
url = signer.sign_url("https://d111111abcdef8.cloudfront.net/private/report.pdf", expires=timedelta(hours=1))
url

# %% [markdown]
# **3. Inspect it** as CloudFront would, with the public key it trusts.

# %%
trusted = {KEY_PAIR_ID: key.public_key_pem()}
diagnose(url, public_keys=trusted)

# %% [markdown]
# **4. Break it.** A query parameter added after signing is a classic: the signature covered the URL
# without it. The diagnosis tries the plausible variants and names the one that verifies.

# %%
diagnose(url.replace("report.pdf?", "report.pdf?download=1&"), public_keys=trusted)

# %% [markdown]
# **5. Another classic:** signing with SHA-256 (as the AWS CLI does for ECDSA keys) and forgetting to say so.

# %%
sha256_url = Signer(KEY_PAIR_ID, key, hash_algorithm="SHA256").sign_url(
    "https://d111111abcdef8.cloudfront.net/private/report.pdf", expires=timedelta(hours=1)
)
diagnose(sha256_url.replace("&Hash-Algorithm=SHA256", ""), public_keys=trusted)

# %% [markdown]
# **6. Everything in one panel.** The key loaded here serves both signing and inspection. Paste any
# signed URL or cookie header into the *Inspect* tab.

# %%
App(key=key, key_pair_id=KEY_PAIR_ID, url="https://d111111abcdef8.cloudfront.net/private/report.pdf")
