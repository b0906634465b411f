"""Take a signed URL or signed cookies apart, the way CloudFront reads them, without ever raising.

:func:`decode` accepts a signed URL, a ``Cookie`` header (with or without ``Cookie:``), one or more
``Set-Cookie`` lines, or a mapping of cookie names to values. Every problem met on the way is
recorded as a :class:`~cfsign_nb.findings.Finding` in ``Decoded.problems``; nothing here is
trusted or verified (see :mod:`cfsign_nb.diagnose` for that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import SplitResult, unquote, urlsplit

from . import extras
from .findings import Finding, finding
from .parameters import read_parameters, shorten
from .paste import Artifact, extract
from .policy import Policy
from .protocol import COOKIE_NAMES, COOKIE_PREFIX, SIGNING_PARAMETERS, HashName, strip_signing
from .protocol import signing_names as signing_names  # old import path (diagnose, accesslog) until they move
from .times import MAX_SECONDS, format_epoch

Source = Literal["url", "cookies", "unknown"]
PolicyKind = Literal["canned", "custom"]

_COOKIE_NAMES_LOWER = {name.lower(): name for name in COOKIE_NAMES}
_SIGNING_BY_LOWER = {name.lower(): name for name in SIGNING_PARAMETERS}
_SIGNING_LOWER = frozenset(_SIGNING_BY_LOWER)


@dataclass(frozen=True)
class Decoded:
    """What a signed URL or a set of signed cookies says, decoded but not verified.

    For a canned policy, ``policy_bytes`` is the statement CloudFront rebuilds from the request
    (for cookies that needs the request URL). ``hash_algorithm`` is the digest CloudFront will
    use: the ``Hash-Algorithm`` value when valid, else SHA1.
    """

    source: Source
    text: str = field(repr=False)
    url: str | None = None
    resource_url: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    expires: int | None = None
    policy_b64: str | None = field(default=None, repr=False)
    policy_bytes: bytes | None = field(default=None, repr=False)
    policy_document: Any = field(default=None, repr=False)
    policy: Policy | None = None
    policy_kind: PolicyKind | None = None
    signature_b64: str | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    key_pair_id: str | None = None
    hash_algorithm: HashName = "SHA1"
    hash_algorithm_value: str | None = None
    cookie_attributes: Mapping[str, Mapping[str, str | bool]] = field(default_factory=dict, repr=False)
    problems: tuple[Finding, ...] = ()
    paste_notes: tuple[str, ...] = ()
    """What was taken from a pasted text and what was removed or undone (empty for a clean artifact)."""
    others: tuple[str, ...] = ()
    """The other artifacts the paste held, shortened (empty for a clean artifact)."""
    scheme_assumed: bool = False
    """True when the paste carried no scheme and the URL was judged as https."""

    def __repr__(self) -> str:
        parts = [repr(self.source)]
        if self.policy_kind:
            parts.append(f"policy_kind={self.policy_kind!r}")
        resource = self.policy.resource if self.policy else self.resource_url
        if resource:
            parts.append(f"resource={shorten(resource, 80)!r}")
        expires = self.policy.date_less_than if self.policy else self.expires
        if expires is not None:
            parts.append(f"expires={format_epoch(expires) if expires < MAX_SECONDS else expires}")
        parts.append(f"key_pair_id={self.key_pair_id!r}")
        parts.append(f"hash_algorithm={self.hash_algorithm!r}")
        if self.problems:
            parts.append(f"problems={[p.code for p in self.problems]!r}")
        return f"Decoded({', '.join(parts)})"

    def parameter(self, name: str) -> str | None:
        """The first raw value of a signing parameter (``Expires``, ``Signature``...), cookie prefix optional."""
        bare = name.removeprefix(COOKIE_PREFIX)
        for key, value in self.parameters:
            if key.removeprefix(COOKIE_PREFIX) == bare:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, bytes as CloudFront base64 or hex, for JSON and tables."""
        return {
            "source": self.source,
            "url": self.url,
            "resource_url": self.resource_url,
            "policy_kind": self.policy_kind,
            "resource": self.policy.resource if self.policy else None,
            "expires": self.policy.date_less_than if self.policy else self.expires,
            "starts": self.policy.date_greater_than if self.policy else None,
            "ip_address": self.policy.ip_address if self.policy else None,
            "key_pair_id": self.key_pair_id,
            "hash_algorithm": self.hash_algorithm,
            "policy_json": _text(self.policy_bytes),
            "signature_hex": self.signature.hex() if self.signature is not None else None,
            "signature_bytes": len(self.signature) if self.signature is not None else None,
            "parameters": dict(self.parameters),
            "problems": [problem.code for problem in self.problems],
        }

    def to_frame(self) -> Any:
        """One-row pandas DataFrame with the columns of ``cfsign_nb.frames.decode_many`` (needs the pandas extra)."""
        return extras.to_frame(self)


