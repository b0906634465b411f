"""Transport faults: what happened to a signed URL between the signer and CloudFront, or instead of it.

The paste the artifact was taken from (PASTE_EXTRACTED), an S3 presigned URL where a CloudFront
one was expected (S3_PRESIGNED_URL), ``&amp;`` for ``&`` (HTML_ESCAPED_QUERY), a URL cut off on
its way (URL_TRUNCATED), and a CloudFront signature on an origin's own host (NOT_A_CLOUDFRONT_HOST).
Each check reads the text once, left to right: no regular expression over untrusted input.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from itertools import pairwise
from typing import Literal

from ..decode import Decoded
from ..distribution.match import hostname, url_netloc
from ..encoding import decode_any
from ..findings import Finding, finding
from ..keys import PublicKey
from ..parameters import shorten
from ..protocol import SIGNING_PARAMETERS
from ..settings import SIGN
from .hosts import origin_endpoint
from .model import Context

TYPICAL_LIMITS = (255, 256, 1000, 1024, 2000, 2047, 2048, 2083, 4000, 4096, 8000, 8192)
"""Lengths at which text is commonly cut: database columns, buffers, browsers' and tools' URL limits."""

_ESCAPES = ("amp;",)  # &#38; would start a fragment: the browser never sends what follows
_SIGNER_ORDER = {"Expires": 0, "Policy": 0, "Signature": 1, "Key-Pair-Id": 2}
_SIGV4 = frozenset({"x-amz-algorithm", "x-amz-credential", "x-amz-signature", "x-amz-signedheaders"})
_MAX_PAIRS = 10_000


def check_paste_notes(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """Say what was taken out of a larger paste, and what was removed or undone, so the user can check it."""
    notes = tuple(d.paste_notes)
    if not notes:
        return
    others = tuple(d.others)
    also = ""
    if others:
        shown = "; ".join(shorten(other, 100) for other in others[:3])
        also = f"; the text also holds {len(others)} other artifact{'s' if len(others) > 1 else ''}: {shown}"
    yield finding(
        "PASTE_EXTRACTED",
        f"the artifact was taken out of the pasted text: {'; '.join(notes[:12])}{also}",
        "check that this is the request you meant; paste one artifact alone to diagnose it exactly as it is",
        notes=list(notes), others=list(others),
    )


def s3_query_auth(d: Decoded) -> Literal["SigV4", "SigV2"] | None:
    """Which S3 query authentication the URL carries (and no CloudFront Key-Pair-Id), or None."""
    if d.source != "url" or d.url is None or d.key_pair_id:
        return None
    return _s3_query_auth(d.url)


@functools.lru_cache(maxsize=1)  # the checks of one diagnosis follow each other; one URL is kept, not many
def _s3_query_auth(url: str) -> Literal["SigV4", "SigV2"] | None:
    """:func:`s3_query_auth` of a URL; cached, since every CloudFront check asks it of the same URL."""
    if "X-Amz-" not in url and "x-amz-" not in url and "AWSAccessKeyId" not in url:
        return None
    names = {name.lower() for name, _ in _pairs(url)}
    if names & _SIGV4:
        return "SigV4"
    if "awsaccesskeyid" in names and "signature" in names and "expires" in names:
        return "SigV2"
    return None


def check_s3_presigned(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """An S3 presigned URL is S3's, not CloudFront's: no CloudFront check applies to it."""
    kind = s3_query_auth(d)
    if kind is None:
        return
    what = ("AWS Signature Version 4 (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature)" if kind == "SigV4"
            else "the old Signature Version 2 (AWSAccessKeyId, Signature, Expires)")
    yield finding(
        "S3_PRESIGNED_URL",
        f"this is an S3 presigned URL, signed with {what} and an AWS access key: S3 checks it, CloudFront does "
        "not (a CloudFront behavior that restricts viewer access answers MissingKey to it, and S3 behind "
        "CloudFront sees another Host than the one signed)",
        "to serve through CloudFront, sign a CloudFront URL for the distribution's domain with your CloudFront key "
        f"pair ({SIGN.python}, or botocore's CloudFrontSigner), not with S3's generate_presigned_url; to use the "
        "presigned URL, request it from S3 directly, unchanged",
        scheme=kind,
    )


def html_escaped(d: Decoded) -> list[tuple[str, int]]:
    """The signing parameters that arrived HTML-escaped (``amp;Signature``), each with how many times."""
    if d.source != "url" or d.url is None or "amp;" not in d.url:
        return []
    found: list[tuple[str, int]] = []
    for name, _ in _pairs(d.url):
        levels, bare = 0, name
        while levels < 8:
            escape = next((e for e in _ESCAPES if bare.lower().startswith(e)), None)
            if escape is None:
                break
            bare, levels = bare[len(escape):], levels + 1
        if levels and bare in SIGNING_PARAMETERS and all(bare != seen for seen, _ in found):
            found.append((bare, levels))
    return found


def check_html_escaped(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """``&amp;`` reached CloudFront: it reads ``amp;Signature``, not ``Signature``, and finds no key."""
    escaped = html_escaped(d)
    if not escaped:
        return
    twice = max(levels for _, levels in escaped) > 1
    names = ", ".join(f"{'amp;' * levels}{name}" for name, levels in escaped)
    where = (
        "the URL was HTML-escaped more than once ('&amp;amp;'): a template escaped a URL that was already "
        "escaped; escape it exactly once where it goes into HTML (the browser undoes one '&amp;' in an "
        "attribute, never two)" if twice else
        "replace '&amp;' with '&': the URL was copied from HTML source (view-source, an HTML e-mail, an XML or "
        "RSS feed), or a template escaped it twice into an attribute (href=\"...&amp;amp;...\"), so the "
        "browser's one unescaping left '&amp;'; escape it exactly once"
    )
    yield finding(
        "HTML_ESCAPED_QUERY",
        f"the query's '&' separators arrived HTML-escaped as '&amp;', so CloudFront reads parameters named "
        f"{names} and finds no {', '.join(name for name, _ in escaped)}",
        where,
        parameters=[name for name, _ in escaped], levels=max(levels for _, levels in escaped),
        unescaped=shorten(_unescaped(d.url or ""), 2000),
    )


def check_truncated(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """A URL or signature cut off on its way: the cause, before what is missing or undecodable because of it."""
    evidence = _truncation_evidence(d, ctx)
    if not evidence:
        return
    size = len(d.url) if d.source == "url" and d.url else None
    at_limit = f" (it is {size:,} characters long, a common limit)" if size in TYPICAL_LIMITS else ""
    yield finding(
        "URL_TRUNCATED",
        f"the {'URL' if d.source == 'url' else 'cookie value'} was cut off{at_limit}: {'; '.join(evidence)}",
        "copy the whole URL (mail clients, chat, logs and spreadsheets cut or wrap long lines); if your code "
        "stores or passes it, check the size of that column, field or buffer (255, 1,024, 2,048 characters are "
        "common limits)",
        evidence=evidence, length=size,
    )


def check_origin_host(d: Decoded, ctx: Context) -> Iterator[Finding]:
    """A CloudFront signature on an origin's own endpoint is checked by no one: CloudFront never sees the request."""
    if not d.parameters or s3_query_auth(d) is not None:
        return
    url = d.url if d.source == "url" else ctx.request_url
    if not url or "://" not in url:
        return
    netloc = url_netloc(url)
    endpoint = origin_endpoint(hostname(netloc))
    if endpoint is None:
        return
    described = str(endpoint)
    if endpoint.kind == "an S3 REST endpoint" and endpoint.name is None:
        bucket = url.partition("://")[2].partition("/")[2].partition("/")[0].partition("?")[0]
        described = f"{endpoint.kind} (path-style, bucket {bucket[:100]!r})" if bucket else described
    origin = "S3 answers 403 AccessDenied" if "S3" in endpoint.kind else "the origin answers as it pleases"
    yield finding(
        "NOT_A_CLOUDFRONT_HOST",
        f"{hostname(netloc)[:120]!r} is {described}: the request goes straight to the origin, CloudFront never sees "
        f"it and no one checks the CloudFront signature, so it would not be served through CloudFront ({origin})",
        "request the distribution's domain (d111111abcdef8.cloudfront.net or its alternate domain name) and sign "
        "that URL; keep the origin private (origin access control) so it cannot be reached around CloudFront",
        host=hostname(netloc), endpoint=endpoint.kind,
    )


