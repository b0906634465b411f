"""Access logs: read + diagnose 1M rows in each format on one core; verification on a LocalCluster vs raw verify.

    .venv/bin/python benchmarks/bench_logs.py [--n 1000000] [--verify-n 100000] [--files 8] [--rounds 5]
        [--only single-core|cluster]

The log is built around bench_frames' cached signed URLs (ECDSA, canned, some expired and SHA-256)
with realistic fields (one client address per request, 30% of them IPv6), written once per format by
``write_access_log`` and cached under benchmarks/.cache/ (git-ignored). Each format is read
(``columns="diagnosis"``) and diagnosed without verification in a fresh process pinned to one core,
the file read once before so it is in the page cache (the parsing is timed, not the disk); targets:
v2 Parquet end to end <= 3 s, W3C <= 5 s. Verification: the first ``--verify-n`` rows as ``--files``
Parquet files, summarised with ``diagnose_access_logs(..., client=)`` on a LocalCluster of 1 and
then 2 worker processes (127.0.0.1, one thread each; a warm-up run, then ``--rounds`` runs), each
run paired with the raw ``cryptography`` verify rate on a quarter of the rows measured just before
and after it (their mean), in this process and inside the cluster's workers (what any code could
reach there): this machine's speed drifts by more than the differences looked for, so each ratio
compares measurements seconds apart and the median of the rounds is printed with their range. Also
printed: the raw rate in this process and in 2 processes at once (what the cores give). Targets: >=
0.9x per worker, >= 1.7x with 2. Each cluster runs once with Dask's defaults and once with the
workers' statistical profiler off (``distributed.worker.profile.enabled: False``). The single-core
runs are repeated with ``MIMALLOC_PURGE_DELAY=-1``: on machines where the OS takes freed pages back
and faults them in again at a high price (virtual machines with memory reclaim), that alone changes
the figures.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import bench_frames  # the cached URL corpus and the raw verify loop

CACHE = bench_frames.CACHE
NOW = bench_frames.NOW
KEEP_MEMORY = "MIMALLOC_PURGE_DELAY=-1"
FORMATS = (("w3c", ".log"), ("w3c-v2", ".v2.log"), ("json", ".json"), ("parquet", ".parquet"))


LOG_VERSION = 2  # of build_frame: a change of its rows renames the cached files


def log_path(n: int, form: str, suffix: str) -> Path:
    return CACHE / f"log{LOG_VERSION}-{n}-{form}{suffix}"


def verify_folder(verify_n: int, files: int) -> Path:
    return CACHE / f"log{LOG_VERSION}-verify-{verify_n}-{files}"


def client_ips(n: int, rng: Any) -> list[str]:
    """One address per request, as in a busy distribution's log: 70% IPv4, 30% IPv6 (compressed, as logged)."""
    six = (rng.random(n) < 0.3).tolist()
    return [f"2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::{i % 7 + 1:x}" if six[i]
            else f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(n)]


