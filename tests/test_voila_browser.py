"""The Inspector as a standalone Voila app, in headless Debian chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cfsign_nb import PrivateKey, Signer

from .browser import ARTIFACTS, Server, browser_page, chromium_path, jupyter_server
from .conftest import KEY_ID, URL

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    root = tmp_path_factory.mktemp("voila-root")
    shutil.copy(NOTEBOOKS / "inspector.ipynb", root / "inspector.ipynb")
    with jupyter_server("voila", root, tmp_path_factory.mktemp("voila-home"), "inspector.ipynb") as server:
        yield server


def test_voila_inspector_app(voila: Server, rsa_key: PrivateKey) -> None:
    from playwright.sync_api import expect

    expired = Signer(KEY_ID, rsa_key).sign_url(URL, expires=1700000000)
    with browser_page() as page:
        page.goto(voila.base + "/")
        inspector = page.locator(".cfsign-inspector")
        expect(inspector).to_be_visible(timeout=120_000)
        assert page.locator("text=from cfsign_nb").count() == 0  # Voila hides the code
        box = inspector.locator("textarea").first
        box.fill(expired)
        box.press("Tab")
        expect(inspector.locator(".cfsign-verdict")).to_contain_text("EXPIRED", timeout=30_000)
        ARTIFACTS.mkdir(exist_ok=True)
        inspector.screenshot(path=str(ARTIFACTS / "voila-inspector.png"))
