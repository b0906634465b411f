"""Every log format CloudFront delivers reads to the same table: legacy and v2 W3C, v2 JSON, v2 Parquet, real-time.

Each format is written by our writer with every field selection (all, a minimal one, reordered,
the real-time fields) and also written by hand following AWS's documented field names; every
read gives the same table, and every row's diagnosis agrees with :func:`cfsign_nb.diagnose`.
"""

from __future__ import annotations

import gzip
import io
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cfsign_nb import CfSignError, CfSignWarning, PrivateKey, Signer, diagnose
from cfsign_nb.frames import counts_by_code, diagnose_access_log, read_access_log, sample_access_log
from cfsign_nb.frames.accesslog import DIAGNOSIS_FIELDS, coverage, read_realtime_log, write_access_log
from cfsign_nb.logformat import FIELDS, REALTIME_FIELDS

from .conftest import KEY_ID, NOW

HOST = "media.example.com"
MINIMAL = ["date", "time", "c-ip", "x-host-header", "cs-uri-stem", "cs-uri-query", "cs(Cookie)", "sc-status"]
MINIMAL_REALTIME = ["timestamp", "c-ip", "x-host-header", "cs-uri-stem", "cs-uri-query", "cs-cookie", "sc-status"]
SELECTIONS = {
    "all": None,
    "minimal": MINIMAL,
    "reordered": list(reversed(FIELDS)),
    "realtime-fields": list(REALTIME_FIELDS),
}


