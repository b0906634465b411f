"""CloudFront standard access logs: read, write, generate samples, and diagnose every request.

The format is tab-separated W3C with ``#Version:`` and ``#Fields:`` header lines, gzip or plain.
CloudFront escapes field values once more when it writes them (a viewer's ``%2C`` is logged as
``%252C``, a space in a User-Agent as ``%20``), so :func:`read_access_log` percent-decodes
``cs-uri-stem``, ``cs-uri-query``, ``cs(Cookie)``, ``cs(User-Agent)`` and ``cs(Referer)`` exactly
once to get back what the viewer sent. In every other field only control bytes, spaces, DEL,
non-ASCII bytes and ``%`` itself are escaped (no log line carries a raw tab, newline or terminal
escape), so only those escapes (``%00``-``%20``, ``%25``, ``%7F``-``%FF``) are decoded there;
:func:`write_access_log` applies the inverse escaping. A line with a raw control byte or the wrong
number of fields is skipped with a :class:`CfSignWarning`; reading never raises on a line.
Importing this module imports pandas.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import random
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from .decode import signing_names
from .errors import CfSignError, CfSignWarning
from .signer import Signer

FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
    "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
    "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type",
    "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
)
"""The 33 fields of CloudFront's standard log, in the order CloudFront writes them."""

_INTS = ("sc-bytes", "sc-status", "cs-bytes", "c-port", "sc-content-len", "sc-range-start", "sc-range-end")
_FLOATS = ("time-taken", "time-to-first-byte")
_CATEGORIES = (
    "x-edge-location", "cs-method", "cs(Host)", "x-edge-result-type", "x-host-header", "cs-protocol",
    "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "x-edge-detailed-result-type", "sc-content-type",
)
_DECODED_ONCE = ("cs-uri-stem", "cs-uri-query", "cs(Cookie)", "cs(User-Agent)", "cs(Referer)")
_LOG_SAFE = "!#$&'()*+,/:;=?@[]~-._" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Never in a line CloudFront writes (a tab separates fields, a line ends in \n or \r\n): C0 and C1 controls, DEL.
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_UNPRINTABLE = re.compile(r"[^\x21-\x24\x26-\x7e]+")  # what the other fields escape: controls, space, %, DEL, non-ASCII
_CONTROL_ESCAPES = re.compile(r"(?:%(?:[01][0-9A-Fa-f]|2[05]|7[Ff]|[89A-Fa-f][0-9A-Fa-f]))+")
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


# --- reading ----------------------------------------------------------------------------------

def read_access_log(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], *, chunk_lines: int = 200_000
) -> pd.DataFrame:
    """Read CloudFront standard logs (a file, a folder of them, a glob, or an open file) into one frame.

    Adds ``timestamp`` (tz-aware UTC, from ``date`` + ``time``) and ``url`` (the request URL rebuilt
    from ``cs-protocol``, ``x-host-header`` or ``cs(Host)``, ``cs-uri-stem`` and ``cs-uri-query``).
    Lines that do not have the header's number of fields are skipped with a :class:`CfSignWarning`.
    """
    parts = list(iter_access_log(source, chunk_lines=chunk_lines))
    if not parts:
        return _typed(pd.DataFrame({name: pd.Series([], dtype=object) for name in FIELDS}))
    frame = pd.concat(parts, ignore_index=True)
    for name in _CATEGORIES:
        if name in frame:
            frame[name] = frame[name].astype("category")
    return frame


