"""Time from a value change to the refreshed output, for the PolicyBuilder and the Inspector.

    .venv/bin/python benchmarks/bench_widgets.py [--rounds 200]

Each round changes one input (as typing would), which fires the panel's observer; the time is
measured until the panel's HTML outputs have been rewritten. The Inspector verifies the signature
(the key is given), and one case runs the differential search on a tampered URL. No browser: this
is the Python side of an update, which is what the panels control.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from cfsign_nb import Signer, generate_key
from cfsign_nb.widgets import Inspector, PolicyBuilder

URL = "https://d111111abcdef8.cloudfront.net/videos/intro.mp4"
KEY_ID = "K2JCJMDEHXQW5F"
NOW = 1780315200


def timings(change: Callable[[int], None], rounds: int) -> list[float]:
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        change(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds

    builder = PolicyBuilder(url=URL, now=NOW)
    cases: list[tuple[str, Callable[[int], None]]] = [
        ("PolicyBuilder: edit the URL (canned)", lambda i: setattr(builder.url, "value", f"{URL}?v={i}")),
        ("PolicyBuilder: edit the IP (custom)", lambda i: setattr(builder.ip, "value", f"192.0.2.{i % 250}/32")),
    ]
    for kind in ("rsa", "ecdsa"):
        key = generate_key(kind)
        signer = Signer(KEY_ID, key)
        urls = [signer.sign_url(f"{URL}?v={i}", expires=NOW + 600) for i in range(rounds)]
        inspector = Inspector(now=NOW)
        inspector.public_key_id.value = KEY_ID
        inspector.public_key.value = key.public_key_pem()
        tampered = Inspector(now=NOW)
        tampered.public_key_id.value = KEY_ID
        tampered.public_key.value = key.public_key_pem()
        cases.append((f"Inspector: paste a valid URL, {key.description}",
                      lambda i, inspector=inspector, urls=urls: setattr(inspector.artifact, "value", urls[i])))
        cases.append((f"Inspector: paste a tampered URL, {key.description}",
                      lambda i, tampered=tampered, urls=urls: setattr(tampered.artifact, "value", urls[i] + "&x=1")))

    print(f"{'update (Python side)':48} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for name, change in cases:
        samples = sorted(timings(change, rounds))
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:48} {statistics.median(samples):10.2f} {p95:8.2f} {samples[-1]:8.2f}")


if __name__ == "__main__":
    main()