@pytest.fixture(scope="module")
def sample(rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> pd.DataFrame:
    return sample_access_log(48, seed=11, signers=[Signer(KEY_ID, rsa_key), Signer("K3ECDSAEXAMPLE", ecdsa_key)])


@pytest.fixture(scope="module")
def sample_table(sample: pd.DataFrame) -> pd.DataFrame:
    return diagnose_access_log(sample, public_keys=sample.attrs["public_keys"]).sort_index()


def _read(data: bytes, fmt: str, fields: list[str] | None) -> pd.DataFrame:
    if fmt == "realtime":
        return read_realtime_log(io.BytesIO(data), fields or REALTIME_FIELDS)
    return read_access_log(io.BytesIO(data))


def _written(frame: pd.DataFrame, fmt: str, fields: list[str] | None, compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_access_log(frame, buffer, format=fmt, fields=fields, compress=compress)  # type: ignore[arg-type]
    return buffer.getvalue()


def _standard(fields: list[str] | None, fmt: str) -> list[str]:
    """The standard fields a selection logs (a real-time timestamp gives date and time)."""
    chosen = set(fields or (REALTIME_FIELDS if fmt == "realtime" else FIELDS))
    chosen = {{"cs-host": "cs(Host)", "cs-cookie": "cs(Cookie)", "cs-referer": "cs(Referer)",
               "cs-user-agent": "cs(User-Agent)"}.get(f, f) for f in chosen}
    if "timestamp" in chosen:
        chosen |= {"date", "time"}
    return [f for f in FIELDS if f in chosen]


@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("fmt", ["w3c-v2", "json", "parquet", "realtime"])
def test_every_format_and_selection_reads_back_to_the_same_table(
    sample: pd.DataFrame, sample_table: pd.DataFrame, fmt: str, selection: str
) -> None:
    fields = SELECTIONS[selection]
    if fmt == "realtime" and selection == "minimal":
        fields = MINIMAL_REALTIME
    if fmt == "realtime" and selection in ("reordered", "all"):
        fields = list(reversed(REALTIME_FIELDS)) if selection == "reordered" else None
    if fmt == "realtime" and selection == "realtime-fields":
        fields = list(REALTIME_FIELDS)
    log = _read(_written(sample, fmt, fields), fmt, fields)
    logged = _standard(fields, fmt)
    columns = ["timestamp", *logged, "url"]
    pd.testing.assert_frame_equal(log[columns], sample[columns])
    assert list(log.columns[: len(FIELDS) + 1]) == ["timestamp", *FIELDS]  # every format: the same columns
    assert log.dtypes[: len(FIELDS) + 1].map(str).tolist() == sample.dtypes[: len(FIELDS) + 1].map(str).tolist()
    assert log[[f for f in FIELDS if f not in logged]].isna().all().all()
    table = diagnose_access_log(log, public_keys=sample.attrs["public_keys"]).sort_index()
    assert table["code"].astype(str).tolist() == sample_table["code"].astype(str).tolist()
    assert "NOT_CHECKABLE_FROM_LOG" not in set(table["code"])
    assert table.attrs["unsupported"] == ({} if "sc-status" in logged else {"CloudFront's answer (403s)": "sc-status"})


def test_the_legacy_file_and_gzip_of_each_text_format(sample: pd.DataFrame) -> None:
    for fmt in ("w3c", "w3c-v2", "json", "realtime"):
        data = _written(sample, fmt, None, compress=True)
        assert data[:2] == b"\x1f\x8b", fmt
        log = _read(data, fmt, None)
        pd.testing.assert_frame_equal(log[["timestamp", *FIELDS[:30], "url"]], sample[["timestamp", *FIELDS[:30], "url"]])


def test_every_row_agrees_with_diagnose(sample: pd.DataFrame) -> None:
    log = _read(_written(sample, "parquet", list(reversed(FIELDS))), "parquet", None)
    table = diagnose_access_log(log, public_keys=sample.attrs["public_keys"])
    for _, row in table.iterrows():
        cookies = row["artifact"] == "cookies"
        one = diagnose(
            row["cs(Cookie)"] if cookies else row["url"], public_keys=sample.attrs["public_keys"],
            now=int(row["timestamp"].timestamp()), client_ip=row["c-ip"], request_url=row["url"] if cookies else None,
        )
        assert row["code"] == (one.cause.code if one.cause else "OK"), row["sample_kind"]
        assert tuple(row["codes"]) == one.codes


# --- hand-written fixtures, one per format, following AWS's documented field names ---------------

@pytest.fixture(scope="module")
def requests(rsa_key: PrivateKey) -> dict[str, str]:
    """Three requests as logged: a signed URL's query, signed cookies (logged escaped), an unsigned one."""
    signer = Signer(KEY_ID, rsa_key)
    signed = signer.sign_url(f"https://{HOST}/videos/a.mp4?quality=hd", expires=NOW + 3600)
    cookies = signer.sign_cookies(f"https://{HOST}/videos/*", expires=NOW + 3600)
    return {
        "query": signed.partition("?")[2],
        "cookie": ";%20".join(f"{k}={v}" for k, v in cookies.items()),  # CloudFront logs "; " as ";%20"
    }


ROWS = (  # epoch, date, time, c-ip, status, stem, which query/cookie
    (NOW + 10, "2026-01-01", "00:00:10", "198.51.100.7", "200", "/videos/a.mp4", "query"),
    (NOW + 20, "2026-01-01", "00:00:20", "198.51.100.8", "200", "/videos/b.mp4", "cookie"),
    (NOW + 30, "2026-01-01", "00:00:30", "198.51.100.9", "403", "/videos/c.mp4", None),
)


def _values(requests: dict[str, str], which: str | None) -> tuple[str, str]:
    return (requests["query"] if which == "query" else "-", requests["cookie"] if which == "cookie" else "-")


def _w3c_fixture(requests: dict[str, str]) -> bytes:
    lines = ["#Version: 1.0", "#Fields: date time c-ip cs-method x-host-header cs-uri-stem sc-status cs-uri-query "
             "cs(Cookie) x-edge-result-type"]
    for _, date, clock, ip, status, stem, which in ROWS:
        query, cookie = _values(requests, which)
        lines.append("\t".join((date, clock, ip, "GET", HOST, stem, status, query, cookie,
                                "Error" if status == "403" else "Hit")))
    return ("\n".join(lines) + "\n").encode()


def _json_fixture(requests: dict[str, str]) -> bytes:
    lines = []
    for _, date, clock, ip, status, stem, which in ROWS:
        query, cookie = _values(requests, which)
        result = "Error" if status == "403" else "Hit"
        lines.append(
            f'{{"date":"{date}","time":"{clock}","c-ip":"{ip}","cs-method":"GET","x-host-header":"{HOST}",'
            f'"cs-uri-stem":"{stem}","sc-status":"{status}","cs-uri-query":"{query}","cs(Cookie)":"{cookie}",'
            f'"x-edge-result-type":"{result}"}}'
        )
    return ("\n".join(lines) + "\n").encode()


def _parquet_fixture(requests: dict[str, str]) -> bytes:
    columns: dict[str, list[str]] = {name: [] for name in (
        "date", "time", "c_ip", "cs_method", "x_host_header", "cs_uri_stem", "sc_status", "cs_uri_query", "cs_cookie",
        "x_edge_result_type")}
    for _, date, clock, ip, status, stem, which in ROWS:
        query, cookie = _values(requests, which)
        for name, value in zip(columns, (date, clock, ip, "GET", HOST, stem, status, query, cookie,
                                         "Error" if status == "403" else "Hit"), strict=True):
            columns[name].append(value)
    buffer = io.BytesIO()
    pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), buffer)
    return buffer.getvalue()