def iter_access_log(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], *, chunk_lines: int = 200_000
) -> Iterator[pd.DataFrame]:
    """Yield the log as typed frames of at most ``chunk_lines`` rows, so memory stays bounded."""
    skipped = 0
    for handle in _open_all(source):
        fields: list[str] = list(FIELDS)
        buffer: list[str] = []
        with handle:
            for line in handle:
                if line.startswith("#"):
                    if line.startswith("#Fields:"):
                        if buffer:
                            frame, bad = _parse(buffer, fields)
                            skipped += bad
                            yield frame
                            buffer = []
                        fields = _field_names(line[len("#Fields:"):])
                    continue
                if not line.strip():
                    continue
                if line.count("\t") != len(fields) - 1:
                    skipped += 1
                    continue
                buffer.append(line)
                if len(buffer) >= chunk_lines:
                    frame, bad = _parse(buffer, fields)
                    skipped += bad
                    yield frame
                    buffer = []
        if buffer:
            frame, bad = _parse(buffer, fields)
            skipped += bad
            yield frame
    if skipped:
        warnings.warn(
            f"skipped {skipped} malformed log line(s) without the header's number of tab-separated "
            "fields or with raw control bytes; check that the files are CloudFront standard logs and "
            "were not truncated or edited",
            CfSignWarning,
            stacklevel=3,
        )


def _field_names(header: str) -> list[str]:
    """The names of a ``#Fields:`` line; a repeated name is kept once (the later ones get a ``#2``...)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for name in header.split():
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _open_all(source: str | os.PathLike[str] | IO[bytes] | IO[str]) -> Iterator[IO[str]]:
    if hasattr(source, "read"):
        yield _text(source)  # type: ignore[arg-type]
        return
    path = os.fspath(source)  # type: ignore[arg-type]
    if os.path.isdir(path):
        paths = sorted(p for p in glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(p))
    elif os.path.exists(path):
        paths = [path]
    else:
        paths = sorted(glob.glob(path, recursive=True))
        if not paths:
            raise CfSignError(
                f"no access log at {path!r}: give a log file, a folder of log files or a glob "
                "such as 'logs/E2EXAMPLE.2026-01-01-*.gz'"
            )
    for name in paths:
        yield _text(open(name, "rb"))  # noqa: SIM115 - closed by the caller's with-block


def _text(handle: IO[bytes] | IO[str]) -> IO[str]:
    if isinstance(handle, io.TextIOBase):
        return handle  # type: ignore[return-value]
    buffered = io.BufferedReader(handle) if not hasattr(handle, "peek") else handle  # type: ignore[arg-type]
    raw: IO[bytes] = gzip.GzipFile(fileobj=buffered) if buffered.peek(2)[:2] == b"\x1f\x8b" else buffered  # type: ignore[union-attr, assignment]
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n")


def _parse(lines: list[str], fields: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """The typed frame of ``lines``, and how many of them were skipped for raw control bytes."""
    text = "".join(lines)
    skipped = 0
    if _has_raw_controls(text):  # rare: look line by line
        kept = [line for line in lines if not _RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r"))]
        skipped = len(lines) - len(kept)
        text = "".join(kept)
    if not text:
        return _typed(pd.DataFrame({name: pd.Series([], dtype=object) for name in fields})), skipped
    frame = pd.read_csv(
        io.StringIO(text), sep="\t", names=list(fields), header=None, dtype=str,
        na_filter=False, quoting=3, engine="c",
    )
    return _typed(frame), skipped


def _has_raw_controls(text: str) -> bool:
    """Whether some line holds a control byte other than its tabs and line end (cheap for ASCII text)."""
    if not text.isascii():
        return any(_RAW_CONTROL.search(line.rstrip("\n").removesuffix("\r")) for line in text.splitlines(True))
    data = text.encode("ascii")
    rest = data.translate(None, _PRINTABLE_ASCII)  # what is left: controls, DEL, and the \r of CRLF line ends
    return bool(rest) and (rest.strip(b"\r") != b"" or data.count(b"\r\n") != len(rest))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.replace({"-": None}) if len(frame) else frame
    for name in FIELDS:
        if name not in frame:
            frame[name] = None
    for name in _DECODED_ONCE:
        column = frame[name].astype(object)
        frame[name] = pd.array([_unquote(v) for v in column], dtype=_STR)
    for name in frame.columns:
        if name not in _DECODED_ONCE and name not in _INTS and name not in _FLOATS:
            frame[name] = _unescape_controls(frame[name])
    for name in _INTS:
        frame[name] = _int_column(frame[name])
    for name in _FLOATS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    stamp = frame["date"].astype(str) + " " + frame["time"].astype(str)
    timestamp = pd.to_datetime(stamp, format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    frame.insert(0, "timestamp", timestamp.astype(pd.DatetimeTZDtype("s", "UTC")))
    for name in FIELDS:
        if name not in _INTS and name not in _FLOATS and name not in _DECODED_ONCE:
            frame[name] = frame[name].astype(_STR)
    host = frame["x-host-header"].fillna(frame["cs(Host)"])
    query = frame["cs-uri-query"]
    url = frame["cs-protocol"].fillna("https") + "://" + host + frame["cs-uri-stem"]
    frame["url"] = url.where(query.isna(), url + "?" + query).astype(_STR)
    return frame


def _unquote(value: object) -> object:
    if not isinstance(value, str):
        return None
    return unquote(value, errors="replace") if "%" in value else value


def _unescape_controls(column: pd.Series) -> pd.Series:
    """A field other than the viewer's text fields with its ``%XX`` escapes of unprintable bytes decoded."""
    text = column.astype(_STR)
    escaped = text.str.contains("%", regex=False).fillna(False).to_numpy(dtype=bool)
    if not escaped.any():
        return text
    values = text.astype(object)
    values[escaped] = [_decode_escapes(v) for v in values[escaped]]
    return values.astype(_STR)


