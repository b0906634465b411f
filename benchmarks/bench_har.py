"""diagnose_har on a long browser session: a 2,000-entry HAR (target: well under 2 s).

    .venv/bin/python benchmarks/bench_har.py [--entries 2000] [--rounds 3]

The session mixes what a player's network panel holds: signed segment URLs (served and expired),
segments fetched with signed cookies, cookies the browser did not send (an earlier Set-Cookie
with a Path too narrow), public files and requests to other hosts. Each figure is the best of
``--rounds``, beside the same number of plain ``diagnose()`` calls on the same artifacts.
"""

from __future__ import annotations

import argparse
import json
import time

from cfsign_nb import Signer, diagnose, generate_key
from cfsign_nb.frames.har import diagnose_har

HOST = "d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
NOW = 1767225600
DENIED = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{}</Code><Message>m</Message></Error>'


def _entry(second: float, url: str, status: int, body: str = "", cookie: str = "", set_cookie: tuple = ()) -> dict:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(NOW + int(second))) + f".{int(second % 1 * 1000):03d}Z"
    request = [{"name": "Cookie", "value": cookie}] if cookie else []
    response = [{"name": "x-cache", "value": "Error from cloudfront" if status >= 400 else "Hit from cloudfront"}]
    response += [{"name": "set-cookie", "value": line} for line in set_cookie]
    return {"startedDateTime": stamp, "request": {"method": "GET", "url": url, "headers": request, "cookies": []},
            "response": {"status": status, "headers": response, "content": {"text": body}}}


def session(signer: Signer, entries: int) -> dict:
    cookies = signer.sign_cookies(f"https://{HOST}/live/*", expires=NOW + entries // 4)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    narrow = tuple(f"{k}={v}; Path=/live/v1; Secure" for k, v in cookies.items())
    made = [_entry(0, f"https://{HOST}/session", 200, set_cookie=narrow)]
    for i in range(1, entries):
        second = i / 2
        kind = i % 5
        if kind == 0:
            url = signer.sign_url(f"https://{HOST}/vod/s{i}.ts", expires=NOW + 600)
            late = second >= 600
            made.append(_entry(second, url, 403 if late else 200, DENIED.format("AccessDenied") if late else ""))
        elif kind == 1:
            made.append(_entry(second, f"https://{HOST}/live/v1/s{i}.ts", 200, cookie=header))
        elif kind == 2:
            made.append(_entry(second, f"https://{HOST}/live/index{i}.m3u8", 403, DENIED.format("MissingKey")))
        elif kind == 3:
            made.append(_entry(second, f"https://{HOST}/app{i}.js", 200))
        else:
            made.append({**_entry(second, f"https://fonts.example.net/f{i}.woff2", 200),
                         "response": {"status": 200, "headers": [], "content": {}}})
    return {"log": {"version": "1.2", "entries": made}}


def best(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for kind in ("ecdsa", "rsa"):
        key = generate_key(kind)
        signer = Signer(KEY_ID, key)
        document = session(signer, args.entries)
        text = json.dumps(document)
        keys = {KEY_ID: key.public_key}
        rows = len(diagnose_har(document))
        artifacts = [e["request"]["url"] for e in document["log"]["entries"]]
        plain = best(lambda: [diagnose(a, now=NOW) for a in artifacts], args.rounds)
        plain_keys = best(lambda: [diagnose(a, now=NOW, public_keys=keys) for a in artifacts], args.rounds)
        no_keys = best(lambda: diagnose_har(text), args.rounds)
        with_keys = best(lambda: diagnose_har(text, public_keys=keys), args.rounds)
        print(f"{kind.upper():5} {args.entries:,} entries ({len(text) / 1e6:.1f} MB of JSON, {rows:,} rows)")
        print(f"  {'diagnose_har(text), no keys':44} {no_keys:7.3f} s  ({args.entries / no_keys:9,.0f} entries/s)"
              f"  vs {len(artifacts):,} diagnose(url): {plain:.3f} s ({no_keys / plain:.2f}x)")
        print(f"  {'diagnose_har(text, public_keys=...)':44} {with_keys:7.3f} s  ({args.entries / with_keys:9,.0f} "
              f"entries/s)  vs {len(artifacts):,} diagnose(url, keys): {plain_keys:.3f} s "
              f"({with_keys / plain_keys:.2f}x)")
        print(f"  target: under 2 s for 2,000 entries -> {'met' if with_keys < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
