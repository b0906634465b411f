"""A real session: Debian chromium plays a short HLS-like sequence from the local edge, recorded as a HAR.

The page's app sets signed cookies whose Path is too narrow for the playlist and whose policy
expires a few seconds later, mid-session. ``diagnose_har`` must explain each 403 and agree, row by
row, with the edge's own decision log (matched through CloudFront's request id, ``X-Amz-Cf-Id``).
"""

from __future__ import annotations

import json
import time

import pytest

from cfsign_nb import Signer, generate_key

from .browser import CHROMIUM_ARGS, chromium_path
from .test_edge import GROUP_VIDEOS, VIDEO_KEY, _behavior, edge_config

pytestmark = pytest.mark.browser

LIFETIME = 3
"""Seconds the signed cookies stay valid: the last segment is fetched after they expired."""

PLAYER = """<!doctype html><html><head><title>player</title><link rel="icon" href="data:,"></head><body>
<script>
async function play() {
  const statuses = [];
  const session = await (await fetch('/session')).json();
  const get = async path => { const r = await fetch(path); await r.arrayBuffer(); return r.status; };
  for (const path of ['/hls/index.m3u8', '/hls/v1/s0.ts', '/hls/v1/s1.ts']) {
    statuses.push(await get(path));
  }
  const wait = (session.expires + 1.2) * 1000 - Date.now();
  await new Promise(resolve => setTimeout(resolve, Math.max(0, wait)));
  statuses.push(await get('/hls/v1/s2.ts'));
  window.statuses = statuses;
}
play();
</script></body></html>"""


def _site(root) -> None:
    (root / "hls" / "v1").mkdir(parents=True)
    (root / "player.html").write_text(PLAYER)
    (root / "hls" / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "".join(
        f"#EXTINF:2.0,\nv1/s{i}.ts\n" for i in range(3)) + "#EXT-X-ENDLIST\n")
    for i in range(3):
        (root / "hls" / "v1" / f"s{i}.ts").write_bytes(bytes([0x47]) + bytes(187))  # one MPEG-TS packet


def _edge_with_session(signer: Signer):
    """The edge, plus the application's ``/session``: it signs cookies for /hls/* and sets them, Path too narrow."""
    from cfsign_nb.edge import EdgeApp

    class SessionEdge(EdgeApp):
        async def __call__(self, scope, receive, send) -> None:
            if scope["type"] != "http" or scope["path"] != "/session":
                await super().__call__(scope, receive, send)
                return
            host = dict(scope["headers"])[b"host"].decode()
            expires = int(time.time()) + LIFETIME
            cookies = signer.sign_cookies(f"http://{host}/hls/*", expires=expires)
            headers = [(b"content-type", b"application/json")] + [
                (b"set-cookie", f"{name}={value}; Path=/hls/v1; HttpOnly".encode()) for name, value in cookies.items()
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": json.dumps({"expires": expires}).encode()})

    return SessionEdge


@pytest.fixture
def session_edge(tmp_path):
    from cfsign_nb.edge import run_in_thread

    root = tmp_path / "site"
    _site(root)
    config = edge_config()
    config["Distribution"]["DistributionConfig"]["CacheBehaviors"] = {
        "Quantity": 1, "Items": [_behavior("/hls/*", [GROUP_VIDEOS])],
    }
    key = generate_key("ecdsa")
    app = _edge_with_session(Signer(VIDEO_KEY, key))(config, {VIDEO_KEY: key.public_key}, root)
    server = run_in_thread(app)
    yield server, key
    server.stop()


def test_a_recorded_session_is_explained_and_agrees_with_the_edge(session_edge, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    from cfsign_nb.frames.har import diagnose_har

    server, key = session_edge
    har_path = tmp_path / "session.har"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(record_har_path=str(har_path))
            page = context.new_page()
            page.goto(server.url + "/player.html")
            page.wait_for_function("window.statuses !== undefined", timeout=30_000)
            statuses = page.evaluate("window.statuses")
            context.close()  # writes the HAR
        finally:
            browser.close()
    assert statuses == [403, 200, 200, 403]

    table = diagnose_har(har_path, public_keys={VIDEO_KEY: key.public_key})
    decisions = server.app.decisions
    assert [d.path for d in decisions] == ["/player.html", "/hls/index.m3u8", "/hls/v1/s0.ts", "/hls/v1/s1.ts",
                                           "/hls/v1/s2.ts"]
    rows = {row.request_id: row for row in table.itertuples()}
    for decision in decisions:  # row by row, through CloudFront's request id
        row = rows[decision.request_id]
        assert row.url == server.url + decision.path and row.status == decision.status
        assert row.agrees, (decision, row.code, row.message)
        if decision.status == 403:
            assert row.cloudfront_said == decision.error_code and row.answered_by == "cloudfront"
        elif decision.restricted:
            assert row.code == "OK" and row.verdict == "would be served"
        else:
            assert row.code == "BEHAVIOR_NOT_RESTRICTED"  # the public page: the evidence shows it

    by_path = {row.url.removeprefix(server.url): row for row in table.itertuples()}
    playlist = by_path["/hls/index.m3u8"]
    assert playlist.code == "COOKIE_NOT_SENT" and playlist.cloudfront_said == "MissingKey"
    assert "'/hls/v1'" in playlist.message  # the Path the Set-Cookie response gave them
    late = by_path["/hls/v1/s2.ts"]
    assert late.code == "EXPIRED" and late.cloudfront_said == "AccessDenied"
    assert [row.failed for row in table.sort_values("started").itertuples()] == [False, True, False, False, True]
