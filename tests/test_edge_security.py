"""The edge as an attacker meets it, over real HTTP on 127.0.0.1: no protected file without its
signature (path forms, symbolic links, Host injection), hostile input stays cheap, every log field
is escaped, refused and half-sent requests are logged and timed out, internal errors are 500s.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cfsign_nb import Signer, generate_key  # noqa: E402
from cfsign_nb.edge import ACCESS_LOG_FIELDS, EdgeApp, EdgeError, canonical_path, run_in_thread, serve  # noqa: E402
from cfsign_nb.encoding import b64encode  # noqa: E402

from .conftest import NOW  # noqa: E402

GROUP_PRIVATE = "11111111-1111-4111-8111-111111111111"
GROUP_REPORTS = "22222222-2222-4222-8222-222222222222"
PRIVATE_KEY = "KPRIVATE0000001"
REPORT_KEY = "KREPORTS0000002"
A_TXT = b"PROTECTED-A private a.txt"
B_TXT = b"PROTECTED-B private b.txt"
BIG = b"PROTECTED-BIG" + b"x" * 300_000
REPORT = b"PROTECTED-R quarterly report"
PROTECTED = (b"PROTECTED-",)


def _behavior(pattern: str | None, groups: list[str] = ()) -> dict:
    item = {
        "TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), **({"Items": list(groups)} if groups else {})},
        "AllowedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]},
    }
    return {"PathPattern": pattern, **item} if pattern else item


def config() -> dict:
    return {"Distribution": {
        "Id": "ESECURITY", "DomainName": "d111111abcdef8.cloudfront.net",
        "ActiveTrustedKeyGroups": {"Enabled": True, "Quantity": 2, "Items": [
            {"KeyGroupId": GROUP_PRIVATE, "KeyPairIds": {"Quantity": 1, "Items": [PRIVATE_KEY]}},
            {"KeyGroupId": GROUP_REPORTS, "KeyPairIds": {"Quantity": 1, "Items": [REPORT_KEY]}},
        ]},
        "DistributionConfig": {
            "DefaultRootObject": "index.html",
            "DefaultCacheBehavior": _behavior(None),
            "CacheBehaviors": {"Quantity": 2, "Items": [_behavior("/private/*", [GROUP_PRIVATE]),
                                                        _behavior("/reports/*", [GROUP_REPORTS])]},
        },
    }}


@pytest.fixture(scope="module")
def keys():
    return {PRIVATE_KEY: generate_key("ecdsa"), REPORT_KEY: generate_key("ecdsa")}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("security") / "root"
    for folder in ("public", "private", "reports"):
        (root / folder).mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "public" / "hello.txt").write_text("hello")
    (root / "private" / "a.txt").write_bytes(A_TXT)
    (root / "private" / "b.txt").write_bytes(B_TXT)
    (root / "private" / "big.bin").write_bytes(BIG)
    (root / "reports" / "q.txt").write_bytes(REPORT)
    (root / "public" / "inside").symlink_to("../private")            # a public folder that is private
    (root / "public" / "b-link.txt").symlink_to("../private/b.txt")  # a public name for a private file
    (root / "public" / "hello-link.txt").symlink_to("hello.txt")     # public to public: fine
    (root / "private" / "alias.txt").symlink_to("b.txt")             # private to private: fine, signed
    (root / "private" / "rep").symlink_to("../reports")              # one key group into another's files
    return root


@pytest.fixture(scope="module")
def edge(keys, site, tmp_path_factory):
    log = tmp_path_factory.mktemp("security-logs") / "access.log"
    app = EdgeApp(config(), {k: v.public_key for k, v in keys.items()}, site, log_path=log,
                  clock=lambda: NOW + 0.5, time_budget=3.0)
    server = run_in_thread(app)
    yield server
    server.stop()


def _raw(edge, request: bytes, timeout: float = 20) -> tuple[int, bytes]:
    """Send raw bytes, read until the server closes; the status and everything that came back."""
    with socket.create_connection((edge.host, edge.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data


def _get(target: bytes | str, host: bytes | str | None = None, extra: bytes = b"", *, edge=None) -> bytes:
    target = target.encode() if isinstance(target, str) else target
    if host is None:
        host = f"127.0.0.1:{edge.port}"
    host = host.encode("latin-1") if isinstance(host, str) else host
    return b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n" + extra + b"\r\n"


def _signed_query(edge, keys, path: str, key_id: str = PRIVATE_KEY) -> str:
    url = Signer(key_id, keys[key_id]).sign_url(edge.url + path, expires=NOW + 600)
    return url.partition("?")[2]


def _decision(edge, data: bytes):
    request_id = next(line.split(b":", 1)[1].strip().decode() for line in data.split(b"\r\n")
                      if line.lower().startswith(b"x-amz-cf-id:"))
    return next(d for d in reversed(edge.app.decisions) if d.request_id == request_id)


def _no_protected_content(data: bytes) -> bool:
    return not any(marker in data for marker in PROTECTED)


# --- one canonical path ---------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "//private/b.txt", "///private//b.txt", "/%2fprivate/b.txt", "/%2F/%2F/priv%61te/big.bin", "/%70rivate/b.txt",
    "/private%2Fb.txt", "/public/../private/b.txt", "/public/%2e%2e/private/b.txt", "/public/%2E%2E%2Fprivate/b.txt",
    "/public/.%2E/private/a.txt", "/./private/b.txt", "/private/./b.txt", "/public/x/../../private/b.txt",
    "/public/inside/b.txt", "/public/inside/big.bin", "/public/inside%2Fa.txt", "/public//inside//b.txt",
    "/public/b-link.txt", "/public/inside/../inside/a.txt", "/public/inside/rep/q.txt", "/reports/../private/b.txt",
    "/private/rep/q.txt", "/private/b.txt/", "/private/a.txt/..%2Fb.txt", "/private/../../private/b.txt", "/%2e%2e/private/b.txt",
])
def test_every_path_form_of_a_protected_file_is_refused_unsigned(edge, target) -> None:
    status, data = _raw(edge, _get(target, edge=edge))
    assert status in (400, 403, 404), (target, status)
    assert _no_protected_content(data), target
    if status == 403:
        assert b"<Code>MissingKey</Code>" in data


def test_canonical_forms_of_public_files_still_serve(edge) -> None:
    for target in ("/public/hello.txt", "//public/hello.txt", "/public/./hello.txt", "/%70ublic/hello.txt",
                   "/private/../public/hello.txt", "/public/hello-link.txt", "/"):
        status, data = _raw(edge, _get(target, edge=edge))
        assert status == 200, target
        assert data.endswith(b"hello") or data.endswith(b"<h1>home</h1>")
    for folder_form in ("/public/hello.txt/", "/public/hello.txt/.", "/public/"):
        assert _raw(edge, _get(folder_form, edge=edge))[0] == 404, folder_form


def test_a_signature_covers_only_the_file_it_names(edge, keys) -> None:
    query = _signed_query(edge, keys, "/private/a.txt")
    status, data = _raw(edge, _get(f"/private/a.txt?{query}", edge=edge))
    assert status == 200 and data.endswith(A_TXT)
    # The canonical form of a.txt is a.txt: still what was signed, still a.txt that is served.
    status, data = _raw(edge, _get(f"//private/./a.txt?{query}", edge=edge))
    assert status == 200 and data.endswith(A_TXT)
    for other in ("/private/b.txt", "/private/a.txt/../b.txt", "/private/a.txt%2F..%2Fb.txt", "/public/inside/a.txt",
                  "/private/alias.txt"):
        status, data = _raw(edge, _get(f"{other}?{query}", edge=edge))
        assert status in (400, 403), other
        assert A_TXT not in data and B_TXT not in data
    # A signature over another spelling of the path is checked against the canonical one: an expired
    # one never passes because the diagnosis saw an unrestricted behavior for the spelling it was given.
    for spelling in ("/%70rivate/a.txt", "/private/%61.txt", "/private/a%2Etxt"):
        url = Signer(PRIVATE_KEY, keys[PRIVATE_KEY]).sign_url(edge.url + spelling, expires=NOW - 60)
        status, data = _raw(edge, _get(url[len(edge.url):], edge=edge))
        assert status == 403 and A_TXT not in data, spelling


def test_symlinks_serve_only_what_the_real_paths_behavior_would_serve(edge, keys) -> None:
    status, data = _raw(edge, _get("/public/inside/b.txt", edge=edge))
    assert status == 403 and B_TXT not in data
    decision = _decision(edge, data)
    assert decision.behavior == "/private/*" and "symbolic link" in decision.reason and decision.error_code == "MissingKey"
    # Signed for the private behavior: the link inside it is served.
    query = _signed_query(edge, keys, "/private/alias.txt")
    status, data = _raw(edge, _get(f"/private/alias.txt?{query}", edge=edge))
    assert status == 200 and data.endswith(B_TXT)
    # A key of the private group does not open the reports group's files through a link...
    query = _signed_query(edge, keys, "/private/rep/q.txt")
    status, data = _raw(edge, _get(f"/private/rep/q.txt?{query}", edge=edge))
    assert status == 403 and REPORT not in data
    assert _decision(edge, data).behavior == "/reports/*" and b"<Code>InvalidKey</Code>" in data
    # ...and a reports key does not pass the private behavior the link is requested under.
    query = _signed_query(edge, keys, "/private/rep/q.txt", REPORT_KEY)
    status, data = _raw(edge, _get(f"/private/rep/q.txt?{query}", edge=edge))
    assert status == 403 and REPORT not in data


# --- the Host header ------------------------------------------------------------------------

def test_host_injection_in_url_mode_is_a_400(edge, keys) -> None:
    query = _signed_query(edge, keys, "/private/a.txt")
    here = f"127.0.0.1:{edge.port}"
    for host in (f"{here}/private/a.txt?{query}#", f"{here}/private/a.txt#", f"{here}/private/a.txt?",
                 f"{here}?{query}#", f"user@{here}", f"{here}#", f"{here}/", f"{here}:80", f"{here}\\x",
                 "[x]", "http://[", "[::1", f"http://{here}", f"{here}%2F", "127.0.0.1:99999", "999.1.1.1",
                 f" {here}/private/a.txt", f"{here}\t/private/a.txt"):
        status, data = _raw(edge, _get(f"/private/b.txt?Key-Pair-Id=x&{query}", host=host, edge=edge))
        assert status == 400, host
        assert B_TXT not in data and A_TXT not in data
        assert b"Host header" in data and b"host name or an IP address" in data
    status, data = _raw(edge, _get(f"/private/b.txt?{query}", edge=edge))
    assert status == 403 and B_TXT not in data


def test_host_injection_in_cookie_mode_is_a_400(edge, keys) -> None:
    cookies = Signer(PRIVATE_KEY, keys[PRIVATE_KEY]).sign_cookies(edge.url + "/private/a.txt", expires=NOW + 600)
    assert "CloudFront-Policy" not in cookies  # canned cookies: the resource is rebuilt from the request
    header = b"Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()).encode() + b"\r\n"
    status, data = _raw(edge, _get("/private/a.txt", extra=header, edge=edge))
    assert status == 200 and data.endswith(A_TXT)
    here = f"127.0.0.1:{edge.port}"
    for host in (f"{here}/private/a.txt#", f"{here}/private/a.txt?", f"{here}/private/a.txt", f"{here}/private/*#"):
        status, data = _raw(edge, _get("/private/b.txt", host=host, extra=header, edge=edge))
        assert status == 400, host
        assert B_TXT not in data
    status, data = _raw(edge, _get("/private/b.txt", extra=header, edge=edge))
    assert status == 403 and B_TXT not in data


def test_two_host_headers_and_a_raw_fragment_are_refused(edge) -> None:
    here = f"127.0.0.1:{edge.port}".encode()
    request = b"GET /public/hello.txt HTTP/1.1\r\nHost: " + here + b"\r\nHost: evil\r\nConnection: close\r\n\r\n"
    status, _ = _raw(edge, request)
    assert status == 400
    for target in ("/private/b.txt#", "/public/inside/b.txt#x", "/private/b.txt?x=1#frag"):
        status, data = _raw(edge, _get(target, edge=edge))
        assert status == 400 and _no_protected_content(data)


# --- no unsigned request ever gets a protected file, none gets a 500 -------------------------

_SEGMENTS = st.sampled_from([
    "private", "public", "reports", "inside", "rep", "a.txt", "b.txt", "big.bin", "q.txt", "alias.txt", "b-link.txt",
    "hello.txt", ".", "..", "", "%2e", "%2E%2e", "%2f", "%2F", "%00", "%", "%zz", "%ff", "%c3%a9", "priv%61te",
    "%5c", "#", "?", "?Key-Pair-Id=x", "x?Policy=", ";", "%23", "%3f", "~", "%20", "a" * 50,
])
_HOSTS = st.one_of(
    st.just("127.0.0.1:{port}"), st.just("localhost"), st.just("[::1]:{port}"),
    st.sampled_from(["[x]", "http://[", "[", "]", ":", "127.0.0.1:{port}/private/a.txt#", "a@b", "%", "..", "-",
                     "d111111abcdef8.cloudfront.net", "evil.example.com", "127.0.0.1:{port}?x", "[::1", "a b",
                     "127.0.0.1:{port}:{port}", "xn--bcher-kva.example", "1.2.3.4.5", "0x7f.1"]),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(_SEGMENTS, min_size=1, max_size=7), host=_HOSTS)
def test_no_raw_path_or_host_gets_a_protected_file_or_a_500(edge, segments, host) -> None:
    target = ("/" + "/".join(segments)).encode()
    host = host.replace("{port}", str(edge.port))
    with socket.create_connection((edge.host, edge.port), timeout=20) as sock:
        sock.sendall(_get(target, host=host.encode("latin-1"), edge=edge))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    if not data:
        return  # the HTTP parser may drop what it cannot read at all
    status = int(data.split(b" ", 2)[1])
    assert status != 500, (target, host)
    assert _no_protected_content(data), (target, host, status)


def test_canonical_path_is_idempotent_and_has_no_dot_or_empty_segments() -> None:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(_SEGMENTS, min_size=1, max_size=8))
    def check(segments: list[str]) -> None:
        path, url_path, problem = canonical_path(("/" + "/".join(segments)).encode())
        if problem:
            assert path is None and url_path is None
            return
        assert path.startswith("/") and "//" not in path
        assert not any(s in (".", "..") for s in path.split("/"))
        assert canonical_path(url_path.encode())[:2] == (path, url_path)
        assert canonical_path(quote(path, safe="/").encode())[0] == path

    check()


def test_a_request_is_read_once_from_the_scope_into_one_value() -> None:
    from cfsign_nb.edge.request import Refusal, Request, Sent, read_request

    scope = {"type": "http", "method": "get", "raw_path": b"/a//b/./c/../d%2Ee?x", "query_string": b"Expires=1",
             "headers": [(b"host", b"d111.cloudfront.net"), (b"cookie", b"a=1"), (b"Cookie", b"b=2")],
             "client": ("192.0.2.1", 5000), "server": ("127.0.0.1", 8080)}
    request = read_request(Sent.from_scope(scope), "id", 1.0)
    assert isinstance(request, Request)
    assert (request.method, request.path, request.host) == ("GET", "/a/b/d.e", "d111.cloudfront.net")
    assert request.url == "http://d111.cloudfront.net/a/b/d.e?Expires=1" and request.signed_url
    assert request.cookies == "a=1; b=2" and request.client_ip == "192.0.2.1"
    for bad, status in (({"raw_path": b"/" + b"a" * 9000}, 413), ({"headers": [(b"host", b"a b")]}, 400),
                        ({"headers": [(b"host", b"a"), (b"host", b"b")]}, 400), ({"raw_path": b"/../x"}, 400)):
        refusal = read_request(Sent.from_scope({**scope, **bad}), "id", 1.0)
        assert isinstance(refusal, Refusal) and refusal.status == status, bad


# --- hostile input stays cheap --------------------------------------------------------------

def _forged_policy_url(edge, stars: int, path_length: int) -> str:
    resource = f"{edge.url}/private/" + "*a" * stars + "*b"
    policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {
        "DateLessThan": {"AWS:EpochTime": NOW + 600}}}]}, separators=(",", ":")).encode()
    return (f"/private/{'a' * path_length}?Policy={b64encode(policy)}&Signature={'A' * 342}__"
            f"&Key-Pair-Id={PRIVATE_KEY}")


def test_a_hostile_request_does_not_stall_a_public_one(edge) -> None:
    forged = _forged_policy_url(edge, stars=12, path_length=400)
    params = "&".join(f"p{i}={'v' * 20}" for i in range(300))
    big = f"/private/a.txt?{params}&Expires={NOW + 600}&Signature={'B' * 342}__&Key-Pair-Id={PRIVATE_KEY}"
    big = big[:8000]
    assert len(big) > 7000 and len(forged) < 1200
    results: dict[str, tuple[int, bytes]] = {}

    def send(name: str, target: str) -> None:
        results[name] = _raw(edge, _get(target, edge=edge), timeout=120)

    hostile = [threading.Thread(target=send, args=(name, target), daemon=True)
               for name, target in (("forged", forged), ("big", big))]
    for thread in hostile:
        thread.start()
    time.sleep(0.2)  # both hostile requests are in the edge now
    started = time.perf_counter()
    status, data = _raw(edge, _get("/public/hello.txt", edge=edge), timeout=30)
    elapsed = time.perf_counter() - started
    assert status == 200 and data.endswith(b"hello")
    assert elapsed < 1.0, f"a public request took {elapsed:.2f} s beside two hostile ones"
    for thread in hostile:
        thread.join(60)
    assert {name: status for name, (status, _) in results.items()} == {"forged": 403, "big": 403}
    assert all(_no_protected_content(data) for _, data in results.values())


def test_the_time_budget_refuses_a_slow_verification(keys, site, monkeypatch) -> None:
    import cfsign_nb.edge.decision as edge_module

    real = edge_module.diagnose

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(edge_module, "diagnose", slow)
    app = EdgeApp(config(), {k: v.public_key for k, v in keys.items()}, site, time_budget=0.3)
    with run_in_thread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        started = time.perf_counter()
        response = client.get("/private/a.txt")
        assert response.status_code == 403 and b"<Code>AccessDenied</Code>" in response.content
        assert time.perf_counter() - started < 1.4
        decision = next(d for d in app.decisions if d.request_id == response.headers["x-amz-cf-id"])
        assert "budget of 0.3 s" in decision.reason
        assert client.get("/public/hello.txt").text == "hello"


# --- errors and logs ------------------------------------------------------------------------

def _log_rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "#Version: 1.0" and lines[1] == "#Fields: " + " ".join(ACCESS_LOG_FIELDS)
    rows = [line.split("\t") for line in lines[2:] if line]
    assert all(len(row) == len(ACCESS_LOG_FIELDS) for row in rows)
    return [dict(zip(ACCESS_LOG_FIELDS, row, strict=True)) for row in rows]


def _wait_for_log(path: Path, needle: str) -> list[dict[str, str]]:
    for _ in range(200):
        if needle in path.read_text(encoding="utf-8"):
            break
        time.sleep(0.02)
    return _log_rows(path)


def test_every_log_field_escapes_control_and_non_ascii_bytes(keys, site, tmp_path) -> None:
    log = tmp_path / "escape.log"
    app = EdgeApp(config(), {}, site, log_path=log, log_cookies=True)
    nasty = b"\x1b[31mred\xc2\x9b2J\ttab\x7f\xc3\xa9 end%41"  # ESC, CSI (U+009B), tab, DEL, e-acute, %
    with run_in_thread(app) as server:
        here = f"127.0.0.1:{server.port}".encode()
        extra = (b"User-Agent: UA " + nasty + b"\r\nReferer: http://r/\xff" + nasty + b"\r\nX-Forwarded-For: 192.0.2.1\t"
                 + nasty + b"\r\nCookie: c=" + nasty + b"\r\n")
        assert _raw(server, _get(b"/public/hello.txt", host=here, extra=extra))[0] == 200
        status, _ = _raw(server, _get(b"/public/hello.txt", host=here + b"\t" + nasty, extra=extra))
        assert status == 400  # the Host is not a host, but the request is in the log, escaped
        assert _raw(server, _get(b"/public/%1b%5b2J.txt?q=%1b", host=here, extra=extra))[0] in (400, 404)
        rows = _wait_for_log(log, "%5B2J")
    text = log.read_bytes()
    assert not any((b < 0x20 and b not in (0x09, 0x0A)) or b >= 0x7F for b in text), "a raw control or non-ASCII byte"
    assert text.count(b"\n") == len(rows) + 2
    assert len(rows) >= 3
    for row in rows:
        assert all(value and " " not in value for value in row.values())
    first, refused = rows[0], rows[1]
    assert first["cs(User-Agent)"] == "UA%20%1B[31mred%C2%9B2J%09tab%7F%C3%A9%20end%2541"
    assert first["x-forwarded-for"] == "192.0.2.1%09%1B[31mred%C2%9B2J%09tab%7F%C3%A9%20end%2541"
    assert first["cs(Cookie)"].startswith("c=%1B") and first["cs(Referer)"].startswith("http://r/%FF%1B")
    assert refused["sc-status"] == "400" and refused["x-host-header"].endswith("%09%1B[31mred%C2%9B2J%09tab%7F%C3%A9%20end%2541")
    assert "%09" in refused["cs(Host)"] or refused["cs(Host)"] == "d111111abcdef8.cloudfront.net"
    accesslog = pytest.importorskip("cfsign_nb.accesslog")
    frame = accesslog.read_access_log(log)
    assert len(frame) == len(rows)
    sent = nasty.decode("utf-8")  # the reader gets back what was sent, in every field
    assert frame["cs(User-Agent)"].iloc[0] == "UA " + sent
    assert frame["x-forwarded-for"].iloc[0] == "192.0.2.1\t" + sent
    assert frame["x-host-header"].iloc[1] == f"127.0.0.1:{server.port}\t" + sent


def test_requests_the_http_parser_refuses_are_answered_and_logged(keys, site, tmp_path) -> None:
    log = tmp_path / "rejected.log"
    app = EdgeApp(config(), {}, site, log_path=log)
    with run_in_thread(app) as server:
        here = f"127.0.0.1:{server.port}".encode()
        status, data = _raw(server, b"GET /private/b.txt HTTP/1.1\r\nHost: " + here + b"\r\nBad\x01Header: \x1b[2J\r\n\r\n")
        assert status == 400 and b"x-amz-cf-id" in data.lower() and B_TXT not in data
        with socket.create_connection((server.host, server.port), timeout=20) as sock:
            sock.sendall(b"GET /public/hello.txt HTTP/1.1\r\nHost: " + here + b"\r\nX-Big: " + b"z" * 70_000)
            try:  # a head that never ends, past the parser's 64 KB: answered, or reset if we still send
                assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
            except ConnectionResetError:
                pass
        status, _ = _raw(server, b"NOT A REQUEST\x1b[2J\r\n\r\n")
        assert status == 400
        rows = _wait_for_log(log, "NOT")
        decisions = [d for d in app.decisions if d.status == 400]
    assert len(rows) == 3 and [r["sc-status"] for r in rows] == ["400", "400", "400"]
    assert rows[0]["cs-method"] == "GET" and rows[0]["cs-uri-stem"] == "/private/b.txt"
    assert rows[0]["x-host-header"] == here.decode() and rows[0]["x-edge-result-type"] == "Error"
    assert rows[1]["cs-uri-stem"] == "/public/hello.txt"
    assert rows[2]["cs-method"] == "NOT" and int(rows[2]["sc-bytes"]) > 0
    assert b"\x1b" not in log.read_bytes()
    assert len(decisions) == 3 and all("HTTP parser refused" in d.reason for d in decisions)
    assert decisions[0].path == "/private/b.txt" and "\x1b" not in str(decisions[2])


def test_idle_half_sent_and_trickled_connections_time_out(keys, site, tmp_path) -> None:
    log = tmp_path / "timeouts.log"
    app = EdgeApp(config(), {}, site, log_path=log)
    with run_in_thread(app, idle_timeout=0.5, header_timeout=0.8) as server:
        def closed_within(sock: socket.socket) -> tuple[float, bytes]:
            started, data = time.perf_counter(), b""
            while chunk := sock.recv(65536):
                data += chunk
            return time.perf_counter() - started, data

        with socket.create_connection((server.host, server.port), timeout=10) as idle:
            elapsed, data = closed_within(idle)
        assert data == b"" and elapsed < 3
        with socket.create_connection((server.host, server.port), timeout=10) as half:
            half.sendall(b"GET /private/b.txt HTTP/1.1\r\nHost: 127")
            elapsed, data = closed_within(half)
        assert data.startswith(b"HTTP/1.1 408 ") and elapsed < 3
        with socket.create_connection((server.host, server.port), timeout=10) as trickle:
            started = time.perf_counter()
            try:
                for byte in b"GET /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 60:
                    trickle.sendall(bytes([byte]))
                    time.sleep(0.05)
            except OSError:
                pass  # closed under our feet: what we want
            _, data = closed_within(trickle)
            assert data.startswith(b"HTTP/1.1 408 ") and time.perf_counter() - started < 3.5
        with socket.create_connection((server.host, server.port), timeout=10) as kept:
            kept.sendall(b"GET /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            elapsed, data = closed_within(kept)  # answered, then closed when idle
        assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"hello") and elapsed < 3
        rows = _wait_for_log(log, "408")
    assert [r["sc-status"] for r in rows].count("408") == 2
    assert any(d.status == 408 and d.path == "/private/b.txt" for d in app.decisions)


def test_an_internal_error_is_a_logged_500_with_the_path(keys, site, tmp_path, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    log = tmp_path / "errors.log"
    app = EdgeApp(config(), {}, site, log_path=log)
    monkeypatch.setattr(app, "_file_response", broken)
    with run_in_thread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get("/public//hello.txt?x=1")
        assert response.status_code == 500 and response.text == "Internal Server Error"
        assert response.headers["x-cache"] == "Error from cloudfront"
        assert client.get("/index.html").status_code == 500  # and the edge keeps answering
        rows = _wait_for_log(log, "index.html")
    decision = next(d for d in app.decisions if d.request_id == response.headers["x-amz-cf-id"])
    assert decision.status == 500 and decision.path == "/public//hello.txt" and "disk on fire" in decision.reason
    assert rows[0]["sc-status"] == "500" and rows[0]["cs-uri-stem"] == "/public//hello.txt"
    assert any("/public//hello.txt" in r.getMessage() and r.exc_info for r in caplog.records if r.name == "cfsign_nb.edge")


# --- starting and stopping ------------------------------------------------------------------

def test_an_unwritable_log_is_an_edge_error_at_construction(site, tmp_path) -> None:
    (tmp_path / "file.txt").write_text("x")
    for bad in (tmp_path / "file.txt" / "access.log", tmp_path):
        with pytest.raises(EdgeError, match="cannot write the access log") as info:
            EdgeApp(config(), {}, site, log_path=bad)
        assert str(bad)[:40] in str(info.value)


def test_bad_ports_and_a_busy_port_are_edge_errors(site) -> None:
    app = EdgeApp(config(), {}, site)
    for port in (-1, 65536, 70000, "80", True):
        with pytest.raises(EdgeError, match="0-65535"):
            serve(app, port=port)
        with pytest.raises(EdgeError, match="0-65535"):
            run_in_thread(app, port=port)
    with run_in_thread(app) as server:
        ready = []
        with pytest.raises(EdgeError, match=rf"port {server.port} .*in use.*choose another with port=\.\.\."):
            serve(app, port=server.port, on_ready=ready.append)
        assert ready == []  # no banner for an edge that never started
    with pytest.raises(EdgeError, match="header_timeout"):
        run_in_thread(app, header_timeout=0)


_SERVE = r"""
import sys
from cfsign_nb.edge import EdgeApp, serve
config = {"DistributionConfig": {"DefaultCacheBehavior": {"TargetOriginId": "site"}}}
serve(EdgeApp(config, {}, sys.argv[1]), port=0, log_level="warning",
      on_ready=lambda url: print("ready", url, flush=True))
print("returned cleanly", flush=True)
"""


def test_serve_binds_then_calls_on_ready_and_returns_on_ctrl_c(site) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(site)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("ready http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[1]
        assert httpx.get(url + "/public/hello.txt", timeout=10).text == "hello"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "returned cleanly" in out and "Traceback" not in err
