"""Hold the diagnosis against what CloudFront actually answered: do they agree, and if not, what that implies.

The diagnosis predicts from the artifact alone; the response is evidence. :func:`judge_answer`
sorts the response into what happened (served, refused by CloudFront with a code, refused on
CloudFront's own page, refused by the origin, an error a custom error response rewrote) and
compares that with the prediction, adding ORIGIN_DENIED, CUSTOM_ERROR_RESPONSE,
BEHAVIOR_NOT_RESTRICTED or ANSWER_DISAGREES where the evidence says more than the artifact.
An unsigned request that CloudFront passed on agrees: the evidence shows the behavior is public
(BEHAVIOR_NOT_RESTRICTED), and the artifact's errors no longer count, as with ``distribution=``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..decode import Decoded
from ..findings import SEVERITY_ORDER, Finding, finding
from .response import Response

__all__ = ["Answer", "Outcome", "judge_answer", "outcome"]

Outcome = Literal["served", "cloudfront_refused", "cloudfront_page", "origin_refused", "rewritten", "refused",
                  "unknown"]
"""What a response shows happened to the request."""


@dataclass(frozen=True)
class Answer:
    """The comparison: does CloudFront's answer agree with the prediction, the findings it adds, and
    whether the artifact's errors no longer count (CloudFront served the request without a signature).
    """

    agrees: bool | None
    findings: tuple[Finding, ...] = ()
    errors_ignored: bool = False


def outcome(response: Response) -> Outcome:
    """What the response shows happened: served, refused (by whom, how), rewritten, or unknown."""
    status = response.status
    if response.error_from_cloudfront and status is not None and status < 400:
        return "rewritten"
    if response.answered_by == "origin":
        return "origin_refused"
    if response.cloudfront_said:
        return "cloudfront_refused"
    if response.cloudfront_page:
        return "cloudfront_page"
    if status is None or status == 0:
        return "unknown"
    if status < 400:
        return "served"
    if response.error_from_cloudfront and _html(response):
        return "rewritten"
    return "refused"


def judge_answer(decoded: Decoded, predicted: Sequence[Finding], response: Response) -> Answer:
    """Compare CloudFront's answer with the findings predicted from the artifact. Never raises."""
    errors = sorted((f for f in predicted if f.severity == "error"), key=lambda f: SEVERITY_ORDER[f.severity])
    cause = errors[0] if errors else None
    what = outcome(response)
    unsigned = not decoded.parameters or (cause is not None and cause.code == "COOKIE_NOT_SENT")
    expected = _expected(cause)
    status = response.status
    if what == "served":
        if cause is None:
            return Answer(True)
        if unsigned:
            return Answer(True, (_not_restricted(status, cause),), errors_ignored=True)
        return Answer(False, (_disagrees(
            f"CloudFront served the request ({status}) although the diagnosis expects {expected}",
            "the cache behavior that matched may not restrict viewer access (then any signature is ignored), or "
            "CloudFront judged another request than the one diagnosed (a cache or service worker in front of it, "
            "another URL); check 'Restrict viewer access' on the behavior for this path",
            cause, response),),)
    if what == "cloudfront_refused":
        said = response.cloudfront_said
        if cause is not None and cause.cloudfront_error == said:
            return Answer(True)
        return Answer(False, (_refused_otherwise(said or "", cause, response),))
    if what == "cloudfront_page":
        if cause is not None:
            return Answer(True)
        return Answer(False, (_disagrees(
            f"CloudFront refused the request ({status or 'status unknown'}) with its own 'request could not be "
            "satisfied' page, before looking at any signature, although the diagnosis expects it to be served",
            "check that the request's host is an alternate domain name of the distribution (with a certificate), "
            "that the behavior allows the HTTP method, and any geographic restriction or AWS WAF rule",
            None, response),),)
    if what == "origin_refused":
        denied = _origin_denied(response)
        if cause is None:
            return Answer(True, (denied,))
        if unsigned:
            return Answer(True, (_not_restricted(status, cause), denied), errors_ignored=True)
        return Answer(False, (_disagrees(
            f"CloudFront passed the request on to the origin although the diagnosis expects {expected}",
            "the cache behavior that matched may not restrict viewer access, so CloudFront ignored the signature; "
            "check 'Restrict viewer access' on the behavior for this path",
            cause, response), denied))
    if what == "rewritten":
        rewritten = _rewritten(response)
        if cause is not None:
            return Answer(True, (rewritten,))
        return Answer(False, (rewritten, _disagrees(
            "CloudFront answered an error although the diagnosis expects the request to be served",
            "remove the custom error response for this status while debugging to see CloudFront's own error "
            "(its <Code>), then check the key group, the distribution and the clock",
            None, response)))
    if what == "refused":
        if response.answered_by != "cloudfront":
            return Answer(None)
        if cause is not None:
            return Answer(True)
        return Answer(False, (_disagrees(
            f"the request was refused ({status}) and the body does not say why, although the diagnosis expects "
            "it to be served",
            "paste the whole response, body included: CloudFront's XML <Code>, or an origin's error with "
            "RequestId/HostId, tells who refused and why",
            None, response),),)
    return Answer(None)


