"""diagnose_har on HAR files written by hand, entry by entry, as Chrome's network panel exports them."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from cfsign_nb import Signer
from cfsign_nb.frames.har import HAR_COLUMNS, diagnose_har

from .conftest import KEY_ID, NOW

HOST = "d111111abcdef8.cloudfront.net"
DENIED = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>{}</Code>'
          "<Message>Access denied</Message></Error>")


def _when(offset: float) -> str:
    whole = int(offset)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(NOW + whole)) + f".{int((offset - whole) * 1000):03d}Z"


def entry(offset: float, url: str, status: int, *, body: str = "", sent: dict[str, str] | None = None,
          set_cookie: list[str] = (), cloudfront: bool = True, referer: str | None = None) -> dict:
    """One HAR entry: the request as sent (Cookie header and request.cookies), the response as received."""
    headers = [{"name": "Host", "value": url.split("/")[2]}]
    if sent:
        headers.append({"name": "Cookie", "value": "; ".join(f"{k}={v}" for k, v in sent.items())})
    if referer:
        headers.append({"name": "Referer", "value": referer})
    answer = [{"name": "Set-Cookie", "value": line} for line in set_cookie]
    if cloudfront:
        answer += [{"name": "X-Cache", "value": "Error from cloudfront" if status >= 400 else "Miss from cloudfront"},
                   {"name": "X-Amz-Cf-Id", "value": f"id-{offset}"}]
    return {
        "startedDateTime": _when(offset), "time": 12.5, "pageref": "page_1",
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": headers,
                    "cookies": [{"name": k, "value": v} for k, v in (sent or {}).items()], "queryString": []},
        "response": {"status": status, "statusText": "", "headers": answer,
                     "content": {"size": len(body), "mimeType": "text/xml", "text": body}},
    }


def har(*entries: dict) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "pages": [{"id": "page_1", "title": f"https://{HOST}/player.html", "startedDateTime": _when(0)}],
                    "entries": list(entries)}}


@pytest.fixture
def cookies(signer: Signer) -> dict[str, str]:
    return signer.sign_cookies(f"https://{HOST}/hls/*", expires=NOW + 60)


def test_columns_and_types(signer: Signer, rsa_key) -> None:
    url = signer.sign_url(f"https://{HOST}/a.ts", expires=NOW + 60)
    table = diagnose_har(har(entry(1, url, 200)), public_keys={KEY_ID: rsa_key.public_key})
    assert tuple(table.columns) == HAR_COLUMNS and len(table) == 1
    row = table.iloc[0]
    assert row["url"] == url and row["status"] == 200 and row["code"] == "OK" and bool(row["agrees"])
    assert row["started"] == pd.Timestamp(NOW + 1, unit="s", tz="UTC") and row["request_id"] == "id-1"
    assert str(table["started"].dtype).endswith("UTC]") and table["status"].dtype == "Int64"


def test_each_request_is_judged_at_its_own_time(signer: Signer, rsa_key) -> None:
    url = signer.sign_url(f"https://{HOST}/a.ts", expires=NOW + 60)
    table = diagnose_har(har(entry(59.9, url, 200), entry(61, url, 403, body=DENIED.format("AccessDenied"))),
                         public_keys={KEY_ID: rsa_key.public_key})
    assert list(table["code"]) == ["OK", "EXPIRED"] and table["agrees"].all()
    assert list(table["cloudfront_said"].fillna("-")) == ["-", "AccessDenied"]
    assert list(table["failed"]) == [False, True]


def test_the_cookies_really_sent_are_judged(cookies: dict[str, str], rsa_key) -> None:
    table = diagnose_har(har(entry(1, f"https://{HOST}/hls/s0.ts", 200, sent=cookies)),
                         public_keys={KEY_ID: rsa_key.public_key})
    assert table["code"].tolist() == ["OK"] and table["verdict"].tolist() == ["would be served"]


def test_cookies_not_sent_are_explained_by_the_earlier_set_cookie(cookies: dict[str, str]) -> None:
    lines = [f"{k}={v}; Path=/hls/v1; Secure; HttpOnly" for k, v in cookies.items()]
    table = diagnose_har(har(
        entry(0, f"https://{HOST}/session", 200, set_cookie=lines),
        entry(1, f"https://{HOST}/hls/index.m3u8", 403, body=DENIED.format("MissingKey")),
    ))
    playlist = table[table["url"].str.endswith(".m3u8")].iloc[0]
    assert playlist["code"] == "COOKIE_NOT_SENT" and bool(playlist["agrees"])
    assert "'/hls/v1'" in playlist["message"] and playlist["cloudfront_said"] == "MissingKey"


def test_a_cookie_set_after_the_request_explains_nothing(cookies: dict[str, str]) -> None:
    lines = [f"{k}={v}; Path=/hls/v1" for k, v in cookies.items()]
    table = diagnose_har(har(
        entry(2, f"https://{HOST}/session", 200, set_cookie=lines),
        entry(1, f"https://{HOST}/hls/index.m3u8", 403, body=DENIED.format("MissingKey")),
    ))
    assert table.iloc[0]["code"] == "NO_SIGNING_DATA"  # sorted by start: the playlist came first


def test_cookies_set_by_another_host_say_so(cookies: dict[str, str]) -> None:
    lines = [f"{k}={v}; Path=/" for k, v in cookies.items()]
    table = diagnose_har(har(
        entry(0, "https://app.example.com/login", 200, set_cookie=lines, cloudfront=False),
        entry(1, f"https://{HOST}/hls/s0.ts", 403, body=DENIED.format("MissingKey")),
    ))
    assert len(table) == 1  # the app's own request did not go to CloudFront
    assert table.iloc[0]["code"] == "COOKIE_NOT_SENT" and "app.example.com" in table.iloc[0]["message"]


def test_only_entries_for_cloudfront_or_with_signing_data(signer: Signer) -> None:
    signed_elsewhere = signer.sign_url("https://media.example.com/a.ts", expires=NOW + 60)
    table = diagnose_har(har(
        entry(0, "https://fonts.example.net/a.woff2", 200, cloudfront=False),
        entry(1, f"https://{HOST}/app.js", 200, cloudfront=False),
        entry(2, signed_elsewhere, 200, cloudfront=False),
        entry(3, "https://cdn.example.com/logo.png", 200),  # CloudFront's headers on an alternate domain
    ))
    assert table["url"].tolist() == [f"https://{HOST}/app.js", signed_elsewhere, "https://cdn.example.com/logo.png"]
    assert table.iloc[0]["code"] == "BEHAVIOR_NOT_RESTRICTED" and bool(table.iloc[0]["agrees"])


def test_a_403_whose_body_was_not_kept(cookies: dict[str, str], rsa_key) -> None:
    late = entry(90, f"https://{HOST}/hls/s1.ts", 403, sent=cookies)
    row = diagnose_har(har(late), public_keys={KEY_ID: rsa_key.public_key}).iloc[0]
    assert row["code"] == "EXPIRED" and pd.isna(row["cloudfront_said"]) and bool(row["agrees"])


def test_the_referer_is_the_site(cookies: dict[str, str]) -> None:
    lines = [f"{k}={v}; Path=/; SameSite=Strict" for k, v in cookies.items()]
    table = diagnose_har(har(
        entry(0, f"https://{HOST}/session", 200, set_cookie=lines),
        entry(1, f"https://{HOST}/hls/s0.ts", 403, body=DENIED.format("MissingKey"),
              referer="https://other.example.org/embed.html"),
    ))
    row = table[table["url"].str.endswith("s0.ts")].iloc[0]
    assert row["code"] == "COOKIE_NOT_SENT" and "SameSite=Strict" in row["message"]


def test_a_path_json_text_or_dict(tmp_path, signer: Signer) -> None:
    document = har(entry(1, signer.sign_url(f"https://{HOST}/a.ts", expires=NOW + 60), 200))
    path = tmp_path / "session.har"
    path.write_text(json.dumps(document))
    expected = diagnose_har(document)
    for source in (path, str(path), json.dumps(document), json.dumps(document).encode()):
        pd.testing.assert_frame_equal(diagnose_har(source), expected)


@pytest.mark.parametrize("source", [
    "/no/such/file.har", "{not json", "[]", json.dumps({"log": {}}), 42, None, {"log": {"entries": "x"}},
])
def test_an_unreadable_har_is_one_row_with_a_code(source: object) -> None:
    table = diagnose_har(source)
    assert len(table) == 1 and table.iloc[0]["code"] == "CONTEXT_INVALID" and table.iloc[0]["message"]


def test_broken_entries_are_rows_never_exceptions(signer: Signer) -> None:
    url = signer.sign_url(f"https://{HOST}/a.ts", expires=NOW + 60)
    broken = [
        "junk", {}, {"request": "x"}, {"request": {"url": 5}},
        {"request": {"url": url, "headers": "x", "cookies": 5}, "response": {"status": "403", "headers": [1, None]},
         "startedDateTime": "yesterday"},
        {"request": {"url": url}, "response": {"status": 403, "content": {"text": "!!!", "encoding": "base64"}},
         "startedDateTime": 7},
    ]
    table = diagnose_har({"log": {"entries": broken}}, public_keys="not a key")
    assert len(table) == 6
    assert table["code"].tolist()[:4] == ["CONTEXT_INVALID"] * 4
    assert pd.isna(table.iloc[4]["started"])
