"""CloudFront's wildcards: a policy ``Resource`` against a request URL, and the matcher beneath it.

``*`` is any run of characters and ``?`` exactly one. :func:`resource_matches` applies them per
section of a URL, as CloudFront does for a policy's Resource; :func:`wildcard_match` matches one
whole string and is shared with cache-behavior path patterns. Both are linear in the subject's
length whatever the pattern (no backtracking), so hostile input stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["resource_matches", "wildcard_match"]


def resource_matches(pattern: str, url: str) -> bool:
    """CloudFront's wildcard match of a policy ``Resource`` against a request URL (case-sensitive).

    ``*`` is any run of characters and ``?`` exactly one, each within its own section of
    ``scheme://domain/path?query``; a trailing ``*`` in the path also covers the query, one at the
    end of the domain covers path and query, ``*://`` is http or https, a pattern starting with
    ``*`` may omit the scheme, and ``"*"`` matches everything. Where the guide is ambiguous, a ``?``
    in the path may be either a wildcard or the start of the query; ``\\?`` is always the latter.
    Linear in the URL's length whatever the pattern (no backtracking), so hostile input stays cheap.
    """
    if not isinstance(pattern, str) or not isinstance(url, str):
        return False
    resource = _parse_resource(pattern)
    if resource is None:
        return False
    if resource.everything:
        return True
    for scheme in resource.schemes:
        if url.startswith(scheme):
            rest = url[len(scheme):]
            break
    else:
        return False
    cut = _first_of(rest, "/?")
    domain_part, after = rest[:cut], rest[cut:]
    if not wildcard_match(resource.domain, domain_part):
        return False
    if resource.tail is None:  # no '/' after the domain in the pattern
        return resource.domain.endswith("*") or after in ("", "/")
    if not after.startswith("/"):
        return False
    tail = after[1:]
    path, has_query, query = tail.partition("?")
    if resource.tail.endswith("*"):  # a trailing '*' also covers the query
        if wildcard_match(resource.tail, path):
            return True
    elif not has_query and wildcard_match(resource.tail, path):
        return True
    return bool(has_query) and any(
        wildcard_match(path_pattern, path) and wildcard_match(query_pattern, query)
        for path_pattern, query_pattern in resource.splits
    )


@dataclass(frozen=True)
class _Resource:
    """A policy ``Resource`` taken apart once: the schemes it allows and its sections' patterns."""

    everything: bool = False
    schemes: tuple[str, ...] = ()
    domain: str = ""
    tail: str | None = None
    splits: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=2048)
def _parse_resource(pattern: str) -> _Resource | None:
    """The sections of ``pattern``, or None when no URL can match it (an unknown scheme)."""
    if pattern == "*":
        return _Resource(everything=True)
    if "://" in pattern:
        scheme, rest = pattern.split("://", 1)
    elif pattern.startswith("*"):
        scheme, rest = "*", pattern
    else:
        return None
    schemes = {"http": ("http://",), "https": ("https://",), "*": ("https://", "http://")}.get(scheme)
    if schemes is None:
        return None
    domain, slash, tail = rest.partition("/")
    if not slash:
        return _Resource(schemes=schemes, domain=domain)
    if "\\?" in tail:
        path, query = tail.split("\\?", 1)
        splits = [(path, query.replace("\\?", "?"))]
    else:  # any of the first few '?' may be the one that starts the query
        marks = [i for i, c in enumerate(tail) if c == "?"][:8]
        splits = [(tail[:i], tail[i + 1 :]) for i in marks]
    return _Resource(schemes=schemes, domain=domain, tail=tail, splits=tuple(splits))


def _first_of(text: str, characters: str) -> int:
    """The index of the first of ``characters`` in ``text``, or ``len(text)``."""
    found = [i for i in (text.find(c) for c in characters) if i >= 0]
    return min(found) if found else len(text)


def wildcard_match(pattern: str, subject: str) -> bool:
    """True when ``subject`` matches ``pattern`` whole: ``*`` any run of characters, ``?`` one character.

    Shared by policy resources (per section) and cache-behavior path patterns. Greedy leftmost
    matching of the pieces between the stars is exact for this language and never backtracks:
    the time is linear in ``len(subject)`` (times the pattern's length over 64 for pieces with ``?``).
    """
    pieces = _pieces(pattern)
    if len(pieces) == 1:
        return len(subject) == len(pattern) and pieces[0].fits(subject, 0)
    head, *middle, last = pieces
    end = len(subject) - len(last.text)
    if end < len(head.text) or not head.fits(subject, 0) or not last.fits(subject, end):
        return False
    position = len(head.text)
    for piece in middle:
        found = piece.find(subject, position, end)
        if found < 0:
            return False
        position = found + len(piece.text)
    return True


@dataclass(frozen=True)
class _Piece:
    """A run of a wildcard pattern between two ``*``: literal characters and ``?``."""

    text: str
    masks: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    any_mask: int = 0

    def fits(self, subject: str, at: int) -> bool:
        """True when this piece matches ``subject`` at ``at``."""
        if not self.any_mask:
            return subject.startswith(self.text, at)
        if at + len(self.text) > len(subject):
            return False
        return all(c == "?" or c == s for c, s in zip(self.text, subject[at : at + len(self.text)], strict=True))

    def find(self, subject: str, start: int, end: int) -> int:
        """The first index in ``[start, end - len]`` where this piece matches, or -1.

        Plain text uses ``str.find``; with ``?`` a bit-parallel scan (shift-and) keeps it linear.
        """
        size = len(self.text)
        if not size:
            return start
        if not self.any_mask:
            return subject.find(self.text, start, end)
        masks, any_mask, goal, state = self.masks, self.any_mask, 1 << (size - 1), 0
        for index in range(start, end):
            state = ((state << 1) | 1) & masks.get(subject[index], any_mask)
            if state & goal:
                return index - size + 1
        return -1


@lru_cache(maxsize=4096)
def _pieces(pattern: str) -> tuple[_Piece, ...]:
    """``pattern`` split at its ``*``, each piece ready to match (memoised: patterns repeat)."""
    return tuple(_piece(text) for text in pattern.split("*"))


def _piece(text: str) -> _Piece:
    any_mask = sum(1 << i for i, c in enumerate(text) if c == "?")
    if not any_mask:
        return _Piece(text)
    masks: dict[str, int] = {}
    for i, c in enumerate(text):
        if c != "?":
            masks[c] = masks.get(c, any_mask) | (1 << i)
    return _Piece(text, masks, any_mask)
