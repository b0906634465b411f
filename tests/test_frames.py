"""pandas views: to_frame() of every result, batch decode/diagnose agreeing with diagnose(), the accessor, Dask."""

from __future__ import annotations

import ipaddress
import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cfsign_nb import Policy, PrivateKey, Signer, decode, diagnose
from cfsign_nb.frames import (
    DECODE_COLUMNS,
    DIAGNOSE_COLUMNS,
    decode_many,
    diagnose_many,
    fast,
    style,
)
from cfsign_nb.signer import SignedCookies

from .conftest import KEY_ID, NOW, URL, int_str_digits

OTHER_ID = "KOTHEREXAMPLE1"


@pytest.fixture(scope="module")
def corpus(rsa_key: PrivateKey, ecdsa_key: PrivateKey, other_rsa_key: PrivateKey) -> list[object]:
    """Good and bad URLs and cookies of every kind the fast path must either handle or hand over."""
    sha1 = Signer(KEY_ID, rsa_key)
    sha256 = Signer(KEY_ID, rsa_key, hash_algorithm="SHA256")
    ecdsa = Signer(OTHER_ID, ecdsa_key)
    other = Signer(KEY_ID, other_rsa_key)
    base = URL + "?size=large"
    good = sha1.sign_url(base, expires=NOW + 600)
    return [
        good,
        sha1.sign_url(URL, expires=NOW + 600),
        sha1.sign_url(URL, expires=NOW - 5),
        sha1.sign_url(URL, expires=NOW),
        sha1.sign_url(URL, expires=NOW + 40 * 86400),
        sha1.sign_url(URL, expires=2**31 + 10),
        sha256.sign_url(base + "&a=&&b", expires=NOW + 60),
        sha256.sign_url(URL, expires=NOW + 60).replace("&Hash-Algorithm=SHA256", ""),
        sha256.sign_url(URL, expires=NOW + 60).replace("SHA256", "sha256"),
        ecdsa.sign_url(URL, expires=NOW + 60),
        other.sign_url(URL, expires=NOW + 60),
        good + "&download=1",
        good.replace("size=large", "size=small"),
        good.replace("Key-Pair-Id=" + KEY_ID, "Key-Pair-Id=KUNKNOWN"),
        good.replace("&Key-Pair-Id=" + KEY_ID, ""),
        good.replace("Expires=", "Expires=0"),
        good.replace(f"Expires={NOW + 600}", f"Expires={(NOW + 600) * 1000}"),
        good.replace("~", "%7E"),
        good.replace("-", "+"),
        good.replace("&Signature=", "&Signature=&x="),
        good.replace("https://", "HTTPS://"),
        good.replace("/images/", "/im ages/"),
        good.replace("/images/", '/im"ages/'),
        good + "#fragment",
        "  " + good + "\n",
        sha1.sign_url(URL + "?Signature_x=1", expires=NOW + 60),
        sha1.sign_url(URL, expires=NOW + 600, starts=NOW - 60),
        sha1.sign_url(URL, expires=NOW + 600, starts=NOW + 60),
        sha1.sign_url(URL, expires=NOW + 600, ip_address="192.0.2.0/24"),
        sha1.sign_url(URL[:-10] + "*", expires=NOW + 600),
        "https://d111111abcdef8.cloudfront.net/" + "a" * 9000 + good.partition("horizon.jpg")[2],
        URL,
        URL + "?expires=1&signature=x",
        "https://x.example/?Expires=1&Signature=AAAA&Key-Pair-Id=K&Expires=2",
        "Cookie: " + "; ".join(f"{k}={v}" for k, v in sha1.sign_cookies(URL[:-10] + "*", expires=NOW + 60).items()),
        "".join(f"Set-Cookie: {line}\n" for line in sha1.sign_cookies(URL, expires=NOW + 60).set_cookie_headers()),
        "not a url at all",
        "",
        "\x00\xff" * 10,
        "x" * 1_000_000,
        "https://d111111abcdef8.cloudfront.net/é?Expires=1&Signature=AAAA&Key-Pair-Id=K",
    ]


