"""The decoding trace: it reproduces the forward values, stops where CloudFront would, never raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import (
    PrivateKey,
    Signer,
    Trace,
    trace_decode,
    trace_sign,
)
from cfsign_nb.distribution import load_distribution
from cfsign_nb.trace import STAGE_ORDER

from .conftest import KEY_ID, NOW, URL
from .trace_cases import CASES, EXPIRES


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
@pytest.mark.parametrize("cookies", [False, True], ids=["url", "cookies"])
@pytest.mark.parametrize("case", ["canned", "custom-ip", "custom-wildcard", "policy-object"])
def test_backward_trace_reproduces_the_forward_values(any_key: PrivateKey, hash_name: str, cookies: bool,
                                                      case: str) -> None:
    forward = trace_sign(Signer(KEY_ID, any_key, hash_algorithm=hash_name), URL, cookies=cookies, **CASES[case])
    backward = trace_decode(forward["artifact"].value, public_keys={KEY_ID: any_key.public_key}, now=NOW,
                            client_ip="192.0.2.9" if case == "custom-ip" else None, request_url=URL)
    assert backward.direction == "decode" and backward.ok, str(backward)
    assert set(backward.names) == set(STAGE_ORDER)
    for stage in backward:
        assert stage.value == forward[stage.name].value, stage.name
        assert stage.output == forward[stage.name].output, stage.name
    comparison = forward.compare(backward)
    assert comparison.same and comparison.first_difference is None
    assert all(status == "same" for _, status in comparison.rows)
    assert "SIGNATURE_VERIFIED" in [note.code for note in backward["digest"].notes]
    assert backward.result.ok  # type: ignore[union-attr]


def test_backward_stops_at_the_first_failure_with_the_diagnosis_finding(signer: Signer, rsa_key: PrivateKey) -> None:
    url = signer.sign_url(URL, expires=EXPIRES)
    trace = trace_decode(url, public_keys={KEY_ID: rsa_key.public_key}, now=EXPIRES + 5)
    assert trace.stopped_at == "inputs" and not trace.ok
    assert trace["inputs"].problem.code == "EXPIRED"  # type: ignore[union-attr]
    assert trace["inputs"].problem in trace.result.findings  # type: ignore[union-attr]
    assert "AccessDenied" in trace["inputs"].explanation

    trace = trace_decode(url.replace("Key-Pair-Id=", "Key-Pair-Idx="), now=NOW)
    assert trace.names == ("artifact", "parameters") and trace[-1].problem.code == "MISSING_KEY_PAIR_ID"  # type: ignore[union-attr]

    cookies = signer.sign_cookies(URL, expires=EXPIRES)
    trace = trace_decode(cookies, now=NOW)
    assert trace.stopped_at == "policy_bytes" and "request_url" in trace["policy_bytes"].explanation


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.text(max_size=200).map(lambda t: "https://a.example/x?" + t),
                 st.text(max_size=120).map(lambda t: "Cookie: CloudFront-Signature=" + t)))
def test_trace_decode_never_raises(text: str) -> None:
    trace = trace_decode(text, now=NOW)
    assert trace.stages and trace.stages[0].name == "artifact"
    assert not any(stage.explanation.startswith("cfsign_nb could not") for stage in trace)
    str(trace)
    trace._repr_html_()
    json.dumps(trace.to_dict())


@pytest.mark.parametrize("artifact", [None, 42, b"\xff\xfe", {"CloudFront-Expires": "9" * 40}, object()])
def test_trace_decode_never_raises_on_other_values(artifact: object) -> None:
    trace = trace_decode(artifact, now=NOW)
    assert isinstance(trace, Trace) and trace.stages




ARTIFACTS = [
    "https://a.example/x?Expires=1&Signature=a/b+c=&Key-Pair-Id=K",
    "https://a.example/x?expires=1&signature=AA&key-pair-id=K&Hash-Algorithm=sha256",
    "https://a.example/x?Policy=e30_&Signature=AA%3D%3D&Key-Pair-Id=K",
    "https://a.example/x?Expires=1700000000000&Signature=AAAA&Key-Pair-Id=K",
    "Cookie: CloudFront-Signature=x%25y; CloudFront-Expires=9999999999; CloudFront-Key-Pair-Id=K",
    "Set-Cookie: CloudFront-Policy=e30_; Path=/",
    "https://a.example/x",
]


@pytest.mark.parametrize("artifact", ARTIFACTS)
def test_each_finding_shows_at_its_catalog_stage(artifact: str) -> None:
    trace = trace_decode(artifact, now=NOW, request_url="https://a.example/x")
    diagnosis = trace.result
    for stage in trace:
        assert all(note.stage == stage.name for note in stage.notes), stage.name
        if stage.problem is not None:
            assert stage.problem.stage == stage.name or stage.problem is diagnosis.cause  # type: ignore[union-attr]
        shown = [*stage.notes, *([stage.problem] if stage.problem else [])]
        expected = [f for f in diagnosis.findings if f.stage == stage.name and f.severity != "error"]  # type: ignore[union-attr]
        assert all(f in shown for f in expected), stage.name


def test_signed_by_a_key_of_a_group_the_behavior_does_not_trust_stops_at_parameters(signer: Signer,
                                                                                     rsa_key: PrivateKey) -> None:
    config = {"DistributionConfig": {"DefaultCacheBehavior": {
        "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": ["group-a"]}}}}
    distribution = load_distribution(config, key_groups={"group-a": ["KOTHERKEY"]})
    url = signer.sign_url(URL, expires=EXPIRES)
    trace = trace_decode(url, public_keys={KEY_ID: rsa_key.public_key}, now=NOW, distribution=distribution)
    assert trace.stopped_at == "parameters"
    assert trace["parameters"].problem.code == "KEY_NOT_TRUSTED_BY_BEHAVIOR"  # type: ignore[union-attr]
    assert trace_decode(url, public_keys={KEY_ID: rsa_key.public_key}, now=NOW).ok
