"""The plausible changes between what was signed and what CloudFront sees, one generator per kind.

Each yields ``(candidate, how)`` pairs for :mod:`.variants` to verify: the URL as it was probably
signed (scheme, query, encoding, slash, port, the distribution's other names, ``+``/``%20``, the
characters browsers encode), the canned policy in a broken signer's format, a custom policy in
the form it was signed, and the expiry before the app recomputed it. They only build candidates;
the search bounds how many it takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, unquote

from ..decode import Decoded, split_url
from ..policy import canned_policy_json
from ..times import MAX_SECONDS

SEARCH_PARAMETERS = 20
"""Query parameters the search drops or swaps one by one; of more, only the last ones (usually the added ones)."""
SEARCH_HOSTS = 10
"""Of a distribution's names, this many are tried as the host the URL was signed for."""

_SMALL_OFFSETS = (1, 2, 3, 4, 5, 10, 30, 60, 300)
_HALF_HOUR_ZONES = (2.5, 3.5, 4.5, 5.5, 6.5, 9.5, 10.5)
_QUARTER_ZONES = (5.75, 8.75, 12.75, 13.75)
_BROWSER_ENCODES = frozenset(' "<>`{}')
_TYPED_RE = re.compile(r"%(?:20|22|3[Cc]|3[Ee]|60|7[BbDd])|(?:%[89A-Fa-f][0-9A-Fa-f])+")  # linear: no nesting


def url_variants(url: str, cut: Callable[[str], None], hosts: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """``url`` as it may have been signed, each once; ``hosts`` are the distribution's other names.

    ``cut`` is told when part of the list is skipped (an unsplittable URL, too many parameters).
    """
    parts = split_url(url)
    if parts is None:
        cut("the URL cannot be split into scheme, host and path, so it was not varied")
        return
    base = url.partition("?")[0]
    pairs = parts.query.split("&") if parts.query else []
    seen = {url}
    varied = range(max(0, len(pairs) - SEARCH_PARAMETERS), len(pairs))
    if len(pairs) > SEARCH_PARAMETERS:
        cut(f"only the last {SEARCH_PARAMETERS} of the {len(pairs):,} query parameters were dropped "
            "or swapped one by one")

    def once(candidate: str, how: str) -> Iterator[tuple[str, str]]:
        if candidate not in seen:
            seen.add(candidate)
            yield candidate, how

    yield from once(swap_scheme(url), "a different scheme")
    rebuilt = f"{parts.scheme}://{parts.netloc}"
    path = parts.path
    query = "?" + parts.query if parts.query else ""
    host = parts.hostname or ""
    for other in list(hosts)[:SEARCH_HOSTS]:
        if other and "*" not in other and other.lower().rstrip(".") != host:
            netloc = parts.netloc.replace(parts.netloc.rpartition("@")[2].partition(":")[0], other, 1)
            yield from once(f"{parts.scheme}://{netloc}{path}{query}",
                            f"for the distribution's other name {other[:100]!r}")
    if pairs:
        yield from once(base, "without the query string, which was added after signing")
        for i in varied:
            rest = pairs[:i] + pairs[i + 1 :]
            without = base + ("?" + "&".join(rest) if rest else "")
            yield from once(without, f"without {pairs[i][:60]!r}, added after signing")
        if len(pairs) > 1:
            yield from once(base + "?" + "&".join(sorted(pairs)), "with the query parameters in another order")
            yield from once(base + "?" + "&".join(reversed(pairs)), "with the query parameters in another order")
            for i in varied[:-1] if varied.stop == len(pairs) else varied:
                swapped = [*pairs[:i], pairs[i + 1], pairs[i], *pairs[i + 2 :]]
                yield from once(base + "?" + "&".join(swapped), "with the query parameters in another order")
        yield from once(base + "?" + unquote(parts.query), "with the query string percent-decoded")
        if "+" in parts.query:
            yield from once(base + "?" + parts.query.replace("+", "%20"), "with '%20' for '+' in the query")
        if "%20" in parts.query:
            yield from once(base + "?" + parts.query.replace("%20", "+"), "with '+' for '%20' in the query")
    for other, how in (
        (unquote(path), "with the path percent-decoded"),
        (quote(unquote(path), safe="/~!$&'()*+,;=:@", errors="surrogatepass"),
         "with the path percent-encoded differently"),
        (path.rstrip("/") if path.endswith("/") and path != "/" else path + "/", "with a different trailing slash"),
        (_swap_percent_case(path), "with percent-escapes in the other letter case"),
        (path.replace("'", "%27"), "with %27 for ' in the path (Firefox sends %27, Chrome sends ')"),
        (path.replace("%27", "'"), "with ' for %27 in the path (as Chrome sends it)"),
        (_as_browser_sends(path), "with the path as a browser sends it (spaces, quotes, non-ASCII percent-encoded)"),
        (_as_typed(path), "with the path as typed (spaces, quotes, non-ASCII not percent-encoded)"),
        (path.replace("+", "%20"), "with '%20' for '+' in the path (a space form-encoded as '+')"),
        (path.replace("%20", "+"), "with '+' for '%20' in the path (a space form-encoded as '+')"),
    ):
        yield from once(rebuilt + other + query, how)
    default_port = {"https": ":443", "http": ":80"}.get(parts.scheme, "")
    yield from once(f"{parts.scheme}://{parts.netloc}{default_port}{path}{query}", "with an explicit default port")
    yield from once(url + ("&" if pairs else "?") + "Hash-Algorithm=SHA256",
                    "with Hash-Algorithm=SHA256 inside the signed URL")


def canned_format_variants(resource: str, expires: int) -> Iterator[tuple[bytes, str]]:
    """The canned policy in the formats broken signers write (spaces, pretty, escaped '/', quoted epoch...)."""
    document = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]}
    yield json.dumps(document).encode(), "with spaces after ',' and ':' (json.dumps defaults)"
    yield json.dumps(document, indent=2).encode(), "pretty-printed"
    yield json.dumps(document, indent=4).encode(), "pretty-printed"
    yield json.dumps(document, indent=2).replace("\n", "\r\n").encode(), "pretty-printed with CRLF line ends"
    yield canned_policy_json(resource, expires) + b"\n", "with a trailing newline"
    yield canned_policy_json(resource, expires).replace(b"/", b"\\/"), "with '/' escaped as '\\/' (PHP's json_encode)"
    quoted = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": str(expires)}}}]}
    yield json.dumps(quoted, separators=(",", ":")).encode(), "with the epoch time in quotes"
    swapped = {"Statement": [{"Condition": {"DateLessThan": {"AWS:EpochTime": expires}}, "Resource": resource}]}
    yield json.dumps(swapped, separators=(",", ":")).encode(), "with Condition before Resource"


