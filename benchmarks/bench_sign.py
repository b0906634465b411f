"""Signing speed, side by side in one run: raw cryptography, cfsign_nb, botocore (two ways).

    .venv/bin/python benchmarks/bench_sign.py [--seconds 1.0] [--rounds 5]

Each contender signs the same canned policy for the same URL; rates are the best of several
interleaved rounds (so a noisy neighbour hurts every contender alike), and ratios are against
the raw ``cryptography`` sign rate for the same key.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cfsign_nb import Signer, generate_key
from cfsign_nb.policy import canned_policy_json

URL = "https://d111111abcdef8.cloudfront.net/images/horizon.jpg?size=large"
EXPIRES = 1767290400
KEY_ID = "K2JCJMDEHXQW5F"


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def contenders(kind: str) -> dict[str, Callable[[], object]]:
    key = generate_key(kind)
    raw = key.key
    pem = key.private_pem()
    policy = canned_policy_json(URL, EXPIRES)
    expires_dt = datetime.fromtimestamp(EXPIRES, tz=UTC)

    if isinstance(raw, rsa.RSAPrivateKey):
        pkcs1, sha1 = padding.PKCS1v15(), hashes.SHA1()

        def raw_sign(message: bytes) -> bytes:
            return raw.sign(message, pkcs1, sha1)

        def tutorial_sign(message: bytes) -> bytes:  # the usual blog recipe: parse the PEM per call
            loaded = serialization.load_pem_private_key(pem, password=None)
            return loaded.sign(message, padding.PKCS1v15(), hashes.SHA1())  # type: ignore[union-attr, call-arg]
    else:
        ecdsa_sha1 = ec.ECDSA(hashes.SHA1())

        def raw_sign(message: bytes) -> bytes:
            return raw.sign(message, ecdsa_sha1)  # type: ignore[call-arg]

        def tutorial_sign(message: bytes) -> bytes:
            loaded = serialization.load_pem_private_key(pem, password=None)
            return loaded.sign(message, ec.ECDSA(hashes.SHA1()))  # type: ignore[union-attr, call-arg]

    signer = Signer(KEY_ID, key)
    held = CloudFrontSigner(KEY_ID, raw_sign)
    tutorial = CloudFrontSigner(KEY_ID, tutorial_sign)
    return {
        "cryptography raw sign": lambda: raw_sign(policy),
        "cfsign_nb Signer.sign_url": lambda: signer.sign_url(URL, expires=EXPIRES),
        "cfsign_nb Signer.sign_cookies": lambda: signer.sign_cookies(URL, expires=EXPIRES),
        "botocore, key parsed once": lambda: held.generate_presigned_url(URL, date_less_than=expires_dt),
        "botocore, PEM parsed per call": lambda: tutorial.generate_presigned_url(URL, date_less_than=expires_dt),
    }


def _stdlib_modules_of(crypto: str) -> list[str]:
    """The standard-library modules ``import cfsign_nb`` loads beyond what cryptography loads itself."""
    code = (f"import sys; {crypto}; before = set(sys.modules); import cfsign_nb; "
            "print(' '.join(sorted(m for m in set(sys.modules) - before "
            "if m.split('.')[0] in sys.stdlib_module_names and not m.startswith('_'))))")
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def import_cost(statement: str, runs: int = 15) -> float:
    """Median wall time (ms) of a fresh interpreter running ``statement``, minus an empty one.

    Bytecode caching is on (as after any normal install), even where PYTHONDONTWRITEBYTECODE is set,
    and a first run warms the cache, so what is measured is importing, not compiling.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def median(code: str) -> float:
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000
    return median(statement) - median("pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=0.3, help="time per contender per round")
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()

    for kind, title in (("rsa", "RSA-2048, SHA-1"), ("ecdsa", "ECDSA P-256, SHA-1")):
        runs = contenders(kind)
        best = dict.fromkeys(runs, 0.0)
        for _ in range(args.rounds):
            for name, fn in runs.items():
                best[name] = max(best[name], rate(fn, args.seconds))
        baseline = best["cryptography raw sign"]
        print(f"\n{title}: signatures per second (best of {args.rounds} rounds of {args.seconds:g} s)")
        print(f"{'contender':34} {'per second':>12} {'vs raw':>8}")
        for name, value in best.items():
            print(f"{name:34} {value:12,.0f} {value / baseline:7.2f}x")

    crypto = ("import cryptography.hazmat.primitives.serialization, "
              "cryptography.hazmat.primitives.asymmetric.rsa, cryptography.hazmat.primitives.asymmetric.ec")
    peers = crypto + "; import " + ", ".join(_stdlib_modules_of(crypto))
    print("\nimport cost (ms, median of 15 fresh interpreters, minus an empty one)")
    print(f"{'import cryptography (the modules we use)':42} {import_cost(crypto):8.1f}")
    baseline = import_cost(peers)
    print(f"{'  + the standard-library modules we use':42} {baseline:8.1f}")
    ours = import_cost("import cfsign_nb")
    print(f"{'import cfsign_nb':42} {ours:8.1f}   {ours / baseline:.2f}x of the line above")
    lazy = import_cost("import cfsign_nb; cfsign_nb.trace_sign")
    print(f"{'import cfsign_nb; cfsign_nb.trace_sign (lazy)':42} {lazy:8.1f}")


if __name__ == "__main__":
    main()
