"""diagnose_access_logs on a real dask.distributed cluster (2 worker processes) gives the single-process result."""

from __future__ import annotations

import gzip
import io
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cfsign_nb import CfSignError, PrivateKey, Signer
from cfsign_nb.frames import (
    counts_by_code,
    counts_by_key,
    diagnose_access_log,
    read_access_log,
    sample_access_log,
    write_access_log,
)
from cfsign_nb.frames.cluster import DiagnosedLogs, diagnose_access_logs, plan_file, read_part
from cfsign_nb.frames.logsummary import summarise
from cfsign_nb.logformat import FIELDS

from .conftest import KEY_ID, NOW

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

FILES = 12
ROWS = 30  # per file: SAMPLE_KINDS' 16 kinds, then a mix


FORMATS = ("w3c", "json", "parquet", "w3c-v2")


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory, rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> dict[str, object]:
    """Twelve hourly log files in Hive folders, in turn legacy W3C, JSON lines, Parquet and v2 W3C, some gzip."""
    folder = tmp_path_factory.mktemp("logs")
    signers = [Signer(KEY_ID, rsa_key), Signer("K3ECDSAEXAMPLE", ecdsa_key)]
    kinds: dict[str, str] = {}
    keys: dict[str, str] = {}
    for i in range(FILES):
        log = sample_access_log(ROWS, seed=i, signers=signers, start=NOW + i * 3600)
        keys = log.attrs["public_keys"]
        kinds.update(zip(log["x-edge-request-id"], log["sample_kind"].astype(str), strict=True))
        form = FORMATS[i % len(FORMATS)]
        hour = folder / "year=2026" / "month=01" / "day=01" / f"hour={i:02d}"
        hour.mkdir(parents=True)
        suffix = {"parquet": ".parquet", "json": ".json"}.get(form, ".log") + (".gz" if i % 3 == 1 and form != "parquet" else "")
        fields = list(reversed(FIELDS)) if form == "w3c-v2" else None  # every field, in another order
        write_access_log(log, hour / f"E2EXAMPLE.2026-01-01-{i:02d}.{i:04x}{suffix}", format=form, fields=fields)
    return {"folder": folder, "keys": keys, "kinds": kinds}


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A real LocalCluster: two worker processes, one thread each, on 127.0.0.1 only, shut down after."""
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        assert client.status == "closed"
        assert cluster.status.name == "closed"


def _by_request(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a stable order (request ids are unique), whatever the partitioning."""
    return frame.sort_values("x-edge-request-id", kind="stable")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Category columns as their values, the index dropped: for comparing with a one-frame read."""
    cats = [n for n, t in frame.dtypes.items() if isinstance(t, pd.CategoricalDtype)]
    return _by_request(frame).astype({n: object for n in cats}).reset_index(drop=True)


def test_the_cluster_gives_the_single_process_result_row_for_row(logs: dict, client: object) -> None:
    lazy = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], client=client)
    assert isinstance(lazy, dd.DataFrame) and lazy.npartitions == FILES  # one partition per file, nothing run yet
    assert list(lazy.columns) == list(diagnose_access_log(read_access_log(logs["folder"])).columns)
    on_cluster = lazy.compute()
    assert len(on_cluster) == FILES * ROWS

    local = diagnose_access_logs(logs["folder"], public_keys=logs["keys"])
    assert isinstance(local, DiagnosedLogs) and local.npartitions == FILES
    pd.testing.assert_frame_equal(_by_request(on_cluster), _by_request(local.compute()))  # dtypes and index too

    single = diagnose_access_log(read_access_log(logs["folder"]), public_keys=logs["keys"])
    pd.testing.assert_frame_equal(_plain(on_cluster), _plain(single))

    kind = on_cluster["x-edge-request-id"].map(logs["kinds"])
    made_good = kind.str.startswith("good").to_numpy(dtype=bool)
    assert made_good.any() and on_cluster["ok"][made_good].all()
    assert on_cluster["verified"][made_good & (kind != "good_cookies").to_numpy()].eq(True).all()  # on the workers
    assert not on_cluster["ok"][~made_good].any()
    assert (on_cluster.loc[(kind == "wrong_key").to_numpy(), "codes"].map(lambda c: "SIGNED_WITH_OTHER_KEY" in c)).all()


def test_big_files_split_into_bounded_partitions(logs: dict, client: object) -> None:
    lazy = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], client=client, rows_per_partition=7)
    assert lazy.npartitions == FILES * math.ceil(ROWS / 7)
    sizes = lazy.map_partitions(len).compute()
    assert max(sizes) <= 7 and sum(sizes) == FILES * ROWS
    whole = diagnose_access_logs(logs["folder"], public_keys=logs["keys"]).compute()
    split = lazy.compute()
    pd.testing.assert_frame_equal(_by_request(split), _by_request(whole), check_categorical=False)
    assert sorted(split.index) == sorted(whole.index)  # each row keeps its position in its file


def test_keys_travel_as_pem_and_each_worker_parses_each_once(logs: dict, client: object) -> None:
    diagnose_access_logs(logs["folder"], public_keys=logs["keys"], client=client).compute()

    def cache() -> tuple[int, int]:
        from cfsign_nb.frames.cluster import _worker_key

        info = _worker_key.cache_info()
        return info.misses, info.hits

    per_worker = client.run(cache)  # type: ignore[attr-defined]
    assert len(per_worker) == 2
    for misses, hits in per_worker.values():
        assert misses <= len(logs["keys"]) and hits > 0


def test_summaries_are_reduced_on_the_cluster(logs: dict, client: object) -> None:
    lazy = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], client=client)
    summary = summarise(lazy, client=client)
    single = diagnose_access_log(read_access_log(logs["folder"]), public_keys=logs["keys"])
    assert summary.requests == len(single) and summary.ok == int(single["ok"].sum())
    assert summary.refused_by_cloudfront == int(single["sc-status"].eq(403).sum())
    assert summary.unexplained_403 == int(single["unexplained_403"].sum())
    by_code = counts_by_code(single)
    pd.testing.assert_frame_equal(summary.counts_by_code.sort_index(), by_code.sort_index(), check_index_type=False)
    assert list(summary.counts_by_code["requests"]) == sorted(by_code["requests"], reverse=True)
    by_key = counts_by_key(single)
    columns = ["requests", "ok", "refused"]
    pd.testing.assert_frame_equal(summary.counts_by_key[columns].sort_index(), by_key[columns].sort_index(),
                                  check_index_type=False, check_dtype=False)
    for kid, top in summary.counts_by_key["top_code"].dropna().items():
        refused = single[(single["key_pair_id"].astype(object).fillna("(none)") == kid) & ~single["ok"]]
        tally = refused["code"].astype(str).value_counts()
        assert tally[top] == tally.max()
    streamed = summarise(diagnose_access_logs(logs["folder"], public_keys=logs["keys"]))  # locally, file by file
    pd.testing.assert_frame_equal(streamed.counts_by_code, summary.counts_by_code)
    pd.testing.assert_frame_equal(streamed.counts_by_key, summary.counts_by_key)
    assert summary.unsupported == streamed.unsupported == {}  # every file logs every field


def test_a_summary_names_the_checks_some_file_could_not_support(
    tmp_path: Path, rsa_key: PrivateKey, client: object
) -> None:
    log = sample_access_log(20, seed=6, signers=Signer(KEY_ID, rsa_key))
    write_access_log(log, tmp_path / "all.log", format="w3c-v2")
    write_access_log(log, tmp_path / "few.log", format="w3c-v2",
                     fields=["date", "time", "cs(Host)", "cs-uri-stem", "sc-status", "cs-uri-query"])
    lacking = {"IP address conditions": "c-ip", "signed cookies": "cs(Cookie)"}
    for where in (None, client):
        summary = summarise(diagnose_access_logs(tmp_path, public_keys=log.attrs["public_keys"], client=where),
                            client=where)
        assert summary.requests == 40 and summary.unsupported == lacking, where


def test_a_selection_builds_only_what_its_columns_need(logs: dict, client: object) -> None:
    counted = ["code", "key_pair_id", "ok", "unexplained_403"]
    lazy = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], client=client)
    whole = lazy.compute()
    pd.testing.assert_frame_equal(lazy[counted].compute(), whole[counted])  # Dask hands the columns to each partition
    local = diagnose_access_logs(logs["folder"], public_keys=logs["keys"])
    assert list(local.columns) == list(whole.columns)
    pd.testing.assert_frame_equal(local[counted].compute(), local.compute()[counted])
    pd.testing.assert_frame_equal(local[["cs-method", "url"]].partition(0), local.partition(0)[["cs-method", "url"]])

    part, job = local.parts[0], local.job
    assert len(read_part(part, job, counted).columns) < len(read_part(part, job).columns)  # fewer fields read
    assert "x-edge-location" not in read_part(part, job, counted)
    assert "cs(Cookie)" in read_part(part, job, counted)  # the diagnosis reads it
    with pytest.raises(CfSignError, match=r"no column \['cde'\].*choose from"):
        local[["cde"]]


def test_without_a_client_partitions_are_read_one_at_a_time(logs: dict) -> None:
    result = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], rows_per_partition=20)
    parts = iter(result)
    first = next(parts)
    assert len(first) == 20 and list(first.index.sort_values()) == list(range(20))
    assert len(result.partition(1)) == ROWS - 20
    assert sum(len(p) for p in parts) == FILES * ROWS - 20


def test_a_header_change_inside_a_file_survives_splitting(tmp_path: Path, rsa_key: PrivateKey) -> None:
    log = sample_access_log(20, seed=3, signers=Signer(KEY_ID, rsa_key))
    first, second = io.StringIO(), io.StringIO()
    write_access_log(log.iloc[:9], first)
    write_access_log(log.iloc[9:], second)
    head, fields, *lines = second.getvalue().splitlines(True)
    names = fields.split()[1:]
    swapped = [names[1], names[0], *names[2:]]  # date and time trade places: the reader follows the header
    rows = ["\t".join([c[1], c[0], *c[2:]]) for c in (line.rstrip("\n").split("\t") for line in lines)]
    path = tmp_path / "E2EXAMPLE.two-headers.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(first.getvalue() + head + "#Fields: " + " ".join(swapped) + "\n" + "\n".join(rows) + "\n")
    plan = plan_file(str(path), 4)
    assert [(p.lo, p.hi) for p in plan] == [(0, 4), (4, 8), (8, 12), (12, 16), (16, None)]
    split = diagnose_access_logs(path, rows_per_partition=4, verify=False).compute()
    whole = diagnose_access_log(read_access_log(path), verify=False)
    pd.testing.assert_frame_equal(_by_request(split), _by_request(whole), check_categorical=False)


def test_each_file_is_diagnosed_with_the_fields_it_logged(tmp_path: Path, rsa_key: PrivateKey) -> None:
    log = sample_access_log(20, seed=5, signers=Signer(KEY_ID, rsa_key))
    minimal = ["date", "time", "c-ip", "cs(Host)", "cs-uri-stem", "sc-status", "cs-uri-query"]  # no cs(Cookie)
    write_access_log(log, tmp_path / "minimal.log", format="w3c-v2", fields=minimal)
    write_access_log(log, tmp_path / "realtime.log", format="realtime", fields=["timestamp", *minimal[2:]])
    result = diagnose_access_logs(tmp_path / "minimal.log", public_keys=log.attrs["public_keys"]).compute()
    single = diagnose_access_log(read_access_log(tmp_path / "minimal.log"), public_keys=log.attrs["public_keys"])
    pd.testing.assert_frame_equal(result, single)
    assert "NOT_CHECKABLE_FROM_LOG" in set(result["code"].astype(str))  # the cookie requests, not NO_SIGNING_DATA
    realtime = diagnose_access_logs(tmp_path / "realtime.log", realtime_fields=["timestamp", *minimal[2:]],
                                    verify=False, rows_per_partition=8)
    assert realtime.npartitions == 3 and len(realtime.compute()) == 20


def test_now_judges_every_row_at_one_moment_and_keeps_the_request_times(logs: dict) -> None:
    later = NOW + 400 * 86400
    own_time = diagnose_access_logs(logs["folder"], public_keys=logs["keys"]).partition(0)
    result = diagnose_access_logs(logs["folder"], public_keys=logs["keys"], now=later).partition(0)
    served = own_time.index[own_time["ok"]]
    assert len(served) and (result.loc[served, "code"].astype(str) == "EXPIRED").all()  # all long expired by then
    pd.testing.assert_series_equal(result["timestamp"], own_time["timestamp"].reindex(result.index))


def test_mistakes_get_one_clear_error(logs: dict, tmp_path: Path) -> None:
    with pytest.raises(CfSignError, match="no access log"):
        diagnose_access_logs(tmp_path / "missing-*.gz")
    with pytest.raises(CfSignError, match="rows_per_partition"):
        diagnose_access_logs(logs["folder"], rows_per_partition=0)
    with pytest.raises(CfSignError, match=r"dask\.distributed\.Client"):
        diagnose_access_logs(logs["folder"], client="tcp://127.0.0.1:8786")
    with pytest.raises(CfSignError, match="public key"):
        diagnose_access_logs(logs["folder"], public_keys={KEY_ID: "-----BEGIN PUBLIC KEY-----\nnot a key\n"})
    with pytest.raises(CfSignError, match="summarise takes"):
        summarise([1, 2, 3])


def test_the_result_columns_are_read_once_per_version_of_a_file(
    tmp_path: Path, rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cfsign_nb.frames import cluster

    reads = []
    original = cluster.diagnose_part
    monkeypatch.setattr(cluster, "diagnose_part", lambda *a, **k: reads.append(a[0]) or original(*a, **k))
    log = sample_access_log(6, seed=2, signers=Signer(KEY_ID, rsa_key))
    path = tmp_path / "E2EXAMPLE.log"
    write_access_log(log, path)
    first = diagnose_access_logs(path, verify=False).columns
    assert diagnose_access_logs(path, verify=False).columns.equals(first) and len(reads) == 1  # the cell run again
    write_access_log(log, path, format="w3c-v2", fields=["date", "time", "cs(Host)", "cs-uri-stem", "cs-uri-query"])
    assert diagnose_access_logs(path, verify=False).columns.equals(first) and len(reads) == 2  # a new version
