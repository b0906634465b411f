"""The values a diagnosis works with: the viewer's request (:class:`Context`) and the verdict (:class:`Diagnosis`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import extras, render
from ..decode import Decoded
from ..findings import Finding
from ..keys import PublicKey
from ..parameters import shorten
from ..protocol import COOKIE_PREFIX, CloudFrontError
from .response import AnsweredBy, Response


@dataclass(frozen=True)
class Context:
    """What the viewer's request looks like: when, from where, for which URL, and the trusted keys."""

    now: int
    client_ip: str | None = None
    request_url: str | None = None
    public_keys: Mapping[str, PublicKey] = field(default_factory=dict, repr=False)
    site: str | None = None
    """The page's URL the request was made from (a HAR entry's page or Referer), for SameSite; None if unknown."""
    response: Response | None = None
    distribution: object | None = field(default=None, repr=False)
    """The distribution config the request is judged against, as given to diagnose(); None if none."""
    """What CloudFront (or the origin) answered this request, when known: evidence to hold the diagnosis against."""


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one artifact, most likely cause first; ``ok`` when CloudFront would serve it."""

    decoded: Decoded
    context: Context
    findings: tuple[Finding, ...]
    verified: bool | None = None
    agrees: bool | None = None
    """Does CloudFront's answer (``context.response``) match what the artifact predicts? None without an answer."""

    @property
    def cloudfront_said(self) -> str | None:
        """The ``<Code>`` of CloudFront's error XML in the response given (``AccessDenied``...), else None."""
        response = self.context.response
        return response.cloudfront_said if response else None

    @property
    def answered_by(self) -> AnsweredBy | None:
        """Who answered the response given: ``cloudfront``, ``origin`` or ``unknown``; None without a response."""
        response = self.context.response
        return response.answered_by if response else None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def cause(self) -> Finding | None:
        """The most likely reason for a refusal (the first error), or None."""
        errors = self.errors
        return errors[0] if errors else None

    @property
    def cloudfront_error(self) -> CloudFrontError | None:
        """The error code CloudFront would answer with, or None when it would serve the request."""
        cause = self.cause
        return cause.cloudfront_error if cause else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def unchecked(self) -> tuple[str, ...]:
        """The conditions a check could not test for lack of an input, each with what was missing.

        A request with any of these is served only *if* they hold, so the verdict says so instead of a plain yes.
        """
        conditions: list[str] = []
        if not self.verified:
            reasons = [str(f.evidence.get("reason", "")) for f in self.findings if f.code == "SIGNATURE_NOT_CHECKED"]
            missing = reasons[0] if reasons and reasons[0] else "see the findings"
            conditions.append(f"the signature verifies (not checked: {missing})")
        policy = self.decoded.policy
        if policy is not None and "CLIENT_IP_NEEDED" in self.codes:
            conditions.append(f"the viewer's IP is in {policy.ip_address} (not checked: no client IP)")
        if "REQUEST_URL_NEEDED" in self.codes:
            resource = policy.resource if policy is not None and policy.resource else "the policy's Resource"
            conditions.append(f"the requested URL matches {shorten(resource, 80)} (not checked: no request URL)")
        return tuple(conditions)

    @property
    def verdict(self) -> str:
        """One line: "would be served", "would be served if <what could not be checked>", or
        "refused: <CloudFront's answer> (<the cause's code>)"; a response given that disagrees is named after it.

        Every place (``str``, the HTML banner, the CLI, the panels) shows this line, so they all say the same.
        """
        return self._prediction() + self._disagreement()

    def _prediction(self) -> str:
        if self.ok:
            unchecked = self.unchecked
            return "would be served if " + " and ".join(unchecked) if unchecked else "would be served"
        cause = self.cause
        assert cause is not None
        if cause.cloudfront_error:
            return f"refused: {cause.cloudfront_error} ({cause.code})"
        return f"refused ({cause.code})"

    def _disagreement(self) -> str:
        response = self.context.response
        if self.agrees is not False or response is None:
            return ""
        said = response.cloudfront_said or response.origin_said
        status = response.status if response.status is not None else "status unknown"
        return f" - but CloudFront answered {status}{' ' + said if said else ''}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "cloudfront_error": self.cloudfront_error,
            "verified": self.verified,
            "cloudfront_said": self.cloudfront_said,
            "answered_by": self.answered_by,
            "agrees": self.agrees,
            "response": self.context.response.to_dict() if self.context.response else None,
            "now": self.context.now,
            "findings": [f.to_dict() for f in self.findings],
            "decoded": self.decoded.to_dict(),
        }

    def to_frame(self) -> Any:
        """One row per finding (severity, code, message, fix, CloudFront's answer, evidence); codes are categoricals."""
        return extras.to_frame(self)

    def __str__(self) -> str:
        head = f"{'OK' if self.ok else 'REFUSED'}: {self.verdict.removeprefix('refused: ').removeprefix('refused ')}"
        lines = [head] + [f"{name}: {value}" for name, value in self.answer_rows()]
        return "\n".join([*lines, render.findings_text(self.findings)]) if self.findings else "\n".join(lines)

    def answer_rows(self) -> list[tuple[str, str]]:
        """What the response given says, as (label, value) rows for a table; empty without a response."""
        response = self.context.response
        if response is None:
            return []
        said = response.cloudfront_said or (f"{response.origin_said} (the origin's)" if response.origin_said else "")
        agreement = {True: "yes", False: "NO (see ANSWER_DISAGREES)", None: "cannot tell"}[self.agrees]
        if self.agrees is False and not any(f.code == "ANSWER_DISAGREES" for f in self.findings):
            agreement = "NO (see the findings)"
        return [
            ("CloudFront answered", f"{response.status if response.status is not None else 'status unknown'}"
                                    f"{' ' + said if said else ''}"),
            ("answered by", response.answered_by),
            ("agrees with the diagnosis", agreement),
        ]

    def __repr__(self) -> str:
        return (
            f"Diagnosis(ok={self.ok}, cloudfront_error={self.cloudfront_error!r}, "
            f"codes={list(self.codes)!r})"
        )

    def _repr_html_(self) -> str:
        """The verdict bar (amber when served only if unchecked conditions hold) above the findings table."""
        kind = None if not self.ok or (not self.unchecked and self.agrees is not False) else "warning"
        rows = self.answer_rows()
        answer = render.key_value_table(rows, css_class="cfsign-answer", mono=False) if rows else ""
        return (f"<div class='cfsign-diagnosis'>{render.banner(self.ok, self.verdict, kind=kind)}"
                f"{answer}{render.findings_table(self.findings)}</div>")


def parameter_prefix(decoded: Decoded) -> str:
    """How the artifact names its signing parameters in messages: ``CloudFront-`` for cookies."""
    return COOKIE_PREFIX if decoded.source == "cookies" else ""
