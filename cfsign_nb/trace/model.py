"""The values of a trace: a :class:`Stage`, an ordered :class:`Trace` of them, a :class:`Comparison` of two.

Every stage of signing and of decoding is a value (policy → bytes → digest → signature → base64 →
URL); :mod:`.forward` and :mod:`.backward` make them, :mod:`.view` shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .. import extras
from ..diagnosis import Diagnosis
from ..errors import InputError
from ..findings import STAGE_NAMES, Finding
from .compare import line_up
from .format import Marks
from .view import comparison_html, comparison_text, trace_html, trace_text

Direction = Literal["sign", "decode"]

STAGE_ORDER = STAGE_NAMES
"""Stage names in signing order; :meth:`Trace.compare` walks them in this order, whichever way
either trace was made, so the first difference is the earliest step that went another way."""


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
    :class:`~cfsign_nb.diagnosis.Diagnosis` for a decode trace.
    """

    direction: Direction
    stages: tuple[Stage, ...]
    result: str | dict[str, str] | Diagnosis | None = None

    COLUMNS = ("name", "title", "input", "output", "explanation", "ok", "problem", "cloudfront_error")
    """The keys of each of :meth:`rows`, in table order."""

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
            raise InputError(
                f"compare() takes another Trace, got {type(other).__name__}; make one with "
                "trace_sign(...) or trace_decode(...)"
            )
        rows, first = line_up(self, other)
        return Comparison(self, other, rows, first)

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

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per stage (:attr:`COLUMNS`): the table :meth:`to_frame` shows."""
        return [
            {
                "name": s.name, "title": s.title, "input": s.input, "output": s.output,
                "explanation": s.explanation, "ok": s.ok,
                "problem": s.problem.code if s.problem else None,
                "cloudfront_error": s.problem.cloudfront_error if s.problem else None,
            }
            for s in self.stages
        ]

    def to_frame(self) -> Any:
        """One row per stage, numbered from 1 (``step``): needs the pandas extra."""
        return extras.to_frame(self)

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
        return trace_text(self)

    def __repr__(self) -> str:
        return f"Trace(direction={self.direction!r}, stages={list(self.names)!r}, ok={self.ok})"

    def _repr_html_(self) -> str:
        return trace_html(self, range(len(self.stages)))

    def stage_html(self, index: int) -> str:
        """One stage as HTML (input, output with its changes marked, why), for a step-by-step view."""
        return trace_html(self, [index], show_inputs=True)


@dataclass(frozen=True)
class Comparison:
    """Two traces lined up by stage name (in signing order); ``first_difference`` names the
    earliest stage whose values differ (or, if none do, the first stage only one trace reached)."""

    left: Trace
    right: Trace
    rows: tuple[tuple[str, str], ...]
    first_difference: str | None

    COLUMNS = ("name", "status", "left", "right")
    """The keys of each of :meth:`records`, in table order."""

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

    def records(self) -> list[dict[str, Any]]:
        """One plain row per stage name (:attr:`COLUMNS`): status and both outputs (``rows`` holds the statuses)."""
        records = []
        for name, status in self.rows:
            left, right = self.left.get(name), self.right.get(name)
            records.append({"name": name, "status": status,
                            "left": left.output if left else None, "right": right.output if right else None})
        return records

    def to_frame(self) -> Any:
        """One row per stage name: status (same / different / only left / only right) and both outputs."""
        return extras.to_frame(self)

    @property
    def labels(self) -> tuple[str, str]:
        """How the two sides are named in the views."""
        return f"left ({self.left.direction})", f"right ({self.right.direction})"

    @property
    def diagnosis_notes(self) -> tuple[str, ...]:
        """What the diagnosis of each decoded side found: it can see past the stage where the
        values part (e.g. a signature over a pretty-printed policy differs at ``signature``, but
        the cause is the policy format)."""
        notes = []
        for label, trace in zip(self.labels, (self.left, self.right), strict=True):
            result = trace.result
            cause = getattr(result, "cause", None)
            if trace.direction == "decode" and cause is not None:
                notes.append(f"{label}: CloudFront would answer {cause.cloudfront_error or 'with an error'}; "
                             f"the diagnosis says {cause.code}: {cause.message}")
        return tuple(notes)

    def __str__(self) -> str:
        return comparison_text(self)

    def __repr__(self) -> str:
        return f"Comparison(first_difference={self.first_difference!r})"

    def _repr_html_(self) -> str:
        return comparison_html(self)