def decode(artifact: object, *, request_url: str | None = None) -> Decoded:
    """Decode a signed URL, a Cookie header, Set-Cookie lines or a cookie mapping. Never raises.

    ``request_url`` is the URL the viewer requests; canned cookies need it to rebuild their policy.
    """
    if isinstance(artifact, Decoded):
        return artifact
    if not isinstance(request_url, str):  # diagnose() reports an unusable request_url
        request_url = None
    if isinstance(artifact, Mapping):
        pairs = [(as_text(k), as_text(v)) for k, v in artifact.items()]
        return _decode_cookies(_repr_text(artifact), pairs, {}, request_url)
    if isinstance(artifact, bytes | bytearray | memoryview):
        artifact = bytes(artifact).decode("utf-8", "replace")
    if not isinstance(artifact, str):
        problem = finding(
            "NO_SIGNING_DATA",
            f"cannot decode a {type(artifact).__name__}; give a signed URL, a Cookie header, "
            "Set-Cookie lines or a dict of cookies",
            "pass the URL or the cookies as text",
        )
        return Decoded("unknown", _repr_text(artifact), problems=(problem,))
    text = artifact.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()  # pasted with the quotes of a shell or a JSON string
    if not _is_clean(text):
        pasted = _decode_paste(artifact, request_url)
        if pasted is not None:
            return pasted
    return _decode_text(artifact, text, request_url)


def decode_all(text: object, *, request_url: str | None = None) -> tuple[Decoded, ...]:
    """Every artifact a paste holds, decoded, in order (a clean artifact: just it). Never raises."""
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str) or _is_clean(text.strip()):
        return (decode(text, request_url=request_url),)
    found = extract(text).artifacts
    if not found:
        return (decode(text, request_url=request_url),)
    return tuple(_decode_found(artifact, text, request_url) for artifact in found)


def _decode_text(artifact: str, text: str, request_url: str | None, **paste: Any) -> Decoded:
    """A clean artifact, stripped: a URL, a percent-encoded URL, cookie text, or nothing signed.

    ``paste`` holds what a paste adds (``paste_notes``, ``others``, ``scheme_assumed``), set as the result is built.
    """
    lowered = text[:40].lower()
    if lowered.startswith(("http://", "https://", "/")):
        return _decode_url(artifact, text, **paste)
    if lowered.startswith(("http%3a%2f%2f", "https%3a%2f%2f")):
        decoded = _decode_url(artifact, unquote(text), **paste)
        warning = finding(
            "PERCENT_ENCODED_VALUE",
            "the whole URL is percent-encoded (it starts with 'https%3A%2F%2F'); it was decoded once",
            "paste the URL as the browser requests it; if your code produced this, it encoded the "
            "signed URL once more (e.g. as a query parameter of another URL)",
        )
        return replace(decoded, problems=(warning, *decoded.problems))
    if lowered.startswith(("cookie:", "set-cookie:")) or "cloudfront-" in text.lower():
        pairs, attributes = _parse_cookie_text(text)
        return _decode_cookies(artifact, pairs, attributes, request_url, **paste)
    problem = finding(
        "NO_SIGNING_DATA",
        "this is neither a URL nor CloudFront cookies: nothing here carries a signature",
        "paste the full signed URL (https://...?...&Signature=...&Key-Pair-Id=...) or the "
        "Cookie header holding the CloudFront-* cookies",
        input=shorten(text),
    )
    return Decoded("unknown", artifact, problems=(problem,), **paste)


# --- pastes ---------------------------------------------------------------------------------

_UNCLEAN_URL = re.compile(r"[\s<>\"`{}|\\^]")
_COOKIE_PAIR = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]*=[^\s;]*")
_URL_PREFIXES = ("http://", "https://", "/", "http%3a%2f%2f", "https%3a%2f%2f")


def _is_clean(text: str) -> bool:
    """True when ``text`` is one artifact as it is (decoded directly); else it is a paste to extract from."""
    lowered = text[:40].lower()
    if lowered.startswith(_URL_PREFIXES):
        return _UNCLEAN_URL.search(text) is None and text[-1:] not in ".,;:!?)]'"
    if "\n" in text or "\r" in text:
        head = text.lstrip()[:11]
        if head and not head.lower().startswith("set-cookie:"):  # the first line decides most pastes at once
            return False
        return all(not line.strip() or line.lstrip().lower().startswith("set-cookie:") for line in text.splitlines())
    if lowered.startswith(("cookie:", "set-cookie:")):
        return True
    items = [item.strip() for item in text.split(";")]
    return all(_COOKIE_PAIR.fullmatch(item) is not None for item in items if item)


def _decode_paste(original: str, request_url: str | None) -> Decoded | None:
    """The first signed artifact of a paste, decoded, with the notes and the other artifacts named."""
    found = extract(original).artifacts
    first = next((artifact for artifact in found if artifact.signed), None)
    if first is None:
        return None
    others = tuple(artifact.summary() for artifact in found if artifact is not first)
    return _decode_found(first, original, request_url, others)


