"""What Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` costs the fast path, side by side with the default glibc.

    .venv/bin/python benchmarks/bench_worker_memory.py [--rounds 3]

A Dask nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.
pre-spawn-environ``): glibc hands freed memory back to the OS at once, so a fresh chunk-sized
temporary is faulted in again page by page. Each setting runs in a fresh process pinned to one core:
the cost of touching 3 MB fresh from numpy and from Arrow's pool (``frames.fast.pooled``); a 256-entry
byte table applied to 1 MB by ``bytes.translate`` and by ``frames.fast.lookup``; then diagnosing
bench_logs' 100,000 verification rows (8 Parquet files, the columns ``summarise`` counts) without and
with verification, with page faults per row and the ratio to the raw ``cryptography`` verify loop on
the same rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_logs  # the cached verification files and the raw verify loop

TRIM = {"MALLOC_TRIM_THRESHOLD_": "65536"}
COUNTED = ("code", "key_pair_id", "ok", "sc-status", "unexplained_403")


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _best(work, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(best seconds of one call, page faults per call) over ``rounds`` calls after a warm-up."""
    work()
    best, start = float("inf"), _faults()
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best, (_faults() - start) / rounds


def child(rounds: int) -> None:
    import numpy as np
    import pyarrow as pa

    from cfsign_nb.frames import fast
    from cfsign_nb.frames.cluster import _Job, _pem_keys, diagnose_part, plan_file

    data = np.random.default_rng(1).integers(32, 127, 1 << 20, dtype=np.uint8)
    table = bytes(range(256))[::-1]
    arrow_table = pa.array(np.frombuffer(table, np.uint8).copy())
    lines = {
        "touch 3 MB, numpy": lambda: np.empty(3 << 20, np.uint8).fill(0),
        "touch 3 MB, pooled()": lambda: fast.pooled(3 << 20).fill(0),
        "1 MB bytes.translate": lambda: data.tobytes().translate(table),
        "1 MB lookup()": lambda: fast.lookup(arrow_table, data),
    }
    for name, work in lines.items():
        seconds, faults = _best(work, 50)
        print(f"    {name:24} {seconds * 1e3:7.3f} ms  {faults:6.0f} faults")

    folder = bench_logs.verify_folder(100_000, 8)
    _, keys = bench_logs.bench_frames.load(1_000_000, "ecdsa")
    parts = [part for path in sorted(folder.iterdir()) for part in plan_file(str(path))]
    for verify in (False, True):
        job = _Job(keys=_pem_keys(keys) if verify else (), verify=verify, read_options=(("columns", "diagnosis"),))
        rows = sum(len(diagnose_part(part, job, COUNTED)) for part in parts)
        before = bench_logs.raw_rate(1_000_000, 0, rows, 1) if verify else 0.0
        seconds, faults = _best(lambda job=job: [diagnose_part(part, job, COUNTED) for part in parts], rounds)
        line = f"    diagnose, {'verified' if verify else 'no verify'}: {seconds / rows * 1e6:6.2f} µs/row"
        line += f"  {faults / rows:5.2f} faults/row"
        if verify:  # the raw rate just before and just after: this machine drifts
            raw = (before + bench_logs.raw_rate(1_000_000, 0, rows, 1)) / 2
            line += f"  raw verify {1e6 / raw:6.2f} µs/row  ours/raw {rows / seconds / raw:5.3f}x"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rounds)
        return
    logs = Path(bench_logs.__file__)
    subprocess.run([sys.executable, str(logs), "--generate"], check=True)
    pin = ["taskset", "-c", "0"] if sys.platform == "linux" else []
    for label, extra in (("glibc default", {}), ("MALLOC_TRIM_THRESHOLD_=65536 (a Dask worker)", TRIM)):
        print(f"{label}, one core, fresh process:", flush=True)
        env = {k: v for k, v in os.environ.items() if k not in TRIM} | extra
        subprocess.run([*pin, sys.executable, __file__, "--child", "--rounds", str(args.rounds)], check=True, env=env)


if __name__ == "__main__":
    main()