def build_frame(n: int):  # type: ignore[no-untyped-def]
    """A log frame of ``n`` requests around the cached signed URLs (vectorised, no signing here)."""
    import numpy as np
    import pandas as pd

    urls, keys = bench_frames.load(n, "ecdsa")
    rng = np.random.default_rng(1)
    parts = urls.str.split("?", n=1, expand=True)
    stamps = pd.to_datetime(NOW - 3600 + np.arange(n) * 7200 // max(n, 1), unit="s", utc=True)
    expired = parts[1].str.extract(r"Expires=(\d+)")[0].astype("int64") <= (NOW - 3600 + np.arange(n) * 7200 // n)
    frame = pd.DataFrame({
        "date": stamps.strftime("%Y-%m-%d"), "time": stamps.strftime("%H:%M:%S"),
        "x-edge-location": rng.choice(["FRA56-P1", "IAD89-C3", "NRT57-P2"], n),
        "sc-bytes": rng.integers(300, 5_000_000, n), "c-ip": client_ips(n, rng),
        "cs-method": "GET", "cs(Host)": "d111111abcdef8.cloudfront.net",
        "cs-uri-stem": parts[0].str.slice(len("https://media.example.com")), "sc-status": np.where(expired, 403, 200),
        "cs(Referer)": "https://www.example.com/", "cs(User-Agent)": "Mozilla/5.0 (X11; Linux x86_64) Example/1.0",
        "cs-uri-query": parts[1], "cs(Cookie)": None, "x-edge-result-type": np.where(expired, "Error", "Hit"),
        "x-edge-request-id": [f"req{i:051d}==" for i in range(n)], "x-host-header": "media.example.com",
        "cs-protocol": "https", "cs-bytes": 400, "time-taken": 0.01, "ssl-protocol": "TLSv1.3",
        "ssl-cipher": "TLS_AES_128_GCM_SHA256", "cs-protocol-version": "HTTP/2.0",
        "c-port": rng.integers(1024, 65535, n), "sc-content-type": "video/mp4",
    })
    return frame, keys


def generate(n: int, verify_n: int, files: int) -> None:
    """Write the log once per format, and the verification subset as ``files`` Parquet files."""
    bench_frames.generate(n, "ecdsa")
    todo = [(form, suffix) for form, suffix in FORMATS if not log_path(n, form, suffix).exists()]
    split = verify_folder(verify_n, files)
    if not todo and split.exists():
        return
    from cfsign_nb.frames import write_access_log
    from cfsign_nb.logformat import FIELDS

    frame, _ = build_frame(n)
    reordered = [*reversed(FIELDS[:12]), *FIELDS[12:]]  # a v2 W3C file: every field, in another order
    for form, suffix in todo:
        start = time.perf_counter()
        target = log_path(n, form, suffix)
        write_access_log(frame, f"{target}.tmp", format=form, fields=reordered if form == "w3c-v2" else None,
                         compress=False)
        os.replace(f"{target}.tmp", target)
        print(f"  wrote {target.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if not split.exists():
        tmp = split.with_suffix(".tmp")
        tmp.mkdir(exist_ok=True)
        size = -(-verify_n // files)
        for i in range(files):
            write_access_log(frame.iloc[i * size : min((i + 1) * size, verify_n)], tmp / f"part-{i:03d}.parquet",
                             format="parquet")
        tmp.rename(split)


def _warm(path: Path) -> None:
    """Read the file once so the timed read finds it in the page cache: the parsing is measured, not the disk."""
    with path.open("rb") as handle:
        while handle.read(16 << 20):
            pass


def child(form: str, suffix: str, n: int) -> None:
    """Read + diagnose one format on one core; print seconds for each and the peak RSS."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from cfsign_nb.frames import diagnose_access_log, read_access_log

    path = log_path(n, form, suffix)
    start = time.perf_counter()
    log = read_access_log(path, columns="diagnosis")
    read = time.perf_counter() - start
    table = diagnose_access_log(log, verify=False)
    total = time.perf_counter() - start
    assert len(table) == n, len(table)
    print(read, total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def on_cluster(workers: int, folder: Path, keys: dict[str, str], profile: bool, args: argparse.Namespace
               ) -> list[tuple[float, int, float, float]]:
    """Per round: (seconds, rows, raw rate here, raw rate inside the workers) on a LocalCluster.

    The seconds are those of diagnosing and summarising every file with verification; each raw rate
    (inside the workers: all at once, summed) is the mean of just before and just after the run, so a
    ratio pairs measurements seconds apart: this machine drifts by more than the differences looked for.
    """
    import dask
    from distributed import Client, LocalCluster

    from cfsign_nb.frames.cluster import diagnose_access_logs
    from cfsign_nb.frames.logsummary import summarise

    files = sorted(str(p) for p in folder.iterdir())
    options = {"columns": "diagnosis"}
    sample = args.verify_n // 4  # rows of each raw measurement
    with dask.config.set({"distributed.worker.profile.enabled": profile}), LocalCluster(
        n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster, Client(cluster) as client:
        summarise(diagnose_access_logs(files[:workers], public_keys=keys, client=client, read_options=options),
                  client=client)  # warm-up: imports, key parsing

        def inside() -> float:
            share = sample // workers
            return sum(client.gather(client.map(raw_rate, [args.n] * workers, [i * share for i in range(workers)],
                                                [(i + 1) * share for i in range(workers)], pure=False)))

        inside()  # warm-up: each worker decodes its raw rows once
        rounds = []
        for _ in range(args.rounds):
            here, there = raw_rate(args.n, 0, sample), inside()
            start = time.perf_counter()
            summary = summarise(diagnose_access_logs(files, public_keys=keys, client=client, read_options=options),
                                client=client)
            seconds = time.perf_counter() - start
            here, there = (here + raw_rate(args.n, 0, sample)) / 2, (there + inside()) / 2  # before and after
            rounds.append((seconds, summary.requests, here, there))
        return rounds


@functools.lru_cache(maxsize=2)
def _raw_work(n: int, lo: int, hi: int) -> list[tuple]:  # type: ignore[type-arg]
    urls, keys = bench_frames.load(n, "ecdsa")
    return bench_frames.raw_inputs(urls.iloc[lo:hi].tolist(), next(iter(keys.values())))


def raw_rate(n: int, lo: int, hi: int, rounds: int = 1) -> float:
    """The raw cryptography verify rate on rows ``lo:hi`` of the corpus, pre-decoded so only verify is timed."""
    work = _raw_work(n, lo, hi)
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for verify, signature, policy, args in work:
            verify(signature, policy, *args)
        best = max(best, len(work) / (time.perf_counter() - start))
    return best


def _raw_in_process(n: int, lo: int, hi: int, rounds: int, start: Any) -> float:
    _raw_work(n, lo, hi)
    start.wait()  # all processes verify at the same time
    return raw_rate(n, lo, hi, rounds)


def raw_parallel(processes: int, n: int, verify_n: int, rounds: int) -> float:
    """The summed raw verify rate of ``processes`` processes verifying at once: what the cores give."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(processes) as pool:
        start = manager.Barrier(processes)
        share = verify_n // processes
        jobs = [(n, i * share, (i + 1) * share, rounds, start) for i in range(processes)]
        rates = pool.starmap(_raw_in_process, jobs)
    return sum(rates)


def _spread(values: list[float]) -> str:
    """The median of ``values`` and their range."""
    return f"{statistics.median(values):4.2f}x ({min(values):4.2f}-{max(values):4.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--verify-n", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("single-core", "cluster"), help="run one half of the benchmark")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.verify_n = min(args.verify_n, args.n)
    if args.child:
        child(*args.child, args.n)
        return
    if args.generate:
        generate(args.n, args.verify_n, args.files)
        return
    sizes = ["--n", str(args.n), "--verify-n", str(args.verify_n), "--files", str(args.files)]
    subprocess.run([sys.executable, __file__, *sizes, "--generate"], check=True)  # its peak RSS is not ours
    print(f"{args.n:,} log rows (ECDSA signed URLs); verification on {args.verify_n:,}; cpus={os.cpu_count()}")
    if args.only != "cluster":
        single_core(args)
    if args.only != "single-core":
        on_clusters(args)


def single_core(args: argparse.Namespace) -> None:
    """Read + diagnose each format without verification, one core, a fresh process each."""
    print("read (columns='diagnosis') + diagnose_access_log(verify=False), one core, fresh process; then the same")
    print(f"with {KEEP_MEMORY} (pyarrow's allocator keeps freed memory instead of handing it back to the OS):")
    for label, extra in (("default", {}), (KEEP_MEMORY, dict([KEEP_MEMORY.split("=")]))):
        for form, suffix in FORMATS:
            _warm(log_path(args.n, form, suffix))
            command = [sys.executable, __file__, "--n", str(args.n), "--child", form, suffix]
            out = subprocess.run(command, check=True, capture_output=True, text=True,
                                 env={**os.environ, **extra}).stdout.split()
            read, total, peak = float(out[0]), float(out[1]), int(out[2]) / 1024
            size = log_path(args.n, form, suffix).stat().st_size / 2**20
            print(f"  {form:8} {size:7.0f} MB  read {read:6.2f} s  diagnose {total - read:6.2f} s  "
                  f"total {total:6.2f} s  {args.n / total:>10,.0f} rows/s  peak RSS {peak:6.0f} MB  ({label})")


def on_clusters(args: argparse.Namespace) -> None:
    """The raw verify rate, then verification on LocalClusters of 1 and 2 workers, profiler on and off."""
    raw = raw_rate(args.n, 0, args.verify_n, args.rounds)
    both = raw_parallel(2, args.n, args.verify_n, args.rounds)
    print(f"raw cryptography verify (ECDSA P-256), this process: {raw:>10,.0f} rows/s; "
          f"2 processes at once: {both:,.0f} rows/s = {both / raw:4.2f}x")
    folder = verify_folder(args.verify_n, args.files)
    keys = bench_frames.load(args.n, "ecdsa")[1]
    print(f"LocalCluster, {args.verify_n:,} rows verified in {args.files} Parquet files, {args.rounds} rounds; each "
          "round pairs the run with the raw rate measured just before and after it, here and inside the workers. "
          "Medians (range):")
    for profile in (True, False):
        for workers in (1, 2):
            rounds = on_cluster(workers, folder, keys, profile, args)
            vs_here = [rows / seconds / here for seconds, rows, here, _ in rounds]
            ceiling = [there / here for _, _, here, there in rounds]
            vs_there = [rows / seconds / there for seconds, rows, _, there in rounds]
            rate = max(rows / seconds for seconds, rows, _, _ in rounds)
            label = "on (the default)" if profile else "off"
            print(f"  {workers} worker(s), profiler {label:16} best {rate:>7,.0f} rows/s; "
                  f"vs raw here {_spread(vs_here)} = {_spread([v / workers for v in vs_here])} per worker; "
                  f"raw inside the workers vs here {_spread(ceiling)}; ours vs raw inside {_spread(vs_there)}")


if __name__ == "__main__":
    main()
