"""``cfsign sign`` in a terminal: past offsets as values, and a warning line for what it had to assume."""

import warnings

import pytest

from cfsign_nb import PrivateKey
from cfsign_nb.cli import main
from cfsign_nb.times import parse_when

from .conftest import KEY_ID, URL


@pytest.fixture
def key_file(tmp_path, ecdsa_key: PrivateKey):
    path = tmp_path / "key.pem"
    path.write_bytes(ecdsa_key.private_pem())
    return path


def _sign(key_file, *extra: str, key_pair_id: str = KEY_ID) -> list[str]:
    return ["sign", URL, "--key-pair-id", key_pair_id, "--private-key", str(key_file), *extra]


@pytest.mark.parametrize("expires", [["--expires", "-1h"], ["--expires=-1h"]])
def test_a_past_offset_is_a_value_with_or_without_equals(capsys, key_file, expires: list[str]) -> None:
    before = parse_when("-1h")
    assert main(_sign(key_file, *expires)) == 0
    out, err = capsys.readouterr()
    assert int(out.split("Expires=")[1].split("&")[0]) - before in (0, 1)
    assert err.startswith("cfsign sign: warning: the expiry ") and "has already passed" in err


def test_a_past_start_is_a_value_too(capsys, key_file) -> None:
    assert main(_sign(key_file, "--expires", "+1h", "--starts", "-2d")) == 0
    assert "Policy=" in capsys.readouterr().out


def test_a_time_without_a_zone_warns_that_it_was_read_as_utc(capsys, key_file) -> None:
    assert main(_sign(key_file, "--expires", "2036-12-31T23:59:00")) == 0
    out, err = capsys.readouterr()
    assert "Expires=2114380740&" in out  # 2036-12-31T23:59:00Z
    assert err == ("cfsign sign: warning: the --expires '2036-12-31T23:59:00' has no time zone, so it was read as "
                   "UTC; add Z (or an offset such as +02:00) to say which\n")


def test_a_time_with_its_zone_signs_without_a_word(capsys, key_file) -> None:
    assert main(_sign(key_file, "--expires", "2036-12-31T23:59:00Z")) == 0
    assert capsys.readouterr().err == ""


def test_a_key_pair_id_unlike_cloudfronts_warns_in_one_line(capsys, key_file) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning is a line on stderr, not a Python warning
        assert main(_sign(key_file, "--expires", "+1h", key_pair_id="my_id")) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("&Key-Pair-Id=my_id")
    assert err.count("\n") == 1
    assert err.startswith("cfsign sign: warning: key pair id 'my_id' does not look like a CloudFront public key id")


def test_a_key_pair_id_that_cannot_travel_is_refused(capsys, key_file) -> None:
    assert main(_sign(key_file, "--expires", "+1h", key_pair_id="K1&x=1")) == 2
    assert "which ends a query parameter" in capsys.readouterr().err


def test_every_command_that_takes_a_time_takes_a_past_offset() -> None:
    from cfsign_nb.cli import main

    url = "https://d111111abcdef8.cloudfront.net/a.jpg?Expires=1&Signature=AAAA&Key-Pair-Id=K2JCJMDEHXQW5F"
    assert main(["diagnose", url, "--at", "-1h"]) == 1  # judged (and refused), not a usage error
    assert main(["trace", url, "--at", "-2d"]) in (0, 1)
