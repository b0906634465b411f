"""The panels in a real JupyterLab, in headless Debian chromium: sign, inspect, expire, step, escape.

Screenshots of each panel land in test-artifacts/ for people to look at; assertions are on the DOM.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from .browser import ARTIFACTS, Server, browser_page, chromium_path, jupyter_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
URL = "https://d111111abcdef8.cloudfront.net/private/a.jpg"
HOSTILE = URL + "?x=<img src=x onerror=window.__cfsign_xss=1>&Expires=1&Signature=AAAA&Key-Pair-Id=K1"

PANEL_CELLS = [
    "from cfsign_nb import Signer, generate_key\nfrom cfsign_nb.widgets import App",
    "key = generate_key('ecdsa')\n"
    f"app = App(key=key, key_pair_id='K2JCJMDEHXQW5F', url={URL!r})\n"
    f"expired = Signer('K2JCJMDEHXQW5F', key).sign_url({URL!r}, expires=1700000000)\n"
    "print('EXPIRED-URL', expired)",
    "app",
]


def _write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab with widget-state saving on, so a saved notebook holds everything the widgets sync."""
    chromium_path()
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(notebook, root / notebook.name)
    _write_notebook(root / "panels.ipynb", PANEL_CELLS)
    home = tmp_path_factory.mktemp("lab-home")
    settings = home / "user-settings"
    plugin = settings / "@jupyter-widgets" / "jupyterlab-manager" / "plugin.jupyterlab-settings"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(json.dumps({"saveState": True}))
    with jupyter_server("lab", root, home, f"--LabApp.user_settings_dir={settings}") as server:
        yield server


