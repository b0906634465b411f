"""Every stage of signing and of decoding as values: policy → bytes → digest → signature → base64 → URL.

:func:`trace_sign` watches a :class:`~cfsign_nb.signer.Signer` sign once and derives every stage
from that one signature, so the last stage is exactly the Signer's output (ECDSA signatures are
randomized, so nothing is signed twice). :func:`trace_decode` takes a URL or cookies apart in the
same named stages and stops at the first one CloudFront would refuse, carrying the finding of
:func:`~cfsign_nb.diagnose.diagnose` that says why. :meth:`Trace.compare` lines two traces up by
stage name, e.g. your signer's output against ours.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import json
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, Literal

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .decode import Decoded, as_text
from .diagnose import Diagnosis, diagnose
from .encoding import to_cloudfront_alphabet
from .errors import CfSignError
from .findings import Finding
from .keys import PublicKey, PublicKeySource
from .policy import Policy
from .signer import Signer, plan_policy, set_cookie_headers
from .times import TimeLike, format_epoch

if TYPE_CHECKING:
    import pandas as pd

Direction = Literal["sign", "decode"]
Marks = tuple[tuple[int, int], ...]
"""Half-open ``(start, end)`` character spans of a stage's ``output`` to highlight."""

STAGE_ORDER = (
    "inputs", "policy_json", "policy_bytes", "digest", "signature",
    "base64", "cloudfront_base64", "parameters", "artifact",
)
"""Stage names in signing order; :meth:`Trace.compare` walks them in this order, whichever way
either trace was made, so the first difference is the earliest step that went another way."""

HEX_LINES = 20
"""Hex dump lines shown in full (320 bytes); longer values show their start and end."""

TEXT_LIMIT = 4000
"""Characters of a text value shown; ``Stage.value`` always holds all of it."""

_WIDTH = 76  # a hex dump line (74 characters) fits whole
_HASH_LABEL = {"SHA1": "SHA-1", "SHA256": "SHA-256"}


@dataclass(frozen=True)
class Stage:
    """One step of signing or decoding: what went in, what came out, and why.

    ``input``/``output`` are display text (long bytes as a truncated hex dump); ``value`` is the
    whole output (bytes or text), the thing :meth:`Trace.compare` compares. ``marks`` are spans of
    ``output`` that changed at this step. A decode stage CloudFront would refuse has ``ok=False``
    and the diagnosis finding as ``problem``; other findings about the stage are ``notes``.
    """

    name: str
    title: str
    input: str
    output: str
    explanation: str
    ok: bool = True
    problem: Finding | None = None
    value: bytes | str = ""
    detail: str = ""
    marks: Marks = ()
    notes: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: bytes as hex under ``value`` with ``value_type`` "bytes"."""
        is_bytes = isinstance(self.value, bytes)
        return {
            "name": self.name,
            "title": self.title,
            "input": self.input,
            "output": self.output,
            "explanation": self.explanation,
            "ok": self.ok,
            "problem": self.problem.to_dict() if self.problem else None,
            "notes": [note.to_dict() for note in self.notes],
            "value": self.value.hex() if isinstance(self.value, bytes) else self.value,
            "value_type": "bytes" if is_bytes else "text",
            "detail": self.detail,
            "marks": [list(span) for span in self.marks],
        }


@dataclass(frozen=True)
class Trace:
    """The ordered stages of one signing (``direction="sign"``) or one decoding (``"decode"``).

    ``result`` is the Signer's output for a sign trace (the URL, or the cookie dict) and the
    :class:`~cfsign_nb.diagnose.Diagnosis` for a decode trace.
    """

    direction: Direction
    stages: tuple[Stage, ...]
    result: str | dict[str, str] | Diagnosis | None = None

    @property
    def ok(self) -> bool:
        """True when every stage went through (for decode: CloudFront would not stop on the way)."""
        return all(stage.ok for stage in self.stages)

    @property
    def stopped_at(self) -> str | None:
        """The name of the stage that failed, or None."""
        return next((stage.name for stage in self.stages if not stage.ok), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages)

    def get(self, name: str) -> Stage | None:
        """The stage called ``name``, or None when this trace has none (or stopped before it)."""
        return next((stage for stage in self.stages if stage.name == name), None)

    def __getitem__(self, key: int | str) -> Stage:
        if isinstance(key, str):
            stage = self.get(key)
            if stage is None:
                raise KeyError(f"no stage {key!r} in this trace; it has {', '.join(self.names)}")
            return stage
        return self.stages[key]

    def __len__(self) -> int:
        return len(self.stages)

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.stages)

    def compare(self, other: Trace) -> Comparison:
        """Line this trace up with ``other`` stage by stage (by name) and find the first difference."""
        if not isinstance(other, Trace):
            raise CfSignError(
                f"compare() takes another Trace, got {type(other).__name__}; make one with "
                "trace_sign(...) or trace_decode(...)"
            )
        return _compare(self, other)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "direction": self.direction,
            "ok": self.ok,
            "stopped_at": self.stopped_at,
            "stages": [stage.to_dict() for stage in self.stages],
        }
        if isinstance(self.result, Diagnosis):
            data["verdict"] = self.result.verdict
        else:
            data["result"] = self.result
        return data

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: name, title, input, output, explanation, ok, problem code, CloudFront's answer."""
        import pandas as pd

        rows = [
            {
                "name": s.name, "title": s.title, "input": s.input, "output": s.output,
                "explanation": s.explanation, "ok": s.ok,
                "problem": s.problem.code if s.problem else None,
                "cloudfront_error": s.problem.cloudfront_error if s.problem else None,
            }
            for s in self.stages
        ]
        columns = ["name", "title", "input", "output", "explanation", "ok", "problem", "cloudfront_error"]
        frame = pd.DataFrame(rows, columns=columns)
        frame.index = pd.RangeIndex(1, len(rows) + 1, name="step")
        return frame

    @property
    def headline(self) -> str:
        if self.direction == "sign":
            what = "cookies" if isinstance(self.result, dict) else "URL"
            verdict = "" if self.ok else f"; stage {self.stopped_at} FAILED"
            return f"Signing trace ({what}): {len(self.stages)} stages{verdict}"
        verdict = self.result.verdict if isinstance(self.result, Diagnosis) else "not decoded"
        stop = f"; stopped at {self.stopped_at}" if self.stopped_at else ""
        return f"Decoding trace: {verdict}{stop}"

    def __str__(self) -> str:
        lines = [self.headline, _RULE]
        previous: Stage | None = None
        for number, stage in enumerate(self.stages, 1):
            lines += _stage_text(number, stage, previous)
            lines.append(_RULE)
            previous = stage
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Trace(direction={self.direction!r}, stages={list(self.names)!r}, ok={self.ok})"

    def _repr_html_(self) -> str:
        return self._html(range(len(self.stages)))

    def stage_html(self, index: int) -> str:
        """One stage as HTML (input, output with its changes marked, why), for a step-by-step view."""
        return self._html([index], show_inputs=True)

    def _html(self, indices: Iterable[int], show_inputs: bool = False) -> str:
        rows = [
            _stage_html(i + 1, self.stages[i], None if show_inputs or i == 0 else self.stages[i - 1])
            for i in indices
        ]
        return (
            f"<div class='cfsign-trace' style='{_BOX}'>"
            f"<div style='font-weight:600;margin:0 0 4px'>{_e(self.headline)}</div>"
            f"<table style='{_TABLE}'><thead><tr>"
            + "".join(f"<th style='{_TH}'>{h}</th>" for h in ("#", "stage", "value", "why"))
            + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )


