"""Shared fixtures: real keys generated once per session (never committed), a fixed clock."""

from __future__ import annotations

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
