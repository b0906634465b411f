"""The differential search: which plausible variant of the signed bytes does verify.

When a signature does not verify, the signer most likely did something slightly different: the
other hash, another of the trusted keys, the URL before a change (scheme, query, encoding, slash,
port), the canned policy in the format a broken signer writes, a raw or doubly encoded signature.
Each variant is tried in turn, and the one that verifies is reported as the cause. The work is
bounded per artifact, whatever the input: variants, verifications and bytes (hostile input stays
cheap, and says so in SEARCH_CUT_SHORT).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ..decode import Decoded
from ..distribution import load_distribution
from ..encoding import decode_any
from ..errors import CfSignError
from ..findings import Finding, finding
from ..keys import PublicKey
from ..policy import canned_policy_json
from ..protocol import CANNED_TEMPLATE, URL_LIMIT
from ..settings import TRACE
from ..times import MAX_SECONDS, format_epoch
from .model import Context, parameter_prefix
from .rewrites import SEARCH_PARAMETERS as SEARCH_PARAMETERS  # re-exported by the package
from .rewrites import canned_format_variants, custom_variants, expiry_variants, url_variants

SEARCH_VARIANTS = 100
"""Policy variants the differential search tries per artifact at most (a normal URL needs about 30)."""
SEARCH_VERIFICATIONS = 256
"""Signature verifications the differential search makes per artifact at most (keys × hashes × variants)."""
SEARCH_BYTES = URL_LIMIT
"""Longer URLs or policies are not varied: CloudFront refuses them before looking at any signature."""


@dataclass(frozen=True)
class _Variant:
    """Signed bytes to try, and the code and message that name them; ``narrow`` ones are tried with the named
    key, declared hash and sent signature only (one verification each) and do not count as variants."""

    code: str | None
    description: str
    policy_bytes: bytes
    narrow: bool = False
    evidence: Mapping[str, Any] = field(default_factory=dict)


class _Budget:
    """What is left of one artifact's differential search, and why it stopped early (if it did)."""

    def __init__(self) -> None:
        self.variants = SEARCH_VARIANTS
        self.verifications = SEARCH_VERIFICATIONS
        self.notes: list[str] = []

    def cut(self, note: str) -> None:
        """Record why part of the search was skipped (each reason once)."""
        if note not in self.notes:
            self.notes.append(note)


def explain_mismatch(d: Decoded, ctx: Context, key: PublicKey | None) -> Iterator[Finding]:
    """Why the signature does not verify: the variant that does, else SIGNATURE_MISMATCH.

    Also says so (SEARCH_CUT_SHORT) when a bound stopped the search before every variant was tried.
    """
    budget = _Budget()
    explained = _search(d, ctx, key, budget)
    if budget.notes:
        yield finding(
            "SEARCH_CUT_SHORT",
            f"the search for what the signer did differently was cut short ({'; '.join(budget.notes)}), "
            "so a cause among the variants not tried would go unnamed",
            f"compare the signer's stages with {TRACE.python}; an input this "
            "large or unusual is rarely a real signed URL",
            reasons=list(budget.notes),
        )
    if explained:
        yield from explained
    elif d.source == "cookies" and d.policy_kind == "canned":
        yield finding(
            "SIGNATURE_MISMATCH",
            f"the canned cookies do not verify for {str(d.resource_url)[:200]!r}: a canned cookie "
            "authorises exactly the one URL it was signed for, so cookies signed for another URL "
            "(another video segment, another page) are refused",
            "to cover many URLs, sign the cookies with a custom policy and a wildcard Resource "
            "(e.g. https://host/videos/*); otherwise check the key that signed them",
            key_pair_id=d.key_pair_id,
        )
    elif key is not None and d.signature is not None and _other_key_type(d.signature, key):
        size, other = len(d.signature), _other_key_type(d.signature, key)
        yield finding(
            "SIGNATURE_MISMATCH",
            f"the signature does not verify: it is {size} bytes, the size of an {other} signature, but the "
            f"public key given for {str(d.key_pair_id)[:40]!r} is {key.description}, so another key signed it",
            f"give the public key of the {other} key pair that signed it (as uploaded to CloudFront), or sign "
            f"with the {key.description} private key that belongs to this Key-Pair-Id",
            key_pair_id=d.key_pair_id, signature_bytes=size, key_type=key.description, signed_with=other,
        )
    else:
        yield finding(
            "SIGNATURE_MISMATCH",
            "the signature does not verify, and no likely variant (other hash, other key, URL or "
            "policy as it may have been signed) explains it",
            "sign again with the private key that belongs to this Key-Pair-Id, over exactly the policy "
            f"CloudFront sees; compare your stages with {TRACE.python}",
            key_pair_id=d.key_pair_id,
            hash_algorithm=d.hash_algorithm,
        )