# --- the findings -----------------------------------------------------------------------------

_IMPLIES = {
    "AccessDenied": ("CloudFront judged the signature or its conditions otherwise: the key group on the behavior "
                     "may hold another public key than the one used here, the request may have gone to another "
                     "distribution, or CloudFront's clock (UTC) is past the expiry or before the start",
                     "check the public keys in the key group the behavior trusts, that the request went to the "
                     "distribution you think (the host), and the expiry against the current UTC time"),
    "MissingKey": ("the request CloudFront received carried no Key-Pair-Id: the signing parameters or the "
                   "cookies did not arrive (cookies the browser did not send, a proxy, a redirect or app code "
                   "that dropped the query string)",
                   "look at the request as really sent (the browser's network panel: its query string and Cookie "
                   "header), and the cookies' Domain and Path"),
    "InvalidKey": ("the key pair id is not in a key group the matched cache behavior trusts (or the key group "
                   "is on another distribution or another behavior than the one this path matches)",
                   "add the public key to the key group trusted by the behavior for this path, and check which "
                   "behavior the path matches"),
    "MalformedPolicy": ("CloudFront could not read the policy it received: the value was changed on the way "
                        "(re-encoded, cut off, its Expires in milliseconds)",
                        "compare the Policy (or CloudFront-Expires) value sent with the one signed, byte for byte"),
    "MalformedSignature": ("CloudFront could not decode the signature it received: the value was changed on the "
                           "way (re-encoded, cut off, standard base64 instead of CloudFront's)",
                           "compare the Signature value sent with the one signed, byte for byte"),
}


def _refused_otherwise(said: str, cause: Finding | None, response: Response) -> Finding:
    implies, fix = _IMPLIES.get(said, (
        "CloudFront refused for a reason the diagnosis does not model", "check the distribution's configuration"))
    expected = _expected(cause)
    return _disagrees(f"CloudFront answered {said} where the diagnosis expects {expected}: {implies}",
                      fix, cause, response)


def _expected(cause: Finding | None) -> str:
    if cause is None:
        return "the request to be served"
    if cause.cloudfront_error:
        return f"{cause.cloudfront_error} ({cause.code})"
    return f"a refusal ({cause.code})"


def _disagrees(message: str, fix: str, cause: Finding | None, response: Response) -> Finding:
    return finding("ANSWER_DISAGREES", message, fix, status=response.status,
                   cloudfront_said=response.cloudfront_said, answered_by=response.answered_by,
                   expected=cause.cloudfront_error if cause else None, expected_code=cause.code if cause else None)


def _not_restricted(status: int | None, cause: Finding) -> Finding:
    return finding(
        "BEHAVIOR_NOT_RESTRICTED",
        f"the request carries no signature (the diagnosis expects {_expected(cause)}), yet CloudFront passed it "
        f"on ({status}): the cache behavior for this path does not restrict viewer access, so the object is "
        "public and any signature is ignored",
        "turn on 'Restrict viewer access' (TrustedKeyGroups with your key group) on the cache behavior for this "
        "path, or add a restricted behavior for it before any public one",
        status=status, evidence="response",
    )


def _origin_denied(response: Response) -> Finding:
    said = response.origin_said or "an error"
    detail = f" ({response.message[:200]})" if response.message else ""
    return finding(
        "ORIGIN_DENIED",
        f"CloudFront let the request through; the origin refused it: it answered {response.status or ''} "
        f"{said}{detail} (an S3 error carries RequestId/HostId, CloudFront's own does not)".replace("  ", " "),
        "check the origin's access: for S3, the origin access control (OAC) on the distribution's origin and "
        "the bucket policy allowing cloudfront.amazonaws.com for this distribution's ARN (s3:GetObject); "
        "a missing object answers AccessDenied when the policy does not grant s3:ListBucket",
        status=response.status, origin_said=response.origin_said,
    )


def _rewritten(response: Response) -> Finding:
    return finding(
        "CUSTOM_ERROR_RESPONSE",
        f"CloudFront answered an error (X-Cache: {response.header('x-cache') or 'Error from cloudfront'}) that a "
        f"custom error response rewrote into {response.status} with its own page: CloudFront's error code is "
        "hidden",
        "remove or narrow the distribution's custom error response for 403 while debugging (a 403 → 200 "
        "index.html rule for a single-page app hides every refused signature)",
        status=response.status,
    )


def _html(response: Response) -> bool:
    kind = (response.header("content-type") or "").lower()
    return "html" in kind or response.body[:200].lstrip().lower().startswith(("<!doctype html", "<html"))
