"""A trace's text, HTML, frame and JSON views: safe to show, themed, the same stages as the values."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from cfsign_nb import (
    PrivateKey,
    Signer,
    trace_decode,
    trace_sign,
)
from cfsign_nb.trace import STAGE_ORDER, Trace

from .conftest import KEY_ID, NOW, URL
from .trace_cases import EXPIRES, cf64


def test_html_escapes_everything_taken_from_the_artifact(signer: Signer, rsa_key: PrivateKey) -> None:
    hostile = "https://x.example/<script>alert(1)</script>"
    forward = trace_sign(signer, hostile, expires=EXPIRES)
    policy = ('{"Statement":[{"Resource":"https://x/\\"><img src=x onerror=alert(1)>",'
              '"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}' % EXPIRES).encode()
    custom = f"https://x/a?q=\"><img/src=x/onerror=alert(2)>&Policy={cf64(policy)}&Signature=AAAA&Key-Pair-Id=<u>K</u>"
    traces = [forward, trace_decode(forward.result, now=NOW), trace_decode(custom, now=NOW),
              trace_decode(f"Set-Cookie: CloudFront-Policy={cf64(policy)}; Path=/<script>", now=NOW)]
    for trace in traces:
        page = trace._repr_html_()
        assert "<script" not in page and "<img" not in page and "<u>" not in page, page
        assert "&lt;" in page
        assert re.search(r"background(-color)?:\s*(#fff|white)", page.lower()) is None
        assert "var(--jp-" in page
    comparison_page = forward.compare(traces[2])._repr_html_()
    assert "<script" not in comparison_page and "<img" not in comparison_page
    assert "&lt;script&gt;" in traces[0]._repr_html_()


def test_text_and_frame_views(signer: Signer) -> None:
    trace = trace_sign(signer, URL, expires=EXPIRES)
    text = str(trace)
    assert text.splitlines()[0].startswith("Signing trace (URL): 9 stages")
    for number, name in enumerate(STAGE_ORDER, 1):
        assert f"{number:>2}  {name}" in text
    assert "^" in text
    frame = trace.to_frame()
    assert list(frame["name"]) == list(STAGE_ORDER) and frame.index[0] == 1
    assert list(frame.columns) == ["name", "title", "input", "output", "explanation", "ok", "problem",
                                   "cloudfront_error"]
    assert frame["ok"].all()
    data = json.loads(json.dumps(trace.to_dict()))
    assert data["stages"][2]["value_type"] == "bytes"
    assert bytes.fromhex(data["stages"][2]["value"]) == trace["policy_bytes"].value
    assert repr(trace).startswith("Trace(direction='sign'")
    assert trace[0] is trace["inputs"] and len(trace) == 9
    with pytest.raises(KeyError, match="no stage"):
        trace["nope"]


def test_importing_the_package_does_not_import_pandas() -> None:
    code = "import sys, cfsign_nb, cfsign_nb.stages; assert 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)




def test_rows_are_plain_data_in_table_order(signer: Signer, rsa_key: PrivateKey) -> None:
    changed = f"{trace_sign(signer, URL, expires=EXPIRES).result}&x=1"
    trace = trace_decode(changed, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    rows = trace.rows()
    assert [tuple(row) for row in rows] == [Trace.COLUMNS] * len(trace)
    assert rows[-1]["ok"] is False and rows[-1]["problem"] == trace[-1].problem.code  # type: ignore[union-attr]
    assert json.loads(json.dumps(rows)) == rows


def test_html_fits_the_notebook_and_follows_the_theme(signer: Signer) -> None:
    trace = trace_sign(signer, URL + "?" + "v" * 3000, expires=EXPIRES)
    other = trace_decode(f"{trace.result}&x=1", now=NOW)
    pages = [trace._repr_html_(), trace.stage_html(3), trace.compare(other)._repr_html_()]
    for page in pages:
        assert re.search(r"(?<![-\w])(min-)?width:\s*\d+px", page) is None  # nothing wider than the cell it sits in
        assert "pre-wrap" in page  # long runs wrap; column layouts scroll inside their block
        assert "var(--jp-ui-font-family" in page and "var(--jp-layout-color2" in page
    one = trace.stage_html(3)
    assert one.count("<tr>") == 2 and "digest" in one and ">in<" in one  # a step shows its input too
    assert "overflow-x:auto" in pages[0] and "cfsign-trace" in pages[0] and "cfsign-comparison" in pages[2]


def test_the_old_module_path_names_the_same_values() -> None:
    import cfsign_nb.stages as old
    import cfsign_nb.trace as new

    assert old.__all__ == new.__all__
    assert all(getattr(old, name) is getattr(new, name) for name in old.__all__)


@pytest.mark.parametrize("columns", [40, 80])
def test_text_views_fit_the_width_they_are_given(signer: Signer, rsa_key: PrivateKey, columns: int) -> None:
    from cfsign_nb.trace.view import comparison_text, trace_text

    url = signer.sign_url(URL + "?a=" + "b" * 200, expires=EXPIRES, ip_address="192.0.2.0/24")
    ours = trace_sign(signer, URL, expires=EXPIRES)
    theirs = trace_sign(Signer(KEY_ID, rsa_key, hash_algorithm="SHA256"), URL, expires=EXPIRES)
    texts = [trace_text(trace_decode(url + "&x=1", public_keys={KEY_ID: rsa_key.public_key}, now=NOW), columns=columns),
             trace_text(ours, columns=columns), comparison_text(ours.compare(theirs), columns=columns)]
    for text in texts:
        assert max(len(line) for line in text.splitlines()) <= columns, text
