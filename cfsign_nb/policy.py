"""The policy statement CloudFront verifies: build its exact bytes and parse them back.

A canned policy is never sent: CloudFront rebuilds it from the request, so its bytes must equal
the compact template below to the byte. A custom policy travels with the request (``Policy=``),
so its bytes are whatever was signed; we emit the same compact form botocore emits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import extras
from .errors import PolicyError, TimeError
from .protocol import CANNED_TEMPLATE, REQUEST_LIMIT
from .settings import IP_ADDRESS
from .times import to_datetime, to_epoch
from .wildcard import resource_matches

MAX_POLICY_BYTES = REQUEST_LIMIT
"""CloudFront's limit for a whole request (headers and query): no longer policy can ever reach it."""
MAX_POLICY_DEPTH = 20
"""How deep a policy's JSON may nest; a valid one nests 5 deep (Statement, statement, Condition...)."""
MAX_NUMBER_DIGITS = 20
"""The longest number a policy may hold; epoch seconds have 10 digits, milliseconds 13."""

_JSON_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_FORBIDDEN_RE = re.compile(r'["\\\x00-\x20\x7f#]|[^\x00-\x7f]')
_FORBIDDEN_ASCII_RE = re.compile(r'["\\\x00-\x20\x7f#]')


@dataclass(frozen=True)
class Policy:
    """One CloudFront policy statement; times are epoch seconds (UTC).

    ``date_less_than`` and ``date_greater_than`` also accept aware datetimes or timedeltas
    (counted from the current clock) and are stored as ints. A bare IPv4 address gets ``/32``.
    """

    resource: str | None
    date_less_than: int
    date_greater_than: int | None = None
    ip_address: str | None = None

    def __post_init__(self) -> None:
        if self.resource is not None:
            object.__setattr__(self, "resource", check_resource(self.resource))
        dlt = to_epoch(self.date_less_than, name="date_less_than (expires)")
        object.__setattr__(self, "date_less_than", dlt)
        if self.date_greater_than is not None:
            dgt = to_epoch(self.date_greater_than, name="date_greater_than (starts)")
            if dgt >= dlt:
                raise TimeError(
                    f"the start time ({dgt}) must be before the expiry ({dlt}): "
                    "no request could ever be served; move the start earlier or the expiry later"
                )
            object.__setattr__(self, "date_greater_than", dgt)
        if self.ip_address is not None:
            object.__setattr__(self, "ip_address", check_ip_address(self.ip_address))

    @property
    def is_canned(self) -> bool:
        """True when this policy can be sent as a canned policy (``Expires=`` instead of ``Policy=``).

        That needs a single http(s) URL without wildcards and no condition but the expiry.
        """
        return (
            self.date_greater_than is None
            and self.ip_address is None
            and self.resource is not None
            and self.resource.startswith(("http://", "https://"))
            and "*" not in self.resource
        )

    @property
    def expires_at(self) -> datetime:
        """``date_less_than`` as an aware UTC datetime."""
        return to_datetime(self.date_less_than)

    @property
    def starts_at(self) -> datetime | None:
        """``date_greater_than`` as an aware UTC datetime, if set."""
        return None if self.date_greater_than is None else to_datetime(self.date_greater_than)

    def to_json(self) -> bytes:
        """The exact compact UTF-8 bytes that get signed (botocore's key order)."""
        return policy_json(self.resource, self.date_less_than, self.date_greater_than, self.ip_address)

    def to_dict(self) -> dict[str, Any]:
        """The policy as the JSON structure CloudFront reads."""
        parsed: dict[str, Any] = json.loads(self.to_json())
        return parsed

    def to_pretty_json(self) -> str:
        """Indented JSON for people; sign :meth:`to_json`, never this."""
        return json.dumps(self.to_dict(), indent=2)

    def matches(self, url: str) -> bool:
        """Would CloudFront let this policy's ``Resource`` cover ``url``? (See :func:`resource_matches`.)"""
        return True if self.resource is None else resource_matches(self.resource, url)

    @classmethod
    def from_json(cls, data: bytes | str) -> Policy:
        """Parse and validate a policy as CloudFront reads it; raise :class:`PolicyError` if it would not."""
        return cls(**_parse_statement(data))

    def to_frame(self) -> Any:
        """One-row pandas DataFrame of the fields, UTC datetimes beside epochs (needs the pandas extra)."""
        return extras.to_frame(self)


