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
# # Edge lab: a CloudFront edge on your laptop
#
# *Needs* `pip install "cfsign-nb[lab,edge]"`, which `scripts/tour` installs (with what every notebook needs).
#
# Reading about signed URLs is one thing; watching a server answer **200** or **403** is another.
# This lab starts a small edge server *inside this kernel* that behaves like a CloudFront
# distribution with "Restrict viewer access" turned on: it matches cache behaviors, prefers a signed
# URL over cookies, and answers with CloudFront's exact 403 bodies. Unlike CloudFront, it also keeps a
# **decision log** with the real reason for every refusal. At the end we read the CloudFront-format
# access log it wrote.
#
# Everything stays on `127.0.0.1`; the key is generated here and never written to disk.

# %%
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd

from cfsign_nb import Signer, generate_key
from cfsign_nb.distribution import lint_distribution, load_distribution, match_behavior
from cfsign_nb.edge import EdgeApp, run_in_thread

pd.set_option("display.max_colwidth", 120)

# %% [markdown]
# **1. A key and a folder to serve.** One ECDSA P-256 key (its id is what CloudFront would give the
# uploaded public key), a public home page, a private report, and a gallery of 50 private photos.

# %%
KEY_ID = "K2JCJMDEHXQW5F"
key = generate_key("ecdsa")
signer = Signer(KEY_ID, key)

site = Path(tempfile.mkdtemp(prefix="edge-lab-"))
(site / "private" / "photos").mkdir(parents=True)
(site / "index.html").write_text("<h1>Welcome</h1>")
(site / "private" / "report.txt").write_text("Quarterly numbers: up and to the right.\n")
for i in range(50):
    (site / "private" / "photos" / f"p{i:02d}.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        f'<rect width="40" height="40" fill="hsl({i * 7},70%,50%)"/></svg>'
    )
(site / "gallery.html").write_text(
    "<!doctype html><body>"
    + "".join(f'<img src="/private/photos/p{i:02d}.svg">' for i in range(50))
    + "</body>"
)
print(key)

# %% [markdown]
# **2. The distribution.** This is the shape `aws cloudfront get-distribution` prints, cut down to
# what decides access: `/private/*` trusts one key group, everything else falls to the public default
# behavior. `ActiveTrustedKeyGroups` tells us which public keys that group holds.

# %%
GROUP = "e9fcd3cf-f3f4-4b61-bd85-9ba9e091b309"


def behavior(pattern=None, groups=()):
    item = {
        "TargetOriginId": "site",
        "ViewerProtocolPolicy": "allow-all",
        "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), "Items": list(groups)},
    }
    return {"PathPattern": pattern, **item} if pattern else item


distribution = {
    "Distribution": {
        "Id": "EDFDVBD6EXAMPLE",
        "DomainName": "d111111abcdef8.cloudfront.net",
        "ActiveTrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [
            {"KeyGroupId": GROUP, "KeyPairIds": {"Quantity": 1, "Items": [KEY_ID]}},
        ]},
        "DistributionConfig": {
            "DefaultRootObject": "index.html",
            "DefaultCacheBehavior": behavior(),
            "CacheBehaviors": {"Quantity": 1, "Items": [behavior("/private/*", [GROUP])]},
            "IsIPV6Enabled": False,
        },
    }
}
config = load_distribution(distribution)
for path in ("/index.html", "/private/report.txt", "/private/photos/p07.svg"):
    b = match_behavior(config, path)
    print(f"{path:28} -> {b.label:28} restricted={b.restricted}")

# %% [markdown]
# `lint_distribution` looks at the config alone. It points out a real trade-off of this layout: the
# private and the public content share one hostname, so signed cookies scoped to `/` travel with
# every public request too.

# %%
for f in lint_distribution(config):
    print(f)

# %% [markdown]
# **3. Start the edge** in a background thread on a free port of `127.0.0.1`.

# %%
log_path = site.parent / f"{site.name}-access.log"
app = EdgeApp(config, {KEY_ID: key.public_key}, site, log_path=log_path)
edge = run_in_thread(app, port=0)
client = httpx.Client(base_url=edge.url, timeout=10)
print("edge listening on", edge.url)

# %% [markdown]
# **4. A signed URL: 200.** The canned policy covers exactly this URL for five minutes.

# %%
signed_url = signer.sign_url(edge.url + "/private/report.txt", expires=int(time.time()) + 300)
response = client.get(signed_url)
print(response.status_code, response.headers["x-cache"])
print(response.text)

