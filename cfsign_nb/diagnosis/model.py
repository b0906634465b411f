"""The values a diagnosis works with: the viewer's request (:class:`Context`) and the verdict (:class:`Diagnosis`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import extras, render
from ..decode import Decoded
from ..findings import Finding
from ..keys import PublicKey
from ..protocol import COOKIE_PREFIX, CloudFrontError


@dataclass(frozen=True)
class Context:
    """What the viewer's request looks like: when, from where, for which URL, and the trusted keys."""

    now: int
    client_ip: str | None = None
    request_url: str | None = None
    public_keys: Mapping[str, PublicKey] = field(default_factory=dict, repr=False)
    site: str | None = None
    """The page's URL the request was made from (a HAR entry's page or Referer), for SameSite; None if unknown."""


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one artifact, most likely cause first; ``ok`` when CloudFront would serve it."""

    decoded: Decoded
    context: Context
    findings: tuple[Finding, ...]
    verified: bool | None = None

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
    def verdict(self) -> str:
        """One line: "would be served", or "refused: <CloudFront's answer> (<the cause's code>)"."""
        if self.ok:
            if self.verified:
                return "would be served"
            reasons = [str(f.evidence.get("reason", "")) for f in self.findings if f.code == "SIGNATURE_NOT_CHECKED"]
            reason = reasons[0] if reasons and reasons[0] else "see the findings"
            return f"would be served (signature not checked: {reason})"
        cause = self.cause
        assert cause is not None
        if cause.cloudfront_error:
            return f"refused: {cause.cloudfront_error} ({cause.code})"
        return f"refused ({cause.code})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "cloudfront_error": self.cloudfront_error,
            "verified": self.verified,
            "now": self.context.now,
            "findings": [f.to_dict() for f in self.findings],
            "decoded": self.decoded.to_dict(),
        }

    def to_frame(self) -> Any:
        """One row per finding (severity, code, message, fix, CloudFront's answer, evidence); codes are categoricals."""
        return extras.to_frame(self)

    def __str__(self) -> str:
        head = f"{'OK' if self.ok else 'REFUSED'}: {self.verdict.removeprefix('refused: ').removeprefix('refused ')}"
        return "\n".join([head, render.findings_text(self.findings)]) if self.findings else head

    def __repr__(self) -> str:
        return (
            f"Diagnosis(ok={self.ok}, cloudfront_error={self.cloudfront_error!r}, "
            f"codes={list(self.codes)!r})"
        )

    def _repr_html_(self) -> str:
        """The verdict bar (amber when served without a checked signature) above the findings table."""
        kind = None if not self.ok or self.verified else "warning"
        return (f"<div class='cfsign-diagnosis'>{render.banner(self.ok, self.verdict, kind=kind)}"
                f"{render.findings_table(self.findings)}</div>")


def parameter_prefix(decoded: Decoded) -> str:
    """How the artifact names its signing parameters in messages: ``CloudFront-`` for cookies."""
    return COOKIE_PREFIX if decoded.source == "cookies" else ""
