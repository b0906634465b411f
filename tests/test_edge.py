"""The local edge, through real HTTP on 127.0.0.1: behaviors, precedence, every 403 body, bad input, load."""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from cfsign_nb import Signer, generate_key  # noqa: E402
from cfsign_nb.edge import ACCESS_LOG_FIELDS, CLOUDFRONT_MESSAGES, EdgeApp, EdgeError, error_body, run_in_thread  # noqa: E402

from .conftest import NOW  # noqa: E402

GROUP_VIDEOS = "e9fcd3cf-f3f4-4b61-bd85-9ba9e091b309"
GROUP_REPORTS = "5c7c4a3e-1111-4b61-bd85-000000000002"
VIDEO_KEY = "K2JCJMDEHXQW5F"
REPORT_KEY = "K36X4X2EO997HM"
SECRET = b"top secret outside the root"


def _behavior(pattern: str | None, groups: list[str] = ()) -> dict:
    item = {
        "TargetOriginId": "site",
        "ViewerProtocolPolicy": "allow-all",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), **({"Items": list(groups)} if groups else {})},
        "AllowedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]},
    }
    return {"PathPattern": pattern, **item} if pattern else item


def edge_config() -> dict:
    return {
        "ETag": "E2QWRUHEXAMPLE",
        "Distribution": {
            "Id": "EDFDVBD6EXAMPLE",
            "DomainName": "d111111abcdef8.cloudfront.net",
            "ActiveTrustedKeyGroups": {"Enabled": True, "Quantity": 2, "Items": [
                {"KeyGroupId": GROUP_VIDEOS, "KeyPairIds": {"Quantity": 1, "Items": [VIDEO_KEY]}},
                {"KeyGroupId": GROUP_REPORTS, "KeyPairIds": {"Quantity": 1, "Items": [REPORT_KEY]}},
            ]},
            "DistributionConfig": {
                "Aliases": {"Quantity": 0},
                "DefaultRootObject": "index.html",
                "DefaultCacheBehavior": _behavior(None),
                "CacheBehaviors": {"Quantity": 2, "Items": [
                    _behavior("/videos/*", [GROUP_VIDEOS]),
                    _behavior("/reports/*", [GROUP_REPORTS]),
                ]},
                "IsIPV6Enabled": False,
                "Enabled": True,
            },
        },
    }


@pytest.fixture(scope="module")
def keys():
    return {VIDEO_KEY: generate_key("rsa"), REPORT_KEY: generate_key("ecdsa")}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("edge")
    (base / "secret.txt").write_bytes(SECRET)
    root = base / "root"
    (root / "videos").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "public").mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "public" / "hello.txt").write_text("hello")
    (root / "videos" / "clip.mp4").write_bytes(b"\x00video" * 100)
    (root / "reports" / "q1.pdf").write_bytes(b"%PDF-1.7 report")
    (root / "public" / "escape.txt").symlink_to(base / "secret.txt")
    return root


@pytest.fixture(scope="module")
def edge(keys, site, tmp_path_factory):
    log = tmp_path_factory.mktemp("logs") / "access.log"
    app = EdgeApp(edge_config(), {k: v.public_key for k, v in keys.items()}, site, log_path=log, clock=lambda: NOW + 0.5)
    server = run_in_thread(app)
    yield server
    server.stop()
    assert not server.running


@pytest.fixture
def http(edge):
    with httpx.Client(base_url=edge.url, timeout=10) as client:
        yield client


def _signed(edge, keys, key_id: str, path: str, **kwargs) -> str:
    return Signer(key_id, keys[key_id]).sign_url(edge.url + path, expires=kwargs.pop("expires", NOW + 600), **kwargs)


def _cookies(edge, keys, key_id: str, pattern: str, **kwargs) -> dict[str, str]:
    return Signer(key_id, keys[key_id]).sign_cookies(edge.url + pattern, expires=NOW + 600, **kwargs)


def _cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def _assert_error(response, code: str) -> None:
    assert response.status_code == 403
    assert response.content == error_body(code)
    assert response.content == (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{CLOUDFRONT_MESSAGES[code]}</Message></Error>"
    ).encode()
    assert response.headers["x-cache"] == "Error from cloudfront"
    assert response.headers["content-type"].startswith("text/xml")


