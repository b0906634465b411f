"""The decoding trace: a signed URL or signed cookies taken apart in the signing stages, backwards.

The trace stops at the first stage CloudFront would refuse; that stage carries the finding of
:func:`~cfsign_nb.diagnosis.diagnose` that says why (each finding shows at its code's stage,
:attr:`~cfsign_nb.findings.Finding.stage`).
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable, Mapping
from typing import Any

from ..decode import Decoded, as_text
from ..diagnosis import Diagnosis, diagnose
from ..findings import Finding
from ..keys import PublicKeySource
from ..protocol import COOKIE_PREFIX
from ..settings import PUBLIC_KEYS, REQUEST_URL
from ..times import TimeLike, format_epoch
from .format import (
    HASH_LABEL,
    SUBSTITUTIONS,
    TEXT_LIMIT,
    byte_count,
    changed,
    clip,
    conditions,
    digest_text,
    hexdump,
    merge,
    pretty_json,
    replacements,
    safe_repr,
    shorten,
    shown,
    signature_view,
    value_marks,
)
from .model import Stage, Trace

_CLOUDFRONT_CHARACTERS = frozenset(string.ascii_letters + string.digits + "".join(safe for _, safe in SUBSTITUTIONS))
_FROM_CLOUDFRONT = str.maketrans({safe: standard for standard, safe in SUBSTITUTIONS})


def trace_decode(
    artifact: object,
    *,
    public_keys: Mapping[str, PublicKeySource] | PublicKeySource | None = None,
    now: TimeLike | None = None,
    client_ip: str | None = None,
    request_url: str | None = None,
    distribution: object | None = None,
) -> Trace:
    """Take a signed URL or signed cookies apart stage by stage, as CloudFront would; never raises.

    Stops at the first stage CloudFront would refuse; that stage carries the finding of
    :func:`~cfsign_nb.diagnosis.diagnose` (called with the same arguments, ``distribution`` included)
    as its ``problem``.
    """
    try:
        diagnosis = diagnose(artifact, public_keys=public_keys, now=now, client_ip=client_ip,
                             request_url=request_url, distribution=distribution)
    except Exception as err:
        stage = Stage("artifact", "Artifact", safe_repr(artifact), "",
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
        self.prefix = COOKIE_PREFIX if self.d.source == "cookies" else ""
        self.findings: dict[str, list[Finding]] = {}
        for item in diagnosis.findings:
            self.findings.setdefault(item.stage, []).append(item)
        self.previous = ""

    def steps(self) -> tuple[Callable[[], Stage], ...]:
        return (self.artifact_stage, self.parameters, self.cloudfront_base64, self.base64, self.signature,
                self.policy_bytes, self.policy_json, self.digest, self.inputs)

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
                           f"rest is the resource a canned policy covers: {shorten(resource, 300)}.")
        elif d.source == "cookies":
            value = _cookie_text(self.artifact, d)
            title = "Signed cookies"
            explanation = ("Signed cookies: CloudFront reads the CloudFront-* cookies the browser sends"
                           + (f" with the request for {shorten(d.url, 300)}." if d.url else
                              f"; pass the URL requested ({REQUEST_URL.python}) to check the URL they are sent with."))
        else:
            value = d.text
            title = "Artifact"
            explanation = "Neither a signed URL nor CloudFront cookies."
        return self._stage("artifact", title, shown(value), explanation, value, source=shown(d.text.strip()))

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
        hashed = (f"{p}Hash-Algorithm={d.hash_algorithm_value} selects {HASH_LABEL[d.hash_algorithm]}"
                  if d.hash_algorithm_value is not None else f"no {p}Hash-Algorithm, so CloudFront uses SHA-1")
        key = f"{p}Key-Pair-Id={d.key_pair_id} names the public key to verify with" if d.key_pair_id else ""
        explanation = "; ".join(part for part in (kind, key, hashed) if part) + "."
        return self._stage("parameters", "Cookies" if d.source == "cookies" else "Query parameters",
                           shown(text) or "(no signing parameters)", explanation[:1].upper() + explanation[1:],
                           text, marks=value_marks(text, d.signature_b64 or ""))

    def cloudfront_base64(self) -> Stage:
        value = self.d.signature_b64 or ""
        bad = tuple((i, i + 1) for i, c in enumerate(value) if c not in _CLOUDFRONT_CHARACTERS)
        explanation = (f"The {self.prefix}Signature value as CloudFront reads it ({len(value)} characters), in "
                       "CloudFront's alphabet A-Z a-z 0-9 - _ ~."
                       + (" The marked characters are not in that alphabet." if bad else ""))
        missing = None if value else f"There is no {self.prefix}Signature."
        return self._stage("cloudfront_base64", "CloudFront-safe base64", shown(value), explanation, value,
                           marks=clip(merge(bad), value), missing=missing)

    def base64(self) -> Stage:
        safe = self.d.signature_b64 or ""
        standard = safe.translate(_FROM_CLOUDFRONT)
        counts = ", ".join(f"{safe.count(b)} × '{b}'→'{a}'" for a, b in SUBSTITUTIONS)
        return self._stage("base64", "Standard base64", shown(standard),
                           f"CloudFront's substitutions undone ({counts}, highlighted in HTML), "
                           "giving standard base64.",
                           standard, marks=clip(changed(safe, standard), standard),
                           detail=replacements(safe, standard))

    def signature(self) -> Stage:
        d = self.d
        if d.signature is None:
            return self._stage("signature", "Signature", "", "The signature does not decode to bytes.", b"",
                               missing="")
        key = self.diagnosis.context.public_keys.get(d.key_pair_id or "")
        summary, detail = signature_view(d.signature, key.algorithm if key else None)
        about = (f"{d.key_pair_id}'s key is {key.description} (public key fingerprint {key.fingerprint})."
                 if key else "No public key was given for this Key-Pair-Id, so the key type is guessed from the "
                 "length.")
        return self._stage("signature", "Signature", summary + "\n" + hexdump(d.signature),
                           f"The signature: {byte_count(len(d.signature))}. {about}", d.signature, detail=detail)

    def policy_bytes(self) -> Stage:
        d = self.d
        if d.policy_kind == "custom":
            source = f"{self.prefix}Policy={shorten(d.policy_b64 or '', TEXT_LIMIT)}"
            explanation = ("Custom policy: the Policy value decoded from CloudFront base64; CloudFront verifies "
                           "the signature over exactly these bytes.")
        else:
            source = f"resource  {d.resource_url}\n{self.prefix}Expires={d.parameter('Expires')}"
            explanation = ("Canned policy: never sent; CloudFront rebuilds these bytes from the requested URL "
                           "(without its signing parameters) and Expires, in the fixed compact template.")
        if d.policy_bytes is None:
            if d.policy_kind == "canned" and d.source == "cookies" and not d.resource_url:
                missing = ("Canned cookies carry no policy: CloudFront rebuilds it from the URL requested; "
                           f"pass the URL requested ({REQUEST_URL.python}) to see it.")
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
        return self._stage("policy_json", f"Policy JSON ({kind})", shown(text),
                           f"The policy bytes read as UTF-8 JSON; the indented copy is only for reading.{note}",
                           text, detail=pretty_json(data))

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
                       f"({PUBLIC_KEYS.python}).")
        else:
            verdict = ""
        source = (f"{self.prefix}Hash-Algorithm={d.hash_algorithm_value}" if d.hash_algorithm_value is not None
                  else f"no {self.prefix}Hash-Algorithm: SHA-1, CloudFront's default")
        return self._stage("digest", f"Digest ({HASH_LABEL[name]})", digest_text(name, digest),
                           f"CloudFront hashes the policy bytes with {HASH_LABEL[name]} ({source}) and checks "
                           f"the signature against this digest with the public key.{verdict}",
                           digest, source=f"the {len(data)} policy bytes, the {len(d.signature or b'')}-byte "
                           f"signature" + (f" and {d.key_pair_id}'s public key" if key else ""))

    def inputs(self) -> Stage:
        d = self.d
        ctx = self.diagnosis.context
        if d.policy is None:
            return self._stage("inputs", "Inputs", "", "The policy could not be read.", "", missing="")
        text = conditions(d.policy)
        against = [f"at {format_epoch(ctx.now)}"]
        if ctx.client_ip:
            against.append(f"from {ctx.client_ip}")
        if d.resource_url:
            against.append(f"for {shorten(d.resource_url, 300)}")
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