def _other_key_type(signature: bytes, key: PublicKey) -> str:
    """The key type a signature's size shows when it cannot be ``key``'s, else "": an RSA signature is as
    long as the modulus (256 bytes for RSA-2048), an ECDSA P-256 one at most 72 (DER) or 64 (raw r||s)."""
    size = len(signature)
    if key.algorithm == "RSA" and size <= 72 and size != (key.size + 7) // 8:
        return "ECDSA P-256"
    if key.algorithm == "ECDSA" and size in (128, 256, 384, 512):
        return f"RSA-{size * 8}"
    return ""


def _search(d: Decoded, ctx: Context, key: PublicKey | None, budget: _Budget) -> list[Finding]:
    """Find what the signer most likely did, by verifying plausible variants of the signed bytes.

    The work is bounded by ``budget`` (variants, verifications, bytes), whatever the input.
    """
    assert d.signature is not None and d.policy_bytes is not None
    if len(d.policy_bytes) > SEARCH_BYTES * 3:
        budget.cut(f"the policy is {len(d.policy_bytes):,} bytes, more than a request to CloudFront can carry, "
                   "so no variant was tried")
        return []
    declared = d.hash_algorithm
    other_hash = "SHA256" if declared == "SHA1" else "SHA1"
    keys: list[tuple[str, PublicKey]] = []
    if key is not None:
        keys.append((d.key_pair_id or "", key))
    keys += [(kid, k) for kid, k in ctx.public_keys.items() if kid != d.key_pair_id and k != key]
    signatures: list[tuple[bytes, str | None]] = [(d.signature, None)]
    if len(d.signature) == 64:
        half = len(d.signature) // 2
        der = encode_dss_signature(int.from_bytes(d.signature[:half], "big"), int.from_bytes(d.signature[half:], "big"))
        signatures.append((der, "ECDSA_SIGNATURE_NOT_DER"))
    if d.signature.isascii():
        inner, _ = decode_any(d.signature.decode("ascii").strip())
        if inner:
            signatures.append((inner, "SIGNATURE_DOUBLE_BASE64"))
    pairs = ((key_id, name, candidate.verifier(name)) for key_id, candidate in keys for name in (declared, other_hash))
    verifiers = list(itertools.islice(pairs, budget.verifications))  # each costs a verification per variant
    variants = itertools.chain([_Variant(None, "", d.policy_bytes)], _policy_variants(d, ctx, budget))
    tried = 0
    for variant in variants:
        if not variant.narrow:
            if tried >= budget.variants:
                budget.cut(f"{budget.variants} variants of the signed bytes were tried")
                return []
            tried += 1
        for key_id, hash_name, verify in verifiers[:1] if variant.narrow else verifiers:
            for signature, encoding_code in signatures[:1] if variant.narrow else signatures:
                if budget.verifications <= 0:
                    budget.cut(f"{SEARCH_VERIFICATIONS} signature verifications were made")
                    return []
                budget.verifications -= 1
                if verify(signature, variant.policy_bytes):
                    return list(_explanations(d, variant, key_id, hash_name, encoding_code))
    return []


