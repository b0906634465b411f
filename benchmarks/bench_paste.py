"""What taking an artifact out of a paste costs: a curl command and a raw request vs the bare URL, and junk.

    .venv/bin/python benchmarks/bench_paste.py [--seconds 0.5] [--rounds 9]

Targets (issue 13): diagnosing a pasted curl command or raw request costs at most 2x diagnosing
the bare URL; a 1 MB junk paste is handled in under 100 ms. Each row is measured interleaved with
its baseline in short rounds: the rate shown is the best round's, the ratio the median of the
rounds' own ratios (a case against its baseline measured right before it), so that other
processes' load, which comes and goes, weighs on both sides of a ratio alike.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Callable
from statistics import median

from bench_diagnose import EXPIRES, KEY_ID, NOW, URL, per_second  # the same artifact and timer, side by side

from cfsign_nb import Signer, diagnose, generate_key
from cfsign_nb.paste import extract

HOST = "d111111abcdef8.cloudfront.net"


def best_ms(fn: Callable[[], object], rounds: int = 5) -> float:
    """The fastest of ``rounds`` single calls, in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def pastes(url: str, cookie_header: str) -> dict[str, str]:
    """A Chrome bash curl command with the signed URL, and a raw request carrying signed cookies."""
    curl = (f"curl '{url}' \\\n  -H 'accept: image/avif,image/webp,*/*' \\\n  -H 'accept-language: en' \\\n"
            "  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0' \\\n"
            "  --compressed")
    raw = (f"GET /images/horizon.jpg?size=large&v=3 HTTP/1.1\r\nHost: {HOST}\r\nAccept: */*\r\n"
           f"User-Agent: Mozilla/5.0\r\nCookie: {cookie_header}\r\n\r\n")
    return {"curl": curl, "raw": raw}


def junk() -> dict[str, str]:
    """1 MB pastes that hold nothing, or the same marker many times over."""
    random.seed(13)
    return {
        "random printable": "".join(random.choices(string.printable, k=1_000_000)),
        "1,000,000 newlines between words": "a\n" * 500_000,
        "40,000 signed-looking URLs, no spaces": "https://a.b/?Signature=x&" * 40_000,
        "50,000 cookie object keys": '"CloudFront-Policy": "' * 50_000,
        "60,000 Set-Cookie lines": "set-cookie: a=b\n" * 60_000,
        "an unclosed curl quote": "curl 'x" + "a" * 1_000_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per case, over all rounds")
    parser.add_argument("--rounds", type=int, default=9)
    arguments = parser.parse_args()
    seconds, rounds = arguments.seconds, max(1, arguments.rounds)
    print(f"{'diagnose(...) with the key, per second':52} {'RSA-2048':>10} {'ratio':>7} {'ECDSA':>10} {'ratio':>7}")
    rows: dict[str, list[str]] = {}
    for kind in ("rsa", "ecdsa"):
        key = generate_key(kind)
        keys = {KEY_ID: key.public_key}
        signer = Signer(KEY_ID, key)
        url = signer.sign_url(URL, expires=EXPIRES)
        cookies = signer.sign_cookies(URL, expires=EXPIRES)
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        texts = pastes(url, header)
        cases = {
            "bare signed URL": lambda: diagnose(url, public_keys=keys, now=NOW),
            "pasted curl command (bash, 3 headers)": lambda: diagnose(texts["curl"], public_keys=keys, now=NOW),
            "bare Cookie header + request_url": lambda: diagnose(header, public_keys=keys, now=NOW, request_url=URL),
            "pasted raw HTTP/1.1 request with the cookies": lambda: diagnose(texts["raw"], public_keys=keys, now=NOW),
        }
        assert diagnose(texts["curl"], public_keys=keys, now=NOW).ok
        assert diagnose(texts["raw"], public_keys=keys, now=NOW).ok
        rates: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):  # interleaved: each case right after its baseline
            for name, fn in cases.items():
                rates[name].append(per_second(fn, seconds / rounds))
        baselines = {"pasted curl command (bash, 3 headers)": "bare signed URL",
                     "pasted raw HTTP/1.1 request with the cookies": "bare Cookie header + request_url"}
        for name, measured in rates.items():
            base = baselines.get(name)
            ratio = f"{median(b / r for b, r in zip(rates[base], measured, strict=True)):.2f}x" if base else "1.00x"
            rows.setdefault(name, []).extend([f"{max(measured):,.0f}", ratio])
    for name, cells in rows.items():
        print(f"{name:52} {cells[0]:>10} {cells[1]:>7} {cells[2]:>10} {cells[3]:>7}")
    print("(ratio: time per call against the bare artifact, URL or Cookie header, median of the rounds; "
          "target <= 2x)\n")
    print(f"{'1 MB junk paste':44} {'extract':>10} {'diagnose':>10}")
    for name, text in junk().items():
        taken = best_ms(lambda: extract(text))
        judged = best_ms(lambda: diagnose(text))
        print(f"{name:44} {taken:8.1f} ms {judged:7.1f} ms")
    print("(target < 100 ms)")


if __name__ == "__main__":
    main()