def _run_all(page, server: Server, notebook: str) -> None:
    page.goto(server.url(f"lab/tree/{notebook}") + "&reset")  # reset: no tabs restored from an earlier test
    page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
    page.wait_for_function(
        """(name) => {
            const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const session = widget && widget.sessionContext;
            const kernel = session && session.session && session.session.kernel;
            return widget.context.path.endsWith(name) && session.isReady && kernel
                && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
        }""",
        arg=notebook, timeout=90_000,
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def _shot(locator, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _fill_and_commit(locator, text: str) -> None:
    """Type into a continuous_update=False textarea and leave it, as a person would."""
    locator.fill(text)
    locator.press("Tab")


def test_panels_sign_inspect_expire_and_escape(lab: Server) -> None:
    from playwright.sync_api import expect

    with browser_page() as page:
        _run_all(page, lab, "panels.ipynb")
        app = page.locator(".cfsign-app")
        expect(app).to_be_visible(timeout=90_000)
        _shot(app, "app-key-tab")
        expect(app.locator(".cfsign-key")).to_contain_text("ECDSA P-256")

        app.locator(".lm-TabBar-tab", has_text="Sign").click()
        expect(app.locator(".cfsign-policy-json")).to_contain_text('"Resource":"' + URL)
        app.locator(".cfsign-signer-panel button", has_text="Sign").click()
        signed = app.locator(".cfsign-signer-panel textarea").first
        expect(signed).to_have_value(re.compile(r"^https://.*&Signature=ME.*&Key-Pair-Id=K2JCJMDEHXQW5F$"))
        _shot(app, "app-sign-tab")

        app.locator(".cfsign-signer-panel button", has_text="Step through").click()
        position = app.locator(".cfsign-stage-position")
        expect(position).to_contain_text("1 / 9: Inputs")
        for number in (2, 3, 4):
            app.locator(".cfsign-stepper button", has_text="Next").click()
            expect(position).to_contain_text(f"{number} / 9")
        expect(app.locator(".cfsign-stepper .cfsign-trace")).to_contain_text("SHA-1")
        _shot(app, "app-step-through")

        app.locator(".lm-TabBar-tab", has_text="Sign").click()
        app.locator(".cfsign-signer-panel button", has_text="Inspect this").click()
        verdict = app.locator(".cfsign-verdict")
        expect(verdict).to_contain_text("would be served")
        _shot(app, "app-inspect-served")

        expired = page.locator(".jp-OutputArea-output", has_text="EXPIRED-URL").inner_text().split()[-1]
        inspector_text = app.locator(".cfsign-inspector textarea").first
        _fill_and_commit(inspector_text, expired)
        expect(verdict).to_contain_text("EXPIRED")
        expect(app.locator(".cfsign-findings")).to_contain_text("EXPIRED")
        _shot(app, "app-inspect-expired")

        _fill_and_commit(inspector_text, HOSTILE)
        expect(app.locator(".cfsign-decoded")).to_contain_text("<img src=x onerror=")
        assert page.evaluate("() => window.__cfsign_xss") is None
        assert app.locator(".cfsign-decoded img").count() == 0
        _shot(app, "app-inspect-hostile")



def _field(panel, label: str):
    """The input of the text field labelled ``label`` in ``panel``."""
    return panel.locator(".widget-text, .widget-textarea", has_text=label).locator("input, textarea").first


def _sign_tab(page, lab: Server):
    """The App of panels.ipynb, run top to bottom, on its Sign tab."""
    from playwright.sync_api import expect

    _run_all(page, lab, "panels.ipynb")
    app = page.locator(".cfsign-app")
    expect(app).to_be_visible(timeout=90_000)
    app.locator(".lm-TabBar-tab", has_text="Sign").click()
    return app


def test_an_ip_limited_url_inspected_without_a_client_ip_is_a_warning_not_a_check(lab: Server) -> None:
    from playwright.sync_api import expect

    with browser_page() as page:
        app = _sign_tab(page, lab)
        _fill_and_commit(_field(app.locator(".cfsign-policy-builder"), "Viewer IPv4/CIDR"), "203.0.113.0/24")
        expect(app.locator(".cfsign-plan")).to_contain_text("IP address condition")
        app.locator(".cfsign-signer-panel button", has_text="Sign").click()
        expect(app.locator(".cfsign-signer-panel textarea").first).to_have_value(re.compile(r"[?&]Policy=.*"))
        app.locator(".cfsign-signer-panel button", has_text="Inspect this").click()
        inspector = app.locator(".cfsign-inspector")
        verdict = inspector.locator(".cfsign-verdict")
        expect(verdict).to_contain_text("would be served if the viewer's IP is in 203.0.113.0/24 "
                                        "(not checked: no client IP)")
        expect(verdict).to_contain_text("⚠")
        expect(verdict).not_to_contain_text("✔")
        expect(inspector.locator(".widget-valid")).to_be_hidden()  # no green check mark beside the warning
        expect(inspector.locator(".cfsign-findings")).to_contain_text("203.0.113.0/24")
        _shot(app, "app-inspect-ip-not-checked")

        inspector.locator(".jupyter-widget-Collapse-header", has_text="client IP").click()
        client_ip = _field(inspector, "Client IP")
        _fill_and_commit(client_ip, "203.0.113.9")
        expect(verdict).to_contain_text("✔")
        expect(verdict).not_to_contain_text("would be served if")
        expect(inspector.locator(".widget-valid")).to_be_visible()
        expect(inspector.locator(".widget-valid")).to_contain_text("served")
        _fill_and_commit(client_ip, "198.51.100.7")
        expect(verdict).to_contain_text("AccessDenied")
        _shot(app, "app-inspect-ip-outside")


def test_changing_a_policy_input_clears_the_old_signed_output(lab: Server) -> None:
    from playwright.sync_api import expect

    with browser_page() as page:
        app = _sign_tab(page, lab)
        builder, signer = app.locator(".cfsign-policy-builder"), app.locator(".cfsign-signer-panel")
        signed_url, cookie_lines = _field(signer, "Signed URL"), _field(signer, "Set-Cookie")
        inspect, step = signer.locator("button", has_text="Inspect this"), signer.locator("button", has_text="Step through")
        status = signer.locator(".cfsign-message")

        def cleared(output, shot: str) -> None:
            """The signed output, its status and the buttons that act on it are gone."""
            expect(output).to_have_value("")
            expect(status).to_have_count(0)
            expect(inspect).to_be_disabled()
            expect(step).to_be_disabled()
            _shot(app, shot)

        signer.locator("button", has_text="Sign").click()
        expect(signed_url).to_have_value(re.compile(r"^https://.*&Signature="))
        expect(status).to_contain_text("signed URL")
        expect(inspect).to_be_enabled()
        _fill_and_commit(_field(builder, "Expires"), "+2h")
        cleared(signed_url, "app-sign-cleared-url")

        builder.locator("button", has_text="Signed cookies").click()
        expect(signed_url).to_be_hidden()
        signer.locator("button", has_text="Sign").click()
        expect(cookie_lines).to_have_value(re.compile(r"Set-Cookie: CloudFront-Signature="))
        expect(status).to_contain_text("signed cookies")
        expect(inspect).to_be_enabled()
        _shot(app, "app-sign-cookies")
        _fill_and_commit(_field(builder, "Resource pattern"), "https://d111111abcdef8.cloudfront.net/private/*")
        cleared(cookie_lines, "app-sign-cleared-cookies")


def test_tour_notebook_renders_its_panels(lab: Server) -> None:
    from playwright.sync_api import expect

    with browser_page() as page:
        _run_all(page, lab, "01_tour.ipynb")
        expect(page.locator(".cfsign-app")).to_be_visible(timeout=120_000)
        expect(page.locator(".cfsign-diagnosis").first).to_contain_text("would be served")
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        _shot(page.locator(".cfsign-app"), "tour-app")


# Every text field of App, tab by tab: (tab title, panel class, fields that panel shows there).
SECRET_TABS = [("Key", "cfsign-key-panel", 3), ("Sign", "cfsign-policy-builder", 5), ("Sign", "cfsign-signer-panel", 1),
               ("Inspect", "cfsign-inspector", 7)]


def _private_chunks(pem: str, public_pem: str) -> list[str]:
    """24-character pieces of the private key body that are not also in its (shown, saved) public key."""
    body = "".join(pem.strip().splitlines()[1:-1])
    public = "".join(public_pem.strip().splitlines()[1:-1])
    chunks = [body[i : i + 24] for i in range(0, len(body) - 24, 12)]
    return [chunk for chunk in chunks if chunk not in public]


def test_saved_notebook_holds_no_private_key(lab: Server, rsa_key, ecdsa_key) -> None:
    """Paste or type private keys into every field of every panel, save with widget state, read the file back."""
    from playwright.sync_api import expect

    path = lab.root / "secrets.ipynb"
    _write_notebook(path, [f"from cfsign_nb.widgets import App\napp = App(url={URL!r})\napp"])
    loaded, stray = rsa_key.private_pem().decode(), ecdsa_key.private_pem().decode()
    encrypted = ecdsa_key.private_pem("pass phrase 7").decode()
    with browser_page() as page:
        _run_all(page, lab, "secrets.ipynb")
        app = page.locator(".cfsign-app")
        expect(app).to_be_visible(timeout=90_000)
        key_panel = app.locator(".cfsign-key-panel")
        pem_field = key_panel.locator("input[type=password]").first
        pem_field.fill(loaded)  # no Load click: the key loads on paste
        expect(key_panel.locator(".cfsign-key")).to_contain_text("RSA-2048", timeout=20_000)
        expect(pem_field).to_have_value("")
        pem_field.fill(encrypted)  # an encrypted key waits in Python for its passphrase
        expect(key_panel.locator(".cfsign-message")).to_contain_text("type its passphrase")
        expect(pem_field).to_have_value("")
        key_panel.locator("input[type=password]").nth(1).fill("pass phrase 7")
        key_panel.locator("input[type=password]").nth(1).press("Enter")
        expect(key_panel.locator(".cfsign-key")).to_contain_text("ECDSA P-256", timeout=20_000)
        expect(key_panel.locator("input[type=password]").nth(1)).to_have_value("")
        pem_field.fill(loaded)
        expect(key_panel.locator(".cfsign-key")).to_contain_text("RSA-2048", timeout=20_000)
        key_panel.locator("input[type=text]").first.press_sequentially(" ".join(stray.split("\n"))[:200])
        filled = 2
        for tab, panel_class, count in SECRET_TABS:
            app.locator(".lm-TabBar-tab", has_text=tab).click()
            panel = app.locator(f".{panel_class}")
            if panel_class == "cfsign-inspector":
                panel.locator(".jupyter-widget-Collapse-header").first.click()
            fields = panel.locator("input[type=text]:enabled:visible, input[type=password]:enabled:visible, "
                                   "textarea:enabled:visible")  # the Sign tab shows one output box per mode
            expect(fields).to_have_count(count)
            for index in range(count):
                field = fields.nth(index)
                if panel_class == "cfsign-key-panel" and index < 2:
                    continue  # the Key pair id was typed into and the PEM field loaded, above
                field.fill(stray)
                field.press("Tab")  # fields that sync on leaving them
                filled += 1
                expect(field).to_have_value("", timeout=10_000)
            for index in range(count):
                expect(fields.nth(index)).to_have_value("")
        assert filled == 16
        expect(app.locator(".cfsign-inspector .cfsign-error").first).to_contain_text("removed at once")
        expect(key_panel.locator(".cfsign-key")).to_contain_text("RSA-2048")
        _shot(app, "app-secrets-refused")
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000)
    saved = path.read_text()
    state = json.loads(saved)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert len(state) > 50  # the widget state really was saved: the test would be vacuous otherwise
    assert any("cfsign-app" in model["state"].get("_dom_classes", ()) for model in state.values())
    assert rsa_key.public_key_pem().strip().splitlines()[1] in saved  # the derived public key is kept, visibly
    assert "PRIVATE KEY" not in saved and "pass phrase 7" not in saved
    for pem, public in ((loaded, rsa_key.public_key_pem()), (stray, ecdsa_key.public_key_pem()),
                        (encrypted, ecdsa_key.public_key_pem())):
        chunks = _private_chunks(pem, public)
        assert len(chunks) > 3
        assert not [chunk for chunk in chunks if chunk in saved]
