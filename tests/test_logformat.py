"""The access-log format: fields, escaping both ways, header and line writer."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cfsign_nb.logformat import (
    EMPTY,
    EXTRA_FIELDS,
    FIELDS,
    KNOWN_FIELDS,
    RAW_CONTROL,
    REALTIME_FIELDS,
    VIEWER_FIELDS,
    canonical_name,
    escape_field,
    format_line,
    header_lines,
    parquet_name,
    realtime_name,
    unescape_field,
)

OTHER_FIELDS = [name for name in FIELDS if name not in VIEWER_FIELDS]
ANY_FIELD = st.sampled_from(FIELDS)


def _is_loggable(text: str) -> bool:
    """Printable ASCII without spaces or tabs: what every field of a CloudFront log line holds."""
    return all("\x21" <= c <= "\x7e" for c in text)


def test_the_33_fields_in_cloudfront_order() -> None:
    assert len(FIELDS) == len(set(FIELDS)) == 33
    assert FIELDS[:3] == ("date", "time", "x-edge-location")
    assert FIELDS[-4:] == ("sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end")
    assert VIEWER_FIELDS <= set(FIELDS)


@given(value=st.text(), name=ANY_FIELD)
def test_text_round_trips_in_every_field(value: str, name: str) -> None:
    assume(value != EMPTY)  # a sent '-' and an absent value are logged alike, as CloudFront does
    escaped = escape_field(value, name)
    assert _is_loggable(escaped)
    assert unescape_field(escaped, name) == (value or None)


@given(value=st.text(), name=ANY_FIELD)
def test_utf8_bytes_round_trip_to_their_text(value: str, name: str) -> None:
    assume(value != EMPTY)
    data = value.encode()
    assert escape_field(data, name) == escape_field(value, name)
    assert unescape_field(escape_field(data, name), name) == (value or None)


@given(data=st.binary(), name=ANY_FIELD)
def test_any_bytes_make_a_loggable_field_that_reads_back(data: bytes, name: str) -> None:
    escaped = escape_field(data, name)
    assert _is_loggable(escaped) and not RAW_CONTROL.search(escaped)
    back = unescape_field(escaped, name)
    assert back is None if escaped == EMPTY else isinstance(back, str)


@pytest.mark.parametrize("name", FIELDS)
def test_empty_is_a_hyphen(name: str) -> None:
    assert escape_field(None, name) == escape_field("", name) == escape_field(b"", name) == EMPTY
    assert unescape_field(EMPTY, name) is None


@pytest.mark.parametrize(("value", "name", "logged"), [
    # The viewer's text is percent-encoded once more than it was sent.
    ("a=1%2C2", "cs-uri-query", "a=1%252C2"),
    ("/a b.jpg", "cs-uri-stem", "/a%20b.jpg"),
    ("Slackbot 1.0 (+https://api.slack.com/robots)", "cs(User-Agent)", "Slackbot%201.0%20(+https://api.slack.com/robots)"),
    ("CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F; a=b", "cs(Cookie)", "CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F;%20a=b"),
    ("\x1b[31mred", "cs(Referer)", "%1B[31mred"),
    ("/caf\u00e9", "cs-uri-stem", "/caf%C3%A9"),
    # Other fields: controls, spaces, '%', DEL and non-ASCII are escaped, the rest kept.
    ("text/html; charset=utf-8", "sc-content-type", "text/html;%20charset=utf-8"),  # as CloudFront logs it
    ("\x1b[2Jx", "x-host-header", "%1B[2Jx"),
    ("100%", "x-host-header", "100%25"),
    ("a\tb\nc\x7f", "x-forwarded-for", "a%09b%0Ac%7F"),
    ("caf\u00e9", "x-host-header", "caf%C3%A9"),
])
def test_known_forms(value: str, name: str, logged: str) -> None:
    assert escape_field(value, name) == logged
    assert unescape_field(logged, name) == value


def test_bytes_that_are_not_utf8_read_back_as_latin1() -> None:
    assert escape_field(b"caf\xe9", "x-host-header") == "caf%E9"
    assert unescape_field("caf%E9", "x-host-header") == "caf\u00e9"
    assert escape_field(b"/caf\xe9", "cs-uri-stem") == "/caf%E9"
    assert unescape_field("/caf%E9", "cs-uri-stem") == "/caf\ufffd"


def test_a_logged_escape_the_writer_never_makes_is_left_alone() -> None:
    assert unescape_field("%41%2C", "x-host-header") == "%41%2C"


def test_header_lines() -> None:
    assert header_lines() == "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
    assert header_lines(["date", "time"]) == "#Version: 1.0\n#Fields: date time\n"


def test_format_line_escapes_each_field_and_fills_the_rest_with_hyphens() -> None:
    line = format_line({"date": "2026-01-01", "cs-uri-stem": "/a b", "cs(User-Agent)": b"curl/8\tx", "c-port": "443"})
    cells = line.split("\t")
    assert len(cells) == 33 and "\n" not in line
    row = dict(zip(FIELDS, cells, strict=True))
    assert row["date"] == "2026-01-01"
    assert row["cs-uri-stem"] == "/a%20b"
    assert row["cs(User-Agent)"] == "curl/8%09x"
    assert row["c-port"] == "443"
    assert {row[name] for name in FIELDS if name not in ("date", "cs-uri-stem", "cs(User-Agent)", "c-port")} == {"-"}
    assert format_line({"date": "d", "time": "t"}, ["time", "date"]) == "t\td"


# --- the three spellings of a field ------------------------------------------------------------

@pytest.mark.parametrize(("w3c", "parquet", "realtime"), [
    ("cs(Host)", "cs_host", "cs-host"),
    ("cs(User-Agent)", "cs_user_agent", "cs-user-agent"),
    ("cs(Referer)", "cs_referer", "cs-referer"),
    ("cs(Cookie)", "cs_cookie", "cs-cookie"),
    ("cs-uri-query", "cs_uri_query", "cs-uri-query"),
    ("x-edge-detailed-result-type", "x_edge_detailed_result_type", "x-edge-detailed-result-type"),
    ("c-ip", "c_ip", "c-ip"),
    ("date", "date", "date"),
])
def test_each_field_has_its_w3c_parquet_and_realtime_names(w3c: str, parquet: str, realtime: str) -> None:
    assert parquet_name(w3c) == parquet and realtime_name(w3c) == realtime
    for spelling in (w3c, parquet, realtime, w3c.lower(), w3c.upper(), f" {parquet} "):
        assert canonical_name(spelling) == w3c


def test_the_realtime_fields_in_cloudfront_order() -> None:
    assert len(REALTIME_FIELDS) == len(set(REALTIME_FIELDS)) == 45
    assert REALTIME_FIELDS[:4] == ("timestamp", "c-ip", "time-to-first-byte", "sc-status")
    assert REALTIME_FIELDS[-3:] == ("origin-fbl", "origin-lbl", "asn")
    # Every real-time field is a standard field (four of them spelt differently) or one of the extras.
    assert {canonical_name(f) for f in REALTIME_FIELDS} == set(KNOWN_FIELDS) - {"date", "time"}
    assert "timestamp" in EXTRA_FIELDS and "c-country" in EXTRA_FIELDS and not set(EXTRA_FIELDS) & set(FIELDS)


def test_unknown_names_are_kept_as_they_are() -> None:
    assert canonical_name("my-custom-field") == "my-custom-field"
    assert canonical_name("Some(Thing)") == "Some(Thing)"