REALTIME_CONFIG = ["timestamp", "c-ip", "sc-status", "cs-method", "x-host-header", "cs-uri-stem", "cs-uri-query",
                   "cs-cookie", "x-edge-result-type"]


def _realtime_fixture(requests: dict[str, str]) -> bytes:
    lines = []
    for epoch, _, _, ip, status, stem, which in ROWS:
        query, cookie = _values(requests, which)
        lines.append("\t".join((f"{epoch}.{epoch % 997:03d}", ip, status, "GET", HOST, stem, query, cookie,
                                "Error" if status == "403" else "Hit")))
    return ("\n".join(lines) + "\n").encode()


COMMON = ["timestamp", "date", "time", "c-ip", "cs-method", "x-host-header", "cs-uri-stem", "sc-status",
          "cs-uri-query", "cs(Cookie)", "x-edge-result-type", "url"]


def test_hand_written_fixtures_of_every_format_give_the_same_table(
    requests: dict[str, str], rsa_key: PrivateKey
) -> None:
    keys = {KEY_ID: rsa_key.public_key_pem()}
    w3c = read_access_log(io.BytesIO(_w3c_fixture(requests)))
    json_lines = read_access_log(io.BytesIO(gzip.compress(_json_fixture(requests))))
    parquet = read_access_log(io.BytesIO(_parquet_fixture(requests)))
    realtime = read_realtime_log(io.BytesIO(_realtime_fixture(requests)), REALTIME_CONFIG)
    assert w3c["url"].tolist() == [
        f"https://{HOST}/videos/a.mp4?{requests['query']}", f"https://{HOST}/videos/b.mp4",
        f"https://{HOST}/videos/c.mp4",
    ]
    assert w3c["cs(Cookie)"].iloc[1] == requests["cookie"].replace(";%20", "; ")
    assert w3c["timestamp"].iloc[2] == pd.Timestamp(NOW + 30, unit="s", tz="UTC")
    for other in (json_lines, parquet, realtime):
        pd.testing.assert_frame_equal(other[COMMON], w3c[COMMON])
    for log in (w3c, json_lines, parquet, realtime):
        table = diagnose_access_log(log, public_keys=keys).sort_index()
        assert table["code"].astype(str).tolist() == ["OK", "OK", "NO_SIGNING_DATA"]
        assert table["artifact"].tolist() == ["url", "cookies", "url"]
        for _, row in table.iterrows():
            cookies = row["artifact"] == "cookies"
            one = diagnose(row["cs(Cookie)"] if cookies else row["url"], public_keys=keys,
                           now=int(row["timestamp"].timestamp()), client_ip=row["c-ip"],
                           request_url=row["url"] if cookies else None)
            assert tuple(row["codes"]) == one.codes


def test_names_are_read_in_any_case_and_numbers_as_text() -> None:
    line = ('{"date":"2026-01-01","time":"00:00:10","cs(host)":"d111111abcdef8.cloudfront.net",'
            '"cs-uri-stem":"/a.jpg","sc-status":200,"time-taken":0.5,"c-country":"DE"}\n')
    log = read_access_log(io.BytesIO(line.encode() * 2))
    assert log["url"].tolist() == ["https://d111111abcdef8.cloudfront.net/a.jpg"] * 2
    assert log["sc-status"].tolist() == [200, 200] and log["time-taken"].tolist() == [0.5, 0.5]
    assert log["c-country"].tolist() == ["DE", "DE"]  # a field beyond the 33 is kept as a column


# --- folders, globs, Hive partitions, projection -------------------------------------------------