def custom_variants(d: Decoded) -> Iterator[tuple[bytes, str]]:
    """The custom policy in the form it was probably signed: compact, pretty-printed, stripped, base64."""
    sent = d.policy_bytes or b""
    seen = {sent}
    candidates: list[tuple[bytes, str]] = []
    document: Any = d.policy_document
    if document is not None:
        candidates += [
            (json.dumps(document, separators=(",", ":")).encode(),
             "the compact form of the policy (it was signed compact but sent reformatted)"),
            (json.dumps(document, indent=2).encode(),
             "the policy pretty-printed (json.dumps indent=2): it was signed pretty-printed but sent in another form"),
            (json.dumps(document, indent=4).encode(),
             "the policy pretty-printed (json.dumps indent=4): it was signed pretty-printed but sent in another form"),
            (json.dumps(document).encode(),
             "the policy with json.dumps' default separators (', ' and ': '): it was signed so but sent compact"),
        ]
    candidates.append((bytes(b for b in sent if b not in b" \t\r\n"), "the policy with all whitespace removed"))
    other_newline = sent.rstrip(b"\r\n") if sent.endswith((b"\n", b"\r")) else sent + b"\n"
    candidates.append((other_newline, "the policy with a different trailing newline"))
    if d.policy_b64:
        candidates.append((d.policy_b64.encode(),
                           "the base64 text of the policy (the encoded Policy was signed instead of the JSON)"))
    for candidate, how in candidates:
        if candidate not in seen:
            seen.add(candidate)
            yield candidate, how


def expiry_variants(expires: int) -> Iterator[tuple[int, str]]:
    """Expiries near ``expires`` that an app may have signed before recomputing it (each once, all valid times)."""
    seen = {expires}
    candidates: list[tuple[int, str]] = []
    for seconds in _SMALL_OFFSETS:
        candidates += [(expires - seconds, f"{_span(seconds)} later than the one signed"),
                       (expires + seconds, f"{_span(seconds)} earlier than the one signed")]
    zones = [float(h) for h in range(1, 15)] + [z for z in _HALF_HOUR_ZONES if z < 14] + list(_QUARTER_ZONES)
    for hours in zones:
        seconds = int(hours * 3600)
        zone = "a time-zone offset: local time and UTC mixed up"
        candidates += [(expires - seconds, f"{_span(seconds)} later than the one signed: {zone}"),
                       (expires + seconds, f"{_span(seconds)} earlier than the one signed: {zone}")]
    candidates += [(expires // 1000, "1000 times the one signed: seconds were signed, milliseconds sent"),
                   (expires * 1000, "a thousandth of the one signed: milliseconds were signed, seconds sent")]
    for candidate, how in candidates:
        if 0 < candidate < MAX_SECONDS * 1000 and candidate not in seen:
            seen.add(candidate)
            yield candidate, how


def swap_scheme(url: str) -> str:
    """``url`` with http and https exchanged (unchanged for any other scheme)."""
    if url.startswith("https://"):
        return "http://" + url[8:]
    if url.startswith("http://"):
        return "https://" + url[7:]
    return url


# --- helpers --------------------------------------------------------------------------------

def _swap_percent_case(path: str) -> str:
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: m.group().swapcase(), path)


def _as_browser_sends(path: str) -> str:
    """``path`` with what browsers percent-encode in a path encoded: spaces, ``"<>`{}`` and non-ASCII (UTF-8)."""
    return "".join(
        quote(c, safe="", errors="surrogatepass") if c in _BROWSER_ENCODES or not c.isascii() else c for c in path
    )


def _as_typed(path: str) -> str:
    """``path`` with those escapes undone (what an address bar shows, and some signers sign)."""
    def undo(match: re.Match[str]) -> str:
        try:
            return unquote(match.group(), errors="strict")
        except UnicodeDecodeError:  # not UTF-8: keep the escapes
            return match.group()

    return _TYPED_RE.sub(undo, path)


def _span(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if seconds < 3600:
        return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"
    return f"{hours} h" + (f" {rest // 60:02d} min" if rest else "")
