"""Fetch what CloudFront actually trusts: a distribution, its key groups and their public keys.

Needs the ``[aws]`` extra (boto3), imported only when a function here runs (without it: a
:class:`~cfsign_nb.errors.MissingExtraError` naming ``pip install "cfsign-nb[aws]"``). The result plugs into
``diagnose(url, public_keys=trusted.public_keys, distribution=trusted.config)`` so a signature is
checked against the keys the matched behavior really trusts. Read-only: only ``Get*`` calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .distribution import DistributionConfig, load_distribution, match_behavior
from .errors import CfSignError, SetupError
from .extras import require
from .keys import PublicKey, load_public_key

__all__ = [
    "AwsLookupError",
    "TrustedKeys",
    "cloudfront_client",
    "fetch_distribution",
    "fetch_key_groups",
    "fetch_public_keys",
    "fetch_trusted_keys",
]

_PERMISSIONS = "cloudfront:GetDistribution, cloudfront:GetKeyGroup and cloudfront:GetPublicKey"


class AwsLookupError(SetupError):
    """An AWS call failed (no credentials, missing permission, unknown id, no network)."""


@dataclass(frozen=True)
class TrustedKeys:
    """A distribution (with its key-group membership filled in) and the public keys it trusts, by id."""

    config: DistributionConfig
    public_keys: Mapping[str, PublicKey] = field(default_factory=dict, compare=False)

    def for_path(self, url_or_path: str) -> dict[str, PublicKey]:
        """Only the keys the cache behavior serving ``url_or_path`` trusts."""
        trusted = self.config.trusted_key_ids(match_behavior(self.config, url_or_path))
        if trusted is None:
            return dict(self.public_keys)
        return {kid: key for kid, key in self.public_keys.items() if kid in trusted}


def cloudfront_client(**client_kwargs: Any) -> Any:
    """A boto3 CloudFront client (``endpoint_url=``, ``region_name=`` ... pass through)."""
    require("aws", needed_for="looking up CloudFront keys")
    import boto3

    client_kwargs.setdefault("region_name", "us-east-1")
    return boto3.client("cloudfront", **client_kwargs)


def fetch_distribution(distribution_id: str, *, client: Any = None) -> DistributionConfig:
    """``get-distribution`` as a :class:`DistributionConfig` (key-group membership not yet filled in)."""
    response = _call(client, "get_distribution", f"distribution {distribution_id}", Id=distribution_id)
    return load_distribution(response)


def fetch_key_groups(group_ids: Iterable[str], *, client: Any = None) -> dict[str, tuple[str, ...]]:
    """Key group id → the public key ids it holds (``get-key-group``)."""
    cf = client or cloudfront_client()
    groups: dict[str, tuple[str, ...]] = {}
    for group_id in dict.fromkeys(group_ids):
        response = _call(cf, "get_key_group", f"key group {group_id}", Id=group_id)
        items = response.get("KeyGroup", {}).get("KeyGroupConfig", {}).get("Items", [])
        groups[group_id] = tuple(str(item) for item in items)
    return groups


def fetch_public_keys(key_ids: Iterable[str], *, client: Any = None) -> dict[str, PublicKey]:
    """Public key id → the loaded key (``get-public-key``'s ``EncodedKey`` PEM)."""
    cf = client or cloudfront_client()
    keys: dict[str, PublicKey] = {}
    for key_id in dict.fromkeys(key_ids):
        response = _call(cf, "get_public_key", f"public key {key_id}", Id=key_id)
        pem = response.get("PublicKey", {}).get("PublicKeyConfig", {}).get("EncodedKey", "")
        try:
            keys[key_id] = load_public_key(pem)
        except CfSignError as err:
            raise AwsLookupError(f"public key {key_id} from CloudFront cannot be loaded: {err}") from None
    return keys


def fetch_trusted_keys(distribution_id: str, *, client: Any = None) -> TrustedKeys:
    """The distribution, the members of every key group its behaviors trust, and those public keys."""
    cf = client or cloudfront_client()
    config = fetch_distribution(distribution_id, client=cf)
    wanted = [g for b in config.behaviors if b.uses_key_groups for g in b.trusted_key_groups]
    groups = fetch_key_groups(wanted, client=cf)
    config = config.with_key_groups(groups)
    key_ids = [k for members in groups.values() for k in members]
    return TrustedKeys(config, MappingProxyType(fetch_public_keys(key_ids, client=cf)))


def _call(client: Any, operation: str, what: str, **kwargs: Any) -> Mapping[str, Any]:
    cf = client or cloudfront_client()
    require("aws", needed_for="calling CloudFront")
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError  # boto3 brings botocore

    try:
        return getattr(cf, operation)(**kwargs)
    except NoCredentialsError:
        raise AwsLookupError(
            "no AWS credentials found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
            f"for an identity allowed {_PERMISSIONS}"
        ) from None
    except ClientError as err:
        error = err.response.get("Error", {})
        code = error.get("Code", "Error")
        hint = {
            "AccessDenied": f"grant {_PERMISSIONS} to this identity",
            "NoSuchDistribution": "check the distribution id (aws cloudfront list-distributions)",
            "NoSuchResource": "check the id (aws cloudfront list-key-groups / list-public-keys)",
            "NoSuchPublicKey": "check the public key id (aws cloudfront list-public-keys)",
        }.get(code, "check the id and your AWS permissions")
        message = error.get("Message", "")
        raise AwsLookupError(f"CloudFront refused to return {what}: {code} ({message}); {hint}") from None
    except BotoCoreError as err:
        raise AwsLookupError(f"could not reach CloudFront for {what}: {err}; check the endpoint and network") from None