def test_hive_partitioned_folders_of_mixed_formats(tmp_path: Path, sample: pd.DataFrame) -> None:
    root = tmp_path / "E2EXAMPLE"
    parts = [(sample.iloc[:16], "json", "00", "a.json.gz"), (sample.iloc[16:32], "parquet", "01", "b.parquet"),
             (sample.iloc[32:], "w3c", "02", "c.gz")]
    for frame, fmt, hour, name in parts:
        folder = root / "year=2026" / "month=01" / "day=01" / f"hour={hour}"
        folder.mkdir(parents=True)
        write_access_log(frame, folder / name, format=fmt)  # type: ignore[arg-type]
        (folder / "_SUCCESS").write_text("")
    log = read_access_log(root)
    pd.testing.assert_frame_equal(log[["timestamp", *FIELDS, "url"]], sample[["timestamp", *FIELDS, "url"]])
    assert log["hour"].astype(str).tolist() == ["00"] * 16 + ["01"] * 16 + ["02"] * 16
    assert isinstance(log["year"].dtype, pd.CategoricalDtype) and set(log["month"]) == {"01"}
    globbed = read_access_log(str(root / "year=2026" / "*" / "*" / "hour=0[12]" / "*"))
    assert len(globbed) == 32 and set(globbed["day"]) == {"01"}
    assert len(read_access_log([root / "year=2026" / "month=01" / "day=01" / "hour=00" / "a.json.gz"])) == 16


def test_columns_diagnosis_reads_only_what_the_diagnosis_needs(sample: pd.DataFrame, sample_table: pd.DataFrame) -> None:
    for fmt in ("parquet", "json", "w3c"):
        log = read_access_log(io.BytesIO(_written(sample, fmt, None)), columns="diagnosis")
        assert list(log.columns) == ["timestamp", *[f for f in FIELDS if f in DIAGNOSIS_FIELDS], "url"]
        table = diagnose_access_log(log, public_keys=sample.attrs["public_keys"]).sort_index()
        assert table["code"].astype(str).tolist() == sample_table["code"].astype(str).tolist()
    picked = read_access_log(io.BytesIO(_written(sample, "parquet", None)), columns=["cs_uri_stem"])
    assert list(picked.columns) == ["timestamp", "date", "time", "cs-uri-stem", "url"]
    with pytest.raises(CfSignError, match="columns="):
        read_access_log(io.BytesIO(b""), columns="some")


# --- a log without some fields ------------------------------------------------------------------

def _without(sample: pd.DataFrame, *missing: str) -> pd.DataFrame:
    fields = [f for f in FIELDS if f not in missing]
    return read_access_log(io.BytesIO(_written(sample, "w3c-v2", fields)))


def test_no_cookie_field_makes_cookie_requests_not_checkable_never_unsigned(
    sample: pd.DataFrame, sample_table: pd.DataFrame
) -> None:
    table = diagnose_access_log(_without(sample, "cs(Cookie)"), public_keys=sample.attrs["public_keys"]).sort_index()
    unknowable = sample["sample_kind"].isin(["good_cookies", "unsigned"])
    assert (table.loc[unknowable, "code"] == "NOT_CHECKABLE_FROM_LOG").all()
    assert table.loc[unknowable, "codes"].map(lambda c: tuple(c) == ("NOT_CHECKABLE_FROM_LOG",)).all()
    assert "NO_SIGNING_DATA" not in set(table["code"])
    pd.testing.assert_series_equal(table.loc[~unknowable, "code"], sample_table.loc[~unknowable, "code"])
    assert table.attrs["unsupported"] == {"signed cookies": "cs(Cookie)"}
    assert counts_by_code(table).loc["NOT_CHECKABLE_FROM_LOG", "requests"] == unknowable.sum()


def test_no_query_field_makes_signed_url_requests_not_checkable(sample: pd.DataFrame) -> None:
    table = diagnose_access_log(_without(sample, "cs-uri-query"), public_keys=sample.attrs["public_keys"]).sort_index()
    cookies = sample["sample_kind"] == "good_cookies"
    assert (table.loc[cookies, "code"] == "OK").all()
    assert (table.loc[~cookies, "code"] == "NOT_CHECKABLE_FROM_LOG").all()
    assert table.attrs["unsupported"] == {"signed URLs": "cs-uri-query"}


