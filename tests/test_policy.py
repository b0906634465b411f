import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfsign_nb import Policy, PolicyError, TimeError

from .conftest import NOW, URL

CANNED = (
    b'{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes",'
    b'"Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}'
)


def test_canned_policy_bytes_match_the_developer_guide() -> None:
    policy = Policy("https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes", 1767290400)
    assert policy.is_canned
    assert policy.to_json() == CANNED


def test_custom_policy_uses_botocore_condition_order() -> None:
    policy = Policy(URL, NOW + 60, date_greater_than=NOW, ip_address="192.0.2.10")
    assert not policy.is_canned
    assert policy.ip_address == "192.0.2.10/32"
    assert policy.to_json() == (
        b'{"Statement":[{"Resource":"' + URL.encode() + b'","Condition":{"DateLessThan":{"AWS:EpochTime":'
        + str(NOW + 60).encode() + b'},"IpAddress":{"AWS:SourceIp":"192.0.2.10/32"},"DateGreaterThan":'
        b'{"AWS:EpochTime":' + str(NOW).encode() + b"}}}]}"
    )


def test_policy_without_resource_and_wildcards_are_not_canned() -> None:
    assert Policy(None, NOW).to_json() == b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1767225600}}}]}'
    assert not Policy(None, NOW).is_canned
    assert not Policy("https://example.com/*", NOW).is_canned


@given(
    st.sampled_from([URL, "https://*", "*", None, "http://example.com/a?b=c"]),
    st.integers(1, 10**12 - 100),
    st.one_of(st.none(), st.ip_addresses(v=4).map(str)),
)
def test_from_json_round_trips(resource: str | None, expires: int, ip: str | None) -> None:
    policy = Policy(resource, expires + 10, expires, ip)
    assert Policy.from_json(policy.to_json()) == policy
    assert json.loads(policy.to_json()) == policy.to_dict()


def test_from_json_accepts_whitespace() -> None:
    assert Policy.from_json(json.dumps(json.loads(CANNED), indent=4)) == Policy.from_json(CANNED)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("{", "not valid JSON"),
        ("[]", "exactly one key"),
        ('{"Statement":[]}', "exactly one statement"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Condition":{}}]}', "exactly one"),
        ('{"Statement":[{"Resource":"https://a/"}]}', "DateLessThan"),
        ('{"Statement":[{"Condition":{"DateGreaterThan":{"AWS:EpochTime":1}}}]}', "requires an expiry"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"1767225600"}}}]}', "without quotes"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1.5}}}]}', "whole number"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"EpochTime":1}}}]}', "AWS:EpochTime"),
        ('{"Statement":[{"Resrc":"x","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}', "cannot be abbreviated"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1},"IpAddress":{"AWS:SourceIp":"2001:db8::/32"}}}]}', "IPv6"),
        ('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1},"Foo":{}}}]}', "unknown condition"),
    ],
)
def test_from_json_rejects_what_cloudfront_rejects(text: str, hint: str) -> None:
    with pytest.raises(PolicyError, match=hint):
        Policy.from_json(text)


def test_from_json_rejects_milliseconds() -> None:
    with pytest.raises(TimeError, match="milliseconds"):
        Policy.from_json('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1767225600000}}}]}')


@pytest.mark.parametrize(
    ("resource", "hint"),
    [
        ('https://a/"x', "%22"),
        ("https://a/\\x", "%5C"),
        ("https://a/\x01", "control"),
        ("https://a/b c", "%20"),
        ("https://a/é", "percent-encode non-ASCII"),
        ("https://a/b#frag", "fragment"),
        ("example.com/a", "must start with http"),
        ("", "empty"),
    ],
)
def test_resources_that_would_break_the_policy_are_refused(resource: str, hint: str) -> None:
    with pytest.raises(PolicyError, match=hint):
        Policy(resource, NOW)


def test_ip_and_time_errors() -> None:
    with pytest.raises(PolicyError, match="only IPv4"):
        Policy(URL, NOW, ip_address="::1")
    with pytest.raises(PolicyError, match=r"192\.0\.2\.0/24"):
        Policy(URL, NOW, ip_address="192.0.2")
    with pytest.raises(PolicyError) as caught:
        Policy(URL, NOW, ip_address="300.1.1.1")
    assert str(caught.value).startswith("'300.1.1.1' in ip_address=... is not an IPv4 address or CIDR range")
    with pytest.raises(PolicyError) as caught:
        Policy(URL, NOW, ip_address="9" * 100_000)
    assert len(str(caught.value)) < 300  # a pasted page is cut, never echoed whole
    with pytest.raises(TimeError, match="before the expiry"):
        Policy(URL, NOW, date_greater_than=NOW)


def test_policy_matches_and_omitted_resource_matches_everything() -> None:
    assert Policy(None, NOW).matches("https://anything/at/all")
    assert Policy(URL, NOW).matches(URL)
