"""CloudFront standard access logs: read/write round trip, the sample generator, per-request diagnosis, summaries."""

from __future__ import annotations

import gzip
import io
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cfsign_nb import CfSignError, CfSignWarning, PrivateKey, Signer
from cfsign_nb.frames import (
    EXPECTED_CODES,
    FIELDS,
    SAMPLE_KINDS,
    counts_by_code,
    counts_by_hour,
    counts_by_key,
    diagnose_access_log,
    expiry_distribution,
    read_access_log,
    sample_access_log,
    write_access_log,
)

from .conftest import KEY_ID

AWS_EXAMPLE = (
    "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t-\t-\tHit\t"
    "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\t"
    "TLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"
)


@pytest.fixture(scope="module")
def sample(rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> pd.DataFrame:
    return sample_access_log(120, seed=7, signers=[Signer(KEY_ID, rsa_key), Signer("K3ECDSAEXAMPLE", ecdsa_key)])


def test_reads_the_documented_example() -> None:
    log = read_access_log(io.StringIO(AWS_EXAMPLE))
    row = log.iloc[0]
    assert row["timestamp"] == pd.Timestamp("2019-12-04 21:02:31", tz="UTC")
    assert row["sc-status"] == 200 and log["sc-status"].dtype == "Int64"
    assert row["url"] == "https://d111111abcdef8.cloudfront.net/index.html"
    assert pd.isna(row["cs-uri-query"])
    assert row["time-taken"] == 0.001
    assert isinstance(log["x-edge-location"].dtype, pd.CategoricalDtype)


def test_log_escaping_is_undone_once(tmp_path: Path) -> None:
    line = AWS_EXAMPLE.splitlines()[2].split("\t")
    line[7], line[11] = "/a%2520b.jpg", "x=%252C&Expires=1"
    text = "\n".join([*AWS_EXAMPLE.splitlines()[:2], "\t".join(line)]) + "\n"
    log = read_access_log(io.StringIO(text))
    assert log["url"].iloc[0] == "https://d111111abcdef8.cloudfront.net/a%20b.jpg?x=%2C&Expires=1"
    buffer = io.StringIO()
    write_access_log(log, buffer)
    assert "/a%2520b.jpg\t" in buffer.getvalue()


def test_gzip_folder_glob_and_junk(tmp_path: Path, sample: pd.DataFrame) -> None:
    write_access_log(sample.iloc[:50], tmp_path / "E2EXAMPLE.2026-01-01-00.aaaa.gz")
    write_access_log(sample.iloc[50:], tmp_path / "E2EXAMPLE.2026-01-01-01.bbbb")
    with gzip.open(tmp_path / "E2EXAMPLE.2026-01-01-00.aaaa.gz", "rt") as handle:
        assert handle.readline() == "#Version: 1.0\n"
    with open(tmp_path / "E2EXAMPLE.2026-01-01-01.bbbb", "a") as handle:
        handle.write("j" * 1_000_000 + "\n" + "a\tb\n")
    with pytest.warns(CfSignWarning, match="skipped 2 malformed"):
        folder = read_access_log(tmp_path)
    assert len(folder) == len(sample)
    assert list(folder["url"]) == list(sample["url"])
    with pytest.warns(CfSignWarning):
        assert len(read_access_log(str(tmp_path / "E2EXAMPLE.*"))) == len(sample)
    with pytest.raises(CfSignError, match="no access log"):
        read_access_log(tmp_path / "missing-*.gz")


def test_empty_log() -> None:
    log = read_access_log(io.StringIO("#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"))
    assert len(log) == 0 and "url" in log and "timestamp" in log
    assert len(diagnose_access_log(log)) == 0


def test_sample_has_every_kind_and_round_trips(sample: pd.DataFrame) -> None:
    assert set(SAMPLE_KINDS) <= set(sample["sample_kind"])
    buffer = io.StringIO()
    write_access_log(sample, buffer)
    again = read_access_log(io.StringIO(buffer.getvalue()))
    pd.testing.assert_frame_equal(again, sample.drop(columns="sample_kind"))


def test_every_sample_kind_gets_its_code(sample: pd.DataFrame) -> None:
    table = diagnose_access_log(sample, public_keys=sample.attrs["public_keys"], chunk_rows=25)
    assert len(table) == len(sample)
    expected = table["sample_kind"].map(EXPECTED_CODES).astype(str)
    mismatched = table[table["code"].astype(str) != expected]
    assert mismatched.empty, mismatched[["sample_kind", "code", "codes"]]
    assert table.index.equals(sample.index)  # the log's own order: a 403 view is one filter away
    assert table["sc-status"].eq(403).any()
    assert (table.loc[table["artifact"] == "cookies", "sample_kind"] == "good_cookies").all()


def test_diagnosis_uses_each_request_time(sample: pd.DataFrame) -> None:
    table = diagnose_access_log(sample, verify=False)
    good = table[table["sample_kind"] == "good"]
    assert (good["seconds_to_expiry"] > 0).all()
    assert (table.loc[table["sample_kind"] == "expired", "code"] == "EXPIRED").all()


def test_summaries(sample: pd.DataFrame) -> None:
    table = diagnose_access_log(sample, public_keys=sample.attrs["public_keys"])
    by_code = counts_by_code(table)
    assert by_code["requests"].sum() == len(table)
    assert by_code.loc["EXPIRED", "cloudfront_error"] == "AccessDenied"
    by_key = counts_by_key(table)
    assert by_key.loc[KEY_ID, "requests"] > 0
    by_hour = counts_by_hour(table)
    assert by_hour["requests"].sum() == len(table)
    spread = expiry_distribution(table)
    assert spread.loc["expired", "requests"] == (table["seconds_to_expiry"] <= 0).sum()


def test_only_the_chosen_diagnosis_columns_are_added(sample: pd.DataFrame) -> None:
    keys = sample.attrs["public_keys"]
    full = diagnose_access_log(sample, public_keys=keys)
    some = diagnose_access_log(sample, public_keys=keys, columns=["unexplained_403", "code"])
    assert list(some.columns) == [*sample.columns, "code", "unexplained_403"]  # in the table's own order
    pd.testing.assert_frame_equal(some, full[list(some.columns)])
    with pytest.raises(CfSignError, match=r"columns=.*one or more of the diagnosis columns artifact, ok"):
        diagnose_access_log(sample, columns=["cause"])


def test_log_without_columns_names_the_fix() -> None:
    with pytest.raises(CfSignError, match="read_access_log"):
        diagnose_access_log(pd.DataFrame({"x": [1]}))


def test_refusals_the_diagnosis_cannot_explain_are_flagged_and_ms_expiries_do_not_skew_summaries() -> None:
    from cfsign_nb import frames

    log = frames.sample_access_log(120, seed=3)
    without_keys = frames.diagnose_access_log(log)
    assert without_keys["unexplained_403"].any()
    with_keys = frames.diagnose_access_log(log, public_keys=log.attrs["public_keys"])
    assert not with_keys["unexplained_403"].any()
    millis = with_keys[with_keys["code"] == "EXPIRES_IN_MILLISECONDS"]
    assert len(millis) and millis["seconds_to_expiry"].isna().all()


# --- hostile input: what the edge writes round-trips, no line makes reading raise -----------------

def _line(**fields: str) -> str:
    row = AWS_EXAMPLE.splitlines()[2].split("\t")
    for name, value in fields.items():
        row[FIELDS.index(name)] = value
    return "\t".join(row) + "\n"


def test_control_bytes_round_trip_and_are_never_written_raw() -> None:
    hostile = {
        "x-host-header": "h\x1b[31mred\x07 %41 %0A\t\u00e9\u20ac",
        "x-forwarded-for": "192.0.2.1,\x00 \x7f\x9b2J",
        "cs(Host)": "d111111abcdef8.cloudfront.net\r\n",
        "cs(User-Agent)": "Mozilla \x1b]0;pwned\x07 %2C\n",
        "cs-uri-stem": "/a b/\u00e9%2F",
    }
    log = read_access_log(io.StringIO(AWS_EXAMPLE))
    for name, value in hostile.items():
        log[name] = pd.array([value], dtype="string")
    buffer = io.StringIO()
    write_access_log(log, buffer)
    body = buffer.getvalue().split("\n", 2)[2]
    assert body.count("\n") == 1 and body.count("\t") == len(FIELDS) - 1
    assert not [c for c in body.rstrip("\n") if c != "\t" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]
    again = read_access_log(io.StringIO(buffer.getvalue()))
    for name, value in hostile.items():
        assert again[name].iloc[0] == value, name


def test_the_reader_decodes_what_the_edge_writes() -> None:
    """The edge logs the bytes the viewer sent through logformat.escape_field; the reader gets the text back."""
    from cfsign_nb.logformat import escape_field

    values = {
        "x-host-header": "127.0.0.1:8080\x1b[2J",
        "x-forwarded-for": "198.51.100.7, \x00\x0b\x85",
        "cs(User-Agent)": "curl/8 \x1b[31m",
        "cs-uri-stem": "/private/a b.txt",
        "cs-uri-query": "x=%2C&y=\x1b",
        "cs(Cookie)": "CloudFront-Key-Pair-Id=K; a=b c",
    }
    row = AWS_EXAMPLE.splitlines()[2].split("\t")
    for name, value in values.items():
        # The edge gets header and path bytes as Latin-1 text (ASGI) and logs them re-encoded: the bytes as sent.
        row[FIELDS.index(name)] = escape_field(value.encode("utf-8").decode("latin-1").encode("latin-1"), name)
    text = "\n".join([*AWS_EXAMPLE.splitlines()[:2], "\t".join(row)]) + "\n"
    log = read_access_log(io.StringIO(text))
    for name, value in values.items():
        assert log[name].iloc[0] == value, name


def test_hostile_lines_are_skipped_never_raised(tmp_path: Path) -> None:
    header = "\n".join(AWS_EXAMPLE.splitlines()[:2]) + "\n"
    good = AWS_EXAMPLE.splitlines()[2] + "\n"
    lines = [
        good,
        _line(**{"x-host-header": "a\x1b[31mb"}),  # a raw escape sequence
        _line(**{"cs(User-Agent)": "a\rb"}),  # a lone carriage return
        _line(**{"x-forwarded-for": "\x00"}),
        _line(**{"cs(Referer)": "\x85next"}),  # a C1 control
        "a\tb\n",  # wrong field count
        "\t" * 60 + "\n",  # blank: passed over like an empty line, not counted
        _line(**{"sc-status": "1.5", "sc-bytes": "9" * 5000, "cs-bytes": "1e400", "time-taken": "x"}),
        good.replace("\n", "\r\n"),  # CRLF line ends are fine
    ]
    with pytest.warns(CfSignWarning, match="skipped 5 malformed"):
        log = read_access_log(io.StringIO(header + "".join(lines)))
    assert len(log) == 3
    assert log["sc-status"].isna().tolist() == [False, True, False]
    assert log["sc-bytes"].isna().tolist() == [False, True, False]
    assert log["ssl-protocol"].iloc[2] == "TLSv1.2" and log["sc-range-end"].isna().all()
    raw = (header + good).encode() + b"2019-12-04\t21:02:31\tLAX1\xff\xfe" + good.encode()[len("2019-12-04\t21:02:31\tLAX1"):]
    (tmp_path / "bad-utf8.log").write_bytes(raw)
    log = read_access_log(tmp_path / "bad-utf8.log")
    assert len(log) == 2 and log["x-edge-location"].iloc[1] == "LAX1\ufffd\ufffd"
    duplicated = "#Version: 1.0\n#Fields: date time date\n2019-12-04\t21:02:31\tx\n"
    assert len(read_access_log(io.StringIO(duplicated))) == 1


_line_text = st.text(st.characters(codec="utf-8", categories=None), max_size=60)


@settings(max_examples=60, deadline=None)
@given(junk=st.lists(st.one_of(_line_text, st.binary(max_size=60)), max_size=6), values=st.lists(_line_text, min_size=3, max_size=3))
def test_reading_never_raises_and_round_trips_every_field(junk: list[object], values: list[str]) -> None:
    header = "\n".join(AWS_EXAMPLE.splitlines()[:2]) + "\n"
    good = AWS_EXAMPLE.splitlines()[2] + "\n"
    body = header.encode() + good.encode()
    junk_lines = [(j.encode("utf-8") if isinstance(j, str) else j).replace(b"\n", b"").lstrip(b"#") for j in junk]
    for line in junk_lines:
        body += line + b"\n" + good.encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CfSignWarning)
        log = read_access_log(io.BytesIO(body))
    assert len(log) == len(junk) + 1
    assert (log["x-edge-request-id"] == "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==").all()
    assume(all(v not in ("", "-") for v in values))
    frame = read_access_log(io.StringIO(AWS_EXAMPLE))
    names = ("x-host-header", "cs(User-Agent)", "x-forwarded-for")
    for name, value in zip(names, values):
        frame[name] = pd.array([value], dtype="string")
    buffer = io.StringIO()
    write_access_log(frame, buffer)
    again = read_access_log(io.StringIO(buffer.getvalue()))
    assert [again[name].iloc[0] for name in names] == values
