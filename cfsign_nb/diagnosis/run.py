"""The entry points: :func:`diagnose` (why CloudFront would refuse an artifact) and :func:`verify`.

``diagnose`` decodes the artifact, builds the :class:`~.model.Context` of the viewer's request
from its arguments (recording, never raising on, the ones it cannot use), runs :data:`.checks.CHECKS`
in order, adds what a distribution config says, and puts the most likely cause first.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from ..decode import Decoded, as_text, decode, split_url
from ..distribution import check_request
from ..errors import CfSignError
from ..findings import SEVERITY_ORDER, Finding, finding
from ..keys import PublicKey, PublicKeySource, load_public_key
from ..policy import canned_policy_json
from ..protocol import strip_signing
from ..settings import CLIENT_IP, NOW, PUBLIC_KEYS, REQUEST_URL
from ..times import TimeLike, now_epoch
from .answer import judge_answer
from .checks import CHECKS
from .model import Context, Diagnosis
from .response import read_response


def diagnose(
    artifact: object,
    *,
    public_keys: Mapping[str, PublicKeySource] | PublicKeySource | None = None,
    now: TimeLike | None = None,
    client_ip: str | None = None,
    request_url: str | None = None,
    distribution: object | None = None,
    response: object | None = None,
    site: str | None = None,
) -> Diagnosis:
    """Diagnose a signed URL or signed cookies as CloudFront would judge the request. Never raises.

    ``public_keys`` maps key pair ids to public keys (PEM text, bytes or key objects); a single key
    is taken to be the one the artifact names. ``request_url`` is the URL the viewer requests
    (needed for cookies; for a signed URL it defaults to the URL itself). ``distribution`` is a
    CloudFront distribution config; its cache behaviors are checked too
    (see :mod:`cfsign_nb.distribution`). ``response`` is what CloudFront answered (the text: status
    line, headers and body, or just the XML body; or a :class:`~.response.Response`): the diagnosis
    then says whether that answer agrees with its own (``agrees``) and what a disagreement implies.
    ``site`` is the URL of the page the request was made from (for cookies' SameSite).
    """
    setup_problems: list[Finding] = []
    decoded = decode(artifact, request_url=request_url if isinstance(request_url, str) else None)
    context = _context(decoded, public_keys, now, client_ip, request_url, setup_problems)
    context = replace(context, site=site if isinstance(site, str) and site else None,
                      response=None if response is None else read_response(response), distribution=distribution)
    request_url = context.request_url
    if decoded.source == "url" and request_url:
        decoded = _with_request_url(decoded, request_url)
    findings = [item for check in CHECKS for item in check(decoded, context)] + setup_problems
    if distribution is not None:
        behavior_findings = check_request(distribution, decoded, context)
        if any(f.code == "BEHAVIOR_NOT_RESTRICTED" for f in behavior_findings):
            findings = [_ignored(f) for f in findings]
        findings += behavior_findings
    agrees: bool | None = None
    if context.response is not None:
        answer = judge_answer(decoded, findings, context.response)
        if answer.errors_ignored:
            findings = [_ignored(f, "CloudFront passed this unsigned request on") for f in findings]
        findings += answer.findings
        agrees = answer.agrees
    verified: bool | None = None
    if any(item.code == "SIGNATURE_VERIFIED" for item in findings):
        verified = True
    elif decoded.key_pair_id in context.public_keys and decoded.signature and decoded.policy_bytes:
        verified = False
    ordered = sorted(enumerate(findings), key=lambda pair: (SEVERITY_ORDER[pair[1].severity], pair[0]))
    return Diagnosis(decoded, context, tuple(_unique(f for _, f in ordered)), verified, agrees)


def verify(
    artifact: object,
    public_key: PublicKeySource,
    *,
    hash_algorithm: str | None = None,
    request_url: str | None = None,
) -> bool:
    """True when the artifact's signature verifies over its policy with ``public_key``.

    Only the signature is checked (not expiry, IP or resource): use :func:`diagnose` for those.
    The hash is the one the artifact names (SHA-1 by default) unless ``hash_algorithm`` is given.
    """
    decoded = decode(artifact, request_url=request_url)
    if decoded.signature is None or decoded.policy_bytes is None:
        return False
    key = load_public_key(public_key)
    return key.verify(decoded.signature, decoded.policy_bytes, hash_algorithm or decoded.hash_algorithm)


# --- the request as the checks see it ------------------------------------------------------

def _context(
    decoded: Decoded,
    public_keys: object,
    now: TimeLike | None,
    client_ip: str | None,
    request_url: str | None,
    problems: list[Finding],
) -> Context:
    try:
        moment = now_epoch(now)
    except (CfSignError, ValueError, TypeError, OverflowError) as err:
        problems.append(_context_problem(f"the time to judge at ({NOW.python}): {as_text(err)[:300]}; "
                                             "the current time was used"))
        moment = now_epoch(None)
    keys: dict[str, PublicKey] = {}
    if public_keys is not None:
        items: Iterable[tuple[object, object]] = (
            public_keys.items() if isinstance(public_keys, Mapping) else [(decoded.key_pair_id or "", public_keys)]
        )
        for key_id, source in items:
            try:
                keys[as_text(key_id)] = load_public_key(source)  # type: ignore[arg-type]
            except CfSignError as err:
                problems.append(_context_problem(f"the public key for {as_text(key_id)[:40]} ({PUBLIC_KEYS.python}): "
                                                 f"{err}"))
    ip = None if client_ip is None else as_text(client_ip).strip()
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            problems.append(_context_problem(
                f"the client IP ({CLIENT_IP.python}) {ip[:60]!r} is not an IP address (IPv4 is four "
                "numbers 0-255, like 203.0.113.7); the IP check was skipped"
            ))
            ip = None
    if request_url is not None and (not isinstance(request_url, str) or split_url(request_url) is None):
        problems.append(_context_problem(
            f"the request URL ({REQUEST_URL.python}) {as_text(request_url)[:200]!r} is not a URL that can be "
            "read (a host like "
            "'[x]', an unclosed '[' or a bad port); it was not used"
        ))
        request_url = None
    return Context(moment, ip, request_url, keys)


def _ignored(item: Finding, why: str = "this cache behavior does not restrict viewer access") -> Finding:
    """On a behavior that does not restrict viewer access CloudFront serves anyone: errors become facts."""
    if item.severity != "error":
        return item
    return replace(item, severity="info", cloudfront_error=None, message=f"(ignored: {why}) {item.message}")


def _context_problem(message: str) -> Finding:
    return finding("CONTEXT_INVALID", message, "correct that value and diagnose again")


def _with_request_url(decoded: Decoded, request_url: str) -> Decoded:
    """The same signing parameters, as if the viewer requested ``request_url``."""
    resource_url = strip_signing(request_url.partition("#")[0])
    if decoded.policy_kind != "canned" or decoded.expires is None:
        return replace(decoded, resource_url=resource_url)
    return replace(
        decoded, resource_url=resource_url, policy_bytes=canned_policy_json(resource_url, decoded.expires)
    )


def _unique(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Each finding once: the same code with the same message is the same finding."""
    seen: set[tuple[str, str]] = set()
    for item in findings:
        if (item.code, item.message) not in seen:
            seen.add((item.code, item.message))
            yield item
