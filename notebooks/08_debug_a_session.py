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
# # Debug a session: a HAR file, request by request
#
# When HLS or DASH playback stops, what you have is the browser's network panel, and what it can
# export is a **HAR file** ("Save all as HAR"): every request, with the cookies it really sent, when
# it started, and what came back. `diagnose_har` reads it the way CloudFront read each request —
# at its own time, with its own cookies — and holds the diagnosis against CloudFront's answer.
#
# To have real answers, this notebook plays a short session against the local edge (the
# CloudFront-like server of notebook 07) and writes the HAR entries from its real responses. The
# edge's clock is ours to set, so a policy can expire mid-session without waiting.
#
# *Needs* `pip install "cfsign-nb[lab,edge]"`, which `scripts/tour` installs (with what every notebook needs).

# %%
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from cfsign_nb import Signer, diagnose, generate_key
from cfsign_nb.edge import EdgeApp, run_in_thread
from cfsign_nb.frames.har import diagnose_har

pd.set_option("display.max_colwidth", 90)

# %% [markdown]
# **1. A player's files behind a restricted behavior.** `/hls/*` trusts one key group; the page
# itself is public. A playlist and three MPEG-TS segments.

# %%
KEY_ID = "K2JCJMDEHXQW5F"
GROUP = "e9fcd3cf-f3f4-4b61-bd85-9ba9e091b309"
key = generate_key("ecdsa")
signer = Signer(KEY_ID, key)

site = Path(tempfile.mkdtemp(prefix="session-"))
(site / "hls" / "v1").mkdir(parents=True)
(site / "player.html").write_text("<!doctype html><video id=player></video>")
(site / "hls" / "index.m3u8").write_text(
    "#EXTM3U\n#EXT-X-TARGETDURATION:10\n" + "".join(f"#EXTINF:10.0,\nv1/s{i}.ts\n" for i in range(3)))
for i in range(3):
    (site / "hls" / "v1" / f"s{i}.ts").write_bytes(bytes([0x47]) + bytes(187))


def behavior(pattern=None, groups=()):
    item = {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
            "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), "Items": list(groups)}}
    return {"PathPattern": pattern, **item} if pattern else item


distribution = {"Distribution": {
    "DomainName": "d111111abcdef8.cloudfront.net",
    "ActiveTrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [
        {"KeyGroupId": GROUP, "KeyPairIds": {"Quantity": 1, "Items": [KEY_ID]}}]},
    "DistributionConfig": {"DefaultCacheBehavior": behavior(),
                           "CacheBehaviors": {"Quantity": 1, "Items": [behavior("/hls/*", [GROUP])]}},
}}
clock = [time.time()]
edge = run_in_thread(EdgeApp(distribution, {KEY_ID: key.public_key}, site, clock=lambda: clock[0]))
edge

# %% [markdown]
# **2. The session.** The application signs cookies for `/hls/*`, valid for 30 seconds, and sets
# them — with `Path=/hls/v1`, one folder too narrow for the playlist. Then the player asks for the
# page, the playlist, and a segment every ten seconds. We play the browser: each request carries the
# cookies a browser would send (none outside `/hls/v1`), at the time we set on the edge's clock, and
# each real answer becomes a HAR entry.

# %%
start = int(clock[0])
cookies = signer.sign_cookies(f"{edge.url}/hls/*", expires=start + 30)
set_cookie = [f"{name}={value}; Path=/hls/v1; HttpOnly" for name, value in cookies.items()]


