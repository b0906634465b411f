"""A CloudFront distribution config as a value, and how to read one.

:func:`load_distribution` reads what ``aws cloudfront get-distribution`` / ``get-distribution-config``
print (or boto3 returns) into a :class:`DistributionConfig`: its cache behaviors in evaluation
order, its host names and the keys its key groups hold.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..wildcard import wildcard_match

MAX_PATH_PATTERN = 255
"""CloudFront's limit on a cache behavior's ``PathPattern`` (characters)."""


class DistributionError(InputError):
    """A distribution config cannot be read or used."""


@dataclass(frozen=True)
class Behavior:
    """One cache behavior; the default behavior has ``path_pattern`` ``"*"`` and ``is_default``.

    A behavior *restricts viewer access* when it trusts key groups or (legacy) trusted signers:
    then CloudFront serves its objects only to signed URLs or cookies.
    """

    path_pattern: str
    index: int
    is_default: bool = False
    target_origin_id: str = ""
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: tuple[str, ...] = ("GET", "HEAD")
    trusted_key_groups: tuple[str, ...] = ()
    key_groups_enabled: bool = False
    trusted_signers: tuple[str, ...] = ()
    signers_enabled: bool = False

    @property
    def restricted(self) -> bool:
        """True when CloudFront requires a signed URL or signed cookies for this behavior."""
        return self.uses_key_groups or self.uses_trusted_signers

    @property
    def uses_key_groups(self) -> bool:
        return self.key_groups_enabled and bool(self.trusted_key_groups)

    @property
    def uses_trusted_signers(self) -> bool:
        return self.signers_enabled and bool(self.trusted_signers)

    @property
    def label(self) -> str:
        """How people name it: the path pattern, or "the default behavior (*)"."""
        return "the default behavior (*)" if self.is_default else f"behavior {self.path_pattern!r}"

    def matches(self, path: str) -> bool:
        """True when this behavior's path pattern matches ``path`` (query ignored, case-sensitive)."""
        return wildcard_match(pattern_body(self.path_pattern), normal_path(path))


