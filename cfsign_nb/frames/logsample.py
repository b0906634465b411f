"""A made-up CloudFront access log with one row of every kind of good and bad signed request.

:func:`sample_access_log` signs real URLs and cookies with generated keys (documentation IP
ranges, example hosts), writes them as a log and reads it back, so notebooks and tests have a
realistic log whose every row says what it was made to be (``sample_kind``) and which code its
diagnosis should give (:data:`EXPECTED_CODES`).
"""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd

from ..encoding import b64decode, b64encode
from ..keys import generate_key
from ..logformat import FIELDS, REALTIME_FIELDS
from ..policy import Policy, canned_policy_json
from ..signer import Signer
from .accesslog import read_access_log, read_realtime_log
from .logwrite import WriteFormat, write_access_log

__all__ = ["EXPECTED_CODES", "SAMPLE_KINDS", "sample_access_log"]

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
    format: WriteFormat = "w3c",
    fields: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A made-up CloudFront log (documentation IP ranges, example hosts) with good and bad rows.

    The first rows hold one of each of :data:`SAMPLE_KINDS`; the rest are ``good_share`` good.
    ``df.attrs["public_keys"]`` holds the PEM of every key used (two by default: an RSA key
    ``K2JCJMDEHXQW5F`` and an ECDSA key ``K3ECDSAEXAMPLE``), and ``sample_kind`` says what each
    row was made to be. Rows are spread evenly over ``span`` seconds from ``start``. The rows are
    written as a log of ``format`` with ``fields`` (see :func:`write_access_log`) and read back, so
    the frame holds what such a log holds (``attrs["fields"]`` says which fields it logged).
    """
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
            url = f"{head}&Signature={base64.b64encode(b64decode(signature)).decode()}&{rest}"
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
    buffer = io.BytesIO()
    frame = pd.DataFrame(rows, columns=[*FIELDS, "sample_kind"])
    write_access_log(frame, buffer, format=format, fields=fields)
    buffer.seek(0)
    if format == "realtime":
        log = read_realtime_log(buffer, fields if fields is not None else REALTIME_FIELDS)
    else:
        log = read_access_log(buffer)
    log["sample_kind"] = pd.Categorical([r["sample_kind"] for r in rows], categories=SAMPLE_KINDS)
    log.attrs["public_keys"] = {s.key_pair_id: s.private_key.public_key_pem() for s in signers}
    return log


def _policy(resource: str, expires: int, ip: str | None, starts: int | None = None) -> Policy:
    return Policy(resource, expires, starts, ip)


def _with(signer: Signer, base: str, expires: int) -> str:
    """``base`` signed by hand for ``expires`` as given (the Signer refuses millisecond expiries)."""
    signature = b64encode(signer.sign(canned_policy_json(base, expires)))
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}Expires={expires}&Signature={signature}&Key-Pair-Id={signer.key_pair_id}"


def _request_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(54)) + "=="