def _decode_escapes(value: str) -> str:
    return _CONTROL_ESCAPES.sub(_decode_run, value)


def _decode_run(match: re.Match[str]) -> str:
    """A run of escapes as text: UTF-8 (what CloudFront logs), else Latin-1 (bytes as the edge got them)."""
    data = bytes.fromhex(match.group().replace("%", ""))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _int_column(column: pd.Series) -> pd.Series:
    """Whole numbers that fit an int64 as Int64; anything else (``1.5``, ``1e400``, 5,000 digits) is missing."""
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**63))
    return whole.astype("Int64")


# --- writing ----------------------------------------------------------------------------------

def write_access_log(
    frame: pd.DataFrame, target: str | os.PathLike[str] | IO[str] | IO[bytes], *, compress: bool | None = None
) -> None:
    """Write ``frame`` as a CloudFront standard log (the 33 fields, W3C headers, CloudFront's escaping).

    ``compress`` defaults to gzip when ``target`` is a path ending in ``.gz``.
    """
    lines = ["#Version: 1.0\n", "#Fields: " + " ".join(FIELDS) + "\n"]
    columns = [frame[name] if name in frame else pd.Series([None] * len(frame)) for name in FIELDS]
    escaped = set(_DECODED_ONCE)
    rendered = []
    for name, column in zip(FIELDS, columns, strict=True):
        values = column.astype(object).tolist()
        rendered.append([_field(v, name in escaped) for v in values])
    lines += ["\t".join(row) + "\n" for row in zip(*rendered, strict=True)]
    text = "".join(lines)
    if isinstance(target, io.BufferedIOBase | io.RawIOBase):  # binary buffers, e.g. BytesIO
        target.write(text.encode("utf-8"))
        return
    if hasattr(target, "write"):
        target.write(text)  # type: ignore[union-attr]
        return
    path = os.fspath(target)  # type: ignore[arg-type]
    if compress if compress is not None else path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)


