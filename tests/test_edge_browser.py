"""A real browser (Debian chromium via Playwright) loads 50 cookie-protected images from the edge."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from cfsign_nb import Signer, generate_key

from .test_edge import GROUP_VIDEOS, VIDEO_KEY, _behavior, edge_config

pytestmark = pytest.mark.browser

IMAGES = 50
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed but CI=true: install Debian's chromium (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); never 'playwright install'")
    return path


def _gallery(root) -> None:
    (root / "photos").mkdir(parents=True)
    for i in range(IMAGES):
        (root / "photos" / f"p{i:02d}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
            f'<rect width="40" height="40" fill="hsl({i * 7},70%,50%)"/></svg>'
        )
    tags = "".join(f'<img src="/photos/p{i:02d}.svg" width="40" height="40">' for i in range(IMAGES))
    (root / "gallery.html").write_text(f"<!doctype html><title>gallery</title><body>{tags}</body>")


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    from cfsign_nb.edge import EdgeApp, run_in_thread

    root = tmp_path_factory.mktemp("gallery")
    _gallery(root)
    config = edge_config()
    config["Distribution"]["DistributionConfig"]["CacheBehaviors"] = {
        "Quantity": 1, "Items": [_behavior("/photos/*", [GROUP_VIDEOS])],
    }
    key = generate_key("ecdsa")
    app = EdgeApp(config, {VIDEO_KEY: key.public_key}, root)
    server = run_in_thread(app)
    yield server, Signer(VIDEO_KEY, key)
    server.stop()


def _load(browser, url: str, cookies: dict[str, str] | None) -> list[int]:
    context = browser.new_context()
    try:
        if cookies:
            context.add_cookies([{"name": k, "value": v, "url": url} for k, v in cookies.items()])
        page = context.new_page()
        page.goto(url + "/gallery.html")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=20_000)
        return page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    finally:
        context.close()


def test_fifty_images_load_with_signed_cookies_and_fail_without(browser, edge) -> None:
    server, signer = edge
    cookies = signer.sign_cookies(server.url + "/photos/*", expires=int(time.time()) + 600)
    server.app.clear_decisions()

    widths = _load(browser, server.url, cookies)
    assert len(widths) == IMAGES and all(w == 40 for w in widths)
    served = [d for d in server.app.decisions if d.path.startswith("/photos/")]
    assert len(served) == IMAGES and all(d.status == 200 and d.channel == "cookies" for d in served)

    server.app.clear_decisions()
    widths = _load(browser, server.url, None)
    assert len(widths) == IMAGES and all(w == 0 for w in widths)
    refused = [d for d in server.app.decisions if d.path.startswith("/photos/")]
    assert len(refused) == IMAGES and all(d.status == 403 and d.error_code == "MissingKey" for d in refused)
