"""CloudFront standard access logs: read/write round trip, the sample generator, per-request diagnosis, summaries."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

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
    text = "\n".join(AWS_EXAMPLE.splitlines()[:2] + ["\t".join(line)]) + "\n"
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
    statuses = table["sc-status"].tolist()
    assert statuses == sorted(statuses, key=lambda s: s != 403)
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