@dataclass(frozen=True)
class Comparison:
    """Two traces lined up by stage name (in signing order); ``first_difference`` names the
    earliest stage whose values differ (or, if none do, the first stage only one trace reached)."""

    left: Trace
    right: Trace
    rows: tuple[tuple[str, str], ...]
    first_difference: str | None

    @property
    def same(self) -> bool:
        return self.first_difference is None

    @property
    def left_stage(self) -> Stage | None:
        return self.left.get(self.first_difference) if self.first_difference else None

    @property
    def right_stage(self) -> Stage | None:
        return self.right.get(self.first_difference) if self.first_difference else None

    @property
    def left_value(self) -> bytes | str | None:
        stage = self.left_stage
        return stage.value if stage else None

    @property
    def right_value(self) -> bytes | str | None:
        stage = self.right_stage
        return stage.value if stage else None

    def to_frame(self) -> pd.DataFrame:
        """One row per stage name: status (same / different / only left / only right) and both outputs."""
        import pandas as pd

        records = []
        for name, status in self.rows:
            left, right = self.left.get(name), self.right.get(name)
            records.append({"name": name, "status": status,
                            "left": left.output if left else None, "right": right.output if right else None})
        return pd.DataFrame(records, columns=["name", "status", "left", "right"])

    def _labels(self) -> tuple[str, str]:
        return f"left ({self.left.direction})", f"right ({self.right.direction})"

    @property
    def diagnosis_notes(self) -> tuple[str, ...]:
        """What the diagnosis of each decoded side found: it can see past the stage where the
        values part (e.g. a signature over a pretty-printed policy differs at ``signature``, but
        the cause is the policy format)."""
        notes = []
        for label, trace in zip(self._labels(), (self.left, self.right), strict=True):
            result = trace.result
            cause = getattr(result, "cause", None)
            if trace.direction == "decode" and cause is not None:
                notes.append(f"{label}: CloudFront would answer {cause.cloudfront_error or 'with an error'}; "
                             f"the diagnosis says {cause.code}: {cause.message}")
        return tuple(notes)

    def __str__(self) -> str:
        summary = "  ".join(f"{name}:{status}" for name, status in self.rows)
        if self.first_difference is None:
            return f"The traces agree at every stage they share.\n{summary}"
        left, right = self.left_stage, self.right_stage
        title = (left or right).title if (left or right) else ""  # type: ignore[union-attr]
        lines = [f"First difference: {self.first_difference} ({title})", *self.diagnosis_notes, summary]
        left_marks, right_marks = _diff_marks(left.output if left else "", right.output if right else "")
        for label, stage, marks in zip(self._labels(), (left, right), (left_marks, right_marks), strict=False):
            lines.append(f"{label}:")
            if stage is None:
                lines.append("    (this trace has no such stage: it stopped earlier)")
            else:
                lines += ["    " + line for line in _wrap_marked(stage.output, marks, _WIDTH)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Comparison(first_difference={self.first_difference!r})"

    def _repr_html_(self) -> str:
        status_colour = {"same": _OK, "different": _BAD}
        cells = "".join(
            f"<span style='margin-right:10px;color:{status_colour.get(status, 'inherit')}'>"
            f"<code>{_e(name)}</code> {_e(status)}</span>"
            for name, status in self.rows
        )
        if self.first_difference is None:
            body = "<p>The traces agree at every stage they share.</p>"
        else:
            left, right = self.left_stage, self.right_stage
            left_marks, right_marks = _diff_marks(left.output if left else "", right.output if right else "")
            parts = []
            for label, stage, marks in zip(self._labels(), (left, right), (left_marks, right_marks), strict=False):
                shown = _marked_html(stage.output, marks) if stage else "(no such stage: it stopped earlier)"
                body = _pre(stage.output if stage else "", shown)
                parts.append(f"<div style='flex:1;min-width:20em'><b>{_e(label)}</b>{body}</div>")
            title = (left or right).title if (left or right) else ""  # type: ignore[union-attr]
            notes = "".join(f"<p style='margin:2px 0'>{_e(note)}</p>" for note in self.diagnosis_notes)
            body = (
                f"<p>First difference: <code>{_e(self.first_difference)}</code> ({_e(title)})</p>{notes}"
                f"<div style='display:flex;gap:8px;flex-wrap:wrap'>{''.join(parts)}</div>"
            )
        return f"<div class='cfsign-comparison' style='{_BOX}'>{body}<div style='margin-top:4px'>{cells}</div></div>"


# --- signing ------------------------------------------------------------------------------------

def trace_sign(
    signer: Signer,
    url: str,
    *,
    expires: TimeLike | None = None,
    starts: TimeLike | None = None,
    ip_address: str | None = None,
    resource: str | None = None,
    policy: Policy | str | bytes | None = None,
    cookies: bool = False,
    now: TimeLike | None = None,
    cookie_domain: str | None = None,
    cookie_path: str = "/",
) -> Trace:
    """Sign ``url`` (or, with ``cookies=True``, make cookies for ``resource or url``) and show every stage.

    Arguments mean what they mean for :meth:`Signer.sign_url` / :meth:`Signer.sign_cookies`;
    ``cookie_domain``/``cookie_path`` shape the final Set-Cookie lines. The key signs once;
    ``Trace.result`` is exactly what the Signer returns for these inputs.
    """
    if not isinstance(signer, Signer):
        raise CfSignError(
            f"trace_sign needs a cfsign_nb.Signer, got {type(signer).__name__}; "
            "build one with Signer(key_pair_id, private_key)"
        )
    recorder, calls = signer.recording()
    result: str | dict[str, str]
    if cookies:
        target = resource if policy is not None else (resource or url)
        result = recorder.sign_cookies(target, expires=expires, starts=starts, ip_address=ip_address,
                                       policy=policy, now=now)
        final = "\n".join(set_cookie_headers(result, domain=cookie_domain, path=cookie_path))
        canned = "CloudFront-Expires" in result
        pairs = list(result.items())
    else:
        result = recorder.sign_url(url, expires=expires, starts=starts, ip_address=ip_address,
                                   resource=resource, policy=policy, now=now)
        final = result
        query = result[len(url) + 1:]
        canned = query.startswith("Expires=")
        pairs = [(name, value) for name, _, value in (pair.partition("=") for pair in query.split("&"))]
    policy_bytes, signature = calls[-1]
    reason = _why(url, policy, cookies, canned, expires, starts, ip_address, resource, now)

    key = signer.private_key.public_key
    hash_name = signer.hash_algorithm
    digest = hashlib.new(hash_name.lower(), policy_bytes).digest()
    standard = binascii.b2a_base64(signature, newline=False).decode("ascii")
    safe = to_cloudfront_alphabet(standard)
    verified = key.verify(signature, policy_bytes, hash_name)
    policy_text = policy_bytes.decode("utf-8", "replace")
    parameters = "\n".join(f"{name}={value}" for name, value in pairs)

    stages: list[Stage] = []

    def add(name: str, title: str, output: str, explanation: str, value: bytes | str, **extra: Any) -> None:
        entry = stages[-1].output if stages else extra.pop("input")
        stages.append(Stage(name, title, entry, output, explanation, value=value, **extra))

    arguments = _arguments(url, expires=expires, starts=starts, ip_address=ip_address, resource=resource,
                           policy=policy, cookies=cookies, now=now)
    arguments += (f"\nkey_pair_id  {signer.key_pair_id}\nkey          {key.description}, public key "
                  f"fingerprint {key.fingerprint}\nhash         {hash_name}")
    conditions = _conditions_of(policy_bytes)
    add("inputs", "Inputs", conditions,
        "What is signed for whom: the policy's resource and conditions (times are epoch seconds, UTC), "
        f"signed by {signer.key_pair_id}'s {key.description} key. Only its public half is shown; the "
        "private key never appears in a trace.",
        conditions, input=arguments, detail=key.to_pem().rstrip("\n"))
    pretty = _pretty_json(policy_bytes)
    add("policy_json", "Policy JSON (canned)" if canned else "Policy JSON (custom)", _shown(policy_text),
        f"{reason}. The compact JSON is what gets signed; the indented copy beside it is only for reading."
        + (" It is never sent: CloudFront rebuilds these exact characters from the request URL and Expires."
           if canned else ""),
        policy_text, detail=pretty)
    add("policy_bytes", "UTF-8 bytes", hexdump(policy_bytes),
        f"The policy as {len(policy_bytes)} UTF-8 bytes. These exact bytes are hashed and signed: one "
        "extra space, another key order or a quoted number gives a signature CloudFront rejects.",
        policy_bytes)
    add("digest", f"Digest ({_HASH_LABEL[hash_name]})", _digest_text(hash_name, digest),
        f"The {_HASH_LABEL[hash_name]} digest ({len(digest)} bytes) of the policy bytes, which the key signs "
        "(the signing call computes it itself; it is shown here to follow along). "
        + ("SHA-1 is CloudFront's default: no Hash-Algorithm parameter is needed." if hash_name == "SHA1"
           else "SHA-256 must be announced with Hash-Algorithm=SHA256 (cookie CloudFront-Hash-Algorithm), "
                "or CloudFront checks SHA-1 and refuses."),
        digest)
    summary, detail = _signature_view(signature, key.algorithm)
    check = (f" It verifies with the public key {key.fingerprint}." if verified else
             " It does NOT verify with the signer's public key: the key or the signing function is broken.")
    add("signature", f"Signature ({'RSA PKCS#1 v1.5' if key.algorithm == 'RSA' else 'ECDSA, DER'})",
        summary + "\n" + hexdump(signature), _signature_explanation(key, len(signature)) + check,
        signature, ok=verified, detail=detail)
    add("base64", "Standard base64", standard,
        f"Standard base64 of the {len(signature)} signature bytes ({len(standard)} characters, padding kept). "
        "Its '+', '/' and '=' are not safe in URLs and cookies, hence the next stage.",
        standard)
    replacements = _replacements(standard, safe)
    add("cloudfront_base64", "CloudFront-safe base64", safe, _substitution_explanation(standard, safe),
        safe, marks=_changed(standard, safe), detail=replacements)
    add("parameters", "Cookies" if cookies else "Query parameters", _shown(parameters),
        _parameters_explanation(cookies, canned, hash_name), parameters,
        marks=_value_marks(parameters, safe))
    if cookies:
        add("artifact", "Set-Cookie lines", _shown(final),
            "The cookies as Set-Cookie response headers (Secure and HttpOnly by default). The browser sends "
            "them back with every request to the domain and path; CloudFront reads them when the URL carries "
            "no signing parameters. The values are exactly Signer.sign_cookies' output.",
            final)
    else:
        add("artifact", "Signed URL", _shown(final),
            f"The parameters appended to the URL after '{final[len(url)]}' (highlighted in HTML). This is exactly "
            "Signer.sign_url's output; change nothing after signing (an added or reordered query "
            "parameter breaks a canned signature).",
            final, marks=_clip(((len(url), len(final)),), final))
    return Trace("sign", tuple(stages), result)


def _why(url: str, policy: object, cookies: bool, canned: bool, expires: TimeLike | None,
         starts: TimeLike | None, ip_address: str | None, resource: str | None, now: TimeLike | None) -> str:
    if policy is None:
        target = (resource or url) if cookies else url
        reason = plan_policy(target, expires=expires, starts=starts, ip_address=ip_address,
                             resource=None if cookies else resource, cookies=cookies, now=now).reason
        return reason[:1].upper() + reason[1:]
    if canned:
        return ("Canned: the Policy you gave has only an expiry and its Resource is this one URL, so it "
                "goes out as Expires= and CloudFront rebuilds it from the request")
    if not isinstance(policy, Policy):
        return ("Custom: you gave the policy as JSON text, which is signed byte for byte as given and sent "
                "whole as Policy=")
    reasons = []
    if policy.date_greater_than is not None:
        reasons.append("a start time (DateGreaterThan)")
    if policy.ip_address is not None:
        reasons.append("an IP address condition")
    if policy.resource is None:
        reasons.append("no Resource")
    elif "*" in policy.resource or not policy.resource.startswith(("http://", "https://")):
        reasons.append("a wildcard resource")
    elif not cookies and policy.resource != url:
        reasons.append("a resource that differs from the URL")
    return (f"Custom: the Policy you gave has {' and '.join(reasons) or 'conditions'}, which only a custom "
            "policy (sent whole as Policy=) can express")


def _arguments(url: str, **arguments: object) -> str:
    lines = [f"{'url':<12} {url}"]
    for name, value in arguments.items():
        if value is None or value is False:
            continue
        lines.append(f"{name:<12} {_argument_text(value)}")
    return "\n".join(lines)


def _argument_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if type(value) is int:
        return f"{value}  ({format_epoch(value)})"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return repr(value)


def _conditions_of(policy_bytes: bytes) -> str:
    try:
        return _conditions(Policy.from_json(policy_bytes))
    except CfSignError as err:
        return f"(the policy does not parse as a CloudFront policy: {err})"


def _conditions(policy: Policy) -> str:
    """The canonical text of what a policy grants; equal for a signing and a decoding of the same artifact."""
    def when(epoch: int) -> str:
        return f"{epoch}  ({format_epoch(epoch)})"

    rows = (
        ("resource", policy.resource if policy.resource is not None else "(none: any URL the key may sign)"),
        ("expires", when(policy.date_less_than)),
        ("starts", when(policy.date_greater_than) if policy.date_greater_than is not None else "(none)"),
        ("ip_address", policy.ip_address or "(any)"),
    )
    return "\n".join(f"{name:<10}  {value}" for name, value in rows)


def _parameters_explanation(cookies: bool, canned: bool, hash_name: str) -> str:
    prefix = "CloudFront-" if cookies else ""
    first = (f"{prefix}Expires carries the canned policy's only variable" if canned else
             f"{prefix}Policy carries the policy bytes in CloudFront base64")
    hashed = f", and {prefix}Hash-Algorithm=SHA256 says which digest was signed" if hash_name == "SHA256" else ""
    where = "one cookie each" if cookies else "query parameters"
    return (f"As {where}: {first}; {prefix}Signature is the previous stage (highlighted in HTML); {prefix}Key-Pair-Id "
            f"names the public key CloudFront verifies with{hashed}.")


def _signature_explanation(key: PublicKey, length: int) -> str:
    if key.algorithm == "RSA":
        return (f"RSA PKCS#1 v1.5 over the digest with the private key: {length} bytes, the size of the "
                f"{key.description} modulus. Deterministic: the same key and policy always give this signature.")
    return ("ECDSA P-256 over the digest, ASN.1 DER-encoded (a SEQUENCE of the INTEGERs r and s, 70-72 bytes), "
            "as CloudFront expects; not the raw 64-byte r||s. Randomized: each signing gives a different "
            "valid signature, so compare ECDSA traces by verifying, not by bytes.")


def _substitution_explanation(standard: str, safe: str) -> str:
    counts = [(f"'{a}'→'{b}'", standard.count(a)) for a, b in (("+", "-"), ("=", "_"), ("/", "~"))]
    done = ", ".join(f"{n} × {what}" for what, n in counts)
    if standard == safe:
        return ("CloudFront's alphabet replaces '+'→'-', '='→'_', '/'→'~'; none occur in this value, so "
                "nothing changed (a signer that forgets the substitutions works here only by luck).")
    return (f"CloudFront's URL-safe alphabet: {done} (highlighted in HTML). Padding stays, written '_': this is not "
            "RFC 4648 base64url, which CloudFront cannot decode.")


# --- decoding -----------------------------------------------------------------------------------

_STAGE_OF_CODE = {
    "NO_SIGNING_DATA": "artifact", "COOKIES_IGNORED": "artifact", "COOKIE_NOT_SENT": "artifact",
    "URL_TOO_LONG": "artifact", "CONTEXT_INVALID": "artifact", "PERCENT_ENCODED_VALUE": "artifact",
    "COOKIE_NOT_SECURE": "artifact", "COOKIE_NOT_HTTPONLY": "artifact", "COOKIE_TOO_LARGE": "artifact",
    "MISSING_KEY_PAIR_ID": "parameters", "MISSING_SIGNATURE": "parameters",
    "MISSING_EXPIRES_OR_POLICY": "parameters", "CONFLICTING_EXPIRES_AND_POLICY": "parameters",
    "DUPLICATE_SIGNING_PARAMETER": "parameters", "UNKNOWN_KEY_PAIR_ID": "parameters",
    "KEY_NOT_TRUSTED_BY_BEHAVIOR": "parameters", "COOKIE_NAME_CASE": "parameters",
    "HASH_ALGORITHM_INVALID": "parameters", "HASH_ALGORITHM_CASE": "parameters",
    "PARAMETER_NAME_CASE": "parameters",
    "SIGNATURE_NOT_DECODABLE": "cloudfront_base64",
    "ECDSA_SIGNATURE_NOT_DER": "signature", "SIGNATURE_DOUBLE_BASE64": "signature",
    "POLICY_NOT_DECODABLE": "policy_bytes", "EXPIRES_INVALID": "policy_bytes",
    "POLICY_INVALID": "policy_json", "EXPIRES_IN_MILLISECONDS": "policy_json", "POLICY_WHITESPACE": "policy_json",
    "SIGNATURE_VERIFIED": "digest", "SIGNATURE_NOT_CHECKED": "digest", "SIGNATURE_MISMATCH": "digest",
    "HASH_ALGORITHM_MISSING": "digest", "HASH_ALGORITHM_MISMATCH": "digest", "SIGNED_WITH_OTHER_KEY": "digest",
    "URL_CHANGED_AFTER_SIGNING": "digest", "CANNED_POLICY_FORMAT": "digest",
    "POLICY_CHANGED_AFTER_SIGNING": "digest", "UNSUPPORTED_KEY_TYPE": "digest", "SHA256_COOKIE": "digest",
    "SEARCH_CUT_SHORT": "digest",
}
"""Where each diagnosis finding belongs in a decode trace; codes not listed belong to ``inputs``,
the last stage (the request's conditions)."""

_ENCODING_CODES = {"STANDARD_BASE64_ALPHABET", "BASE64URL_ALPHABET", "DOUBLE_URL_ENCODED", "PERCENT_ENCODED_VALUE"}


def trace_decode(
    artifact: object,
    *,
    public_keys: Mapping[str, PublicKeySource] | PublicKeySource | None = None,
    now: TimeLike | None = None,
    client_ip: str | None = None,
    request_url: str | None = None,
) -> Trace:
    """Take a signed URL or signed cookies apart stage by stage, as CloudFront would; never raises.

    Stops at the first stage CloudFront would refuse; that stage carries the finding of
    :func:`~cfsign_nb.diagnose.diagnose` (called with the same arguments) as its ``problem``.
    """
    try:
        diagnosis = diagnose(artifact, public_keys=public_keys, now=now, client_ip=client_ip,
                             request_url=request_url)
    except Exception as err:
        stage = Stage("artifact", "Artifact", _safe_repr(artifact), "",
                      f"cfsign_nb could not decode this ({type(err).__name__}); please report it with the input.",
                      ok=False)
        return Trace("decode", (stage,), None)
    builder = _Backward(diagnosis, artifact)
    stages: list[Stage] = []
    for build in builder.steps():
        try:
            stage = build()
        except Exception as err:
            name = build.__name__
            stage = Stage(name, name, stages[-1].output if stages else "", "",
                          f"cfsign_nb could not show this stage ({type(err).__name__}: {str(err)[:200]}); "
                          "please report it with the input.", ok=False, problem=diagnosis.cause)
        stages.append(stage)
        if not stage.ok:
            break
    return Trace("decode", tuple(stages), diagnosis)


class _Backward:
    """Builds the decode stages of one diagnosis, each from the decoded values and its findings."""

    def __init__(self, diagnosis: Diagnosis, artifact: object) -> None:
        self.diagnosis = diagnosis
        self.d: Decoded = diagnosis.decoded
        self.artifact = artifact
        self.prefix = "CloudFront-" if self.d.source == "cookies" else ""
        self.findings: dict[str, list[Finding]] = {}
        for item in diagnosis.findings:
            self.findings.setdefault(self._stage_of(item), []).append(item)
        self.previous = ""

    def steps(self) -> tuple[Callable[[], Stage], ...]:
        return (self.artifact_stage, self.parameters, self.cloudfront_base64, self.base64, self.signature,
                self.policy_bytes, self.policy_json, self.digest, self.inputs)

    def _stage_of(self, item: Finding) -> str:
        if item.code in _ENCODING_CODES:
            parameter = str(item.evidence.get("parameter", ""))
            if parameter.endswith("Signature"):
                return "cloudfront_base64"
            if parameter.endswith("Policy"):
                return "policy_bytes"
            return "parameters" if parameter else "artifact"
        return _STAGE_OF_CODE.get(item.code, "inputs")

    def _stage(self, name: str, title: str, output: str, explanation: str, value: bytes | str, *,
               source: str | None = None, missing: str | None = None, **extra: Any) -> Stage:
        """A stage with its findings: the first error stops the trace; missing data stops it too."""
        found = self.findings.get(name, [])
        errors = [f for f in found if f.severity == "error"]
        notes = tuple(f for f in found if f.severity != "error")
        problem = errors[0] if errors else None
        ok = problem is None and missing is None
        if missing is not None and problem is None:
            problem = self.diagnosis.cause
            explanation = f"{missing} {explanation}".strip()
        if problem is not None:
            answer = f"; CloudFront answers {problem.cloudfront_error}" if problem.cloudfront_error else ""
            explanation = f"{explanation} Stopped here: {problem.message}{answer}. Fix: {problem.fix}".strip()
        stage = Stage(name, title, self.previous if source is None else source, output, explanation,
                      ok=ok, problem=problem, value=value, notes=notes, **extra)
        self.previous = output
        return stage

    def artifact_stage(self) -> Stage:
        d = self.d
        if d.source == "url":
            value = d.url or ""
            title = "Signed URL"
            resource = d.resource_url or ""
            explanation = (f"A signed URL: CloudFront takes the signing parameters from its query string; the "
                           f"rest is the resource a canned policy covers: {_shorten(resource, 300)}.")
        elif d.source == "cookies":
            value = _cookie_text(self.artifact, d)
            title = "Signed cookies"
            explanation = ("Signed cookies: CloudFront reads the CloudFront-* cookies the browser sends"
                           + (f" with the request for {_shorten(d.url, 300)}." if d.url else
                              "; pass request_url= (the URL requested) to check the URL they are sent with."))
        else:
            value = d.text
            title = "Artifact"
            explanation = "Neither a signed URL nor CloudFront cookies."
        return self._stage("artifact", title, _shown(value), explanation, value, source=_shown(d.text.strip()))

    def parameters(self) -> Stage:
        d = self.d
        text = "\n".join(f"{name}={value}" for name, value in d.parameters)
        p = self.prefix
        if d.parameter("Policy") is not None:
            kind = f"{p}Policy carries a custom policy, sent whole in CloudFront base64"
        elif d.parameter("Expires") is not None:
            kind = (f"{p}Expires means a canned policy: it is not sent, CloudFront rebuilds it from the "
                    "requested URL and this time")
        else:
            kind = "there is no policy"
        hashed = (f"{p}Hash-Algorithm={d.hash_algorithm_value} selects {_HASH_LABEL[d.hash_algorithm]}"
                  if d.hash_algorithm_value is not None else f"no {p}Hash-Algorithm, so CloudFront uses SHA-1")
        key = f"{p}Key-Pair-Id={d.key_pair_id} names the public key to verify with" if d.key_pair_id else ""
        explanation = "; ".join(part for part in (kind, key, hashed) if part) + "."
        return self._stage("parameters", "Cookies" if d.source == "cookies" else "Query parameters",
                           _shown(text) or "(no signing parameters)", explanation[:1].upper() + explanation[1:],
                           text, marks=_value_marks(text, d.signature_b64 or ""))

    def cloudfront_base64(self) -> Stage:
        value = self.d.signature_b64 or ""
        bad = tuple((i, i + 1) for i, c in enumerate(value) if not (c.isascii() and (c.isalnum() or c in "-_~")))
        explanation = (f"The {self.prefix}Signature value as CloudFront reads it ({len(value)} characters), in "
                       "CloudFront's alphabet A-Z a-z 0-9 - _ ~."
                       + (" The marked characters are not in that alphabet." if bad else ""))
        missing = None if value else f"There is no {self.prefix}Signature."
        return self._stage("cloudfront_base64", "CloudFront-safe base64", _shown(value), explanation, value,
                           marks=_clip(_merge(bad), value), missing=missing)

    def base64(self) -> Stage:
        safe = self.d.signature_b64 or ""
        standard = safe.translate(str.maketrans("-_~", "+=/"))
        counts = ", ".join(f"{safe.count(b)} × '{b}'→'{a}'" for a, b in (("+", "-"), ("=", "_"), ("/", "~")))
        return self._stage("base64", "Standard base64", _shown(standard),
                           f"CloudFront's substitutions undone ({counts}, highlighted in HTML), "
                           "giving standard base64.",
                           standard, marks=_clip(_changed(safe, standard), standard),
                           detail=_replacements(safe, standard))

    def signature(self) -> Stage:
        d = self.d
        if d.signature is None:
            return self._stage("signature", "Signature", "", "The signature does not decode to bytes.", b"",
                               missing="")
        key = self.diagnosis.context.public_keys.get(d.key_pair_id or "")
        summary, detail = _signature_view(d.signature, key.algorithm if key else None)
        about = (f"{d.key_pair_id}'s key is {key.description} (public key fingerprint {key.fingerprint})."
                 if key else "No public key was given for this Key-Pair-Id, so the key type is guessed from the "
                 "length.")
        return self._stage("signature", "Signature", summary + "\n" + hexdump(d.signature),
                           f"The signature: {_bytes(len(d.signature))}. {about}", d.signature, detail=detail)

    def policy_bytes(self) -> Stage:
        d = self.d
        if d.policy_kind == "custom":
            source = f"{self.prefix}Policy={_shorten(d.policy_b64 or '', TEXT_LIMIT)}"
            explanation = ("Custom policy: the Policy value decoded from CloudFront base64; CloudFront verifies "
                           "the signature over exactly these bytes.")
        else:
            source = f"resource  {d.resource_url}\n{self.prefix}Expires={d.parameter('Expires')}"
            explanation = ("Canned policy: never sent; CloudFront rebuilds these bytes from the requested URL "
                           "(without its signing parameters) and Expires, in the fixed compact template.")
        if d.policy_bytes is None:
            if d.policy_kind == "canned" and d.source == "cookies" and not d.resource_url:
                missing = ("Canned cookies carry no policy: CloudFront rebuilds it from the URL requested; "
                           "pass request_url= to see it.")
            else:
                missing = "There is no policy to show."
            return self._stage("policy_bytes", "UTF-8 bytes", "", explanation, b"", source=source, missing=missing)
        return self._stage("policy_bytes", "UTF-8 bytes", hexdump(d.policy_bytes),
                           f"{explanation} {len(d.policy_bytes)} bytes.", d.policy_bytes, source=source)

    def policy_json(self) -> Stage:
        d = self.d
        data = d.policy_bytes or b""
        text = data.decode("utf-8", "replace")
        kind = "canned" if d.policy_kind == "canned" else "custom"
        compact = (json.dumps(d.policy_document, separators=(",", ":")).encode()
                   if d.policy_document is not None else None)
        note = (" It is not in compact form, so its bytes differ from what cfsign_nb's signer emits."
                if compact is not None and compact != data else "")
        return self._stage("policy_json", f"Policy JSON ({kind})", _shown(text),
                           f"The policy bytes read as UTF-8 JSON; the indented copy is only for reading.{note}",
                           text, detail=_pretty_json(data))

    def digest(self) -> Stage:
        d = self.d
        data = d.policy_bytes or b""
        name = d.hash_algorithm
        digest = hashlib.new(name.lower(), data).digest()
        key = self.diagnosis.context.public_keys.get(d.key_pair_id or "")
        if self.diagnosis.verified:
            verdict = (f" The signature verifies over it with {d.key_pair_id}'s {key.description} key "
                       f"({key.fingerprint})." if key else " The signature verifies.")
        elif key is None:
            verdict = (" No public key was given for this Key-Pair-Id, so the signature was not checked "
                       "(public_keys= in Python, --public-key ID=FILE on the command line).")
        else:
            verdict = ""
        source = (f"{self.prefix}Hash-Algorithm={d.hash_algorithm_value}" if d.hash_algorithm_value is not None
                  else f"no {self.prefix}Hash-Algorithm: SHA-1, CloudFront's default")
        return self._stage("digest", f"Digest ({_HASH_LABEL[name]})", _digest_text(name, digest),
                           f"CloudFront hashes the policy bytes with {_HASH_LABEL[name]} ({source}) and checks "
                           f"the signature against this digest with the public key.{verdict}",
                           digest, source=f"the {len(data)} policy bytes, the {len(d.signature or b'')}-byte "
                           f"signature" + (f" and {d.key_pair_id}'s public key" if key else ""))

    def inputs(self) -> Stage:
        d = self.d
        ctx = self.diagnosis.context
        if d.policy is None:
            return self._stage("inputs", "Inputs", "", "The policy could not be read.", "", missing="")
        text = _conditions(d.policy)
        against = [f"at {format_epoch(ctx.now)}"]
        if ctx.client_ip:
            against.append(f"from {ctx.client_ip}")
        if d.resource_url:
            against.append(f"for {_shorten(d.resource_url, 300)}")
        return self._stage("inputs", "Inputs", text,
                           "What the signer asked for: the policy's resource and conditions, checked as "
                           f"CloudFront would for a request {' '.join(against)}.", text)


def _cookie_text(artifact: object, d: Decoded) -> str:
    if isinstance(artifact, str):
        return artifact.strip()
    if isinstance(artifact, bytes | bytearray | memoryview):
        return bytes(artifact).decode("utf-8", "replace").strip()
    if isinstance(artifact, Mapping):
        return "\n".join(f"{as_text(name)}={as_text(value)}" for name, value in artifact.items())
    return d.text


# --- comparing ----------------------------------------------------------------------------------

def _compare(left: Trace, right: Trace) -> Comparison:
    names = list(STAGE_ORDER)
    names += [n for n in (*left.names, *right.names) if n not in names]
    rows: list[tuple[str, str]] = []
    for name in dict.fromkeys(names):
        a, b = left.get(name), right.get(name)
        if a is None and b is None:
            continue
        if a is None or b is None:
            rows.append((name, "only left" if b is None else "only right"))
        else:
            rows.append((name, "same" if a.value == b.value else "different"))
    first = next((n for n, status in rows if status == "different"), None)
    if first is None:
        first = next((n for n, status in rows if status != "same"), None)
    return Comparison(left, right, tuple(rows), first)


def _diff_marks(a: str, b: str) -> tuple[Marks, Marks]:
    """Spans of ``a`` and of ``b`` that are not common to both."""
    left: list[tuple[int, int]] = []
    right: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            if i2 > i1:
                left.append((i1, i2))
            if j2 > j1:
                right.append((j1, j2))
    return tuple(left), tuple(right)


# --- values for people --------------------------------------------------------------------------

def hexdump(data: bytes, *, max_lines: int = HEX_LINES) -> str:
    """Offsets, hex and printable ASCII, 16 bytes a line; longer than ``max_lines``, the middle is elided."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:04x}  {hexes:<48}  |{text}|")
    if not lines:
        return "(0 bytes)"
    if len(lines) > max_lines:
        head = max(max_lines - 3, 1)
        hidden = 16 * (len(lines) - 2 - head)
        lines = [*lines[:head], f"....  {hidden} more bytes (of {len(data)}); Stage.value holds them all",
                 *lines[-2:]]
    return "\n".join(lines)


def _shown(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}… ({len(text)} characters in all; Stage.value holds them all)"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _safe_repr(value: object) -> str:
    try:
        return _shorten(repr(value), 2000)
    except Exception:
        return f"<{type(value).__name__}>"


def _pretty_json(data: bytes) -> str:
    try:
        return json.dumps(json.loads(data), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return ""


def _digest_text(name: str, digest: bytes) -> str:
    return f"{_HASH_LABEL[name]}  {digest.hex()}"


def _signature_view(signature: bytes, algorithm: str | None) -> tuple[str, str]:
    """A one-paragraph summary of the signature's structure, and r and s in full for ECDSA."""
    n = len(signature)
    if algorithm != "RSA" and 8 <= n <= 80:
        layout = _der_layout(signature)
        if layout is not None:
            r, s = decode_dss_signature(signature)
            lines = [f"ECDSA signature, ASN.1 DER, {n} bytes:", *layout]
            return "\n".join(lines), f"r = {r}\ns = {s}"
    if n == 64 and algorithm != "RSA":
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        return (f"64 bytes: a raw ECDSA r||s pair, not DER\nr = {signature[:32].hex()}\ns = {signature[32:].hex()}",
                f"r = {r}\ns = {s}")
    if algorithm == "RSA" or n in (128, 256, 384, 512):
        return f"RSA PKCS#1 v1.5 signature, {n} bytes ({n * 8}-bit modulus)", ""
    return f"{_bytes(n)} (neither an RSA-2048 nor a DER ECDSA P-256 signature)", ""


def _bytes(n: int) -> str:
    return f"{n} byte{'' if n == 1 else 's'}"


def _der_layout(signature: bytes) -> list[str] | None:
    """Where r and s sit in a short-form DER ECDSA signature, or None when it is not one."""
    if signature[0] != 0x30 or signature[1] != len(signature) - 2:
        return None
    rows = [f"  @0  30 {signature[1]:02x}  SEQUENCE of {signature[1]} bytes"]
    at = 2
    for label in ("r", "s"):
        if at + 2 > len(signature) or signature[at] != 0x02:
            return None
        size = signature[at + 1]
        value = signature[at + 2:at + 2 + size]
        if len(value) != size or size == 0:
            return None
        lead = "  (leading 00 keeps it positive)" if size > 1 and value[0] == 0 else ""
        rows.append(f"  @{at:<2} 02 {size:02x}  INTEGER {label}, {size} bytes{lead}")
        rows.append(f"          {label} = {value.hex()}")
        at += 2 + size
    return rows if at == len(signature) else None


def _changed(before: str, after: str) -> Marks:
    return _merge(tuple((i, i + 1) for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b))


def _replacements(before: str, after: str) -> str:
    by_pair: dict[tuple[str, str], list[int]] = {}
    for i, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            by_pair.setdefault((a, b), []).append(i)
    return "\n".join(f"'{a}' → '{b}' at {', '.join(map(str, positions))}"
                     for (a, b), positions in by_pair.items())


def _value_marks(text: str, value: str) -> Marks:
    if not value:
        return ()
    at = text.find("=" + value)
    return _clip(((at + 1, at + 1 + len(value)),), text) if at >= 0 else ()


def _merge(spans: Marks) -> Marks:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _clip(spans: Marks, text: str) -> Marks:
    """Spans limited to what is shown of ``text`` (long values are truncated for display)."""
    limit = min(len(text), TEXT_LIMIT)
    return tuple((start, min(end, limit)) for start, end in spans if start < limit)


# --- text rendering -----------------------------------------------------------------------------

_RULE = "-" * 100
_INDENT = "    "
_TEXT_WIDTH = 96
_CARET_SPAN = 8


def _stage_text(number: int, stage: Stage, previous: Stage | None) -> list[str]:
    status = "ok" if stage.ok else "FAIL"
    lines = [f"{number:>2}  {stage.name:<18} {status:<4}  {stage.title}"]

    def block(label: str, text: str, marks: Marks = ()) -> None:
        lines.append(f"{_INDENT}{label}:")
        lines.extend(_INDENT + "  " + line for line in _wrap_marked(text, marks, _TEXT_WIDTH - 2))

    if previous is None or stage.input != previous.output:
        block("in", stage.input)
    block("out", stage.output, tuple(m for m in stage.marks if m[1] - m[0] <= _CARET_SPAN))
    if stage.detail:
        block("detail", stage.detail)
    lines += [_INDENT + line for line in textwrap.wrap("why: " + stage.explanation, _TEXT_WIDTH)]
    for note in stage.notes:
        lines += [_INDENT + line for line in textwrap.wrap(f"note: {note.severity} {note.code}: {note.message}",
                                                           _TEXT_WIDTH)]
    if stage.problem is not None:
        answer = stage.problem.cloudfront_error or stage.problem.severity
        lines.append(f"{_INDENT}problem: {stage.problem.code} ({answer})")
    return lines


def _wrap_marked(text: str, marks: Marks, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width``, each marked line followed by a line of carets."""
    out: list[str] = []
    position = 0
    for line in text.split("\n"):
        for start in range(0, max(len(line), 1), width):
            chunk = line[start:start + width]
            begin = position + start
            carets = [" "] * len(chunk)
            for m_start, m_end in marks:
                for i in range(max(m_start, begin), min(m_end, begin + len(chunk))):
                    carets[i - begin] = "^"
            out.append(chunk)
            if "^" in carets:
                out.append("".join(carets).rstrip())
        position += len(line) + 1
    return out


# --- HTML rendering -----------------------------------------------------------------------------

_OK = "var(--jp-success-color1, #2e7d32)"
_BAD = "var(--jp-error-color1, #c62828)"
_BOX = ("font-family:var(--jp-ui-font-family, sans-serif);font-size:var(--jp-ui-font-size1, 13px);"
        "color:var(--jp-ui-font-color1, inherit);background:transparent")
_TABLE = "border-collapse:collapse;width:100%;background:transparent;color:inherit"
_TH = ("text-align:left;padding:4px 6px;border-bottom:2px solid var(--jp-border-color1, rgba(127,127,127,.5));"
       "color:inherit;background:transparent")
_TD = ("text-align:left;vertical-align:top;padding:4px 6px;color:inherit;background:transparent;"
       "border-bottom:1px solid var(--jp-border-color2, rgba(127,127,127,.3));")
_PRE = ("margin:0;padding:4px 6px;"
        "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 12px);"
        "color:inherit;background:var(--jp-layout-color2, rgba(127,127,127,.12));border-radius:3px")
_MARK = "background:var(--jp-warn-color2, #ffb74d);color:#000;border-radius:2px"


def _pre(text: str, body: str) -> str:
    """A <pre> block: tables (hex dumps, indented JSON) keep their columns and scroll; long runs wrap."""
    columns = "\n" in text and max(len(line) for line in text.split("\n")) <= 100
    flow = "white-space:pre;overflow-x:auto" if columns else "white-space:pre-wrap;word-break:break-all"
    return f"<pre style='{_PRE};{flow}'>{body}</pre>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _marked_html(text: str, marks: Marks) -> str:
    parts = []
    at = 0
    for start, end in marks:
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        parts.append(_e(text[at:start]))
        parts.append(f"<mark style='{_MARK}'>{_e(text[start:end])}</mark>")
        at = end
    parts.append(_e(text[at:]))
    return "".join(parts)


def _stage_html(number: int, stage: Stage, previous: Stage | None) -> str:
    colour = _OK if stage.ok else _BAD
    status = "✔" if stage.ok else "✘"
    name_cell = (f"<b>{_e(stage.title)}</b><br><code>{_e(stage.name)}</code> "
                 f"<span style='color:{colour};font-weight:bold'>{status}</span>")
    value = ""
    if previous is None or stage.input != previous.output:
        value += (f"<div style='opacity:.8'>in</div>{_pre(stage.input, _e(stage.input))}"
                  "<div style='opacity:.8'>out</div>")
    output = _pre(stage.output, _marked_html(stage.output, stage.marks))
    if stage.detail:
        value += (f"<div style='display:flex;gap:6px;flex-wrap:wrap'><div style='flex:1;min-width:16em'>{output}</div>"
                  f"<div style='flex:1;min-width:16em'>{_pre(stage.detail, _e(stage.detail))}</div></div>")
    else:
        value += output
    why = _e(stage.explanation)
    for note in stage.notes:
        why += f"<div style='opacity:.85;margin-top:3px'><code>{_e(note.code)}</code> {_e(note.message)}</div>"
    if stage.problem is not None:
        why += (f"<div style='color:{_BAD};margin-top:3px'><b><code>{_e(stage.problem.code)}</code></b> "
                f"{_e(stage.problem.cloudfront_error or stage.problem.severity)}</div>")
    border = f"border-left:3px solid {colour};"
    return (f"<tr><td style='{_TD}{border}'>{number}</td><td style='{_TD}'>{name_cell}</td>"
            f"<td style='{_TD}max-width:0;width:62%'>{value}</td><td style='{_TD}'>{why}</td></tr>")