def stamp(at: float) -> str:
    return pd.Timestamp(at, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def har_entry(at, url, status, headers, body, sent=""):
    request_headers = [{"name": "Cookie", "value": sent}] if sent else []
    return {"startedDateTime": stamp(at), "time": 5,
            "request": {"method": "GET", "url": url, "headers": request_headers, "cookies": []},
            "response": {"status": status, "headers": [{"name": k, "value": v} for k, v in headers],
                         "content": {"text": body}}}


def fetch(at, path, sent=""):
    """Ask the edge at time ``at``; the answer, as a HAR entry."""
    clock[0] = at
    answer = httpx.get(edge.url + path, headers={"Cookie": sent} if sent else {})
    return har_entry(at, edge.url + path, answer.status_code, answer.headers.multi_items(), answer.text, sent)


sent = "; ".join(f"{name}={value}" for name, value in cookies.items())
entries = [
    har_entry(start, edge.url + "/session", 200, [("set-cookie", line) for line in set_cookie], "{}"),
    fetch(start + 0.2, "/player.html"),
    fetch(start + 0.5, "/hls/index.m3u8"),            # outside Path=/hls/v1: no cookies sent
    fetch(start + 1.0, "/hls/v1/s0.ts", sent),
    fetch(start + 11.0, "/hls/v1/s1.ts", sent),
    fetch(start + 21.0, "/hls/v1/s2.ts", sent),
    fetch(start + 31.0, "/hls/v1/s0.ts", sent),       # the viewer seeks back: the policy has expired
]
har_path = site / "session.har"
har_path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "notebook"}, "entries": entries}}))
[(entry["request"]["url"].removeprefix(edge.url), entry["response"]["status"]) for entry in entries]

# %% [markdown]
# **3. The whole session, judged.** One row per request that went to CloudFront (here: whose
# response carries CloudFront's headers). `code` is the cause, `cloudfront_said` the `<Code>` of
# CloudFront's 403, `agrees` whether the two match.

# %%
table = diagnose_har(har_path, public_keys={KEY_ID: key.public_key})
table[["started", "url", "status", "cloudfront_said", "code", "agrees"]].assign(
    url=table["url"].str.removeprefix(edge.url))

# %% [markdown]
# The edge kept its own log of the real reasons. Row by row, it says the same:

# %%
pd.DataFrame([{"path": d.path, "status": d.status, "edge says": d.error_code, "reason": d.reason[:90]}
              for d in edge.app.decisions])

# %% [markdown]
# **4. Each failing request, with CloudFront's answer.** `diagnose(..., response=...)` takes the
# response as text — status line, headers and body — and says who answered and whether that agrees.

# %%
for number, row in enumerate(table[table["failed"]].itertuples(), 1):
    entry = entries[row.entry]
    answer = entry["response"]
    response_text = (f"HTTP/1.1 {answer['status']}\n" + "".join(f"{h['name']}: {h['value']}\n" for h in answer["headers"])
                     + "\n" + answer["content"]["text"])
    artifact = ("Cookie: " + entry["request"]["headers"][0]["value"] if entry["request"]["headers"]
                else "\n".join("Set-Cookie: " + line for line in set_cookie))
    print(f"[{number}] {row.url.removeprefix(edge.url)} at {row.started:%H:%M:%S}")
    display(diagnose(artifact, public_keys={KEY_ID: key.public_key}, now=int(row.started.timestamp()),
                     request_url=row.url, response=response_text))

# %% [markdown]
# **5. The timeline.** Request time × status, coloured by cause: the playlist refused from the
# start (the cookies' Path), the segments served until the policy expired.

# %%
fig, ax = plt.subplots(figsize=(8, 3))
for code, group in table.groupby("code", observed=True):
    ax.scatter(group["started"], group["status"], label=code, s=60)
ax.set_xlabel("request started (UTC)")
ax.set_ylabel("HTTP status")
ax.set_yticks([200, 403])
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8)
ax.set_title("the session, request by request")
fig.tight_layout()
plt.show()

# %% [markdown]
# **6. The same from a terminal.** `cfsign diagnose --har FILE` prints the table, failing rows
# first, and why each failed (`--json` for scripts; exit status 1 when any request failed).

# %%
public_pem = site / "public.pem"
public_pem.write_text(key.public_key_pem())
result = subprocess.run([sys.executable, "-m", "cfsign_nb", "diagnose", "--har", str(har_path),
                         "--public-key", f"{KEY_ID}={public_pem}"], capture_output=True, text=True, check=False)
print(result.stdout.replace(edge.url, ""))

# %% [markdown]
# Your turn: export a HAR from your player's page (DevTools → Network → "Save all as HAR"), and run
# `diagnose_har("session.har", public_keys={...})` on it. The fix for each failing row is in `fix`.

# %%
edge.stop()
