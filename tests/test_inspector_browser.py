"""The Inspector in a real JupyterLab, in headless Debian chromium: a pasted curl command, a HAR upload, Step through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from cfsign_nb import Signer, generate_key

from .browser import ARTIFACTS, Server, browser_page, chromium_path, jupyter_server
from .conftest import KEY_ID, NOW

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

HOST = "d111111abcdef8.cloudfront.net"
DENIED = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
          "<Message>Access denied</Message></Error>")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Signer, Path]]:
    """JupyterLab over a notebook that shows a standalone Inspector judging at NOW and trusting one key."""
    chromium_path()
    key = generate_key("ecdsa")
    root = tmp_path_factory.mktemp("inspector-root")
    (root / "key.pem").write_bytes(key.public_key_pem().encode())
    source = ("from cfsign_nb.widgets import Inspector\n"
              f"inspector = Inspector(now={NOW})\n"
              f"inspector.public_key_id.value = {KEY_ID!r}\n"
              "inspector.public_key.value = open('key.pem').read()\n"
              "inspector")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "inspect.ipynb")
    with jupyter_server("lab", root, tmp_path_factory.mktemp("inspector-home")) as server:
        yield server, Signer(KEY_ID, key), root


def _open(page, server: Server) -> object:
    page.goto(server.url("lab/tree/inspect.ipynb") + "&reset")
    page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
    page.wait_for_function(
        """() => {
            const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const session = widget && widget.sessionContext;
            const kernel = session && session.session && session.session.kernel;
            return session && session.isReady && kernel && kernel.status === 'idle';
        }""", timeout=90_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return page.locator(".cfsign-inspector")


def _har(signer: Signer) -> dict:
    def entry(seconds: int, url: str, status: int, body: str = "") -> dict:
        started = datetime.fromtimestamp(NOW + seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        cache = "Error from cloudfront" if status >= 400 else "Miss from cloudfront"
        return {"startedDateTime": started, "time": 10.0,
                "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                            "headers": [{"name": "Host", "value": HOST}], "cookies": [], "queryString": []},
                "response": {"status": status, "statusText": "", "headers": [{"name": "X-Cache", "value": cache}],
                             "content": {"size": len(body), "mimeType": "text/xml", "text": body}}}

    served = signer.sign_url(f"https://{HOST}/hls/s0.ts", expires=NOW + 60)
    expired = signer.sign_url(f"https://{HOST}/hls/s1.ts", expires=NOW + 5)
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "entries": [entry(1, served, 200), entry(30, expired, 403, DENIED)]}}


def test_pasted_curl_har_upload_and_step_through(setup: tuple[Server, Signer, Path]) -> None:
    from playwright.sync_api import expect

    server, signer, root = setup
    cookies = signer.sign_cookies(f"https://{HOST}/hls/*", expires=NOW + 60)
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    curl = (f"curl 'https://{HOST}/hls/s0.ts' \\\n  -H 'accept: */*' \\\n  -H 'cookie: {header}' \\\n"
            "  -H 'user-agent: Mozilla/5.0' \\\n  --compressed")
    har_path = root / "session.har"
    har_path.write_text(json.dumps(_har(signer)))
    with browser_page() as page:
        inspector = _open(page, server)
        expect(inspector).to_be_visible(timeout=90_000)
        assert inspector.locator(".widget-valid-mark, .jupyter-widget-Valid").filter(has_text="✗").count() == 0
        paste = inspector.locator("textarea").first
        paste.fill(curl)
        paste.press("Tab")
        verdict = inspector.locator(".cfsign-verdict")
        expect(verdict).to_contain_text("would be served", timeout=30_000)
        expect(inspector.locator(".cfsign-findings")).to_contain_text("PASTE_EXTRACTED")
        expect(inspector).to_contain_text("taken from a curl command")
        ARTIFACTS.mkdir(exist_ok=True)
        inspector.screenshot(path=str(ARTIFACTS / "inspector-curl.png"))

        inspector.locator("button", has_text="Step through").click()
        expect(inspector.locator(".cfsign-stepper .cfsign-stage-position")).to_contain_text("/", timeout=30_000)

        with page.expect_file_chooser() as chooser:
            inspector.locator("button", has_text="Upload a HAR").click()
        chooser.value.set_files(str(har_path))
        table = inspector.locator(".cfsign-session")
        expect(table).to_contain_text("EXPIRED", timeout=60_000)
        first_row = table.locator("tbody tr").first
        expect(first_row).to_contain_text("s1.ts")
        expect(table.locator("tbody tr")).to_have_count(2)
        expect(inspector.locator("img.cfsign-timeline")).to_have_count(1)
        inspector.screenshot(path=str(ARTIFACTS / "inspector-har.png"))
