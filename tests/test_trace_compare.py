"""Comparing traces: the first stage where another signer went another way."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes

from cfsign_nb import (
    PrivateKey,
    Signer,
    trace_decode,
    trace_sign,
)
from cfsign_nb.errors import InputError
from cfsign_nb.trace import Comparison

from .conftest import KEY_ID, NOW, URL
from .trace_cases import EXPIRES, WILDCARD, canned_bytes, cf64, rsa_sign


def test_compare_finds_forgotten_base64_substitutions(signer: Signer, rsa_key: PrivateKey) -> None:
    signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA1())
    while not any(c in base64.b64encode(signature).decode() for c in "+/"):
        signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA1())  # pragma: no cover
    theirs = f"{URL}?Expires={EXPIRES}&Signature={base64.b64encode(signature).decode()}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "cloudfront_base64"
    assert backward["cloudfront_base64"].problem.code == "STANDARD_BASE64_ALPHABET"  # type: ignore[union-attr]

    comparison = trace_sign(signer, URL, expires=EXPIRES).compare(backward)
    assert isinstance(comparison, Comparison)
    assert comparison.first_difference == "cloudfront_base64"
    assert comparison.left_value == cf64(signature)
    assert comparison.right_value == base64.b64encode(signature).decode()
    text = str(comparison)
    assert "First difference: cloudfront_base64" in text and "^" in text
    assert "<mark" in comparison._repr_html_()
    assert backward.compare(trace_sign(signer, URL, expires=EXPIRES)).first_difference == "cloudfront_base64"


def test_compare_finds_pretty_printed_json_in_a_custom_policy(signer: Signer, rsa_key: PrivateKey) -> None:
    document = {"Statement": [{"Resource": WILDCARD, "Condition": {"DateLessThan": {"AWS:EpochTime": EXPIRES}}}]}
    pretty = json.dumps(document, indent=2).encode()
    theirs = (f"{URL}?Policy={cf64(pretty)}&Signature={cf64(rsa_sign(rsa_key, pretty, hashes.SHA1()))}"
              f"&Key-Pair-Id={KEY_ID}")
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert "POLICY_WHITESPACE" in [note.code for note in backward["policy_json"].notes]

    comparison = trace_sign(signer, URL, expires=EXPIRES, resource=WILDCARD).compare(backward)
    assert comparison.first_difference == "policy_json"
    assert comparison.right_value == pretty.decode()
    assert dict(comparison.rows)["inputs"] == "same"


def test_compare_finds_pretty_printed_json_in_a_canned_policy(signer: Signer, rsa_key: PrivateKey) -> None:
    pretty = json.dumps(json.loads(canned_bytes(URL, EXPIRES)), indent=2).encode()
    theirs = f"{URL}?Expires={EXPIRES}&Signature={cf64(rsa_sign(rsa_key, pretty, hashes.SHA1()))}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "digest"
    assert backward["digest"].problem.code == "CANNED_POLICY_FORMAT"  # type: ignore[union-attr]
    assert trace_sign(signer, URL, expires=EXPIRES).compare(backward).first_difference == "signature"


def test_compare_finds_sha256_signed_without_saying_so(rsa_key: PrivateKey) -> None:
    signature = rsa_sign(rsa_key, canned_bytes(URL, EXPIRES), hashes.SHA256())
    theirs = f"{URL}?Expires={EXPIRES}&Signature={cf64(signature)}&Key-Pair-Id={KEY_ID}"
    backward = trace_decode(theirs, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    assert backward.stopped_at == "digest"
    assert backward["digest"].problem.code == "HASH_ALGORITHM_MISSING"  # type: ignore[union-attr]

    ours = trace_sign(Signer(KEY_ID, rsa_key, hash_algorithm="SHA256"), URL, expires=EXPIRES)
    comparison = ours.compare(backward)
    assert comparison.first_difference == "digest"
    assert comparison.left_stage.output.startswith("SHA-256 ")  # type: ignore[union-attr]
    assert comparison.right_stage.output.startswith("SHA-1 ")  # type: ignore[union-attr]
    assert dict(comparison.rows)["signature"] == "same"


def test_compare_takes_only_traces(signer: Signer) -> None:
    with pytest.raises(InputError, match="Trace"):
        trace_sign(signer, URL, expires=EXPIRES).compare("https://x")  # type: ignore[arg-type]




def test_records_are_plain_rows_of_both_outputs(signer: Signer, rsa_key: PrivateKey) -> None:
    forward = trace_sign(signer, URL, expires=EXPIRES)
    backward = trace_decode(forward.result, public_keys={KEY_ID: rsa_key.public_key}, now=NOW)
    comparison = forward.compare(trace_decode(forward.result + "&x=1", now=NOW))
    records = comparison.records()
    assert [tuple(record) for record in records] == [Comparison.COLUMNS] * len(records)
    assert [(r["name"], r["status"]) for r in records] == list(comparison.rows)
    same = forward.compare(backward)
    assert same.same and str(same).startswith("The traces agree at every stage they share.")
    assert "agree" in same._repr_html_() and repr(same) == "Comparison(first_difference=None)"
    assert all(r["left"] == r["right"] for r in same.records())