def policy_json(
    resource: str | None,
    date_less_than: int,
    date_greater_than: int | None = None,
    ip_address: str | None = None,
) -> bytes:
    """Compact policy bytes from already-validated parts.

    With only a resource and an expiry this is CloudFront's canned template, byte for byte.
    Conditions follow botocore's order: DateLessThan, IpAddress, DateGreaterThan.
    """
    condition = '{"DateLessThan":{"AWS:EpochTime":%d}' % date_less_than
    if ip_address is not None:
        condition += ',"IpAddress":{"AWS:SourceIp":"%s"}' % ip_address
    if date_greater_than is not None:
        condition += ',"DateGreaterThan":{"AWS:EpochTime":%d}' % date_greater_than
    if resource is None:
        return ('{"Statement":[{"Condition":%s}}]}' % condition).encode()
    return ('{"Statement":[{"Resource":"%s","Condition":%s}}]}' % (resource, condition)).encode()


def canned_policy_json(resource: str, expires: int) -> bytes:
    """The canned policy CloudFront rebuilds from a request to ``resource`` with ``Expires=expires``.

    A lone surrogate (only a Python string can hold one) is kept as its own bytes, never an error.
    """
    return (CANNED_TEMPLATE % (resource, expires)).encode("utf-8", "surrogatepass")


def check_resource(resource: object) -> str:
    """Return ``resource`` if it can be put in a policy as is; else raise with the fix.

    Quotes, backslashes and control characters are refused rather than escaped (escaping would
    change the bytes CloudFront compares); spaces and non-ASCII must be percent-encoded as the
    viewer's request will be; a fragment is never sent to CloudFront.
    """
    if not isinstance(resource, str):
        raise PolicyError(f"resource must be a str (a URL or pattern), got {type(resource).__name__}")
    if not resource:
        raise PolicyError("resource is empty; give the URL (or pattern) the viewer requests, or None")
    bad = _FORBIDDEN_ASCII_RE.search(resource) if resource.isascii() else _FORBIDDEN_RE.search(resource)
    if bad:
        char = bad.group()
        if char == "#":
            fix = "remove the fragment: browsers never send '#...' to CloudFront"
        elif char == " ":
            fix = "percent-encode spaces as %20, as the viewer's request will carry them"
        elif char in '"\\':
            fix = "percent-encode it (%22 for '\"', %5C for '\\'); it would break the policy JSON"
        elif ord(char) > 0x7F:
            fix = "percent-encode non-ASCII characters as UTF-8 (e.g. urllib.parse.quote)"
        else:
            fix = "remove control characters; they cannot appear in a request URL"
        raise PolicyError(f"resource contains {char!r} at position {bad.start()}: {fix}")
    if resource != "*" and not resource.startswith(("http://", "https://", "*://", "*")):
        raise PolicyError(
            f"resource {resource[:80]!r} must start with http://, https:// or *:// "
            "(or be '*'); use the full URL the viewer requests, including the host"
        )
    return resource


def check_ip_address(ip: object) -> str:
    """Validate an IPv4 address or CIDR range; a bare address gets ``/32`` (as the SDKs do)."""
    if not isinstance(ip, str):
        raise PolicyError(f"{IP_ADDRESS.python} must be text like '192.0.2.0/24', got {type(ip).__name__}")
    import ipaddress  # only policies with an IpAddress condition pay for this import

    text = ip.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise PolicyError(
            f"{_shown_ip(text)} in {IP_ADDRESS.python} is not an IPv4 address or CIDR range; write it like "
            "'192.0.2.10' or '192.0.2.0/24'"
        ) from None
    if network.version != 4:
        raise PolicyError(
            f"{_shown_ip(text)} in {IP_ADDRESS.python} is IPv6, and CloudFront policies support only IPv4 "
            "addresses and ranges; use an IPv4 range (and keep IPv6 off on the distribution)"
        )
    return text if "/" in text else text + "/32"