@dataclass(frozen=True)
class DistributionConfig:
    """The parts of a distribution that decide who may fetch what.

    ``behaviors`` are in CloudFront's evaluation order, default last. ``key_groups`` maps a key
    group id to its public key ids when known (from ``ActiveTrustedKeyGroups`` or ``get-key-group``);
    ``trusted_signer_keys`` maps an AWS account (``self`` included) to its active key pair ids.
    """

    behaviors: tuple[Behavior, ...]
    id: str | None = None
    domain_name: str | None = None
    aliases: tuple[str, ...] = ()
    ipv6_enabled: bool = False
    enabled: bool = True
    default_root_object: str | None = None
    key_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trusted_signer_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    comment: str = field(default="", compare=False)

    @property
    def default_behavior(self) -> Behavior:
        return self.behaviors[-1]

    @property
    def cache_behaviors(self) -> tuple[Behavior, ...]:
        return self.behaviors[:-1]

    @property
    def hostnames(self) -> tuple[str, ...]:
        """The hosts this distribution answers: its ``*.cloudfront.net`` name (when known) and aliases."""
        return ((self.domain_name,) if self.domain_name else ()) + self.aliases

    def key_ids(self, group_id: str) -> tuple[str, ...] | None:
        """The public key ids in ``group_id``, or None when the config does not say."""
        for gid, keys in self.key_groups:
            if gid == group_id:
                return keys
        return None

    def trusted_key_ids(self, behavior: Behavior) -> frozenset[str] | None:
        """Every key pair id ``behavior`` accepts, or None when some of its key groups are unknown."""
        ids: set[str] = set()
        if behavior.uses_key_groups:
            for group in behavior.trusted_key_groups:
                keys = self.key_ids(group)
                if keys is None:
                    return None
                ids.update(keys)
        if behavior.uses_trusted_signers:
            known = dict(self.trusted_signer_keys)
            for account in behavior.trusted_signers:
                if account not in known:
                    return None
                ids.update(known[account])
        return frozenset(ids)

    def with_key_groups(self, key_groups: Mapping[str, Iterable[str]]) -> DistributionConfig:
        """A copy that knows the members of these key groups (e.g. from ``get-key-group``)."""
        merged = dict(self.key_groups)
        merged.update({str(g): tuple(str(k) for k in keys) for g, keys in key_groups.items()})
        return replace(self, key_groups=tuple(sorted(merged.items())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain_name": self.domain_name,
            "aliases": list(self.aliases),
            "ipv6_enabled": self.ipv6_enabled,
            "behaviors": [
                {"path_pattern": b.path_pattern, "restricted": b.restricted,
                 "trusted_key_groups": list(b.trusted_key_groups), "trusted_signers": list(b.trusted_signers),
                 "viewer_protocol_policy": b.viewer_protocol_policy}
                for b in self.behaviors
            ],
            "key_groups": {g: list(k) for g, k in self.key_groups},
        }


# --- loading --------------------------------------------------------------------------------

def load_distribution(
    source: object, *, key_groups: Mapping[str, Iterable[str]] | None = None
) -> DistributionConfig:
    """Read a distribution from the JSON of ``get-distribution``/``get-distribution-config``, a path,
    JSON text, the boto3 response dict, or a bare ``DistributionConfig`` dict.

    ``key_groups`` (group id → public key ids) fills in membership that a ``-config`` output lacks.
    """
    if isinstance(source, DistributionConfig):
        config = source
    else:
        document, where = _document(source)
        try:
            config = _from_document(document)
        except DistributionError as err:
            raise DistributionError(f"{where}{err}") from None
        except (ValueError, TypeError, RecursionError) as err:
            raise DistributionError(
                f"{where}the distribution config cannot be read ({type(err).__name__}: {str(err)[:200]}); "
                "save the output of 'aws cloudfront get-distribution --id ID' as it is"
            ) from None
    return config.with_key_groups(key_groups) if key_groups else config


def _document(source: object) -> tuple[Mapping[str, Any], str]:
    """The config's JSON object, and how to name where it came from in a message (a file, or "")."""
    if isinstance(source, Mapping):
        return source, ""
    if isinstance(source, bytes | bytearray):
        source = bytes(source).decode("utf-8", "replace")
    where = ""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        where = f"{str(path)[:200]!r}: "
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise DistributionError(
                f"{where}the distribution config is not UTF-8 text (byte {err.start}); save the JSON that "
                "'aws cloudfront get-distribution --id ID' prints, as it is, in UTF-8"
            ) from None
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)[:200]
            raise DistributionError(
                f"cannot read the distribution config {str(path)[:200]!r} ({reason}); "
                "save it with: aws cloudfront get-distribution --id ID > dist.json"
            ) from None
    else:
        raise DistributionError(
            f"cannot read a distribution from a {type(source).__name__}; pass the JSON of "
            "'aws cloudfront get-distribution', a path to it, or the boto3 response dict"
        )
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DistributionError(
            f"{where}the distribution config is not valid JSON ({type(err).__name__}: {str(err)[:200]}); "
            "save the output of 'aws cloudfront get-distribution --id ID' as it is"
        ) from None
    if not isinstance(document, Mapping):
        raise DistributionError(
            f"{where}the distribution config must be a JSON object, as get-distribution prints it"
        )
    return document, where