def _keys(rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> dict[str, str]:
    return {KEY_ID: rsa_key.public_key_pem(), OTHER_ID: ecdsa_key.public_key_pem()}


def _assert_agrees(table: pd.DataFrame, values: list[object], **kwargs: object) -> None:
    assert len(table) == len(values)
    now = kwargs.pop("now")
    for i, value in enumerate(values):
        moment = now[i] if isinstance(now, list) else now
        expected = diagnose(value, now=moment, **kwargs)  # type: ignore[arg-type]
        row = table.iloc[i]
        assert row["codes"] == expected.codes, (i, value)
        assert row["ok"] == expected.ok
        assert row["code"] == (expected.cause.code if expected.cause else "OK")
        assert (None if pd.isna(row["verified"]) else bool(row["verified"])) == expected.verified
        assert (None if pd.isna(row["cloudfront_error"]) else row["cloudfront_error"]) == expected.cloudfront_error
        decoded = expected.decoded.to_dict()
        for name in ("expires", "starts", "key_pair_id", "hash_algorithm", "resource", "policy_kind", "source", "url", "resource_url"):
            got = row[name]
            assert (None if pd.isna(got) else got) == decoded[name], (i, name, got, decoded[name])
        assert (None if pd.isna(row["signature_bytes"]) else row["signature_bytes"]) == decoded["signature_bytes"]
        assert row["problems"] == tuple(decoded["problems"])


# --- agreement with diagnose() ------------------------------------------------------------------

def test_diagnose_many_agrees_with_diagnose_without_keys(corpus: list[object]) -> None:
    table = diagnose_many(corpus, now=NOW)
    assert list(table.columns) == list(DIAGNOSE_COLUMNS)
    _assert_agrees(table, corpus, now=NOW)


def test_diagnose_many_agrees_with_diagnose_with_keys(corpus: list[object], rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    keys = _keys(rsa_key, ecdsa_key)
    table = diagnose_many(corpus, now=NOW, public_keys=keys)
    _assert_agrees(table, corpus, now=NOW, public_keys=keys)
    assert table["verified"].iloc[0] is np.True_ or table["verified"].iloc[0] == True  # noqa: E712


def test_rows_decoded_in_many_cache_blocks_agree(
    corpus: list[object], rsa_key: PrivateKey, ecdsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cfsign_nb.frames import fast

    monkeypatch.setattr(fast, "_CACHE_BYTES", 300)  # a block of one or two rows: every block boundary is crossed
    keys = _keys(rsa_key, ecdsa_key)
    table = diagnose_many(corpus, now=NOW, public_keys=keys)
    _assert_agrees(table, corpus, now=NOW, public_keys=keys)


@settings(max_examples=60, deadline=None)
@given(signatures=st.lists(st.binary(min_size=1, max_size=300).filter(lambda b: len(b) != 64), min_size=1, max_size=12),
       expiry=st.integers(0, 10**12 - 1))
def test_fast_rows_rebuild_signatures_and_policies_as_the_core_does(signatures: list[bytes], expiry: int) -> None:
    import pyarrow as pa

    from cfsign_nb.encoding import b64decode, b64encode
    from cfsign_nb.frames import fast, fastverify
    from cfsign_nb.protocol import CANNED_TEMPLATE

    urls = [f"{URL}?n={i}&Expires={expiry}&Signature={b64encode(sig)}&Key-Pair-Id={KEY_ID}"
            for i, sig in enumerate(signatures)]
    rows = fast.fast_canned(pa.array(urls, pa.large_string()), np.ones(len(urls), dtype=bool))
    assert rows is not None and rows.mask.all()
    every = np.arange(len(urls))
    assert fastverify.decoded_signatures(rows, every) == [b64decode(b64encode(sig)) for sig in signatures] == signatures
    policies = [(CANNED_TEMPLATE % (f"{URL}?n={i}", expiry)).encode() for i in range(len(urls))]
    assert fastverify.canned_policies(rows, every) == policies


def test_a_repeated_signed_url_is_verified_once(rsa_key: PrivateKey) -> None:
    from cfsign_nb.frames import fastverify

    signer = Signer(KEY_ID, rsa_key)
    first, second = (signer.sign_url(f"{URL}?n={i}", expires=NOW + 3600) for i in (1, 2))
    forged = second.replace("n=2", "n=3")  # the same signature on another URL
    other_key = first.replace(KEY_ID, "K2OTHERKEYID")  # the same text up to the key pair id: another verifier
    other_hash = f"{first}&Hash-Algorithm=SHA256"
    urls = [first, first, second, first, forged, forged, other_key, other_hash]
    checked: list[bytes] = []

    class Counting:  # a public key that records what it verifies
        accepted = True

        def verifier(self, name: str) -> object:
            verify = rsa_key.public_key.verifier(name)
            return lambda signature, data: checked.append(data) or verify(signature, data)

    rows = fast.fast_canned(pa.array(urls, pa.large_string()), np.ones(len(urls), dtype=bool))
    fastverify.fast_verify(rows, {KEY_ID: Counting()})  # type: ignore[dict-item]
    assert rows.verified.tolist() == [True, True, True, True, False, False, False, False]
    assert len(checked) == 4 and rows.mask.tolist() == [True] * 4 + [False] * 4  # the failures go per-row


def test_repeated_signed_cookies_are_verified_once_per_chunk(rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.keys import PublicKey

    signer = Signer(KEY_ID, rsa_key)
    session = "; ".join(f"{k}={v}" for k, v in signer.sign_cookies(URL[:-10] + "*", expires=NOW + 60).items())
    other = "; ".join(f"{k}={v}" for k, v in signer.sign_cookies(URL, expires=NOW + 60).items())
    checked: list[bytes] = []
    verify = PublicKey.verify
    monkeypatch.setattr(PublicKey, "verify", lambda self, *args: checked.append(args[1]) or verify(self, *args))
    table = diagnose_many([session] * 5 + [other, session], public_keys={KEY_ID: rsa_key.public_key},
                          now=NOW, request_url=URL)
    assert table["ok"].all() and table["verified"].all()
    assert len(checked) == 2  # one a distinct policy, not one a request


def test_per_row_now_client_ip_and_request_url(corpus: list[object], rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    keys = _keys(rsa_key, ecdsa_key)
    nows = [NOW + 30 * (i % 40) - 600 for i in range(len(corpus))]
    # plain IPv4 and IPv6 (checked at once), then forms only ipaddress can judge: zones, junk, leading zeros, spaces
    ips = ["192.0.2.7", "2001:db8::1", "not-an-ip", None, "01.2.3.4", " 192.0.2.7 ", "256.1.1.1", "fe80::1%eth0"]
    ips = ips * len(corpus)
    ips = ips[: len(corpus)]
    table = diagnose_many(pd.Series(corpus), now=nows, client_ip=ips, public_keys=keys)
    for i, value in enumerate(corpus):
        expected = diagnose(value, now=nows[i], client_ip=ips[i], public_keys=keys)
        assert table["codes"].iloc[i] == expected.codes, i
    request = [URL if isinstance(v, str) and v.startswith("Cookie") else None for v in corpus]
    table = diagnose_many(corpus, now=NOW, request_url=request)
    for i, value in enumerate(corpus):
        assert table["codes"].iloc[i] == diagnose(value, now=NOW, request_url=request[i]).codes


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789abcdefABCDEF:.%", max_size=42), max_size=20), st.integers(0, 2**128 - 1))
def test_addresses_judged_at_once_are_those_ipaddress_accepts(values: list[str], number: int) -> None:
    address = ipaddress.IPv6Address(number)
    forms = [str(address), address.exploded, str(ipaddress.IPv4Address(number % 2**32))]
    matched = pc.match_substring_regex(pa.array(values + forms), fast.ADDRESS_PATTERN).to_pylist()
    assert all(fast._ip_ok(v) for v, m in zip(values, matched, strict=False) if m)  # never accepts what ipaddress refuses
    assert all(matched[len(values):])  # the forms a log writes are judged without ipaddress
    assert fast._ips_ok(np.array(values + forms, dtype=object)).tolist() == [fast._ip_ok(v) for v in values + forms]


def test_verify_false_ignores_keys(corpus: list[object], rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> None:
    table = diagnose_many(corpus, now=NOW, public_keys=_keys(rsa_key, ecdsa_key), verify=False)
    _assert_agrees(table, corpus, now=NOW)


_url_chars = st.sampled_from([*"abcXYZ019-_.~%/?&=:+#\"\\ é*", "Expires=", "Signature=", "Key-Pair-Id=", "&Hash-Algorithm=SHA256", "Policy="])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_urls_agree_with_diagnose(data: st.DataObject, rsa_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, rsa_key)
    good = signer.sign_url(URL + "?q=1", expires=NOW + data.draw(st.integers(-100, 100)))
    values = []
    for _ in range(4):
        position = data.draw(st.integers(0, len(good)))
        cut = data.draw(st.integers(0, 3))
        insert = "".join(data.draw(st.lists(_url_chars, max_size=3)))
        values.append(good[:position] + insert + good[position + cut :])
    values.append(good)
    keys = {KEY_ID: rsa_key.public_key_pem()}
    _assert_agrees(diagnose_many(values, now=NOW, public_keys=keys), values, now=NOW, public_keys=keys)
    _assert_agrees(diagnose_many(values, now=NOW), values, now=NOW)


def test_decode_many_agrees_with_decode(corpus: list[object]) -> None:
    table = decode_many(corpus)
    assert list(table.columns) == list(DECODE_COLUMNS)
    for i, value in enumerate(corpus):
        expected = decode(value).to_dict()
        row = table.iloc[i]
        for name in ("source", "url", "resource_url", "expires", "key_pair_id", "hash_algorithm", "policy_kind"):
            got = row[name]
            assert (None if pd.isna(got) else got) == expected[name], (i, name)
        assert row["problems"] == tuple(expected["problems"])


# --- shapes, dtypes, order ------------------------------------------------------------------------

def test_dtypes_and_index(corpus: list[object]) -> None:
    series = pd.Series(corpus[:6], index=[f"r{i}" for i in range(6)][::-1])
    table = diagnose_many(series, now=NOW)
    assert list(table.index) == list(series.index)
    assert str(table["expires_at"].dtype) == "datetime64[s, UTC]"
    assert table["expires"].dtype == "Int64"
    assert isinstance(table["code"].dtype, pd.CategoricalDtype)
    assert isinstance(table["key_pair_id"].dtype, pd.CategoricalDtype)
    assert table["ok"].dtype == bool
    assert table["url"].dtype == "str"
    assert table["expires_at"].iloc[0] == pd.Timestamp(NOW + 600, unit="s", tz="UTC")


def test_empty_input_has_the_same_columns_and_dtypes(corpus: list[object]) -> None:
    empty = diagnose_many([])
    full = diagnose_many(corpus[:3], now=NOW)
    assert len(empty) == 0
    assert list(empty.columns) == list(full.columns)
    for name in empty.columns:
        if not isinstance(full[name].dtype, pd.CategoricalDtype):
            assert empty[name].dtype == full[name].dtype, name
    assert len(decode_many(pd.Series([], dtype=str))) == 0


def test_odd_inputs_never_raise(rsa_key: PrivateKey) -> None:
    values = [None, 3.5, {"CloudFront-Expires": "1"}, b"https://x/?Expires=1", float("nan"), "x" * 1_000_000]
    table = diagnose_many(values, now=NOW)
    assert (table["code"] != "OK").all()
    assert len(decode_many(values)) == len(values)


def test_many_rows_in_chunks_and_processes(rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.frames import batch

    monkeypatch.setattr(batch, "_CHUNK", 7)
    signer = Signer(KEY_ID, rsa_key)
    values = [signer.sign_url(f"{URL}?n={i}", expires=NOW + i - 10) for i in range(30)] + ["junk"]
    keys = {KEY_ID: rsa_key.public_key_pem()}
    one = diagnose_many(values, now=NOW, public_keys=keys)
    two = diagnose_many(values, now=NOW, public_keys=keys, workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert one["code"].value_counts()["EXPIRED"] == 11


def test_a_chunk_travels_to_a_process_without_the_rest_of_the_batch() -> None:
    import pickle

    import pyarrow as pa

    from cfsign_nb.frames.batch import _own_copy
    from cfsign_nb.frames.inputs import ObjectArray

    urls = pa.array([f"{URL}?n={i:0100d}" for i in range(20_000)], pa.large_string())  # ~2.5 MB in all
    chunk = urls.slice(100, 10)
    assert len(pickle.dumps(chunk)) > 2_000_000  # an Arrow slice pickles its parent's buffers
    for part in (chunk, ObjectArray(chunk.to_pylist(), chunk)):
        copy = _own_copy(part)
        assert len(pickle.dumps(copy)) < 10_000
        strings = copy.strings if isinstance(copy, ObjectArray) else copy
        assert strings.to_pylist() == chunk.to_pylist()


def test_private_key_objects_are_refused_for_processes(rsa_key: PrivateKey) -> None:
    with pytest.raises(TypeError, match="not picklable"):
        __import__("pickle").dumps(rsa_key)
    table = diagnose_many([URL], now=NOW, public_keys={KEY_ID: rsa_key}, workers=2)
    assert table["code"].iloc[0] == "NO_SIGNING_DATA"


def test_wrong_length_per_row_argument_names_the_fix() -> None:
    from cfsign_nb import CfSignError

    with pytest.raises(CfSignError, match="one per row"):
        diagnose_many(["a", "b"], client_ip=["192.0.2.1"])


def test_chosen_columns_are_those_of_the_whole_table(
    corpus: list[object], rsa_key: PrivateKey, ecdsa_key: PrivateKey
) -> None:
    keys = _keys(rsa_key, ecdsa_key)
    whole = diagnose_many(corpus, now=NOW, public_keys=keys)
    some = diagnose_many(corpus, now=NOW, public_keys=keys, columns=["resource", "code", "key_pair_id"])
    assert list(some.columns) == ["resource", "key_pair_id", "code"]  # in the table's order
    pd.testing.assert_frame_equal(some, whole[["resource", "key_pair_id", "code"]])


def test_unknown_columns_name_the_choices() -> None:
    from cfsign_nb import CfSignError

    with pytest.raises(CfSignError, match=r"\['colour'\] are not among them"):
        diagnose_many(["a"], columns=["code", "colour"])
    with pytest.raises(CfSignError, match="give one or more of the diagnosis columns"):
        diagnose_many(["a"], columns=[])


# --- accessor, Dask ---------------------------------------------------------------------------------

def test_accessor(rsa_key: PrivateKey) -> None:
    urls = pd.Series([Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60), "junk"], index=[10, 20])
    assert list(urls.cfsign.decode().index) == [10, 20]
    table = urls.cfsign.diagnose(now=NOW, public_keys={KEY_ID: rsa_key.public_key_pem()})
    assert list(table["code"]) == ["OK", "NO_SIGNING_DATA"]


def test_dask_map_partitions(rsa_key: PrivateKey) -> None:
    dd = pytest.importorskip("dask.dataframe")
    signer = Signer(KEY_ID, rsa_key)
    series = pd.Series([signer.sign_url(f"{URL}?n={i}", expires=NOW + i - 5) for i in range(20)])
    keys = {KEY_ID: rsa_key.public_key_pem()}
    lazy = dd.from_pandas(series, npartitions=4).map_partitions(
        diagnose_many, now=NOW, public_keys=keys, meta=diagnose_many([])
    )
    result = lazy.compute()
    expected = diagnose_many(series, now=NOW, public_keys=keys)
    assert list(result["codes"]) == list(expected["codes"])
    assert list(result.index) == list(series.index)


# --- to_frame() -------------------------------------------------------------------------------------

def test_to_frame_of_every_result(rsa_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, rsa_key)
    policy = Policy(URL, NOW + 60, NOW - 60, "192.0.2.0/24")
    frame = policy.to_frame()
    assert frame["date_less_than"].iloc[0] == NOW + 60
    assert frame["expires_at"].iloc[0] == pd.Timestamp(NOW + 60, unit="s", tz="UTC")
    assert frame["policy_json"].iloc[0] == policy.to_json().decode()
    url = signer.sign_url(URL, expires=NOW + 60)
    assert list(decode(url).to_frame().columns) == list(DECODE_COLUMNS)
    findings = diagnose(url, now=NOW + 120).to_frame()
    assert findings["code"].iloc[0] == "EXPIRED"
    assert isinstance(findings["code"].dtype, pd.CategoricalDtype)
    assert findings["evidence"].iloc[0]["expires"] == NOW + 60


def test_signed_cookies_stay_a_dict(rsa_key: PrivateKey) -> None:
    cookies = Signer(KEY_ID, rsa_key).sign_cookies(URL, expires=NOW)
    assert isinstance(cookies, SignedCookies) and isinstance(cookies, dict)
    assert cookies == dict(cookies)
    assert json.loads(json.dumps(cookies)) == dict(cookies)
    frame = cookies.to_frame()
    assert list(frame["name"]) == list(cookies)
    assert frame["expires"].iloc[0] == NOW
    assert cookies.set_cookie_headers(domain="media.example.com")[0].startswith("Set-Cookie: CloudFront-Expires=")


def test_style_escapes_hostile_input() -> None:
    table = diagnose_many(["https://x.example/<script>alert(1)</script>?Expires=1"], now=NOW)
    rendered = style(table).to_html()
    assert "<script>" not in rendered
    assert "&lt;script&gt;" in rendered


def test_import_cfsign_nb_does_not_import_pandas() -> None:
    code = "import sys, cfsign_nb; cfsign_nb.Signer; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- hostile input: a row that fails is a row with a code, never a failed batch ---------------------

_PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def _hostile_values(rsa_key: PrivateKey) -> list[object]:
    good = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 600)
    head, _, tail = good.partition("&Signature=")
    return [
        good,
        "https://x.example/\ud800?Expires=1&Signature=AAAA&Key-Pair-Id=K",
        good + "\udfff",
        None,
        float("nan"),
        b"https://x.example/?Expires=1&Signature=AAAA&Key-Pair-Id=K",
        b"\xff\xfe",
        12,
        10**5000,
        {"CloudFront-Expires": "9" * 5000},
        {"nested": {"a": [1, 2]}},
        ["a", "b"],
        head.partition("Expires=")[0] + "Expires=" + "9" * 5000 + "&Signature=" + tail,
        URL + "?Expires=-" + "9" * 30 + "&Signature=AAAA&Key-Pair-Id=K",
        URL + "?Policy=" + "WwWw" * 1000 + "&Signature=AAAA&Key-Pair-Id=K",
        URL + "?Policy=" + __import__("base64").b64encode(b"[" * 3000).decode() + "&Signature=AAAA&Key-Pair-Id=K",
        "http://[",
        "https://[x]/a?Expires=1&Signature=AAAA&Key-Pair-Id=K",
        URL + "?" + "&" * 8000 + "Expires=1&Signature=AAAA&Key-Pair-Id=K",
        "https://x.example/" + "a" * 3_000_000 + "?Expires=1&Signature=AAAA&Key-Pair-Id=K",
        good,
    ]


def _assert_rows_match_single_row_functions(table: pd.DataFrame, values: list[object], **kwargs: object) -> None:
    """Each row has the codes diagnose() gives it, or INTERNAL_ERROR where diagnose() itself raises."""
    from cfsign_nb.frames import CODE_CATEGORIES, INTERNAL_ERROR

    assert len(table) == len(values)
    assert set(table["code"].astype(str)) <= set(CODE_CATEGORIES)
    for i, value in enumerate(values):
        try:
            expected = diagnose(value, **kwargs)  # type: ignore[arg-type]
        except Exception:
            assert table["code"].iloc[i] == INTERNAL_ERROR, i
        else:
            assert table["codes"].iloc[i] == expected.codes, (i, repr(value)[:80])


@pytest.mark.filterwarnings("ignore::cfsign_nb.CfSignWarning")
def test_hostile_rows_never_fail_the_batch(rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.frames import batch

    values = _hostile_values(rsa_key)
    keys = {KEY_ID: rsa_key.public_key_pem()}
    table = diagnose_many(values, now=NOW, public_keys=keys)
    _assert_rows_match_single_row_functions(table, values, now=NOW, public_keys=keys)
    assert table["code"].iloc[0] == "OK" and table["code"].iloc[-1] == "OK"
    assert table["url"].iloc[1] == "https://x.example/\\ud800?Expires=1&Signature=AAAA&Key-Pair-Id=K" or pd.isna(table["url"].iloc[1])
    assert len(decode_many(values)) == len(values)
    strings = [v for v in values if isinstance(v, str)]
    _assert_rows_match_single_row_functions(diagnose_many(pd.Series(strings, dtype=object), now=NOW), strings, now=NOW)
    monkeypatch.setattr(batch, "_CHUNK", 3)
    in_processes = diagnose_many(values, now=NOW, public_keys=keys, workers=2)
    pd.testing.assert_frame_equal(in_processes, table)


@pytest.mark.filterwarnings("ignore::cfsign_nb.CfSignWarning")
def test_hostile_per_row_arguments_never_fail_the_batch(rsa_key: PrivateKey) -> None:
    good = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 600)
    values = [good] * 6
    table = diagnose_many(
        values,
        now=[float("nan"), 2**70, -(2**70), "not a time", None, NOW],
        client_ip=[{"a": 1}, ["x"], "999.1.1.1", b"\x00", None, "192.0.2.1"],
        request_url=[None, "http://[", {"x": 1}, "\ud800", None, None],
    )
    from cfsign_nb.frames import CODE_CATEGORIES

    assert len(table) == 6 and set(table["code"].astype(str)) <= set(CODE_CATEGORIES)
    assert table["code"].iloc[5] == "OK"  # the one row whose arguments are all usable


def test_a_row_that_raises_gets_internal_error_and_the_rest_are_kept(
    rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cfsign_nb import CfSignWarning
    from cfsign_nb.frames import batch

    good = Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 600)
    real_diagnose, real_decode = batch.diagnose, batch.decode

    def broken_diagnose(value: object, **kwargs: object) -> object:
        if value == "boom":
            raise RecursionError("maximum recursion depth exceeded\nwhile decoding")
        return real_diagnose(value, **kwargs)  # type: ignore[arg-type]

    def broken_decode(value: object, **kwargs: object) -> object:
        if value == "boom":
            raise ValueError("bad")
        return real_decode(value, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "diagnose", broken_diagnose)
    monkeypatch.setattr(batch, "decode", broken_decode)
    series = pd.Series([good, "boom", "junk"], index=["a", "b", "c"])
    with pytest.warns(CfSignWarning, match=r"1 row\(s\) raised.*row 'b': RecursionError: maximum recursion depth exceeded while decoding"):
        table = diagnose_many(series, now=NOW)
    assert list(table["code"]) == ["OK", "INTERNAL_ERROR", "NO_SIGNING_DATA"]
    assert table.loc["b", "codes"] == ("INTERNAL_ERROR",) and not table.loc["b", "ok"]
    assert pd.isna(table.loc["b", "cloudfront_error"]) and table.loc["b", "now"] == NOW
    assert table.attrs["errors"] == {"b": "RecursionError: maximum recursion depth exceeded while decoding"}
    with pytest.warns(CfSignWarning, match="ValueError: bad"):
        decoded = decode_many(series)
    assert decoded.loc["b", "problems"] == ("INTERNAL_ERROR",) and decoded.loc["a", "problems"] == ()


def test_a_fast_path_failure_redoes_its_chunk_row_by_row(rsa_key: PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.frames import batch

    signer = Signer(KEY_ID, rsa_key)
    values = [signer.sign_url(f"{URL}?n={i}", expires=NOW + i - 3) for i in range(8)] + ["junk"]
    keys = {KEY_ID: rsa_key.public_key_pem()}
    expected = diagnose_many(values, now=NOW, public_keys=keys)
    calls = []

    def broken(array: object, eligible: np.ndarray) -> None:
        calls.append(len(eligible))
        if len(eligible) > 1:
            raise MemoryError("the fast path broke")

    monkeypatch.setattr(batch, "fast_canned", broken)
    table = diagnose_many(values, now=NOW, public_keys=keys)
    assert calls[0] == len(values) and len(calls) > 1
    pd.testing.assert_frame_equal(table, expected)


def test_unpicklable_rows_run_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from cfsign_nb.frames import batch

    monkeypatch.setattr(batch, "_CHUNK", 2)
    values = [lambda: 1, URL, (x for x in "ab"), "junk", URL]
    table = diagnose_many(values, now=NOW, workers=2)
    assert list(table["code"]) == ["NO_SIGNING_DATA"] * 5


def test_hostile_rows_stay_cheap() -> None:
    """Rows full of '&' or megabytes long never enter the fast path's byte passes; chunks stay bounded in bytes."""
    import time
    from unittest import mock

    from cfsign_nb.frames import batch

    ampersands = [URL + "?" + "&" * 8000 + f"Expires={i}&Signature=AAAA&Key-Pair-Id=K" for i in range(300)]
    huge = ["https://x.example/" + "a" * 20_000_000]
    normal = [f"{URL}?Expires={NOW + i}&Signature=AAAA&Key-Pair-Id=K" for i in range(2000)]
    mixed = batch.as_arrow(normal + huge * 3 + normal)
    assert batch._bounds(mixed, 4003, 100_000) == [(0, 4003)]  # long rows never enter the fast path: no extra chunks
    small = 50_000

    with mock.patch.object(batch, "_CHUNK_BYTES", small):
        bounds = batch._bounds(mixed, 4003, 100_000)
    lengths = [len(v) for v in normal + huge * 3 + normal]
    assert bounds[0][0] == 0 and bounds[-1][1] == 4003 and all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert all(sum(n for n in lengths[lo:hi] if n <= 8192) <= small for lo, hi in bounds)
    start = time.perf_counter()
    table = decode_many(ampersands + huge + normal)
    assert time.perf_counter() - start < 60
    assert len(table) == 2301
    assert table["expires"].iloc[-1] == NOW + 1999


_hostile_text = st.one_of(
    st.text(st.characters(codec=None, categories=None), max_size=40),  # surrogates and controls included
    st.builds(lambda a, b: f"{URL}?Expires={a}&Signature={b}&Key-Pair-Id={KEY_ID}",
              st.one_of(st.integers(), st.just("9" * 5000), st.text(max_size=5)), st.text(max_size=8)),
    st.builds(lambda d: f"{URL}?Policy=" + __import__("base64").b64encode(("[" * d + "]" * d).encode()).decode()
              + f"&Signature=AAAA&Key-Pair-Id={KEY_ID}", st.integers(0, 3000)),
)
_hostile_value = st.one_of(
    _hostile_text, st.binary(max_size=40), st.none(), st.just(float("nan")), st.integers(min_value=-(10**6000)),
    st.dictionaries(st.text(max_size=20), st.one_of(st.text(max_size=40), st.integers()), max_size=4),
    st.recursive(st.lists(st.integers(), max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=20),
)


@pytest.mark.filterwarnings("ignore::cfsign_nb.CfSignWarning")  # a raising row is asserted on below, with its message
@pytest.mark.usefixtures("huge_int_reports")  # hypothesis can then shrink and print rows holding 6,000-digit ints
# print_blob: a rare failure comes with the @reproduce_failure line that replays it exactly
@settings(max_examples=40, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_hostile_value, max_size=8), fast=st.booleans())
@example(values=[-(10**6000), {"CloudFront-Expires": 10**5000}, [[2**128]], "9" * 5000], fast=True)  # past str()'s limit
def test_batch_functions_never_raise_on_arbitrary_rows(values: list[object], fast: bool, rsa_key: PrivateKey) -> None:
    from cfsign_nb.frames import CODE_CATEGORIES

    if fast:  # next to well-formed rows, so the vectorised path runs over the same chunk
        values = [*values, Signer(KEY_ID, rsa_key).sign_url(URL, expires=NOW + 60)]
    keys = {KEY_ID: rsa_key.public_key_pem()}
    series = pd.Series(values, index=[f"r{i}" for i in range(len(values))], dtype=object)
    with int_str_digits(sys.int_info.default_max_str_digits):  # the code sees Python's usual limit, as users run it
        decoded = decode_many(series)
        table = diagnose_many(series, now=NOW, public_keys=keys)
    assert list(decoded.index) == list(series.index) and list(decoded.columns) == list(DECODE_COLUMNS)
    assert list(table.index) == list(series.index) and list(table.columns) == list(DIAGNOSE_COLUMNS)
    assert not decoded.attrs.get("errors") and not table.attrs.get("errors"), (decoded.attrs, table.attrs)
    assert set(table["code"].astype(str)) <= set(CODE_CATEGORIES)
    if fast:
        assert table["code"].iloc[-1] == "OK"


# --- style() escapes everything ------------------------------------------------------------------------

def _assert_no_markup(html_text: str) -> None:
    lowered = html_text.lower()
    assert "<script" not in lowered and "<img" not in lowered, lowered[:2000]


def test_style_escapes_every_cell_label_and_name() -> None:
    table = diagnose_many([f"https://x.example/{_PAYLOAD}?Expires=1", URL], now=NOW)
    table.index = pd.Index([_PAYLOAD, 7], name=_PAYLOAD)
    table.columns.name = _PAYLOAD
    table[_PAYLOAD] = [{"evidence": _PAYLOAD, _PAYLOAD: 1}, (_PAYLOAD, b"<img src=x>")]
    table["listed"] = [[_PAYLOAD], {_PAYLOAD}]
    table["bytes"] = [_PAYLOAD.encode(), 3]
    rendered = style(table).to_html()
    _assert_no_markup(rendered)
    assert rendered.count("&lt;script&gt;") >= 7  # cell, dict key and value, tuple, list, index label and name, column
    assert "#fdecea" in rendered  # refused rows are still tinted
    duplicate = pd.DataFrame([[_PAYLOAD, 1]], columns=[_PAYLOAD, _PAYLOAD], index=[_PAYLOAD])
    _assert_no_markup(style(duplicate).to_html())
    nested = pd.DataFrame({(_PAYLOAD, "a"): [1]}, index=pd.MultiIndex.from_tuples([(_PAYLOAD, 1)], names=[_PAYLOAD, None]))
    _assert_no_markup(style(nested).to_html())


def test_style_escapes_diagnosis_and_decoded_frames(rsa_key: PrivateKey) -> None:
    url = Signer(KEY_ID, rsa_key).sign_url(f"https://x.example/{_PAYLOAD.replace(' ', '%20')}", expires=NOW + 60)
    for hostile in (url, f"https://x.example/{_PAYLOAD}?Expires=1&Signature=AAAA&Key-Pair-Id=<script>"):
        findings = diagnose(hostile, now=NOW + 120).to_frame()
        assert isinstance(findings["evidence"].iloc[0], dict)
        _assert_no_markup(style(findings).to_html())
        _assert_no_markup(style(decode(hostile).to_frame()).to_html())


def test_a_byte_lookup_reads_every_byte_through_the_table() -> None:
    table = pa.array(np.arange(256, dtype=np.uint8)[::-1].copy())
    data = np.frombuffer(bytes(range(256)) * 3, dtype=np.uint8)[5:700]
    assert fast.lookup(table, data).tolist() == (255 - data).tolist()
    assert len(fast.pooled(1000)) == 1000