def _shown_ip(text: str, limit: int = 50) -> str:
    """An IP value quoted for a message, cut so a pasted page stays one short line."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


_STATEMENT_KEYS = {"Resource", "Condition"}
_CONDITION_KEYS = {"DateLessThan", "DateGreaterThan", "IpAddress"}


def load_policy_json(data: bytes | str) -> Any:
    """Parse policy JSON within CloudFront-sized limits (size, nesting, digits); raise :class:`PolicyError`.

    The limits keep hostile input cheap and stop Python's own limits (recursion, 4,300-digit
    integers) from surfacing as anything but a policy CloudFront would refuse (MalformedPolicy).
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as err:
            raise PolicyError(f"policy is not UTF-8 (byte {err.start}); CloudFront reads UTF-8 JSON") from None
    elif isinstance(data, str):
        text = data
    else:
        raise PolicyError(f"policy must be JSON text or bytes, got {type(data).__name__}")
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(
            f"policy is {len(text):,} characters long; CloudFront accepts at most {MAX_POLICY_BYTES:,} bytes "
            "for a whole request, so it can never arrive: shorten the Resource or sign several policies"
        )
    if _json_depth(text) > MAX_POLICY_DEPTH:
        raise PolicyError(
            f"policy JSON nests more than {MAX_POLICY_DEPTH} levels deep; a CloudFront policy nests 5 "
            "(Statement, statement, Condition, DateLessThan, AWS:EpochTime): CloudFront answers MalformedPolicy"
        )
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as err:
        raise PolicyError(
            f"policy is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}; "
            "CloudFront answers MalformedPolicy"
        ) from None
    except PolicyError:
        raise
    except (RecursionError, ValueError) as err:  # pragma: no cover - the checks above come first
        raise PolicyError(
            f"policy JSON cannot be read ({type(err).__name__}); CloudFront answers MalformedPolicy"
        ) from None


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (text already bounded in size)."""
    depth = deepest = 0
    for char in _NOT_BRACKET_RE.sub("", _JSON_STRING_RE.sub("", text)):
        depth = depth + 1 if char in "[{" else depth - 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_POLICY_DEPTH:  # deep enough to refuse: the rest need not be counted
                break
    return deepest


def _bounded_int(digits: str) -> int:
    """``int(digits)`` for numbers an epoch could be; longer ones are refused before Python's own limit."""
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise PolicyError(
            f"the policy holds a number with {len(digits.lstrip('-')):,} digits: that is no time at all "
            "(epoch seconds have 10 digits); write DateLessThan as Unix time in seconds, e.g. 1767290400"
        )
    return int(digits)


def _parse_statement(data: bytes | str) -> dict[str, Any]:
    doc = load_policy_json(data)
    if not isinstance(doc, dict) or set(doc) != {"Statement"}:
        raise PolicyError('policy must be an object with exactly one key, "Statement"')
    statements = doc["Statement"]
    if not isinstance(statements, list) or len(statements) != 1:
        count = len(statements) if isinstance(statements, list) else "no"
        raise PolicyError(
            f'"Statement" must be a list holding exactly one statement (found {count}); '
            "CloudFront allows one statement per policy: sign one policy per resource"
        )
    statement = statements[0]
    if not isinstance(statement, dict):
        raise PolicyError("the statement must be a JSON object")
    unknown = set(statement) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(
            f"unknown statement key(s) {sorted(unknown)}; only Resource and Condition are allowed "
            "(names are case-sensitive and cannot be abbreviated)"
        )
    resource = statement.get("Resource")
    if "Resource" in statement and not isinstance(resource, str):
        raise PolicyError('"Resource" must be a string')
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        raise PolicyError('the statement needs a "Condition" object with at least DateLessThan')
    unknown = set(condition) - _CONDITION_KEYS
    if unknown:
        raise PolicyError(
            f"unknown condition(s) {sorted(unknown)}; CloudFront knows DateLessThan, "
            "DateGreaterThan and IpAddress (case-sensitive)"
        )
    if "DateLessThan" not in condition:
        raise PolicyError(
            "the policy has no DateLessThan condition; CloudFront requires an expiry "
            "(MalformedPolicy): add {\"DateLessThan\":{\"AWS:EpochTime\":<seconds>}}"
        )
    fields: dict[str, Any] = {
        "resource": resource,
        "date_less_than": _epoch_condition(condition, "DateLessThan"),
    }
    if "DateGreaterThan" in condition:
        fields["date_greater_than"] = _epoch_condition(condition, "DateGreaterThan")
    if "IpAddress" in condition:
        value = condition["IpAddress"]
        if not isinstance(value, dict) or set(value) != {"AWS:SourceIp"}:
            raise PolicyError('IpAddress must be {"AWS:SourceIp": "<IPv4 or IPv4 CIDR>"}')
        fields["ip_address"] = value["AWS:SourceIp"]
    return fields


def _epoch_condition(condition: dict[str, Any], name: str) -> int:
    value = condition[name]
    if not isinstance(value, dict) or set(value) != {"AWS:EpochTime"}:
        raise PolicyError(f'{name} must be {{"AWS:EpochTime": <epoch seconds>}}')
    epoch = value["AWS:EpochTime"]
    if isinstance(epoch, str):
        raise PolicyError(
            f"{name} AWS:EpochTime is a quoted string ({epoch!r}); write the number without quotes"
        )
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise PolicyError(f"{name} AWS:EpochTime must be a whole number of seconds, got {epoch!r}")
    return epoch
