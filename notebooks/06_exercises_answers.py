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
# # Exercises — answers
# *Needs* `pip install "cfsign-nb[lab]"`, which `scripts/tour` installs (with what every notebook needs).
#
# The same checks as in `06_exercises.ipynb`, with answers that pass them. Each check here must say
# correct (the cell fails otherwise), so the answers stay right as the library changes.

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
# Bug 1: the policy must be compact (CloudFront rebuilds a canned policy with no whitespace).
# Bug 2: standard base64 needs CloudFront's substitutions `+`→`-`, `=`→`_`, `/`→`~`.

# %%
def my_sign(url: str, expires: int) -> str:
    policy = {"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]}
    data = json.dumps(policy, separators=(",", ":")).encode()
    signature = base64.b64encode(key.sign(data)).decode().translate(str.maketrans("+=/", "-_~"))
    return f"{url}?Expires={expires}&Signature={signature}&Key-Pair-Id={KEY_PAIR_ID}"


assert check_signer(my_sign) == "✔ correct"
check_signer(my_sign)

# %% [markdown]
# ## 2. Canned or custom?
# Only "one URL until a time" fits a canned policy; an IP range, a wildcard or a start time needs a
# custom one.

# %%
answers = {
    "one file, one hour": "canned",
    "one file, only from the office network": "custom",
    "every file under /lessons/ as cookies": "custom",
    "one file, from next Monday": "custom",
}
assert check_policy_choice(answers) == "✔ correct"
check_policy_choice(answers)

# %% [markdown]
# ## 3. Read a trace
# The scheme is part of a canned policy's resource: the URL was signed for https and requested
# over http, so the signature check (the `digest` stage) fails, and the differential search names
# the change.

# %%
colleague = Signer(KEY_PAIR_ID, key).sign_url(URL, expires=NOW + 3600).replace("https://", "http://")
trace = trace_decode(colleague, public_keys=trusted, now=NOW)
failed = next(stage for stage in trace.stages if not stage.ok)
failed_stage, failed_code = failed.name, failed.problem.code
assert check_trace(failed_stage, failed_code, colleague) == "✔ correct"
print(failed_stage, failed_code)
