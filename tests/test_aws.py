"""The AWS lookup against moto running as a real HTTP server on 127.0.0.1 (no traffic leaves loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from cfsign_nb import Signer, diagnose  # noqa: E402
from cfsign_nb.aws import AwsLookupError, cloudfront_client, fetch_public_keys, fetch_trusted_keys  # noqa: E402

from .conftest import NOW  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def client(endpoint, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return cloudfront_client(endpoint_url=endpoint)


def _public_key(client, name: str, pem: str) -> str:
    response = client.create_public_key(PublicKeyConfig={"CallerReference": name, "Name": name, "EncodedKey": pem})
    return response["PublicKey"]["Id"]


def _key_group(client, name: str, key_ids: list[str]) -> str:
    return client.create_key_group(KeyGroupConfig={"Name": name, "Items": key_ids})["KeyGroup"]["Id"]


def _behavior(groups: list[str], pattern: str | None = None) -> dict:
    item = {
        "TargetOriginId": "origin",
        "ViewerProtocolPolicy": "redirect-to-https",
        "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), **({"Items": groups} if groups else {})},
        "MinTTL": 0,
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }
    return {"PathPattern": pattern, **item} if pattern else item


def test_fetch_trusted_keys_from_a_real_moto_server(client, rsa_key, ecdsa_key) -> None:
    rsa_id = _public_key(client, "rsa", rsa_key.public_key_pem())
    ec_id = _public_key(client, "ecdsa", ecdsa_key.public_key_pem())
    videos = _key_group(client, "videos", [rsa_id])
    reports = _key_group(client, "reports", [ec_id])
    created = client.create_distribution(DistributionConfig={
        "CallerReference": "cfsign-test",
        "Comment": "cfsign",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "origin", "DomainName": "bucket.s3.amazonaws.com",
                                             "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": _behavior([]),
        "CacheBehaviors": {"Quantity": 2, "Items": [_behavior([videos], "/videos/*"), _behavior([reports], "/reports/*")]},
    })
    dist_id = created["Distribution"]["Id"]
    domain = created["Distribution"]["DomainName"]

    trusted = fetch_trusted_keys(dist_id, client=client)

    assert trusted.config.id == dist_id
    assert [b.path_pattern for b in trusted.config.behaviors] == ["/videos/*", "/reports/*", "*"]
    assert trusted.config.key_ids(videos) == (rsa_id,) and trusted.config.key_ids(reports) == (ec_id,)
    assert set(trusted.public_keys) == {rsa_id, ec_id}
    assert trusted.public_keys[rsa_id] == rsa_key.public_key
    assert set(trusted.for_path("/videos/a.mp4")) == {rsa_id}

    url = Signer(rsa_id, rsa_key).sign_url(f"https://{domain}/videos/a.mp4", expires=NOW + 600)
    assert diagnose(url, public_keys=trusted.public_keys, now=NOW, distribution=trusted.config).ok
    wrong = Signer(ec_id, ecdsa_key).sign_url(f"https://{domain}/videos/a.mp4", expires=NOW + 600)
    result = diagnose(wrong, public_keys=trusted.public_keys, now=NOW, distribution=trusted.config)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" in result.codes and result.cloudfront_error == "InvalidKey"


def test_unknown_ids_give_a_fix(client) -> None:
    with pytest.raises(AwsLookupError, match="check the"):
        fetch_trusted_keys("ENOSUCHDIST", client=client)
    with pytest.raises(AwsLookupError):
        fetch_public_keys(["KNOSUCHKEY"], client=client)


def test_importing_cfsign_nb_does_not_import_boto3() -> None:
    code = "import sys, cfsign_nb, cfsign_nb.distribution; print(any(m in sys.modules for m in ('boto3', 'botocore', 'starlette', 'uvicorn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_lookup_errors_are_setup_errors_and_a_missing_boto3_names_the_extra() -> None:
    from cfsign_nb.errors import SetupError

    assert issubclass(AwsLookupError, SetupError) and not issubclass(AwsLookupError, ValueError)
    code = ("import sys; sys.modules['boto3'] = None\n"
            "from cfsign_nb.aws import cloudfront_client\n"
            "from cfsign_nb.errors import MissingExtraError\n"
            "try:\n    cloudfront_client()\nexcept MissingExtraError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "cfsign-nb[aws]"' in out