# %% [markdown]
# **5. A tampered URL: 403.** Add one innocent-looking parameter after signing. CloudFront answers
# with a bare `AccessDenied`; the decision log says what really happened.

# %%
tampered = signed_url.replace("report.txt?", "report.txt?download=1&")
response = client.get(tampered)
print(response.status_code, response.headers["x-cache"])
print(response.text)
print()
decision = app.decisions[-1]
print("what CloudFront says :", decision.error_code)
print("what really happened :", decision.reason)

# %% [markdown]
# The other refusals CloudFront can give, one request each:

# %%
cases = {
    "no signature at all": "/private/report.txt",
    "unknown key id": signed_url.replace(f"Key-Pair-Id={KEY_ID}", "Key-Pair-Id=KUNKNOWN1234"),
    "signature cut short": signed_url.replace("&Key-Pair-Id", "xyz&Key-Pair-Id"),
    "expired a minute ago": signer.sign_url(edge.url + "/private/report.txt", expires=int(time.time()) - 60),
}
rows = []
for label, url in cases.items():
    r = client.get(url)
    d = app.decisions[-1]
    cause = d.diagnosis.cause
    rows.append({"case": label, "status": r.status_code, "CloudFront says": d.error_code,
                 "real reason": f"{cause.code}: {cause.title}"})
pd.DataFrame(rows)

# %% [markdown]
# **6. A page of 50 images: cookies beat 50 signed URLs.** One set of signed cookies with a custom
# policy for `/private/photos/*` covers every image; signing 50 URLs would make the page heavy
# and each URL valid for one image only. We fetch the page and its images the way a browser would.

# %%
cookies = signer.sign_cookies(edge.url + "/private/photos/*", expires=int(time.time()) + 300)
cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
page = client.get("/gallery.html").text
images = [part.split('"')[0] for part in page.split('src="')[1:]]

with_cookies = [client.get(src, headers={"Cookie": cookie_header}).status_code for src in images]
without_cookies = [client.get(src).status_code for src in images]
signed_urls = [signer.sign_url(edge.url + src, expires=int(time.time()) + 300) for src in images]

print(f"{len(images)} images with cookies   :", pd.Series(with_cookies).value_counts().to_dict())
print(f"{len(images)} images without cookies:", pd.Series(without_cookies).value_counts().to_dict())
print(f"cookie header: {len(cookie_header)} bytes, sent once per request, one signature made")
print(f"50 signed URLs: {sum(map(len, signed_urls)):,} bytes of HTML, 50 signatures made")

# %% [markdown]
# **7. The decision log** — every request, with the behavior, the channel the edge judged
# (a signing parameter in the query means the URL wins and cookies are ignored) and the reason.

# %%
decisions = pd.DataFrame([d.to_dict() for d in app.decisions])
decisions[["method", "path", "status", "behavior", "channel", "error_code", "reason"]].tail(8)

# %%
decisions.groupby(["channel", "status", "error_code"], dropna=False).size().rename("requests").reset_index()

# %% [markdown]
# **8. The access log.** Stop the edge (that flushes the log) and read the file it wrote: it is in
# CloudFront's standard log format, so the same code reads real CloudFront logs.

# %%
client.close()
edge.stop()
print(log_path.read_text().splitlines()[1][:120], "...")

try:
    from cfsign_nb.frames import read_access_log

    log = read_access_log(log_path)
except ImportError:  # pandas extras missing: read the TSV directly
    lines = log_path.read_text().splitlines()
    log = pd.read_csv(log_path, sep="\t", comment="#", header=None, names=lines[1].split()[1:], na_values="-")
print(len(log), "requests logged")

# %%
summary = log.groupby(["sc-status", "x-edge-result-type"]).agg(
    requests=("cs-uri-stem", "size"), bytes_sent=("sc-bytes", "sum"), median_seconds=("time-taken", "median")
)
summary

# %% [markdown]
# Which paths were refused most? In production this is where you would start looking — and then
# diagnose those requests, since the log itself only says 403.

# %%
log[log["sc-status"] == 403].groupby("cs-uri-stem").size().sort_values(ascending=False).rename("refusals").head(5)

# %% [markdown]
# **Clean up.** The folder and the log were temporary.

# %%
shutil.rmtree(site, ignore_errors=True)
log_path.unlink(missing_ok=True)
print("edge stopped:", not edge.running)
