"""curl commands as browsers copy them (bash and Windows cmd), parsed with :mod:`shlex` into an Artifact.

cmd's caret escaping and bash's line continuations and ``$'...'`` strings are undone first, so
that shlex reads the words as the shell would; the URL is the request URL (on the host of a
``-H 'Host: ...'``, with ``-G``'s ``-d`` data as its query), ``-H 'cookie: ...'`` and ``-b`` the
Cookie header; every other option is named in the notes and ignored.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import quote

from .paste_forms import ASSUMED, MAX_COMMAND, Artifact, at_line_starts, unique, with_scheme

__all__ = ["curl_commands", "split_words"]

_CURL = re.compile(r"(?i)curl(?:\.exe)?[ \t]")
_CURL_LOWER = re.compile(_CURL.pattern.removeprefix("(?i)"))  # the same, over lower-cased ASCII text: a fast search
_CARET = re.compile(r"\^(\r?\n|.)", re.S)
_CONTINUATION = re.compile(r"\\\r?\n")
_CARET_LINE = re.compile(r"\^\r?\n")
_VALUE_OPTIONS = frozenset({
    "-X", "--request", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii",
    "-A", "--user-agent", "-e", "--referer", "-u", "--user", "-o", "--output", "-m", "--max-time",
    "--connect-timeout", "-x", "--proxy", "--resolve", "--connect-to", "-F", "--form", "-c", "--cookie-jar",
    "--cacert", "--cert", "--key", "-w", "--write-out", "-T", "--upload-file", "-r", "--range", "--retry",
    "-K", "--config", "--limit-rate", "--max-redirs", "--interface", "-E", "-U", "--proxy-user",
})


def curl_commands(text: str, lowered: str | None = None) -> list[Artifact]:
    """Every curl command in the text (bash or Windows cmd, as browsers copy them), parsed with shlex.

    ``lowered``, the text lower-cased position for position (an ASCII paste), is searched instead when given.
    """
    found = []
    starts = at_line_starts(_CURL, text, " \t$>") if lowered is None else at_line_starts(_CURL_LOWER, lowered, " \t$>")
    for match in starts:
        start, end = match.start(), _command_end(text, match.start())
        artifact = _curl(text[match.end():end], start, end)
        if artifact is not None:
            found.append(artifact)
    return found


def _command_end(text: str, start: int) -> int:
    """Where a command ends: the end of its last line, following ``\\`` and ``^`` continuations."""
    end = start
    limit = min(len(text), start + MAX_COMMAND)
    while end < limit:
        newline = text.find("\n", end, limit)
        if newline < 0:
            return limit
        if not text[end:newline].rstrip(" \t\r").endswith(("\\", "^")):
            return newline
        end = newline + 1
    return limit


def _curl(arguments: str, start: int, end: int) -> Artifact | None:
    """The artifact of one command, from its ``arguments`` (the text after ``curl``); None when it has no URL."""
    cmd = "^" in arguments and ('^"' in arguments or _CARET_LINE.search(arguments) is not None)
    notes = ["taken from a curl command (Windows cmd: its ^ escapes undone)" if cmd
             else "taken from a curl command (bash)"]
    if cmd:
        arguments = _CARET.sub(lambda m: "" if m.group(1) in ("\n", "\r\n") else m.group(1), arguments)
    else:
        arguments = _CONTINUATION.sub(" ", arguments)
        if "$'" in arguments:
            arguments = _ansi_c_quotes(arguments)
    try:
        tokens = split_words(arguments)
    except ValueError:
        return None
    options = _read_options(tokens, notes)
    if options.url is None:
        return None
    url, assumed = with_scheme(options.url.strip())
    if options.get and options.data:
        query = "&".join(options.data)
        url = _with_query(url, query)
        notes.append(f"curl -G: the -d data sent as the query ({query if len(query) <= 60 else query[:59] + '…'})")
        options.ignored = [name for name in options.ignored if name not in _DATA_OPTIONS and name not in _GET]
    if options.host:
        url = _with_host(url, options.host)
        notes.append(f"curl -H 'Host: {options.host[:80]}': the request goes to that host (CloudFront reads Host)")
    if options.ignored:
        notes.append("curl options ignored: " + ", ".join(unique(options.ignored)[:10]))
    if assumed:
        notes.append(ASSUMED + " (curl itself would use http)")
    cookie_text = "Cookie: " + "; ".join(options.cookies) if options.cookies else None
    return Artifact("curl", url, cookie_text, url, assumed, tuple(unique(notes)), start, end)


@dataclass
class _Options:
    """What a curl command's words say about the request."""

    url: str | None = None
    cookies: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    host: str | None = None
    data: list[str] = field(default_factory=list)
    get: bool = False


_DATA_OPTIONS = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode"})
_GET = ("-G", "--get")


