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
# # Debugging rejected signatures: a gallery
#
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# Each case below is built for real — the broken signer is written out, not simulated — and then
# diagnosed. The table at the end lines them all up. At the bottom, paste your own.

# %%
import base64
import json

import pandas as pd
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cfsign_nb import Signer, diagnose, generate_key, set_cookie_headers
from cfsign_nb.widgets import Inspector

NOW = 1780315200  # 2026-06-01T12:00:00Z: a fixed clock keeps the gallery reproducible
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/private/report.pdf"
rsa_key, ecdsa_key, other_key = generate_key("rsa"), generate_key("ecdsa"), generate_key("rsa")
trusted = {KEY_PAIR_ID: rsa_key.public_key, "KOTHERKEY00001": other_key.public_key}
good = Signer(KEY_PAIR_ID, rsa_key).sign_url(URL, expires=NOW + 3600)


def canned(url: str, expires: int) -> bytes:
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
            % (url, expires)).encode()


def handmade(signature: bytes, expires: int = NOW + 3600, url: str = URL, encode=None) -> str:
    """A signed URL put together by hand, the way hand-rolled signers do."""
    encoded = encode(signature) if encode else base64.b64encode(signature).decode().translate(
        str.maketrans("+=/", "-_~"))
    return f"{url}?Expires={expires}&Signature={encoded}&Key-Pair-Id={KEY_PAIR_ID}"


# %% [markdown]
# ## The gallery

# %%
policy = canned(URL, NOW + 3600)
r, s = decode_dss_signature(ecdsa_key.sign(policy))
cases = {
    "valid": good,
    "expired": Signer(KEY_PAIR_ID, rsa_key).sign_url(URL, expires=NOW - 60),
    "query added after signing": good.replace("report.pdf?", "report.pdf?utm_source=mail&"),
    "http instead of https": good.replace("https://", "http://"),
    "standard base64 (no substitutions)": handmade(rsa_key.sign(policy), encode=lambda b: base64.b64encode(b).decode()),
    "RFC 4648 base64url": handmade(rsa_key.sign(policy),
                                   encode=lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    "SHA-256 without Hash-Algorithm": handmade(rsa_key.sign(policy, "SHA256")),
    "pretty-printed canned policy": handmade(rsa_key.sign(json.dumps(json.loads(policy), indent=2).encode())),
    "expiry in milliseconds": handmade(rsa_key.sign(canned(URL, NOW * 1000)), expires=NOW * 1000),
    "signed with another key": handmade(other_key.sign(policy)),
    "ECDSA raw r||s instead of DER": handmade(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
    "signature percent-encoded twice": good.replace("_&", "%255F&"),
    "unknown key pair id": good.replace(KEY_PAIR_ID, "KUNKNOWN00001"),
    "no signature at all": URL,
}
ecdsa_trusted = {**trusted}
rows = []
for name, artifact in cases.items():
    keys = {KEY_PAIR_ID: ecdsa_key.public_key} if "ECDSA" in name else trusted
    result = diagnose(artifact, public_keys=keys, now=NOW)
    rows.append({"case": name, "served": result.ok, "CloudFront answers": result.cloudfront_error or "200 OK",
                 "cause": result.cause.code if result.cause else "", "fix": result.cause.fix if result.cause else ""})
pd.DataFrame(rows)

# %% [markdown]
# Any one of them in full — the findings say what is wrong, the fix, and what CloudFront would answer:

# %%
diagnose(cases["pretty-printed canned policy"], public_keys=trusted, now=NOW)

# %% [markdown]
# ## Cookies that never arrive
# A `Domain` that does not cover the requested host means the browser never sends the cookies:
# CloudFront sees no signature at all.

# %%
cookies = Signer(KEY_PAIR_ID, rsa_key).sign_cookies("https://d111111abcdef8.cloudfront.net/private/*",
                                                    expires=NOW + 3600)
lines = "\n".join(set_cookie_headers(cookies, domain="media.example.com"))
diagnose(lines, public_keys=trusted, now=NOW, request_url=URL)

# %% [markdown]
# ## Paste yours here
# Paste anything that holds a signed URL or cookies: the URL, a `Cookie:` header, `Set-Cookie:` lines,
# a curl command, a raw request. Open *Keys, client IP, time* to add the public key (as shown in the
# CloudFront console) and its id. It judges at the gallery's fixed clock, like the cases above (clear
# `now=NOW` for the real one); *Step through* shows the stages right under it.

# %%
inspector = Inspector(now=NOW)
inspector.artifact.value = cases["query added after signing"]
inspector.public_key_id.value = KEY_PAIR_ID
inspector.public_key.value = rsa_key.public_key_pem()
inspector
