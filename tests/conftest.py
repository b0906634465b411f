"""Shared fixtures: real keys generated once per session (never committed), a fixed clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from cfsign_nb import PrivateKey, Signer, generate_key

NOW = 1767225600  # 2026-01-01T00:00:00Z
NOW_DT = datetime(2026, 1, 1, tzinfo=UTC)
KEY_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/images/horizon.jpg"


@pytest.fixture(scope="session")
def rsa_key() -> PrivateKey:
    return generate_key("rsa")


@pytest.fixture(scope="session")
def ecdsa_key() -> PrivateKey:
    return generate_key("ecdsa")


@pytest.fixture(scope="session")
def other_rsa_key() -> PrivateKey:
    return generate_key("rsa")


@pytest.fixture(scope="session", params=["rsa", "ecdsa"])
def any_key(request: pytest.FixtureRequest, rsa_key: PrivateKey, ecdsa_key: PrivateKey) -> PrivateKey:
    return rsa_key if request.param == "rsa" else ecdsa_key


@pytest.fixture
def signer(rsa_key: PrivateKey) -> Signer:
    return Signer(KEY_ID, rsa_key)


@contextmanager
def int_str_digits(limit: int) -> Iterator[None]:
    """Python's int<->str digit limit set to ``limit`` (0: none) inside the block, restored after."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(limit)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


@pytest.fixture
def huge_int_reports() -> Iterator[None]:
    """No int<->str digit limit while a property test runs, so hypothesis can shrink and print a failing example.

    Hypothesis formats every choice of a failing example before shrinking it: an int over 4,300 digits
    then raises ValueError there and hides the real failure. The code under test should still see
    Python's default limit: wrap the test's body in ``int_str_digits(sys.int_info.default_max_str_digits)``.
    """
    with int_str_digits(0):
        yield