def _decision(edge, response):
    request_id = response.headers["x-amz-cf-id"]
    return next(d for d in reversed(edge.app.decisions) if d.request_id == request_id)


# --- serving --------------------------------------------------------------------------------

def test_public_behavior_serves_to_anyone(http, edge) -> None:
    response = http.get("/public/hello.txt")
    assert response.status_code == 200 and response.text == "hello"
    assert response.headers["x-cache"] == "Miss from cloudfront"
    assert response.headers["server"] == "CloudFront"
    assert _decision(edge, response).reason.startswith("public:")
    assert http.get("/").text == "<h1>home</h1>"
    assert http.get("/public/missing.txt").status_code == 404


def test_signed_url_and_signed_cookies_are_served(http, edge, keys) -> None:
    response = http.get(_signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4"))
    assert response.status_code == 200 and response.content == b"\x00video" * 100
    assert response.headers["x-cache"] == "Miss from cloudfront"
    decision = _decision(edge, response)
    assert decision.channel == "url" and "verified" in decision.reason and "SIGNATURE_VERIFIED" in decision.codes
    cookies = _cookies(edge, keys, REPORT_KEY, "/reports/*")
    response = http.get("/reports/q1.pdf", headers=_cookie_header(cookies))
    assert response.status_code == 200 and response.content == b"%PDF-1.7 report"
    assert _decision(edge, response).channel == "cookies"
    assert http.head(_signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4")).status_code == 200
    ranged = http.get(_signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4"), headers={"Range": "bytes=0-5"})
    assert ranged.status_code == 206 and ranged.content == b"\x00video"


# --- every 403 body -------------------------------------------------------------------------

def test_missing_key(http, edge, keys) -> None:
    response = http.get("/videos/clip.mp4")
    _assert_error(response, "MissingKey")
    assert "NO_SIGNING_DATA" in _decision(edge, response).reason
    url = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4").replace(f"Key-Pair-Id={VIDEO_KEY}", "Key-Pair-Id=")
    _assert_error(http.get(url), "MissingKey")


def test_invalid_key(http, edge, keys) -> None:
    unknown = Signer("KUNKNOWNKEY123", keys[VIDEO_KEY]).sign_url(edge.url + "/videos/clip.mp4", expires=NOW + 600)
    _assert_error(http.get(unknown), "InvalidKey")
    # A real key of this distribution, but of the key group /reports/* trusts, not /videos/*.
    response = http.get(_signed(edge, keys, REPORT_KEY, "/videos/clip.mp4"))
    _assert_error(response, "InvalidKey")
    decision = _decision(edge, response)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" in decision.codes and decision.behavior == "/videos/*"


def test_malformed_policy(http, edge, keys) -> None:
    url = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4", starts=NOW - 60)
    assert "Policy=" in url
    broken = url.replace("Policy=", "Policy=eyJub3QiOiJhIHBvbGljeSJ9")  # {"not":"a policy"} + the rest
    _assert_error(http.get(broken.split("Policy=")[0] + "Policy=eyJub3QiOiJhIHBvbGljeSJ9&" + url.split("&", 1)[1]),
                  "MalformedPolicy")


def test_malformed_signature(http, edge, keys) -> None:
    url = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4")
    signature = url.split("Signature=")[1].split("&")[0]
    response = http.get(url.replace(signature, signature[:-3]))
    _assert_error(response, "MalformedSignature")


def test_access_denied_with_the_real_reason(http, edge, keys) -> None:
    expired = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4", expires=NOW - 10)
    response = http.get(expired)
    _assert_error(response, "AccessDenied")
    assert _decision(edge, response).reason.startswith("EXPIRED")
    tampered = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4").replace("/videos/clip.mp4?", "/videos/clip.mp4?quality=hd&")
    response = http.get(tampered)
    _assert_error(response, "AccessDenied")
    assert "URL_CHANGED_AFTER_SIGNING" in _decision(edge, response).codes
    other_ip = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4", ip_address="192.0.2.0/24")
    response = http.get(other_ip)
    _assert_error(response, "AccessDenied")
    assert _decision(edge, response).reason.startswith("IP_NOT_ALLOWED")


# --- precedence -----------------------------------------------------------------------------

def test_any_signing_parameter_in_the_query_means_cookies_are_ignored(http, edge, keys) -> None:
    cookies = _cookies(edge, keys, VIDEO_KEY, "/videos/*")
    assert http.get("/videos/clip.mp4", headers=_cookie_header(cookies)).status_code == 200
    assert http.get("/videos/clip.mp4?color=red", headers=_cookie_header(cookies)).status_code == 200
    response = http.get(f"/videos/clip.mp4?Expires={NOW + 600}&Signature=AAAA&Key-Pair-Id=bogus", headers=_cookie_header(cookies))
    _assert_error(response, "InvalidKey")
    assert _decision(edge, response).channel == "url"
    for name in ("Expires=1", "Policy=x", "Signature=x", "Hash-Algorithm=SHA256"):
        response = http.get(f"/videos/clip.mp4?{name}", headers=_cookie_header(cookies))
        assert response.status_code == 403 and _decision(edge, response).channel == "url"


def test_signed_url_wins_over_broken_cookies(http, edge, keys) -> None:
    url = _signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4")
    assert http.get(url, headers={"Cookie": "CloudFront-Signature=garbage; CloudFront-Key-Pair-Id=nope"}).status_code == 200


def test_cookies_for_another_path_are_refused(http, edge, keys) -> None:
    cookies = _cookies(edge, keys, VIDEO_KEY, "/videos/other/*")
    response = http.get("/videos/clip.mp4", headers=_cookie_header(cookies))
    _assert_error(response, "AccessDenied")
    assert _decision(edge, response).reason.startswith("RESOURCE_MISMATCH")


# --- the access log -------------------------------------------------------------------------

def test_access_log_is_cloudfront_standard_format(http, edge, keys) -> None:
    http.get("/public/hello.txt", headers={"User-Agent": "Mozilla/5.0 (X11; Linux) test", "Referer": "http://127.0.0.1/"})
    http.get(_signed(edge, keys, VIDEO_KEY, "/videos/clip.mp4"))
    last = http.get("/videos/clip.mp4").headers["x-amz-cf-id"]
    for _ in range(100):
        lines = edge.app.access_log.path.read_text().splitlines()
        if last in lines[-1]:
            break
        time.sleep(0.02)
    assert lines[0] == "#Version: 1.0"
    assert lines[1] == "#Fields: " + " ".join(ACCESS_LOG_FIELDS)
    assert len(ACCESS_LOG_FIELDS) == 33
    rows = [dict(zip(ACCESS_LOG_FIELDS, line.split("\t"), strict=True)) for line in lines[2:]]
    assert all(v != "" and " " not in v for row in rows for v in row.values())
    assert all(row["date"] == "2026-01-01" and row["time"] == "00:00:00" for row in rows)
    ua = next(r for r in rows if r["cs(User-Agent)"].startswith("Mozilla"))
    assert ua["cs(User-Agent)"] == "Mozilla/5.0%20(X11;%20Linux)%20test" and ua["cs-uri-query"] == "-"
    assert ua["sc-status"] == "200" and ua["x-edge-result-type"] == "Miss" and ua["cs(Host)"] == "d111111abcdef8.cloudfront.net"
    signed = [r for r in rows if "Signature=" in r["cs-uri-query"]]
    assert signed and all(f"Key-Pair-Id={VIDEO_KEY}" in r["cs-uri-query"] for r in signed if r["sc-status"] == "200")
    refused = [r for r in rows if r["sc-status"] == "403"]
    assert refused and all(r["x-edge-result-type"] == "Error" for r in refused)
    assert all(float(r["time-taken"]) >= 0 and r["c-port"].isdigit() for r in rows)
    accesslog = pytest.importorskip("cfsign_nb.accesslog")
    frame = accesslog.read_access_log(edge.app.access_log.path)
    assert len(frame) == len(rows) and set(frame["sc-status"].unique()) >= {200, 403}
    assert frame["url"].str.startswith("http://127.0.0.1:").all()


def test_redacted_log_hides_signatures(keys, site, tmp_path) -> None:
    app = EdgeApp(edge_config(), {VIDEO_KEY: keys[VIDEO_KEY].public_key}, site, log_path=tmp_path / "r.log",
                  redact_signatures=True, log_cookies=True, clock=lambda: NOW)
    with run_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        url = _signed(server, keys, VIDEO_KEY, "/videos/clip.mp4")
        cookies = _cookies(server, keys, VIDEO_KEY, "/videos/*")
        assert client.get(url).status_code == 200
        assert client.get("/videos/clip.mp4", headers=_cookie_header(cookies)).status_code == 200
    text = (tmp_path / "r.log").read_text()
    assert "Signature=REDACTED" in text and "CloudFront-Signature=REDACTED" in text
    assert url.split("Signature=")[1].split("&")[0] not in text and cookies["CloudFront-Signature"] not in text


# --- bad input, raw on the socket -----------------------------------------------------------

def _raw(edge, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection((edge.host, edge.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
    status = int(data.split(b" ", 2)[1])
    return status, data


def _get(target: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + b"\r\n"


@pytest.mark.parametrize(("target", "expected"), [
    (b"/public/../../secret.txt", 400),
    (b"/public/%2e%2e/%2E%2E/secret.txt", 400),
    (b"/public/%2e%2e%2f%2e%2e%2fsecret.txt", 400),
    (b"/public/..%5c..%5csecret.txt", 400),
    (b"/public/./hello.txt", 200),
    (b"/public/../public/hello.txt", 200),
    (b"/public/%ff%fe.txt", 400),
    (b"/public/caf\xc3\xa9.txt", 400),
    (b"/public/\xff.txt", 400),
    (b"/public/%00hello.txt", 400),
    (b"/public/escape.txt", 404),
    (b"/videos/" + b"a" * 8200, 413),
    (b"/public/hello.txt?" + b"x=" + b"y" * 8200, 413),
])
def test_bad_input_gets_a_4xx_and_never_a_file_outside_the_root(edge, target, expected) -> None:
    status, data = _raw(edge, _get(target))
    assert status == expected
    assert SECRET not in data


def test_oversized_headers_and_broken_cookies(edge) -> None:
    status, _ = _raw(edge, _get(b"/public/hello.txt", b"X-Big: " + b"z" * 21000 + b"\r\n"))
    assert status == 413
    for cookie in (b"CloudFront-Key-Pair-Id", b";;;===;", b"CloudFront-Policy=%%%; CloudFront-Signature=\"\"",
                   b"CloudFront-Key-Pair-Id=\xff\xfe; CloudFront-Expires=99999999999999999999",
                   b"CLOUDFRONT-KEY-PAIR-ID=K2JCJMDEHXQW5F; CloudFront-Expires=1; CloudFront-Signature=AAAA"):
        status, data = _raw(edge, _get(b"/videos/clip.mp4", b"Cookie: " + cookie + b"\r\n"))
        assert status == 403 and b"<Error><Code>" in data, cookie


def test_method_not_allowed_and_unknown_host(edge) -> None:
    status, data = _raw(edge, b"DELETE /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 403 and b"not configured to allow the HTTP request method" in data
    status, data = _raw(edge, b"GET /public/hello.txt HTTP/1.1\r\nHost: evil.example.com\r\nConnection: close\r\n\r\n")
    assert status == 403 and b"could not be satisfied" in data


def test_edge_refuses_to_leave_loopback(keys, site) -> None:
    app = EdgeApp(edge_config(), {}, site)
    with pytest.raises(EdgeError, match="loopback"):
        run_in_thread(app, host="0.0.0.0")
    with pytest.raises(EdgeError, match="not a folder"):
        EdgeApp(edge_config(), {}, site / "public" / "hello.txt")


def test_edge_errors_are_setup_errors_not_value_errors() -> None:
    from cfsign_nb.errors import SetupError

    assert issubclass(EdgeError, SetupError) and not issubclass(EdgeError, ValueError)


@pytest.mark.parametrize("module", ["starlette", "uvicorn"])
def test_importing_the_edge_without_the_extra_names_the_install_command(module: str) -> None:
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from cfsign_nb.errors import MissingExtraError\n"
            "try:\n    import cfsign_nb.edge\nexcept MissingExtraError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "cfsign-nb[edge]"' in out and len(out.splitlines()) == 1


def test_cli_edge_parses_and_builds(tmp_path, keys, site, monkeypatch) -> None:
    from cfsign_nb import cli

    pem = tmp_path / "video.pem"
    pem.write_text(keys[VIDEO_KEY].public_key_pem())
    config = tmp_path / "dist.json"
    config.write_text(json.dumps(edge_config()))
    seen = {}
    monkeypatch.setattr("cfsign_nb.edge.serve", lambda app, **options: seen.update(app=app, **options))
    assert cli.main(["edge", "--config", str(config), "--public-key", f"{VIDEO_KEY}={pem}", "--root", str(site),
                     "--port", "0", "--log", str(tmp_path / "a.log")]) == 0
    assert seen["port"] == 0 and set(seen["app"].public_keys) == {VIDEO_KEY}
    assert cli.main(["edge", "--config", str(config), "--public-key", "nonsense", "--root", str(site)]) == 2


# --- bounded load ---------------------------------------------------------------------------

_CLIENT = r"""
import http.client, json, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
plan = json.loads(sys.stdin.read())
errors, done = [], 0
conn = http.client.HTTPConnection(host, port, timeout=30)
for i in range(count):
    path, headers, expected = plan[i % len(plan)]
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != expected:
            errors.append((path[:60], response.status))
        if response.getheader("connection", "").lower() == "close":
            conn.close(); conn = http.client.HTTPConnection(host, port, timeout=30)
    except Exception as err:
        errors.append((path[:60], repr(err)))
        conn.close(); conn = http.client.HTTPConnection(host, port, timeout=30)
    done += 1
conn.close()
print(json.dumps({"done": done, "errors": errors[:20], "error_count": len(errors)}))
"""


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to count file descriptors")
def test_bounded_load_no_errors_no_leaked_descriptors(keys, site, tmp_path) -> None:
    total, clients = 20_000, 2
    signer = Signer(VIDEO_KEY, keys[VIDEO_KEY])
    gc.collect()
    before = _fd_count()
    app = EdgeApp(edge_config(), {VIDEO_KEY: keys[VIDEO_KEY].public_key}, site, log_path=tmp_path / "load.log")
    server = run_in_thread(app)
    try:
        signed = signer.sign_url(server.url + "/videos/clip.mp4", expires=int(time.time()) + 3600)
        cookies = signer.sign_cookies(server.url + "/videos/*", expires=int(time.time()) + 3600)
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        plan = json.dumps([
            [signed[len(server.url):], {}, 200],
            ["/videos/clip.mp4", {"Cookie": cookie_header}, 200],
            ["/public/hello.txt", {}, 200],
            ["/videos/clip.mp4", {}, 403],
        ])
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _CLIENT, server.host, str(server.port), str(total // clients)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(clients)]
        results = [json.loads(p.communicate(plan, timeout=120)[0]) for p in procs]
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    gc.collect()
    after = _fd_count()
    assert sum(r["done"] for r in results) == total
    assert [r["errors"] for r in results] == [[] for _ in results]
    assert after == before, f"file descriptors before {before}, after {after}"
    lines = (tmp_path / "load.log").read_text().splitlines()
    assert len(lines) == total + 2
    print(f"\n{total} requests from {clients} processes in {elapsed:.1f} s: {total / elapsed:.0f} requests/s")


def test_a_request_line_is_one_escaped_line_led_by_the_code() -> None:
    from cfsign_nb.edge.decision import Decision
    from cfsign_nb.edge.log import request_line

    hostile = Decision("id", NOW, "GET", "/a\nb", 403, "/videos/*", True, "url", "InvalidKey",
                       "no key for 'K\x1b[2J'\nforged line\u202e")
    assert request_line(hostile) == "GET /a%0Ab 403 InvalidKey: no key for 'K\\x1b[2J'\\nforged line\\u202e"
    coded = Decision("id", NOW, "GET", "/v.mp4", 403, None, True, "url", "AccessDenied", "EXPIRED: it expired")
    assert request_line(coded) == "GET /v.mp4 403 EXPIRED: it expired"