def _explanations(
    d: Decoded, variant: _Variant, key_id: str, hash_name: str, encoding_code: str | None
) -> Iterator[Finding]:
    prefix = parameter_prefix(d)
    if variant.code is not None:
        yield finding(
            variant.code,
            variant.description,
            _VARIANT_FIXES[variant.code],
            signed_policy=variant.policy_bytes.decode("utf-8", "replace")[:2000],
            **variant.evidence,
        )
    if key_id != d.key_pair_id:
        yield finding(
            "SIGNED_WITH_OTHER_KEY",
            f"{prefix}Key-Pair-Id says {str(d.key_pair_id)[:40]!r}, but the signature was made with the "
            f"private key of {key_id!r}",
            f"send {prefix}Key-Pair-Id={key_id}, or sign with the private key that belongs to "
            f"{d.key_pair_id}",
            signed_with=key_id,
        )
    if hash_name != d.hash_algorithm and d.hash_algorithm_value in (None, "SHA1", "SHA256", "sha1", "sha256"):
        if hash_name == "SHA256":
            yield finding(
                "HASH_ALGORITHM_MISSING",
                f"the signature was made over SHA-256, but nothing tells CloudFront so "
                f"({prefix}Hash-Algorithm is {d.hash_algorithm_value or 'absent'}), so it checks SHA-1",
                f"add {prefix}Hash-Algorithm=SHA256 (the AWS CLI always signs ECDSA keys with SHA-256)",
            )
        else:
            yield finding(
                "HASH_ALGORITHM_MISMATCH",
                f"{prefix}Hash-Algorithm says SHA256, but the signature was made over SHA-1",
                f"drop {prefix}Hash-Algorithm (SHA-1 is the default), or sign with SHA-256",
            )
    if encoding_code == "ECDSA_SIGNATURE_NOT_DER":
        yield finding(
            "ECDSA_SIGNATURE_NOT_DER",
            "the ECDSA signature is a raw 64-byte r||s pair; CloudFront expects ASN.1 DER",
            "DER-encode it (encode_dss_signature(r, s)) before base64-encoding",
        )
    elif encoding_code == "SIGNATURE_DOUBLE_BASE64":
        yield finding(
            "SIGNATURE_DOUBLE_BASE64",
            "the signature was base64-encoded twice: once decoded it is still base64 text, and the "
            "signature inside it verifies",
            "base64-encode the raw signature bytes once, then apply CloudFront's substitutions",
        )


_VARIANT_FIXES = {
    "URL_CHANGED_AFTER_SIGNING": "sign exactly the URL the viewer requests (scheme, host, path "
    "encoding and query string, in order), and change nothing after signing",
    "CANNED_POLICY_FORMAT": "sign the canned policy exactly as CloudFront rebuilds it: "
    f"{CANNED_TEMPLATE.replace('%s', 'URL').replace('%d', 'N')} "
    "with no whitespace, keys in this order and the epoch unquoted",
    "POLICY_CHANGED_AFTER_SIGNING": "sign the same bytes you base64-encode into Policy (serialise the policy "
    "once, compactly, and use those bytes for both)",
    "EXPIRES_CHANGED_AFTER_SIGNING": "compute the expiry once, in UTC epoch seconds (time.time() + lifetime, not a "
    "local datetime's timestamp), sign it and send that same number",
}


def _policy_variants(d: Decoded, ctx: Context, budget: _Budget) -> Iterator[_Variant]:
    if d.policy_kind == "canned" and d.resource_url and d.expires is not None:
        resource, expires = d.resource_url, d.expires
        what = "the cookie" if d.source == "cookies" else "the URL"
        if len(resource) > SEARCH_BYTES:
            budget.cut(f"the URL is {len(resource):,} characters, longer than CloudFront accepts, so it was not varied")
            return
        for url, how in url_variants(resource, budget.cut, _other_names(ctx)):
            yield _Variant(
                "URL_CHANGED_AFTER_SIGNING",
                f"{what} was signed for {url[:300]!r} ({how}), but the request is for {resource[:300]!r}",
                canned_policy_json(url, expires),
                evidence={"signed_url": url[:2000]},
            )
        for policy, how in canned_format_variants(resource, expires):
            yield _Variant(
                "CANNED_POLICY_FORMAT",
                f"the signer signed the canned policy {how}; CloudFront rebuilds it compact, in a fixed "
                "key order, with the epoch unquoted",
                policy,
            )
        for signed, how in expiry_variants(expires):
            yield _Variant(
                "EXPIRES_CHANGED_AFTER_SIGNING",
                f"Expires was changed after signing: the signature is for {_moment(signed)}, but {what} sends "
                f"{_moment(expires)}, {how}",
                canned_policy_json(resource, signed),
                narrow=True,
                evidence={"signed_expires": signed, "sent_expires": expires},
            )
    elif d.policy_kind == "custom" and d.policy_bytes is not None:
        for policy, how in custom_variants(d):
            yield _Variant(
                "POLICY_CHANGED_AFTER_SIGNING",
                f"the signature is over {how}, not over the Policy bytes sent",
                policy,
            )


def _other_names(ctx: Context) -> tuple[str, ...]:
    """The names of the distribution the request is judged against (DomainName and Aliases), when one is known."""
    config = getattr(ctx, "distribution", None)
    if config is None:
        return ()
    try:
        return load_distribution(config).hostnames
    except (CfSignError, ValueError, TypeError, RecursionError):  # run.py reports an unreadable config
        return ()


def _moment(expires: int) -> str:
    """``Expires=N`` with the time it names, when it is one."""
    return f"Expires={expires} ({format_epoch(expires)})" if 0 <= expires < MAX_SECONDS else f"Expires={expires}"
