"""Batch decode/diagnose speed and memory, beside a plain per-row urllib+base64+json loop.

    .venv/bin/python benchmarks/bench_frames.py [--n 1000000] [--verify-n 100000] [--key ecdsa|rsa]

The signed URLs are generated once per (n, key) and cached under benchmarks/.cache/ (git-ignored),
with the public key beside them. Each measurement runs in a fresh process so its peak RSS
(ru_maxrss) is its own. Verification is timed on the first ``--verify-n`` rows (RSA signing of a
million URLs would take a quarter of an hour), next to the raw ``cryptography`` verify rate on
the same rows; targets: decode+diagnose without verification of 1M URLs in <= 4 s on one core,
verification >= 0.9x the raw rate per process, peak memory <= 2 GB. The ``hostile`` line diagnoses
the first 100,000 URLs with every tenth replaced by a hostile row (a lone surrogate, None, bytes,
a 5,000-digit Expires, 8,000 '&', a 100 KB string): the other rows keep the fast path.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

CACHE = Path(__file__).with_name(".cache")
NOW = 1767225600
KEY_ID = "K2JCJMDEHXQW5F"


def corpus_paths(n: int, kind: str) -> tuple[Path, Path]:
    return CACHE / f"urls-{kind}-{n}.arrow", CACHE / f"urls-{kind}-{n}.pub.pem"


def generate(n: int, kind: str) -> None:
    """Sign ``n`` realistic canned URLs (some expired, some SHA-256) and cache them as Arrow IPC."""
    import pyarrow as pa
    import pyarrow.feather as feather

    from cfsign_nb import Signer, generate_key

    data_path, key_path = corpus_paths(n, kind)
    if data_path.exists() and key_path.exists():
        return
    CACHE.mkdir(exist_ok=True)
    key = generate_key(kind)
    sha1, sha256 = Signer(KEY_ID, key), Signer(KEY_ID, key, hash_algorithm="SHA256")
    rng = random.Random(42)
    urls = []
    start = time.perf_counter()
    for i in range(n):
        signer = sha256 if i % 4 == 0 else sha1
        name = rng.choice(("intro", "lesson", "trailer"))
        path = f"/videos/{rng.randrange(100_000)}/{name}-{rng.randrange(1000)}.mp4"
        query = rng.choice(("", "?quality=hd", "?quality=sd&lang=en"))
        expires = NOW + rng.randrange(-3600, 7200)
        urls.append(signer.sign_url(f"https://media.example.com{path}{query}", expires=expires))
        if i and i % 100_000 == 0:
            print(f"  signed {i:,} URLs in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    feather.write_feather(pa.table({"url": pa.array(urls, type=pa.large_string())}), data_path)
    key_path.write_text(key.public_key_pem())


def load(n: int, kind: str):  # type: ignore[no-untyped-def]
    import pandas as pd
    import pyarrow.feather as feather

    data_path, key_path = corpus_paths(n, kind)
    table = feather.read_table(data_path, memory_map=False)
    column = table.column("url").combine_chunks()
    series = pd.Series(pd.array(column, dtype=pd.StringDtype("pyarrow", na_value=float("nan"))))
    return series, {KEY_ID: key_path.read_text()}


def child(mode: str, n: int, kind: str, verify_n: int) -> None:
    """Run one measurement; print ``seconds rows`` (peak RSS is read by the parent)."""
    series, keys = load(n, kind)
    if mode in ("verify1", "verify2", "raw_verify"):
        series = series.iloc[:verify_n].reset_index(drop=True)
    if mode == "hostile":
        series = hostile(series.iloc[:verify_n].tolist())
    rows = len(series)
    if mode == "baseline":
        urls = series.tolist()
        start = time.perf_counter()
        for url in urls:
            baseline_row(url)
    elif mode == "raw_verify":
        work = raw_inputs(series.tolist(), keys[KEY_ID])
        start = time.perf_counter()
        for verify, signature, policy, args in work:
            verify(signature, policy, *args)
    else:
        from cfsign_nb.frames import decode_many, diagnose_many

        start = time.perf_counter()
        if mode == "decode":
            decode_many(series)
        elif mode == "diagnose":
            diagnose_many(series, now=NOW)
        elif mode == "verify1":
            diagnose_many(series, now=NOW, public_keys=keys)
        elif mode == "verify2":
            diagnose_many(series, now=NOW, public_keys=keys, workers=2)
        elif mode == "hostile":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                diagnose_many(series, now=NOW)
    elapsed = time.perf_counter() - start
    usage = resource.getrusage
    peak_kb = max(usage(resource.RUSAGE_SELF).ru_maxrss, usage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(elapsed, rows, peak_kb)


def hostile(urls: list[str]) -> list[object]:
    """Every tenth URL replaced by a hostile row, in turn."""
    url = "https://media.example.com/videos/1/intro-1.mp4"
    rows: list[object] = [
        url + "\ud800?Expires=1&Signature=AAAA&Key-Pair-Id=K", None, b"\xff" + url.encode(),
        url + "?Expires=" + "9" * 5000 + "&Signature=AAAA&Key-Pair-Id=K",
        url + "?" + "&" * 8000 + "Expires=1&Signature=AAAA&Key-Pair-Id=K", url + "/" + "a" * 100_000,
    ]
    return [rows[(i // 10) % len(rows)] if i % 10 == 0 else value for i, value in enumerate(urls)]


def baseline_row(url: str) -> tuple[bool, bytes, str]:
    """The plain way: parse the query, decode the signature, rebuild the canned policy, check expiry."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signing = ("Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm")
    kept = [p for p in parts.query.split("&") if p.partition("=")[0] not in signing]
    resource_url = url.partition("?")[0] + ("?" + "&".join(kept) if kept else "")
    signature = base64.b64decode(params["Signature"].translate(str.maketrans("-_~", "+=/")))
    expires = int(params["Expires"])
    policy = json.dumps(
        {"Statement": [{"Resource": resource_url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
        separators=(",", ":"),
    )
    return expires > NOW, signature, policy + params["Key-Pair-Id"]


def raw_inputs(urls: list[str], pem: str) -> list[tuple]:  # type: ignore[type-arg]
    """Pre-decoded (verify, signature, policy, args) so the timed loop is cryptography alone."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = serialization.load_pem_public_key(pem.encode())
    out = []
    for url in urls:
        _, signature, _ = baseline_row(url)
        params = dict(parse_qsl(urlsplit(url).query))
        digest = hashes.SHA256() if params.get("Hash-Algorithm") == "SHA256" else hashes.SHA1()
        base = url.partition("&Expires=")[0] if "&Expires=" in url else url.partition("?Expires=")[0]
        template = '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%s}}}]}'
        policy = (template % (base, params["Expires"])).encode()
        args = (padding.PKCS1v15(), digest) if isinstance(key, rsa.RSAPublicKey) else (ec.ECDSA(digest),)
        out.append((key.verify, signature, policy, args))
    return out


def measure(mode: str, args: argparse.Namespace) -> tuple[float, int, float]:
    command = [sys.executable, __file__, "--child", mode, "--n", str(args.n), "--key", args.key,
               "--verify-n", str(args.verify_n)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds, rows, peak_kb = result.stdout.split()
    return float(seconds), int(rows), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--verify-n", type=int, default=100_000)
    parser.add_argument("--key", choices=("ecdsa", "rsa"), default="ecdsa")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.verify_n = min(args.verify_n, args.n)
    if args.child:
        child(args.child, args.n, args.key, args.verify_n)
        return
    generate(args.n, args.key)
    print(f"{args.n:,} signed URLs ({args.key}), verification on {args.verify_n:,}; cpus={os.cpu_count()}")
    results = {}
    for mode, label in (
        ("baseline", "per-row urllib.parse+base64+json loop"),
        ("decode", "decode_many"),
        ("diagnose", "diagnose_many, no signature check"),
        ("raw_verify", "raw cryptography verify loop"),
        ("verify1", "diagnose_many with verification, 1 process"),
        ("verify2", "diagnose_many with verification, 2 processes"),
        ("hostile", "diagnose_many, no check, 10% hostile rows"),
    ):
        seconds, rows, peak = measure(mode, args)
        results[mode] = rows / seconds
        print(f"{label:48} {rows:>9,} rows {seconds:8.2f} s {rows / seconds:>12,.0f} rows/s  peak RSS {peak:7.0f} MB")
    print()
    print(f"decode_many vs baseline loop:             {results['decode'] / results['baseline']:6.1f}x")
    print(f"diagnose_many (no verify) vs baseline:    {results['diagnose'] / results['baseline']:6.1f}x")
    print(f"1M decode+diagnose (no verify) estimate:  {1_000_000 / results['diagnose']:6.2f} s (target <= 4 s)")
    one_process = results["verify1"] / results["raw_verify"]
    print(f"verification, 1 process vs raw verify:    {one_process:6.2f}x (target >= 0.9x)")
    print(f"verification, 2 processes vs raw verify:  {results['verify2'] / results['raw_verify']:6.2f}x "
          f"({results['verify2'] / results['raw_verify'] / 2:.2f}x per process)")
    print(f"10% hostile rows vs clean rows:           {results['hostile'] / results['diagnose']:6.2f}x the clean rate")


if __name__ == "__main__":
    main()
