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
# # Step through a signature, stage by stage
#
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# Signing a CloudFront URL is a chain of small, exact transformations. Each one is a `Stage` with
# its input, its output and why; a `Trace` is the chain. Going **forward** we watch our signer
# work; going **backward** we take any signed URL apart the way CloudFront does. Comparing the two
# shows the first place where someone else's signer went wrong.

# %%
import base64
import json

from cfsign_nb import Signer, generate_key, trace_decode, trace_sign
from cfsign_nb.widgets import StageStepper

NOW = 1780315200  # 2026-06-01T12:00:00Z
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/courses/week1.mp4"
key = generate_key("rsa")  # RSA signatures are deterministic, which makes traces easy to compare
signer = Signer(KEY_PAIR_ID, key)

# %% [markdown]
# ## Forward: policy JSON → bytes → digest → signature → base64 → CloudFront-safe → URL

# %%
forward = trace_sign(signer, URL, expires=NOW + 3600)
forward

# %% [markdown]
# The same as a table, one row per stage:

# %%
forward.to_frame()[["name", "title", "output"]]

# %% [markdown]
# Each stage's output is the next stage's input, and the last stage is exactly what `Signer` returns.

# %%
assert forward.result == signer.sign_url(URL, expires=NOW + 3600)
print(forward["cloudfront_base64"].explanation)

# %% [markdown]
# ## Backward: CloudFront's view of a URL
# Decoding mirrors the stages and stops at the first one CloudFront would refuse.

# %%
trace_decode(forward.result, public_keys={KEY_PAIR_ID: key.public_key}, now=NOW)

# %% [markdown]
# ## A broken signer, compared with a correct one
# This hand-written signer forgot CloudFront's three base64 substitutions (`+`→`-`, `=`→`_`, `/`→`~`).

# %%
policy = ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
          % (URL, NOW + 3600)).encode()
broken = (f"{URL}?Expires={NOW + 3600}&Signature={base64.b64encode(key.sign(policy)).decode()}"
          f"&Key-Pair-Id={KEY_PAIR_ID}")
theirs = trace_decode(broken, public_keys={KEY_PAIR_ID: key.public_key}, now=NOW)
forward.compare(theirs)

# %% [markdown]
# Another signs pretty-printed JSON instead of the compact policy CloudFront rebuilds:

# %%
pretty = json.dumps(json.loads(policy), indent=2).encode()
broken = (f"{URL}?Expires={NOW + 3600}&Signature="
          f"{base64.b64encode(key.sign(pretty)).decode().translate(str.maketrans('+=/', '-_~'))}"
          f"&Key-Pair-Id={KEY_PAIR_ID}")
forward.compare(trace_decode(broken, public_keys={KEY_PAIR_ID: key.public_key}, now=NOW))

# %% [markdown]
# ## Step by step
# For a class: walk the stages with *Previous* / *Next* or the slider.

# %%
StageStepper(forward)