# --- helpers --------------------------------------------------------------------------------

def _pairs(url: str) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a URL's query, at most _MAX_PAIRS of them, read lazily (a huge query costs little)."""
    start = url.find("?") + 1
    end = url.find("#")
    end = len(url) if end < 0 else end
    if start <= 0 or start > end:
        return
    for _ in range(_MAX_PAIRS):
        stop = url.find("&", start, end)
        pair = url[start: end if stop < 0 else stop]
        name, _, value = pair.partition("=")
        yield name, value
        if stop < 0:
            return
        start = stop + 1


def _unescaped(url: str) -> str:
    """``url`` with every level of ``&amp;`` undone (what the signer meant)."""
    for _ in range(8):
        if "&amp;" not in url:
            break
        url = url.replace("&amp;", "&")
    return url


def _truncation_evidence(d: Decoded, ctx: Context) -> list[str]:
    """What shows that the artifact was cut off, each reason a sentence; empty when nothing is certain."""
    evidence: list[str] = []
    at_end = False
    if d.source == "url" and d.url and "?" in d.url:
        pairs = list(_pairs(d.url))
        last_name, last_value = pairs[-1] if pairs else ("", "")
        present = {name for name, value in pairs if value and name in SIGNING_PARAMETERS}
        needed = ["Key-Pair-Id", "Signature"] + ([] if present & {"Expires", "Policy"} else ["Expires or Policy"])
        missing = [name for name in needed if name not in present]
        position = _SIGNER_ORDER.get(last_name)
        later = [m for m in missing if _SIGNER_ORDER.get(m.partition(" ")[0], 0) > (position or 0)]
        order = [_SIGNER_ORDER[name] for name, _ in pairs if name in _SIGNER_ORDER]
        in_order = all(a <= b for a, b in pairwise(order))  # as signers append them
        size = len(d.url)
        if position is not None and later and in_order and (_incomplete(d, last_name, last_value)
                                                            or size in TYPICAL_LIMITS):
            at_end = last_name == "Signature"
            evidence.append(f"it ends inside {last_name}, and {' and '.join(later)}, which signers append after it, "
                            f"{'is' if len(later) == 1 else 'are'} missing")
        elif "=" not in d.url.rpartition("&")[2] and last_name and any(
            m.startswith(last_name) and m != last_name for m in missing
        ):
            evidence.append(f"it ends in {last_name[:40]!r}, the start of a parameter name, and "
                            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
        elif last_name == "Key-Pair-Id" and last_value and any(
            kid.startswith(last_value) and kid != last_value for kid in ctx.public_keys
        ):
            evidence.append(f"it ends in Key-Pair-Id={last_value[:40]}, the start of a trusted key pair id")
        elif last_name == "Signature":
            at_end = True
    key = ctx.public_keys.get(d.key_pair_id or "")
    short = _short_signature(d, key)
    decodable = not any(p.code == "SIGNATURE_NOT_DECODABLE" for p in d.problems)
    if short and (at_end or decodable):
        evidence.append(short)
    return evidence


def _short_signature(d: Decoded, key: PublicKey | None) -> str | None:
    """Why the signature is certainly shorter than any valid one for the key (types), or None."""
    text = d.signature_b64
    if not text:
        return None
    data = d.signature
    if data is None:
        data, _ = decode_any(text[: len(text) // 4 * 4])
    if not data:
        return None
    size = len(data)
    if _whole_signature(data):  # another key's, or a raw r||s: not cut
        return None
    if key is not None and key.algorithm == "RSA":
        expected = (key.size + 7) // 8
        if size < expected:
            return f"the signature is {size} bytes, and an {key.description} signature is always {expected}"
        return None
    if data[0] == 0x30 and size >= 2 and data[1] < 0x80 and size < data[1] + 2:
        return f"the signature is {size} bytes of an ECDSA DER signature that says it is {data[1] + 2}"
    if key is None and 72 < size < 256 and size != 128:
        return (f"the signature is {size} bytes: longer than any ECDSA P-256 signature (at most 72) and shorter "
                "than an RSA-2048 one (256)")
    return None


def _whole_signature(data: bytes) -> bool:
    """True for bytes of a size some signature has: RSA (1024-4096 bits), raw r||s, or a complete ECDSA DER."""
    complete_der = len(data) >= 8 and data[0] == 0x30 and data[1] + 2 == len(data)
    return complete_der or len(data) in (64, 128, 256, 384, 512)


def _incomplete(d: Decoded, name: str, value: str) -> bool:
    """True when the last value of the URL shows it was cut: a signature or policy that does not decode whole,
    an epoch with fewer than 10 digits (before 2001), or nothing at all."""
    if not value:
        return True
    if name == "Expires":
        return value.isascii() and value.isdigit() and len(value) < 10
    if name == "Policy":
        return len(value) % 4 != 0 or any(p.code in ("POLICY_NOT_DECODABLE", "POLICY_INVALID") for p in d.problems)
    if name == "Signature":
        if len(value) % 4:
            return True
        data = d.signature
        return data is None or not _whole_signature(data)
    return False
