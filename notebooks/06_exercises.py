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
# # Exercises: signed URLs for trainees
#
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# Three exercises, each with a self-check cell: run it after your answer. The answers are in
# `06_exercises_answers.ipynb` — try first. The checks use `cfsign_nb` itself as the referee.

# %%
import base64
import json

from cfsign_nb import Policy, Signer, diagnose, generate_key, plan_policy, trace_decode

NOW = 1780315200  # 2026-06-01T12:00:00Z
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/lessons/intro.mp4"
key = generate_key("rsa")
trusted = {KEY_PAIR_ID: key.public_key}


def verdict(ok: bool, hint: str) -> str:
    return "✔ correct" if ok else f"✘ not yet — hint: {hint}"


def check_signer(sign) -> str:
    """Does your signer produce a URL CloudFront would serve? (Judged by cfsign_nb, with the real key.)"""
    result = diagnose(sign(URL, NOW + 3600), public_keys=trusted, now=NOW)
    return verdict(result.ok, result.cause.fix if result.cause else "")


def check_policy_choice(answers: dict) -> str:
    cases = {
        "one file, one hour": {},
        "one file, only from the office network": {"ip_address": "198.51.100.0/24"},
        "every file under /lessons/ as cookies": {"resource": "https://d111111abcdef8.cloudfront.net/lessons/*"},
        "one file, from next Monday": {"starts": NOW + 86400},
    }
    wrong = [case for case, kwargs in cases.items()
             if answers.get(case) != ("canned" if plan_policy(URL, expires=NOW + 7 * 86400, **kwargs).canned else "custom")]
    return verdict(not wrong, f"look again at: {wrong}")


def check_trace(stage: str, code: str, artifact: str) -> str:
    trace = trace_decode(artifact, public_keys=trusted, now=NOW)
    failed = next(s for s in trace.stages if not s.ok)
    return verdict((stage, code) == (failed.name, failed.problem.code), "run trace_decode(...) and read each stage")


# %% [markdown]
# ## 1. Fix a signer
# This signer, copied from an old blog post, produces URLs that CloudFront rejects. Fix `my_sign`
# (two bugs) until the check says correct. Use only `key.sign(data)` (RSA PKCS#1 v1.5 over SHA-1),
# `json` and `base64`.

# %%
def my_sign(url: str, expires: int) -> str:
    policy = {"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]}
    data = json.dumps(policy, indent=2).encode()
    signature = base64.b64encode(key.sign(data)).decode()
    return f"{url}?Expires={expires}&Signature={signature}&Key-Pair-Id={KEY_PAIR_ID}"


check_signer(my_sign)

# %% [markdown]
# ## 2. Canned or custom?
# For each requirement, write `"canned"` or `"custom"`.

# %%
answers = {
    "one file, one hour": None,
    "one file, only from the office network": None,
    "every file under /lessons/ as cookies": None,
    "one file, from next Monday": None,
}
check_policy_choice(answers)

# %% [markdown]
# ## 3. Read a trace
# A colleague's URL is refused. Trace it backwards and name the first stage that fails and the
# finding code on it.

# %%
colleague = Signer(KEY_PAIR_ID, key).sign_url(URL, expires=NOW + 3600).replace("https://", "http://")
trace_decode(colleague, public_keys=trusted, now=NOW)

# %%
failed_stage = None  # e.g. "digest"
failed_code = None   # e.g. "SIGNATURE_MISMATCH"
check_trace(failed_stage, failed_code, colleague)