def _field(value: object, escape: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "-"
    text = str(value)
    if escape:
        return quote(text.encode("utf-8", "surrogatepass"), safe=_LOG_SAFE) or "-"
    return _UNPRINTABLE.sub(_escape_run, text) or "-"


def _escape_run(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


# --- diagnosing -------------------------------------------------------------------------------

DIAGNOSIS_COLUMNS = (
    "artifact", "ok", "code", "codes", "cloudfront_error", "verified", "key_pair_id",
    "hash_algorithm", "policy_kind", "resource", "expires", "expires_at", "seconds_to_expiry",
)
"""Columns :func:`diagnose_access_log` adds to the log (and ``unexplained_403``: CloudFront refused
the request but the diagnosis found no cause, usually because no public key was given)."""


def diagnose_access_log(
    log: pd.DataFrame,
    *,
    public_keys: Mapping[str, object] | None = None,
    verify: bool = True,
    chunk_rows: int = 100_000,
    workers: int = 1,
) -> pd.DataFrame:
    """The log with each request diagnosed as of its own time and ``c-ip``; 403 rows first.

    A request whose query has no signing parameter but whose ``cs(Cookie)`` holds CloudFront
    cookies is diagnosed as signed cookies for its URL. ``code`` is the primary finding code or
    ``"OK"``. Rows are processed ``chunk_rows`` at a time.
    """
    from .frames import diagnose_many

    missing = [name for name in ("timestamp", "url", "c-ip", "cs(Cookie)", "cs-uri-query") if name not in log]
    if missing:
        raise CfSignError(
            f"the log frame lacks {missing}; read it with cfsign_nb.frames.read_access_log() so the "
            "timestamp and url columns exist"
        )
    parts = []
    for lo in range(0, len(log), chunk_rows) if len(log) else [0]:
        chunk = log.iloc[lo : lo + chunk_rows]
        query = chunk["cs-uri-query"].astype(object)
        cookie = chunk["cs(Cookie)"].astype(object)
        signed_query = query.map(lambda q: isinstance(q, str) and bool(signing_names(q)))
        use_cookie = ~signed_query & cookie.map(lambda c: isinstance(c, str) and "CloudFront-" in c)
        artifact = chunk["url"].astype(object).where(~use_cookie, cookie)
        request_url = chunk["url"].astype(object).where(use_cookie, None)
        table = diagnose_many(
            artifact.reset_index(drop=True),
            public_keys=public_keys,
            now=chunk["timestamp"].reset_index(drop=True),
            client_ip=chunk["c-ip"].astype(object).reset_index(drop=True),
            request_url=request_url.reset_index(drop=True),
            verify=verify,
            workers=workers,
        )
        table.index = chunk.index
        table["artifact"] = pd.Categorical(np.where(use_cookie, "cookies", "url"), categories=["url", "cookies"])
        parts.append(table.loc[:, list(DIAGNOSIS_COLUMNS)])
    added = pd.concat(parts) if len(parts) > 1 else parts[0]
    for name in ("key_pair_id", "code"):
        added[name] = added[name].astype(str).astype("category") if name == "key_pair_id" else added[name]
    out = pd.concat([log, added], axis=1)
    refused = (
        out["sc-status"].eq(403).fillna(False).astype(bool) if "sc-status" in out else pd.Series(False, index=out.index)
    )
    # CloudFront said 403 but the diagnosis found no cause: most often no public key was given,
    # so the signature could not be checked (or the cause lies outside the signature).
    out["unexplained_403"] = refused & out["ok"].astype(bool)
    order = np.argsort(~refused.to_numpy(), kind="stable")
    return out.iloc[order]


# --- a realistic sample -----------------------------------------------------------------------

SAMPLE_KINDS = (
    "good", "good_sha256", "good_custom", "good_cookies", "good_ecdsa", "expired", "tampered_query", "wrong_key",
    "sha256_without_hash_algorithm", "expires_in_milliseconds", "unsigned", "standard_base64",
    "unknown_key_pair_id", "missing_key_pair_id", "not_yet_valid", "ip_not_allowed",
)
"""The kinds of rows :func:`sample_access_log` generates (its ``sample_kind`` column)."""

_EXPECTED = {
    "good": "OK", "good_sha256": "OK", "good_custom": "OK", "good_cookies": "OK", "good_ecdsa": "OK",
    "expired": "EXPIRED", "tampered_query": "URL_CHANGED_AFTER_SIGNING", "wrong_key": "SIGNED_WITH_OTHER_KEY",
    "sha256_without_hash_algorithm": "HASH_ALGORITHM_MISSING", "expires_in_milliseconds": "EXPIRES_IN_MILLISECONDS",
    "unsigned": "NO_SIGNING_DATA", "standard_base64": "STANDARD_BASE64_ALPHABET",
    "unknown_key_pair_id": "UNKNOWN_KEY_PAIR_ID", "missing_key_pair_id": "MISSING_KEY_PAIR_ID",
    "not_yet_valid": "NOT_YET_VALID", "ip_not_allowed": "IP_NOT_ALLOWED",
}
EXPECTED_CODES: Mapping[str, str] = _EXPECTED
"""The primary finding code each sample kind should get when diagnosed with the sample's keys."""


def sample_access_log(
    n: int = 200,
    *,
    seed: int = 0,
    signers: Sequence[Signer] | Signer | None = None,
    start: datetime | int = 1767225600,
    host: str = "media.example.com",
    distribution_domain: str = "d111111abcdef8.cloudfront.net",
    good_share: float = 0.6,
    span: int = 3600,
) -> pd.DataFrame:
    """A made-up CloudFront log (documentation IP ranges, example hosts) with good and bad rows.

    The first rows hold one of each of :data:`SAMPLE_KINDS`; the rest are ``good_share`` good.
    ``df.attrs["public_keys"]`` holds the PEM of every key used (two by default: an RSA key
    ``K2JCJMDEHXQW5F`` and an ECDSA key ``K3ECDSAEXAMPLE``), and ``sample_kind`` says what each
    row was made to be. Rows are spread evenly over ``span`` seconds from ``start``.
    """
    from .keys import generate_key

    rng = random.Random(seed)
    if signers is None:
        signers = [Signer("K2JCJMDEHXQW5F", generate_key("rsa")), Signer("K3ECDSAEXAMPLE", generate_key("ecdsa"))]
    elif isinstance(signers, Signer):
        signers = [signers]
    signers = list(signers)
    if len(signers) < 2:
        signers.append(Signer("K3ECDSAEXAMPLE", generate_key("ecdsa")))
    main, other = signers[0], signers[1]
    main256 = Signer(main.key_pair_id, main.private_key, hash_algorithm="SHA256")
    t0 = int(start.timestamp()) if isinstance(start, datetime) else int(start)
    kinds = list(SAMPLE_KINDS) + [
        rng.choice(("good", "good_sha256", "good_custom", "good_cookies", "good_ecdsa")) if rng.random() < good_share
        else rng.choice(SAMPLE_KINDS[5:])
        for _ in range(max(0, n - len(SAMPLE_KINDS)))
    ]
    kinds = kinds[:n]
    rows = []
    for i, kind in enumerate(kinds):
        when = t0 + int(i * span / max(n, 1)) + rng.randrange(3)
        client = f"198.51.100.{rng.randrange(1, 255)}"
        path = f"/videos/{rng.choice(('intro', 'lesson', 'trailer'))}-{rng.randrange(100)}.mp4"
        query = rng.choice(("", "quality=hd", "quality=sd&lang=en"))
        base = f"https://{host}{path}" + (f"?{query}" if query else "")
        expires = when + rng.randrange(60, 7200)
        cookie = None
        status = 403
        if kind == "good":
            url = main.sign_url(base, expires=expires)
        elif kind == "good_sha256":
            url = main256.sign_url(base, expires=expires)
        elif kind == "good_ecdsa":
            url = other.sign_url(base, expires=expires)
        elif kind == "good_custom":
            url = main.sign_url(base, policy=_policy(f"https://{host}/videos/*", expires, client))
        elif kind == "good_cookies":
            url = base
            cookies = main.sign_cookies(f"https://{host}/videos/*", expires=expires)
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        elif kind == "expired":
            url = main.sign_url(base, expires=when - rng.randrange(60, 86400))
        elif kind == "tampered_query":
            url = main.sign_url(base, expires=expires) + "&download=1"
        elif kind == "wrong_key":
            url = other.sign_url(base, expires=expires).replace(other.key_pair_id, main.key_pair_id)
        elif kind == "sha256_without_hash_algorithm":
            url = main256.sign_url(base, expires=expires).replace("&Hash-Algorithm=SHA256", "")
        elif kind == "expires_in_milliseconds":
            url = _with(main, base, expires * 1000)
        elif kind == "unsigned":
            url = base
        elif kind == "standard_base64":
            signed = main.sign_url(base, expires=expires)
            head, _, tail = signed.partition("&Signature=")
            signature, _, rest = tail.partition("&")
            url = f"{head}&Signature={signature.translate(str.maketrans('-_~', '+=/'))}&{rest}"
        elif kind == "unknown_key_pair_id":
            url = main.sign_url(base, expires=expires).replace(main.key_pair_id, "KUNKNOWNEXAMPLE")
        elif kind == "missing_key_pair_id":
            url = main.sign_url(base, expires=expires).replace(f"&Key-Pair-Id={main.key_pair_id}", "")
        elif kind == "not_yet_valid":
            url = main.sign_url(base, policy=_policy(base, expires + 3600, None, starts=when + 600))
        else:
            url = main.sign_url(base, policy=_policy(base, expires, "192.0.2.0/24"))
        if kind.startswith("good"):
            status = rng.choice((200, 200, 200, 206))
        stem, _, signed_query = url.partition(f"https://{host}")[2].partition("?")
        moment = datetime.fromtimestamp(when, tz=UTC)
        size = rng.randrange(200_000, 5_000_000) if status != 403 else 379
        rows.append({
            "date": moment.strftime("%Y-%m-%d"), "time": moment.strftime("%H:%M:%S"),
            "x-edge-location": rng.choice(("FRA56-P1", "IAD89-C3", "NRT57-P2", "LHR61-P4")),
            "sc-bytes": size, "c-ip": client, "cs-method": "GET", "cs(Host)": distribution_domain,
            "cs-uri-stem": stem, "sc-status": status, "cs(Referer)": f"https://www.{host.partition('.')[2]}/",
            "cs(User-Agent)": "Mozilla/5.0 (X11; Linux x86_64) ExampleBrowser/1.0",
            "cs-uri-query": signed_query or None, "cs(Cookie)": cookie,
            "x-edge-result-type": "Error" if status == 403 else rng.choice(("Hit", "Miss")),
            "x-edge-request-id": _request_id(rng), "x-host-header": host, "cs-protocol": "https",
            "cs-bytes": 200 + len(url) + len(cookie or ""), "time-taken": round(rng.uniform(0.001, 0.9), 3),
            "x-forwarded-for": None, "ssl-protocol": "TLSv1.3", "ssl-cipher": "TLS_AES_128_GCM_SHA256",
            "x-edge-response-result-type": "Error" if status == 403 else "Hit",
            "cs-protocol-version": "HTTP/2.0", "fle-status": None, "fle-encrypted-fields": None,
            "c-port": rng.randrange(1024, 65535), "time-to-first-byte": round(rng.uniform(0.001, 0.2), 3),
            "x-edge-detailed-result-type": "Error" if status == 403 else "Hit",
            "sc-content-type": "text/xml" if status == 403 else "video/mp4",
            "sc-content-len": size if status != 403 else 110,
            "sc-range-start": None, "sc-range-end": None, "sample_kind": kind,
        })
    buffer = io.StringIO()
    frame = pd.DataFrame(rows, columns=[*FIELDS, "sample_kind"])
    write_access_log(frame, buffer)
    buffer.seek(0)
    log = read_access_log(buffer)
    log["sample_kind"] = pd.Categorical([r["sample_kind"] for r in rows], categories=SAMPLE_KINDS)
    log.attrs["public_keys"] = {s.key_pair_id: s.private_key.public_key_pem() for s in signers}
    return log


def _policy(resource: str, expires: int, ip: str | None, starts: int | None = None) -> Any:
    from .policy import Policy

    return Policy(resource, expires, starts, ip)


def _with(signer: Signer, base: str, expires: int) -> str:
    from .encoding import b64encode
    from .policy import canned_policy_json

    signature = b64encode(signer.sign(canned_policy_json(base, expires)))
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}Expires={expires}&Signature={signature}&Key-Pair-Id={signer.key_pair_id}"


def _request_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(54)) + "=="
