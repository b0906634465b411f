"""Decode and diagnose speed per artifact, and the cost of the differential search on failures.

    .venv/bin/python benchmarks/bench_diagnose.py [--seconds 0.5]

Verification rates are shown beside the raw ``cryptography`` verify rate for the same key.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cfsign_nb import Signer, b64decode, decode, diagnose, generate_key
from cfsign_nb.policy import canned_policy_json

URL = "https://d111111abcdef8.cloudfront.net/images/horizon.jpg?size=large&v=3"
EXPIRES = 1767290400
NOW = EXPIRES - 60
KEY_ID = "K2JCJMDEHXQW5F"


def per_second(fn: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=0.5)
    seconds = parser.parse_args().seconds
    print(f"{'what':58} {'per second':>11} {'vs raw verify':>14}")
    for kind in ("rsa", "ecdsa"):
        key = generate_key(kind)
        public = key.public_key
        signer = Signer(KEY_ID, key)
        url = signer.sign_url(URL, expires=EXPIRES)
        policy = canned_policy_json(URL, EXPIRES)
        signature = b64decode(url.split("Signature=")[1].split("&")[0])
        raw_key = public.key
        if isinstance(raw_key, rsa.RSAPublicKey):
            def raw_verify() -> None:
                raw_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())
        else:
            assert isinstance(raw_key, ec.EllipticCurvePublicKey)

            def raw_verify() -> None:
                raw_key.verify(signature, policy, ec.ECDSA(hashes.SHA1()))
        keys = {KEY_ID: public}
        tampered = url.replace("size=large", "size=large&utm_source=mail")
        hopeless = url.replace(url.split("Signature=")[1][:8], "AAAAAAAA")
        rows = [
            ("cryptography raw verify", raw_verify),
            ("decode(url)", lambda: decode(url)),
            ("diagnose(url), no key: nothing verified", lambda: diagnose(url, now=NOW)),
            ("diagnose(url, public_keys): verified", lambda: diagnose(url, public_keys=keys, now=NOW)),
            ("diagnose(tampered query): differential search finds it",
             lambda: diagnose(tampered, public_keys=keys, now=NOW)),
            ("diagnose(bad signature): every variant tried", lambda: diagnose(hopeless, public_keys=keys, now=NOW)),
        ]
        print(f"\n{key.description}")
        baseline = 0.0
        for name, fn in rows:
            rate = per_second(fn, seconds)
            baseline = baseline or rate
            print(f"{name:58} {rate:11,.0f} {rate / baseline:13.2f}x")
        found = diagnose(tampered, public_keys=keys, now=NOW)
        print(f"  (tampered URL diagnosed as {found.cause.code if found.cause else 'OK'})")


if __name__ == "__main__":
    main()
