"""A browser session (a HAR file, as the network panel exports it) diagnosed request by request.

:func:`diagnose_har` keeps the entries that went to CloudFront (a ``*.cloudfront.net`` host, a host
of ``distribution=``, or a response with CloudFront's headers) or that carry signing data, and
judges each one as CloudFront did: as of its own ``startedDateTime``, with the cookies it really
sent, against the answer it really got. Cookies the browser did not send are explained from the
``Set-Cookie`` responses earlier in the same HAR (the browser's rules live in
:mod:`cfsign_nb.diagnosis.cookies`; this module only hands them the cookies). Never raises: a HAR
that cannot be read, or an entry without a request, is a row with a code.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ..decode import as_text
from ..diagnosis import Diagnosis, diagnose
from ..diagnosis.response import Response, make_response
from ..distribution import DistributionConfig, load_distribution
from ..distribution.match import hostname, url_netloc
from ..errors import CfSignError
from ..keys import load_public_key
from ..protocol import COOKIE_PREFIX, signing_names
from .assemble import CODE_CATEGORIES, STR

__all__ = ["HAR_COLUMNS", "diagnose_har"]

HAR_COLUMNS = (
    "entry", "started", "method", "url", "status", "cloudfront_said", "answered_by", "failed", "code", "codes",
    "verdict", "agrees", "message", "fix", "request_id",
)
"""The columns of :func:`diagnose_har`, in order."""

_ANSWER_CODES = ("BEHAVIOR_NOT_RESTRICTED", "CUSTOM_ERROR_RESPONSE", "ANSWER_DISAGREES")
"""Findings from the response that name a row when no error does."""
_MAX_ENTRIES = 100_000
_MAX_JAR = 500
_BODY_LIMIT = 64 * 1024
_FILE_LIMIT = 512 * 1024 * 1024


@dataclass
class _Jar:
    """The CloudFront cookies ``Set-Cookie`` responses set so far: (name, domain, path) → (host, line)."""

    cookies: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, host: str, line: str) -> None:
        name = line.partition("=")[0].strip()
        if not name.lower().startswith(COOKIE_PREFIX.lower()) or len(self.cookies) >= _MAX_JAR:
            return
        attributes = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in line.split(";")[1:])}
        key = (name, attributes.get("domain", "").lstrip(".").lower(), attributes.get("path", ""))
        self.cookies.pop(key, None)  # the latest setting wins, and comes last
        self.cookies[key] = (host, line)

    def lines_for(self, host: str) -> list[str]:
        """The latest Set-Cookie line of each CloudFront cookie meant for ``host``; if none was, those set by
        other hosts, with their host written as the Domain they are tied to (so the rules can say why).
        """
        meant: dict[str, str] = {}
        elsewhere: dict[str, str] = {}
        for (name, domain, _path), (setter, line) in self.cookies.items():
            if (domain and (host == domain or host.endswith("." + domain))) or (not domain and setter == host):
                meant[name] = line
            elif not domain and setter and not host.endswith("." + setter):
                elsewhere[name] = f"{line}; Domain={setter}"
            elif domain:
                elsewhere[name] = line
        return list((meant or elsewhere).values())


def diagnose_har(har: object, *, public_keys: object | None = None, distribution: object | None = None,
                 ) -> pd.DataFrame:
    """One row per HAR entry that went to CloudFront or carries signing data, judged as CloudFront did.

    ``har`` is a path, the HAR's JSON text, or the parsed dict. ``public_keys`` and ``distribution``
    are as for :func:`cfsign_nb.diagnose`. Rows are in the order the requests started; ``code`` is
    the cause (or ``OK``), ``agrees`` whether CloudFront's answer matches the diagnosis, ``request_id``
    CloudFront's ``X-Amz-Cf-Id`` (what AWS support asks for). Never raises.
    """
    log, problem = _log(har)
    if problem is not None:
        return _frame([_problem_row(None, problem, "pass the HAR file the browser's network panel exports "
                                    "(Save all as HAR), its JSON text, or the parsed dict")])
    keys = _keys(public_keys)
    config = _distribution(distribution)
    hosts = {h.lower() for h in config.hostnames} if isinstance(config, DistributionConfig) else set()
    pages = _pages(log.get("pages"))
    entries = log["entries"][:_MAX_ENTRIES]
    order = sorted(range(len(entries)), key=lambda i: _started_key(entries[i]))
    jar = _Jar()
    rows: list[dict[str, Any]] = []
    for index in order:
        entry = entries[index]
        try:
            row = _entry_row(index, entry, jar, pages, hosts, keys, config)
        except Exception as err:  # a bug met by some entry: a row that says so, never an exception
            row = _problem_row(index, f"this entry could not be diagnosed ({type(err).__name__}: "
                               f"{as_text(err)[:200]})", "report it as a cfsign_nb bug", code="INTERNAL_ERROR")
        if row is not None:
            rows.append(row)
        _remember_cookies(entry, jar)
    return _frame(rows)


# --- one entry ----------------------------------------------------------------------------

def _entry_row(index: int, entry: object, jar: _Jar, pages: Mapping[str, str], hosts: set[str], keys: object,
               config: object) -> dict[str, Any] | None:
    request = entry.get("request") if isinstance(entry, Mapping) else None
    url = request.get("url") if isinstance(request, Mapping) else None
    if not isinstance(url, str) or not url:
        return _problem_row(index, f"entry {index} has no request.url: it is not a HAR entry",
                            "export the HAR again from the browser")
    assert isinstance(entry, Mapping) and isinstance(request, Mapping)
    response = _response(entry.get("response"))
    host = hostname(url_netloc(url)) if "://" in url else ""
    query = url.partition("#")[0].partition("?")[2]
    signed_url = bool(signing_names(query))
    cookie_header = _cookie_header(request)
    sent_cookies = COOKIE_PREFIX.lower() in cookie_header.lower()
    to_cloudfront = host.endswith(".cloudfront.net") or host in hosts or response.via_cloudfront
    if not (to_cloudfront or signed_url or sent_cookies):
        return None
    started, when = _started(entry.get("startedDateTime"))
    site = _site(request, entry, pages)
    options: dict[str, Any] = {"public_keys": keys, "now": when, "distribution": config, "site": site,
                               "response": response}
    if signed_url:
        result = diagnose(url, **options)
    elif sent_cookies:
        result = diagnose("Cookie: " + cookie_header, request_url=url, **options)
    else:
        result = _unsent(url, jar.lines_for(host), options)
    return _row(index, started, request, url, response, result)


def _unsent(url: str, lines: list[str], options: dict[str, Any]) -> Diagnosis:
    """A request that sent no CloudFront cookie: the cookies set earlier say why, when their rules do."""
    if lines:
        result = diagnose("\n".join("Set-Cookie: " + line for line in lines), request_url=url, **options)
        if "COOKIE_NOT_SENT" in result.codes:
            return result
    return diagnose(url, **options)


def _row(index: int, started: pd.Timestamp | None, request: Mapping[str, Any], url: str, response: Response,
         result: Diagnosis) -> dict[str, Any]:
    named = result.cause or next((f for f in result.findings if f.code in _ANSWER_CODES), None)
    status = response.status
    failed = (status is not None and (status >= 400 or status == 0)) or response.error_from_cloudfront
    return {
        "entry": index, "started": started, "method": as_text(request.get("method") or "")[:20], "url": url,
        "status": status, "cloudfront_said": result.cloudfront_said, "answered_by": result.answered_by,
        "failed": bool(failed), "code": named.code if named else "OK", "codes": list(result.codes),
        "verdict": result.verdict, "agrees": result.agrees,
        "message": named.message if named else result.verdict, "fix": named.fix if named else "",
        "request_id": response.header("x-amz-cf-id"),
    }


def _problem_row(index: int | None, message: str, fix: str, code: str = "CONTEXT_INVALID") -> dict[str, Any]:
    return {"entry": index, "started": None, "method": None, "url": None, "status": None, "cloudfront_said": None,
            "answered_by": None, "failed": True, "code": code, "codes": [code], "verdict": f"not diagnosed ({code})",
            "agrees": None, "message": message, "fix": fix, "request_id": None}


# --- reading the HAR ----------------------------------------------------------------------

def _log(har: object) -> tuple[dict[str, Any], str | None]:
    """The HAR's ``log`` (with an ``entries`` list), or why it cannot be read."""
    data: object = har
    try:
        if isinstance(har, bytes | bytearray):
            data = json.loads(bytes(har))
        elif isinstance(har, str) and har.lstrip().startswith("{"):
            data = json.loads(har)
        elif isinstance(har, str | os.PathLike):
            with open(har, "rb") as handle:
                raw = handle.read(_FILE_LIMIT + 1)
            if len(raw) > _FILE_LIMIT:
                return {}, f"the HAR file is larger than {_FILE_LIMIT >> 20} MB"
            data = json.loads(raw)
    except OSError as err:
        return {}, f"cannot read the HAR file {str(har)[:200]!r}: {err.strerror or err}"
    except (ValueError, RecursionError) as err:
        return {}, f"the HAR is not JSON ({as_text(err)[:200]})"
    log = data.get("log") if isinstance(data, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(log.get("entries"), list):
        return {}, "this is not a HAR: it has no log.entries list"
    return dict(log), None


def _pages(pages: object) -> dict[str, str]:
    """Page id → the page's URL (its title, when the browser wrote the URL there)."""
    if not isinstance(pages, list):
        return {}
    found: dict[str, str] = {}
    for page in pages[:10_000]:
        title = page.get("title") if isinstance(page, Mapping) else None
        if isinstance(title, str) and isinstance(page.get("id"), str) and "://" in title[:20]:
            found[page["id"]] = title
    return found


def _response(response: object) -> Response:
    if not isinstance(response, Mapping):
        return make_response(None)
    headers = response.get("headers")
    pairs: list[tuple[object, object]] = []
    if isinstance(headers, list):
        pairs = [(h.get("name"), h.get("value")) for h in headers[:200] if isinstance(h, Mapping)]
    content = response.get("content")
    body = ""
    if isinstance(content, Mapping) and isinstance(content.get("text"), str):
        body = content["text"][:_BODY_LIMIT * 2]
        if content.get("encoding") == "base64":
            try:
                body = base64.b64decode(body[:_BODY_LIMIT * 4 // 3], validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                body = ""
    return make_response(response.get("status"), pairs, body[:_BODY_LIMIT])


def _headers(message: Mapping[str, Any], name: str) -> list[str]:
    headers = message.get("headers")
    if not isinstance(headers, list):
        return []
    return [as_text(h.get("value", "")) for h in headers[:200]
            if isinstance(h, Mapping) and as_text(h.get("name", "")).lower() == name]


def _cookie_header(request: Mapping[str, Any]) -> str:
    """The cookies the request sent: its Cookie header(s), else HAR's parsed ``request.cookies``."""
    sent = _headers(request, "cookie")
    if sent:
        return "; ".join(sent)
    cookies = request.get("cookies")
    if not isinstance(cookies, list):
        return ""
    return "; ".join(f"{as_text(c.get('name', ''))}={as_text(c.get('value', ''))}"
                     for c in cookies[:200] if isinstance(c, Mapping))


def _remember_cookies(entry: object, jar: _Jar) -> None:
    """Add the CloudFront cookies this entry's response set (its Set-Cookie headers) to the jar."""
    if not isinstance(entry, Mapping):
        return
    request, response = entry.get("request"), entry.get("response")
    if not isinstance(request, Mapping) or not isinstance(response, Mapping) or not isinstance(request.get("url"), str):
        return
    host = hostname(url_netloc(request["url"]))
    for value in _headers(response, "set-cookie"):
        for line in value.split("\n"):
            if line.strip():
                jar.add(host, line.strip())


def _site(request: Mapping[str, Any], entry: Mapping[str, Any], pages: Mapping[str, str]) -> str | None:
    """The page the request came from: its Referer, else its page's URL."""
    referer = _headers(request, "referer")
    if referer and "://" in referer[0]:
        return referer[0]
    page = entry.get("pageref")
    return pages.get(page) if isinstance(page, str) else None


def _started(value: object) -> tuple[pd.Timestamp | None, object]:
    """``startedDateTime`` as a UTC timestamp and the epoch second to judge at (the text itself when unreadable,
    so that the diagnosis reports it and judges as of now).
    """
    if isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return pd.Timestamp(moment).tz_convert("UTC"), int(moment.timestamp() // 1)
    return None, as_text(value)[:64]


def _started_key(entry: object) -> str:
    value = entry.get("startedDateTime") if isinstance(entry, Mapping) else None
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value[:64]).astimezone(UTC).isoformat()
    except (ValueError, OverflowError):
        return ""


def _keys(public_keys: object) -> object:
    """The public keys loaded once for all entries (what cannot be loaded is left for diagnose to report)."""
    if public_keys is None:
        return None
    try:
        if isinstance(public_keys, Mapping):
            return {as_text(k): load_public_key(v) for k, v in public_keys.items()}
        return load_public_key(public_keys)  # type: ignore[arg-type]
    except (CfSignError, TypeError, ValueError):
        return public_keys


def _distribution(distribution: object) -> object:
    if distribution is None:
        return None
    try:
        return load_distribution(distribution)
    except CfSignError:
        return distribution


# --- the table ----------------------------------------------------------------------------

def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = {name: [row[name] for row in rows] for name in HAR_COLUMNS}
    return pd.DataFrame({
        "entry": pd.array(columns["entry"], dtype="Int64"),
        "started": pd.to_datetime(pd.Series(columns["started"], dtype=object), utc=True),
        "method": pd.array(columns["method"], dtype=STR),
        "url": pd.array(columns["url"], dtype=STR),
        "status": pd.array(columns["status"], dtype="Int64"),
        "cloudfront_said": pd.array(columns["cloudfront_said"], dtype=STR),
        "answered_by": pd.Categorical(columns["answered_by"], categories=["cloudfront", "origin", "unknown"]),
        "failed": pd.array(columns["failed"], dtype="boolean"),
        "code": pd.Categorical(columns["code"], categories=CODE_CATEGORIES),
        "codes": pd.Series(columns["codes"], dtype=object),
        "verdict": pd.array(columns["verdict"], dtype=STR),
        "agrees": pd.array(columns["agrees"], dtype="boolean"),
        "message": pd.array(columns["message"], dtype=STR),
        "fix": pd.array(columns["fix"], dtype=STR),
        "request_id": pd.array(columns["request_id"], dtype=STR),
    })
