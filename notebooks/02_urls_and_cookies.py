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
# # Signed URLs and signed cookies, canned and custom
#
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# A **canned** policy says only "this one URL, until this time". CloudFront rebuilds it from the
# request, so the URL carries just `Expires`, `Signature` and `Key-Pair-Id`. A **custom** policy can
# add a start time, an IPv4 range and wildcards; it travels whole, base64-encoded, as `Policy`.

# %%
from datetime import UTC, datetime, timezone

from cfsign_nb import Policy, Signer, decode, diagnose, generate_key, plan_policy, set_cookie_headers

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a fixed clock keeps the notebook reproducible
EXPIRES = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
key = generate_key("rsa")
signer = Signer(KEY_PAIR_ID, key)
trusted = {KEY_PAIR_ID: key.public_key}
VIDEO = "https://d111111abcdef8.cloudfront.net/videos/intro.mp4"

# %% [markdown]
# ## Canned or custom, and why
# `plan_policy` makes the same decision `Signer` makes, and explains it.

# %%
for kwargs in ({}, {"starts": NOW}, {"ip_address": "192.0.2.0/24"},
               {"resource": "https://d111111abcdef8.cloudfront.net/videos/*"}):
    plan = plan_policy(VIDEO, expires=EXPIRES, **kwargs)
    print(f"{kwargs!s:60} -> {plan.reason}")

# %% [markdown]
# The canned policy is exactly these bytes: no spaces, keys in this order, the epoch unquoted.

# %%
print(Policy(VIDEO, EXPIRES).to_json().decode())

# %% [markdown]
# ## Wildcards
# In a custom policy `*` matches any run of characters and `?` exactly one. One policy can cover a
# whole folder:

# %%
folder = Policy("https://d111111abcdef8.cloudfront.net/videos/*", EXPIRES)
for candidate in ("https://d111111abcdef8.cloudfront.net/videos/intro.mp4",
                  "https://d111111abcdef8.cloudfront.net/videos/hd/intro.mp4?t=10",
                  "https://d111111abcdef8.cloudfront.net/images/logo.png"):
    print(folder.matches(candidate), candidate)

# %% [markdown]
# ## Signed cookies
# One set of cookies can authorise every file under a path: the right tool for an HLS video made of
# hundreds of segments, or a page with fifty private images. Browsers send cookies with **every**
# request to the domain — which is why private content belongs on its own cache behavior (or its
# own distribution): otherwise the cookies ride along on every public request too.

# %%
cookies = signer.sign_cookies("https://d111111abcdef8.cloudfront.net/videos/*", expires=EXPIRES)
lines = set_cookie_headers(cookies, domain="d111111abcdef8.cloudfront.net", path="/videos/")
print("\n".join(lines))

# %% [markdown]
# The same cookies, checked for a request to one segment of the video:

# %%
diagnose("\n".join(lines), public_keys=trusted, now=NOW,
         request_url="https://d111111abcdef8.cloudfront.net/videos/hd/segment-0001.ts")

# %% [markdown]
# A cookie scoped to `/videos/` is not sent with a request for `/images/...`: the diagnosis says so.

# %%
diagnose("\n".join(lines), public_keys=trusted, now=NOW,
         request_url="https://d111111abcdef8.cloudfront.net/images/logo.png").to_frame()

# %% [markdown]
# ## "Restrict viewer access"
# Signatures only matter on a cache behavior whose *Restrict viewer access* is on (trusted key
# groups). Without it CloudFront serves the object to anyone and ignores `Signature` entirely, so a
# broken signature seems to "work" — until someone turns the switch on. `decode` shows what a URL
# claims without trusting it:

# %%
decode(signer.sign_url(VIDEO, expires=EXPIRES, ip_address="192.0.2.0/24"))