def _read_options(tokens: list[str], notes: list[str]) -> _Options:
    """The URL (the first word that is no option), the cookie headers, Host, -G data and the options ignored."""
    options = _Options()
    index, count = 0, len(tokens)
    while index < count:
        token = tokens[index]
        index += 1
        if token[:1] != "-" or len(token) == 1:
            if options.url is None:
                options.url = token
        elif token[1] == "H" or token == "--header":
            if len(token) > 2 and token[1] == "H":  # -H'name: value', attached
                header = token[2:]
            else:
                header, index = (tokens[index] if index < count else ""), index + 1
            name, _, content = header.partition(":")
            name = name.strip().lower()
            if name == "cookie":
                options.cookies.append(content.strip())
                notes.append("curl -H 'cookie:' taken as the Cookie header")
            elif name == "host" and content.strip():
                options.host = content.strip()
            else:
                options.ignored.append(f"-H {name[:30]}")
        elif token in ("-b", "--cookie"):
            value, index = (tokens[index] if index < count else ""), index + 1
            if "=" in value:
                options.cookies.append(value.strip())
                notes.append(f"curl {token} taken as the Cookie header")
            else:
                options.ignored.append(f"{token} {value[:30]} (a cookie file, not read)")
        elif token == "--url":
            options.url, index = (tokens[index] if index < count else ""), index + 1
        else:
            options.ignored.append(token)  # -d and -G too, unless -G turns the data into the query
            if token in _DATA_OPTIONS:
                options.data.append(_urlencoded(tokens[index]) if token == "--data-urlencode" and index < count
                                    else tokens[index] if index < count else "")
            options.get = options.get or token in _GET
            if token in _VALUE_OPTIONS:
                index += 1
    return options


def _urlencoded(value: str) -> str:
    """``--data-urlencode``'s value as curl sends it: ``name=content`` with the content percent-encoded."""
    name, eq, content = value.partition("=")
    if not eq:
        return quote(value, safe="")
    return f"{name}={quote(content, safe='')}" if name else quote(content, safe="")


def _with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended, as curl -G does (``?`` or ``&``), before any fragment."""
    base, hash_, fragment = url.partition("#")
    joined = base + ("&" if "?" in base else "?") + query
    return joined + hash_ + fragment


def _with_host(url: str, host: str) -> str:
    """``url`` with its host (and port) replaced by a Host header's value; a URL without a host as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return host + url if url.startswith("/") else url
    end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return f"{scheme}://{host}{rest[end:]}"


_BLANKS = re.compile(r"[ \t\r\n]+")
_QUOTED = re.compile("'[^']*'|\"[^\"]*\"")
_MAX_RUNS = 10_000


def split_words(command: str) -> list[str]:
    """``shlex.split(command)``, with the quoted runs set aside first when that cannot change the words.

    shlex reads one character at a time; when the command has no backslash (as browsers copy it),
    every quoted run is literal up to its closing quote, so shlex parses the command with each run
    replaced by one NUL character and the runs are put back in order: the same words, several times faster.
    """
    if "\\" in command or "\x00" in command:
        return shlex.split(command, posix=True)
    runs = [run[1:-1] for run in islice(_QUOTED.findall(command), _MAX_RUNS)]
    skeleton = _QUOTED.sub("\x00", command, count=_MAX_RUNS)
    if len(runs) < _MAX_RUNS and ("'" in skeleton or '"' in skeleton):
        raise ValueError("No closing quotation")  # a quote no run closed: shlex says the same
    words = shlex.split(_BLANKS.sub(" ", skeleton), posix=True)
    pending = iter(runs)  # shlex keeps every character's order, so the NULs come back in the runs' order
    return [word if "\x00" not in word else next(pending) if word == "\x00" else _restored(word, pending)
            for word in words]


def _restored(word: str, pending: Iterator[str]) -> str:
    """A word of the skeleton with each NUL replaced by the next quoted run."""
    first, *rest = word.split("\x00")
    return first + "".join(next(pending) + part for part in rest)


_ANSI_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
                 "e": "\x1b", "f": "\f", "v": "\v", "?": "?"}


def _ansi_c_quotes(command: str) -> str:
    """bash's ``$'...'`` strings (Chrome uses them for text with quotes) as shlex-readable quoted words."""
    out: list[str] = []
    index, quote = 0, ""
    while index < len(command):
        char = command[index]
        if quote:
            out.append(char)
            if char == quote and (quote == "'" or command[index - 1] != "\\"):
                quote = ""
            index += 1
        elif char in "'\"":
            quote = char
            out.append(char)
            index += 1
        elif command.startswith("$'", index):
            value, index = _ansi_c_value(command, index + 2)
            out.append(shlex.quote(value))
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _ansi_c_value(command: str, index: int) -> tuple[str, int]:
    value: list[str] = []
    while index < len(command) and command[index] != "'":
        char = command[index]
        if char == "\\" and index + 1 < len(command):
            kind = command[index + 1]
            width = {"x": 2, "u": 4, "U": 8}.get(kind, 0)
            digits = command[index + 2:index + 2 + width]
            if width and digits and all(c in "0123456789abcdefABCDEF" for c in digits):
                value.append(chr(min(int(digits, 16), 0x10FFFF)))
                index += 2 + len(digits)
                continue
            value.append(_ANSI_ESCAPES.get(kind, "\\" + kind))
            index += 2
            continue
        value.append(char)
        index += 1
    return "".join(value), index + 1