def _decode_found(artifact: Artifact, original: str, request_url: str | None, others: tuple[str, ...] = ()) -> Decoded:
    """One artifact of a paste, decoded as the whole ``original`` text, with the paste's notes."""
    notes = artifact.notes or ("taken from the paste",)
    cookies_signed = artifact.cookies_signed
    if artifact.cookies and ((cookies_signed and not artifact.url_signed) or not artifact.url):
        text, request_url = artifact.cookies.strip(), request_url or artifact.request_url
    else:
        text = (artifact.url or "").strip()
        if cookies_signed:
            notes = (*notes, "the request also sent CloudFront cookies; the URL's signing parameters were decoded")
    return _decode_text(original, text, request_url, paste_notes=notes, others=others,
                        scheme_assumed=artifact.scheme_assumed)


# --- URLs -----------------------------------------------------------------------------------

def _decode_url(original: str, text: str, **paste: Any) -> Decoded:
    url = text.partition("#")[0]
    base, has_query, query = url.partition("?")
    signing: list[tuple[str, str]] = []
    kept: list[str] = []
    for pair in query.split("&") if has_query else []:
        name, _, value = pair.partition("=")
        if name in SIGNING_PARAMETERS:
            signing.append((name, value))
        else:
            kept.append(pair)
    resource_url = base + ("?" + "&".join(kept) if kept else "")
    problems: list[Finding] = []
    misspelt = sorted({
        pair.partition("=")[0] for pair in kept if pair.partition("=")[0].lower() in _SIGNING_LOWER
    })
    if misspelt and not signing:
        problems.append(finding(
            "NO_SIGNING_DATA",
            f"the URL has {', '.join(misspelt)} but CloudFront's parameter names are "
            "case-sensitive (Expires, Policy, Signature, Key-Pair-Id, Hash-Algorithm)",
            "spell the parameters exactly as CloudFront does",
        ))
    for name in misspelt if signing else ():
        exact = _SIGNING_BY_LOWER[name.lower()]
        problems.append(finding(
            "PARAMETER_NAME_CASE",
            f"the URL has {name!r}, but CloudFront only reads {exact!r} (names are case-sensitive), "
            f"so to CloudFront {exact} is missing",
            f"send {exact}=... spelt exactly so",
            parameter=name,
        ))
    fields = read_parameters(resource_url, signing, problems, "")
    return Decoded("url", original, url=url, resource_url=resource_url, **fields, **paste)


# --- cookies --------------------------------------------------------------------------------

def _parse_cookie_text(text: str) -> tuple[list[tuple[str, str]], dict[str, dict[str, str | bool]]]:
    pairs: list[tuple[str, str]] = []
    attributes: dict[str, dict[str, str | bool]] = {}
    lines = [line for line in map(str.strip, text.splitlines()) if line]
    # a line's first 11 characters, lower-cased, start as the whole line lower-cased does
    set_lines = [line for line in lines if line[:11].lower().startswith("set-cookie:")]
    if set_lines:
        for line in set_lines:
            first, *rest = line[11:].split(";")
            name, _, value = first.strip().partition("=")
            name = name.strip()
            pairs.append((name, _unquote_cookie(value.strip())))
            attrs: dict[str, str | bool] = {}
            for item in rest:
                key, eq, val = item.strip().partition("=")
                if key:
                    attrs[key.strip().lower()] = val.strip() if eq else True
            attributes[name] = attrs
        return pairs, attributes
    body = " ".join(lines)
    if body.lower().startswith("cookie:"):
        body = body[len("cookie:"):]
    for item in body.split(";"):
        name, eq, value = item.strip().partition("=")
        if name and eq:
            pairs.append((name.strip(), _unquote_cookie(value.strip())))
    return pairs, attributes


def _unquote_cookie(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _decode_cookies(
    original: str,
    pairs: list[tuple[str, str]],
    attributes: dict[str, dict[str, str | bool]],
    request_url: str | None,
    **paste: Any,
) -> Decoded:
    problems: list[Finding] = []
    signing: list[tuple[str, str]] = []
    for name, value in pairs:
        exact = _COOKIE_NAMES_LOWER.get(name.lower())
        if exact is None:
            continue
        if exact != name:
            problems.append(finding(
                "COOKIE_NAME_CASE",
                f"the cookie is named {name!r}, but CloudFront looks for {exact!r} (names are case-sensitive)",
                f"set the cookie as {exact}",
                cookie=name,
            ))
        signing.append((exact, value))
    url = request_url.partition("#")[0] if request_url else None
    resource_url = strip_signing(url) if url else None
    fields = read_parameters(resource_url, signing, problems, COOKIE_PREFIX)
    return Decoded(
        "cookies", original, url=url, resource_url=resource_url, cookie_attributes=attributes, **fields, **paste
    )


# --- helpers --------------------------------------------------------------------------------

def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def split_url(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None when it cannot be split (``http://[``, a host like ``[x]``, a bad port)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except (ValueError, TypeError):
        return None
    return parts


def as_text(value: object) -> str:
    """Any value as text (bytes decoded, anything else ``str()``-ed), for messages and cookie mappings; never raises."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:  # e.g. an int beyond Python's 4,300-digit str() limit
        return f"<{type(value).__name__}>"


def _repr_text(value: object) -> str:
    try:
        return repr(value)[:10_000]
    except Exception:
        return f"<{type(value).__name__}>"
