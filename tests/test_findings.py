from typing import get_args

import pytest

from cfsign_nb.findings import CATALOG, STAGE_NAMES, Finding, StageName, finding
from cfsign_nb.protocol import ERROR_CODES


def test_every_code_names_a_trace_stage_and_a_known_response() -> None:
    assert STAGE_NAMES == get_args(StageName)
    for code, info in CATALOG.items():
        assert code.isupper() and " " not in code, code
        assert info.stage in STAGE_NAMES, code
        assert info.severity in ("error", "warning", "info"), code
        assert info.cloudfront_error is None or info.cloudfront_error in ERROR_CODES, code
        assert finding(code, "message").stage == info.stage, code


def test_request_conditions_show_at_the_inputs_stage() -> None:
    for code in ("EXPIRED", "NOT_YET_VALID", "IP_NOT_ALLOWED", "RESOURCE_MISMATCH", "LONG_LIFETIME"):
        assert CATALOG[code].stage == "inputs"


@pytest.mark.parametrize(("parameter", "stage"), [
    ("Signature", "cloudfront_base64"),
    ("CloudFront-Signature", "cloudfront_base64"),
    ("Policy", "policy_bytes"),
    ("CloudFront-Policy", "policy_bytes"),
    ("Key-Pair-Id", "parameters"),
    ("", "artifact"),
])
def test_an_encoding_finding_shows_at_the_stage_of_its_value(parameter: str, stage: str) -> None:
    for code in ("STANDARD_BASE64_ALPHABET", "BASE64URL_ALPHABET", "DOUBLE_URL_ENCODED", "PERCENT_ENCODED_VALUE"):
        assert CATALOG[code].by_parameter
        evidence = {"parameter": parameter} if parameter else {}
        assert finding(code, "message", **evidence).stage == stage


def test_an_unknown_code_shows_at_inputs() -> None:
    assert Finding("NOT_A_CODE", "info", "message").stage == "inputs"