def test_no_client_ip_field_leaves_ip_conditions_unchecked_and_says_so(
    sample: pd.DataFrame, sample_table: pd.DataFrame
) -> None:
    table = diagnose_access_log(_without(sample, "c-ip"), public_keys=sample.attrs["public_keys"]).sort_index()
    assert "INTERNAL_ERROR" not in set(table["code"].astype(str))
    restricted = (sample["sample_kind"] == "ip_not_allowed").to_numpy()
    assert restricted.any()
    assert table["code"][~restricted].tolist() == sample_table["code"][~restricted].tolist()
    assert all("CLIENT_IP_NEEDED" in codes for codes in table["codes"][restricted])  # each row says it, as diagnose()
    assert table.attrs["unsupported"] == {"IP address conditions": "c-ip"}


def test_no_time_or_no_host_makes_nothing_checkable_and_coverage_says_why(sample: pd.DataFrame) -> None:
    for missing in (("date", "time"), ("x-host-header", "cs(Host)")):
        log = _without(sample, *missing)
        table = diagnose_access_log(log, verify=False)
        assert (table["code"] == "NOT_CHECKABLE_FROM_LOG").all(), missing
    report = coverage(["date", "time", "cs-uri-stem", "cs(Host)", "cs_cookie"])
    assert report.loc["signed cookies", "supported"] and not report.loc["signed URLs", "supported"]
    assert report.loc["IP address conditions", "missing"] == "c-ip"
    assert coverage(_without(sample, "c-ip")).loc["IP address conditions", "missing"] == "c-ip"
    assert coverage(["timestamp", "cs-uri-stem", "cs-host"]).loc["expiry and start times", "supported"]


def test_a_frame_without_reader_attrs_counts_its_columns_as_logged(sample: pd.DataFrame) -> None:
    log = sample.drop(columns=["cs(Cookie)"])
    log.attrs = {}
    table = diagnose_access_log(log, verify=False)
    assert set(table.loc[table["sample_kind"] == "good_cookies", "code"]) == {"NOT_CHECKABLE_FROM_LOG"}
    mixed = diagnose_access_log(sample, verify=False, fields=[f for f in FIELDS if f != "cs-uri-query"])
    assert set(mixed.loc[mixed["sample_kind"] == "good", "code"]) == {"NOT_CHECKABLE_FROM_LOG"}


def test_files_logging_different_fields_keep_only_the_fields_all_logged(tmp_path: Path, sample: pd.DataFrame) -> None:
    write_access_log(sample.iloc[:10], tmp_path / "a.json", format="json")
    write_access_log(sample.iloc[10:], tmp_path / "b.json", format="json", fields=MINIMAL[:-2])
    log = read_access_log(tmp_path)
    assert "cs(Cookie)" not in log.attrs["fields"] and "c-ip" in log.attrs["fields"]
    assert log["cs(Cookie)"].iloc[10:].isna().all()


# --- hostile input ------------------------------------------------------------------------------

def test_bad_records_are_skipped_with_one_warning_never_raised(requests: dict[str, str]) -> None:
    good = _json_fixture(requests).splitlines()
    junk = [b"not json", b"[1, 2]", b'{"date": "2026-01-01", "time": ', b"\x00\xff{", b'{"date": 5e999}']
    with pytest.warns(CfSignWarning, match="skipped 4 malformed"):
        log = read_access_log(io.BytesIO(b"\n".join([good[0], *junk, *good[1:]]) + b"\n"))
    assert len(log) == 4 and log["c-ip"].notna().sum() == 3
    lines = _realtime_fixture(requests).splitlines()
    with pytest.warns(CfSignWarning, match="skipped 2 malformed"):
        log = read_realtime_log(io.BytesIO(b"\n".join([*lines, b"a\tb", b"x" * 100_000]) + b"\n"), REALTIME_CONFIG)
    assert len(log) == 3
    with pytest.raises(CfSignError, match="unknown real-time log field"):
        read_realtime_log(io.BytesIO(b""), ["timestamp", "cs-nonsense"])
    odd = read_realtime_log(io.BytesIO(b"99999999999999.5\t-1e400\n-3\tx\n"), ["timestamp", "sc-status"])
    assert odd["timestamp"].isna().all() and odd["sc-status"].isna().all()