def _from_document(document: Mapping[str, Any]) -> DistributionConfig:
    outer: Mapping[str, Any] = document
    if isinstance(document.get("Distribution"), Mapping):
        outer = document["Distribution"]
    config = outer.get("DistributionConfig", outer)
    if not isinstance(config, Mapping) or not isinstance(config.get("DefaultCacheBehavior"), Mapping):
        raise DistributionError(
            "no DefaultCacheBehavior found: pass the output of 'aws cloudfront get-distribution' or "
            "'get-distribution-config' (or its DistributionConfig object)"
        )
    behaviors = [
        _behavior(item, i) for i, item in enumerate(_items(config.get("CacheBehaviors")))
        if isinstance(item, Mapping)
    ]
    behaviors.append(_behavior(config["DefaultCacheBehavior"], len(behaviors), default=True))
    key_groups: list[tuple[str, tuple[str, ...]]] = []
    for item in _items(outer.get("ActiveTrustedKeyGroups")):
        if isinstance(item, Mapping) and item.get("KeyGroupId"):
            key_groups.append((str(item["KeyGroupId"]), _strings(item.get("KeyPairIds"))))
    signers: list[tuple[str, tuple[str, ...]]] = []
    for item in _items(outer.get("ActiveTrustedSigners")):
        if isinstance(item, Mapping) and item.get("AwsAccountNumber"):
            signers.append((str(item["AwsAccountNumber"]), _strings(item.get("KeyPairIds"))))
    root = config.get("DefaultRootObject") or None
    return DistributionConfig(
        behaviors=tuple(behaviors),
        id=_str_or_none(outer.get("Id")),
        domain_name=_str_or_none(outer.get("DomainName")),
        aliases=_strings(config.get("Aliases")),
        ipv6_enabled=bool(config.get("IsIPV6Enabled", False)),
        enabled=bool(config.get("Enabled", True)),
        default_root_object=str(root) if root else None,
        key_groups=tuple(key_groups),
        trusted_signer_keys=tuple(signers),
        comment=str(config.get("Comment") or ""),
    )


def _behavior(item: Mapping[str, Any], index: int, default: bool = False) -> Behavior:
    key_groups: Mapping[str, Any] = item.get("TrustedKeyGroups") or {}
    signers: Mapping[str, Any] = item.get("TrustedSigners") or {}
    key_groups = key_groups if isinstance(key_groups, Mapping) else {}
    signers = signers if isinstance(signers, Mapping) else {}
    methods = _strings(item.get("AllowedMethods")) or ("GET", "HEAD")
    pattern = "*" if default else str(item.get("PathPattern") or "")
    if not default and not pattern:
        raise DistributionError(f"cache behavior {index} has no PathPattern; every cache behavior needs one")
    if len(pattern) > MAX_PATH_PATTERN:
        raise DistributionError(
            f"cache behavior {index} has a PathPattern of {len(pattern):,} characters; CloudFront allows "
            f"at most {MAX_PATH_PATTERN}: shorten it (a '*' covers any run of characters)"
        )
    return Behavior(
        path_pattern=pattern,
        index=index,
        is_default=default,
        target_origin_id=str(item.get("TargetOriginId") or ""),
        viewer_protocol_policy=str(item.get("ViewerProtocolPolicy") or "allow-all"),
        allowed_methods=tuple(m.upper() for m in methods),
        trusted_key_groups=_strings(key_groups),
        key_groups_enabled=bool(key_groups.get("Enabled", bool(_strings(key_groups)))),
        trusted_signers=_strings(signers),
        signers_enabled=bool(signers.get("Enabled", bool(_strings(signers)))),
    )


def _items(value: object) -> list[Any]:
    """``{"Quantity": n, "Items": [...]}`` (or a bare list) as a list; boto3 and the CLI both use it."""
    if isinstance(value, Mapping):
        value = value.get("Items")
    if isinstance(value, Mapping):  # XML-shaped: {"Items": {"KeyGroup": [...]}}
        value = next(iter(value.values()), [])
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in _items(value) if isinstance(item, str | int))


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None


# --- what a path pattern matches ------------------------------------------------------------

def normal_path(path: str) -> str:
    """A path as CloudFront compares it with path patterns: the leading ``/`` is optional."""
    return path[1:] if path.startswith("/") else path


@lru_cache(maxsize=1024)
def pattern_body(pattern: str) -> str:
    """A path pattern as matched: ``&amp;`` read as ``&``, without its optional leading ``/``."""
    return normal_path(pattern.replace("&amp;", "&"))
