"""Local edge throughput: signed URLs and signed cookies (verified per request) beside unprotected files.

    .venv/bin/python benchmarks/bench_edge.py [--requests 6000] [--clients 2] [--key rsa|ecdsa] [--hostile 4]

One uvicorn server on 127.0.0.1 serves the same small file under a public behavior and under a
behavior that trusts a key group; client processes send keep-alive GETs over loopback. Each mode
runs a fixed number of requests (bounded), and the table shows requests per second and the cost of
verification relative to the public file. Then hostile input: forged custom policies with many
wildcards over a long path, and ~8 KB forged URLs, sent ``--hostile`` at a time while one client
asks for the public file; it shows how long each hostile request takes and the public latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cfsign_nb import Signer, generate_key
from cfsign_nb.edge import EdgeApp, run_in_thread
from cfsign_nb.encoding import b64encode

KEY_ID = "K2JCJMDEHXQW5F"
GROUP = "e9fcd3cf-f3f4-4b61-bd85-9ba9e091b309"

CLIENT = r"""
import http.client, json, sys
host, port, count, path, cookie = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
headers = {"Cookie": cookie} if cookie else {}
conn = http.client.HTTPConnection(host, port, timeout=30)
bad = 0
for _ in range(count):
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    bad += response.status != 200
conn.close()
print(json.dumps({"bad": bad}))
"""


def config() -> dict:
    def behavior(pattern: str | None, groups: list[str]) -> dict:
        item = {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), "Items": groups}}
        return {"PathPattern": pattern, **item} if pattern else item

    return {"Distribution": {
        "Id": "EBENCH", "DomainName": "d111111abcdef8.cloudfront.net",
        "ActiveTrustedKeyGroups": {"Enabled": True, "Quantity": 1,
                                   "Items": [{"KeyGroupId": GROUP, "KeyPairIds": {"Quantity": 1, "Items": [KEY_ID]}}]},
        "DistributionConfig": {"DefaultCacheBehavior": behavior(None, []),
                               "CacheBehaviors": {"Quantity": 1, "Items": [behavior("/private/*", [GROUP])]}},
    }}


def run(host: str, port: int, path: str, cookie: str, requests: int, clients: int) -> float:
    """Requests per second for ``requests`` GETs of ``path`` split over ``clients`` processes."""
    each = requests // clients
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, host, str(port), str(each), path, cookie],
                              stdout=subprocess.PIPE, text=True) for _ in range(clients)]
    results = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    elapsed = time.perf_counter() - start
    if any(r["bad"] for r in results):
        raise SystemExit(f"{path[:40]}: {sum(r['bad'] for r in results)} responses were not 200")
    return each * clients / elapsed


def hostile_targets(base: str, expires: int) -> list[str]:
    """A forged custom policy (many '*' in its Resource, a 400-character path) and a forged ~8 KB URL."""
    resource = f"{base}/private/" + "*a" * 12 + "*b"
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    policy = json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()
    forged = f"/private/{'a' * 400}?Policy={b64encode(policy)}&Signature={'A' * 342}__&Key-Pair-Id={KEY_ID}"
    params = "&".join(f"p{i}={'v' * 20}" for i in range(300))
    big = f"/private/photo.jpg?{params}&Expires={expires}&Signature={'B' * 342}__&Key-Pair-Id={KEY_ID}"[:8000]
    return [forged, big]


def hostile(host: str, port: int, targets: list[str], at_once: int, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per hostile request, and per public request sent meanwhile, over ``rounds`` rounds."""
    hostile_times: list[float] = []
    public_times: list[float] = []

    def attack(target: str) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        start = time.perf_counter()
        conn.request("GET", target)
        response = conn.getresponse()
        response.read()
        hostile_times.append(time.perf_counter() - start)
        if response.status != 403:
            raise SystemExit(f"a hostile request was answered {response.status}, not 403")
        conn.close()

    for _ in range(rounds):
        threads = [threading.Thread(target=attack, args=(targets[i % len(targets)],)) for i in range(at_once)]
        for thread in threads:
            thread.start()
        conn = http.client.HTTPConnection(host, port, timeout=120)
        while any(t.is_alive() for t in threads):
            start = time.perf_counter()
            conn.request("GET", "/public/photo.jpg")
            conn.getresponse().read()
            public_times.append(time.perf_counter() - start)
        conn.close()
        for thread in threads:
            thread.join()
    return hostile_times, public_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests per mode (default 6000)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--key", choices=["rsa", "ecdsa"], default="rsa")
    parser.add_argument("--hostile", type=int, default=4, help="hostile requests in flight at once (default 4)")
    args = parser.parse_args()
    key = generate_key(args.key)
    signer = Signer(KEY_ID, key)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("public", "private"):
            (root / folder).mkdir()
            (root / folder / "photo.jpg").write_bytes(b"\xff\xd8" + b"x" * 2048)
        app = EdgeApp(config(), {KEY_ID: key.public_key}, root, max_decisions=1000)
        with run_in_thread(app) as server:
            expires = int(time.time()) + 3600
            url = signer.sign_url(server.url + "/private/photo.jpg", expires=expires)[len(server.url):]
            cookies = signer.sign_cookies(server.url + "/private/*", expires=expires)
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            modes = [
                ("public file (no verification)", "/public/photo.jpg", ""),
                (f"signed URL ({key.description}, canned)", url, ""),
                (f"signed cookies ({key.description}, custom)", "/private/photo.jpg", cookie),
            ]
            run(server.host, server.port, "/public/photo.jpg", "", min(1000, args.requests), args.clients)  # warm-up
            rates = [(label, run(server.host, server.port, path, c, args.requests, args.clients))
                     for label, path, c in modes]
            attacks, public = hostile(server.host, server.port, hostile_targets(server.url, expires), args.hostile, 5)
    base = rates[0][1]
    print(f"cfsign edge on 127.0.0.1, {args.requests} requests per mode from {args.clients} client processes")
    for label, value in rates:
        print(f"  {label:38} {value:8.0f} requests/s   {value / base:5.2f}x public")
    print(f"hostile input, {args.hostile} at a time, 5 rounds ({len(attacks)} requests, each answered 403):")
    print(f"  hostile request   median {statistics.median(attacks) * 1000:7.1f} ms   max {max(attacks) * 1000:7.1f} ms")
    print(f"  public meanwhile  median {statistics.median(public) * 1000:7.1f} ms   max {max(public) * 1000:7.1f} ms"
          f"   ({len(public)} requests)")


if __name__ == "__main__":
    main()