def test_hostile_json_stays_bounded_in_time() -> None:
    hostile = b'{"cs-uri-query":"' + b"%25" * 300_000 + b'","date":"2026-01-01"}\n' + b"{" * 200_000 + b"\n"
    start = time.perf_counter()
    with pytest.warns(CfSignWarning):
        log = read_access_log(io.BytesIO(hostile * 5))
    assert len(log) == 5 and time.perf_counter() - start < 20


def test_unknown_formats_and_empty_files() -> None:
    with pytest.raises(CfSignError, match="format="):
        write_access_log(pd.DataFrame(), io.BytesIO(), format="csv")  # type: ignore[arg-type]
    with pytest.raises(CfSignError, match="format="):
        read_access_log(io.BytesIO(b""), format="csv")  # type: ignore[arg-type]
    for data in (b"", b"\n\n", _written(pd.DataFrame({"date": []}), "parquet", None)):
        log = read_access_log(io.BytesIO(data))
        assert len(log) == 0 and "url" in log and "timestamp" in log


@pytest.mark.parametrize(("block_bytes", "parse_bytes"), [(333, 64), (1 << 20, 3000)],
                         ids=["lines-longer-than-a-parse-piece", "several-lines-a-parse-piece"])
def test_text_read_in_small_blocks_gives_the_same_table(
    sample: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, block_bytes: int, parse_bytes: int
) -> None:
    from cfsign_nb.frames import logtext

    legacy = _written(sample.iloc[:20], "w3c", None)
    v2 = _written(sample.iloc[20:], "w3c-v2", MINIMAL)
    # A BOM, CRLF line ends, blank lines, one line with a raw control byte, one with too few fields,
    # and a second #Fields header part-way through (as when two files are concatenated).
    data = b"\xef\xbb\xbf" + legacy.replace(b"\n", b"\r\n") + b"\n  \n" + b"a\tb\n" + b"x\x01y\t" * 32 + b"\n" + v2
    with pytest.warns(CfSignWarning, match="skipped 2 malformed"):
        whole = read_access_log(io.BytesIO(data))
    monkeypatch.setattr(logtext, "_BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(logtext, "_PARSE_BYTES", parse_bytes)
    with pytest.warns(CfSignWarning, match="skipped 2 malformed"):
        blocks = read_access_log(io.BytesIO(data))
    pd.testing.assert_frame_equal(blocks, whole)
    assert len(whole) == len(sample) and whole["url"].tolist() == sample["url"].tolist()
    assert whole["cs(User-Agent)"].iloc[20:].isna().all()  # not in the v2 file's selection


def test_text_blocks_are_joined_into_chunks_of_chunk_lines(sample: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.frames import iter_access_log, logtext

    data = _written(sample.iloc[:30], "w3c", None) + _written(sample.iloc[30:], "w3c-v2", MINIMAL)
    monkeypatch.setattr(logtext, "_BLOCK_BYTES", 333)  # a block is a line or two
    sizes = [len(frame) for frame in iter_access_log(io.BytesIO(data), chunk_lines=7)]
    # 30 rows under the first header and 18 under the second: a header change starts a new chunk.
    assert sizes == [7, 7, 7, 7, 2, 7, 7, 4]
    data = _written(sample.iloc[:28], "w3c", None) + _written(sample.iloc[28:], "w3c-v2", MINIMAL)
    assert [len(frame) for frame in iter_access_log(io.BytesIO(data), chunk_lines=7)] == [7, 7, 7, 7, 7, 7, 6]


@pytest.mark.parametrize("fmt", ["w3c-v2", "json"])
def test_a_selection_of_fields_the_file_does_not_log_keeps_every_row(
    sample: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from cfsign_nb.frames import iter_access_log, logtext

    data = _written(sample, fmt, ["cs-uri-stem", "sc-status"])
    monkeypatch.setattr(logtext, "_BLOCK_BYTES", 333)
    frames = list(iter_access_log(io.BytesIO(data), columns=["c-ip"], chunk_lines=7))
    assert [len(f) for f in frames] == [7] * (len(sample) // 7) + [len(sample) % 7]
    assert all(f["c-ip"].isna().all() for f in frames)
