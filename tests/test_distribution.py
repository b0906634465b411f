"""Distribution configs: loading every shape, behavior matching, and each config finding."""

from __future__ import annotations

import copy
import json

import pytest

from cfsign_nb import Signer, diagnose
from cfsign_nb.distribution import (
    DistributionConfig,
    DistributionError,
    check_request,
    lint_distribution,
    load_distribution,
    match_behavior,
    patterns_overlap,
    serves_host,
)
from cfsign_nb.findings import CATALOG

from .conftest import NOW

HOST = "d111111abcdef8.cloudfront.net"
GROUP_A = "e9fcd3cf-f3f4-4b61-bd85-9ba9e091b309"
GROUP_B = "5c7c4a3e-1111-4b61-bd85-000000000002"


def _behavior(pattern: str | None, *, groups: list[str] = (), signers: list[str] = (), protocol: str = "redirect-to-https") -> dict:
    item = {
        "TargetOriginId": "s3-origin",
        "ViewerProtocolPolicy": protocol,
        "TrustedSigners": {"Enabled": bool(signers), "Quantity": len(signers), **({"Items": list(signers)} if signers else {})},
        "TrustedKeyGroups": {"Enabled": bool(groups), "Quantity": len(groups), **({"Items": list(groups)} if groups else {})},
        "AllowedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"],
                           "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}},
        "Compress": True,
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    }
    if pattern is not None:
        item = {"PathPattern": pattern, **item}
    return item


def get_distribution(behaviors: list[dict], default: dict, *, ipv6: bool = True, aliases: list[str] = ("media.example.com",),
                     active_groups: dict[str, list[str]] | None = None, active_signers: dict[str, list[str]] | None = None) -> dict:
    """The shape `aws cloudfront get-distribution --id E...` prints."""
    active_groups = {GROUP_A: ["K2JCJMDEHXQW5F"], GROUP_B: ["K36X4X2EO997HM"]} if active_groups is None else active_groups
    active_signers = active_signers or {}
    return {
        "ETag": "E2QWRUHEXAMPLE",
        "Distribution": {
            "Id": "EDFDVBD6EXAMPLE",
            "ARN": "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE",
            "Status": "Deployed",
            "LastModifiedTime": "2026-01-01T00:00:00.000Z",
            "InProgressInvalidationBatches": 0,
            "DomainName": HOST,
            "ActiveTrustedSigners": {
                "Enabled": bool(active_signers), "Quantity": len(active_signers),
                "Items": [{"AwsAccountNumber": a, "KeyPairIds": {"Quantity": len(k), "Items": k}}
                          for a, k in active_signers.items()],
            },
            "ActiveTrustedKeyGroups": {
                "Enabled": bool(active_groups), "Quantity": len(active_groups),
                "Items": [{"KeyGroupId": g, "KeyPairIds": {"Quantity": len(k), "Items": k}}
                          for g, k in active_groups.items()],
            },
            "DistributionConfig": {
                "CallerReference": "cfsign-test",
                "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
                "DefaultRootObject": "index.html",
                "Origins": {"Quantity": 1, "Items": [{"Id": "s3-origin", "DomainName": "bucket.s3.us-east-1.amazonaws.com"}]},
                "DefaultCacheBehavior": default,
                "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors},
                "Comment": "test",
                "Enabled": True,
                "IsIPV6Enabled": ipv6,
                "HttpVersion": "http2",
                "PriceClass": "PriceClass_All",
            },
        },
    }


@pytest.fixture
def dist() -> dict:
    return get_distribution(
        [
            _behavior("/public/*"),
            _behavior("/videos/*", groups=[GROUP_A]),
            _behavior("/reports/*.pdf", groups=[GROUP_B]),
            _behavior("/img/????.png", groups=[GROUP_A], protocol="allow-all"),
        ],
        _behavior(None, groups=[GROUP_A]),
    )


# --- loading --------------------------------------------------------------------------------

def test_loads_get_distribution_and_every_other_shape(dist, tmp_path) -> None:
    config = load_distribution(dist)
    assert isinstance(config, DistributionConfig)
    assert config.id == "EDFDVBD6EXAMPLE" and config.domain_name == HOST
    assert config.aliases == ("media.example.com",) and config.ipv6_enabled
    assert [b.path_pattern for b in config.behaviors] == ["/public/*", "/videos/*", "/reports/*.pdf", "/img/????.png", "*"]
    assert config.default_behavior.is_default and config.default_behavior.restricted
    assert config.key_ids(GROUP_A) == ("K2JCJMDEHXQW5F",)
    assert config.default_root_object == "index.html"
    path = tmp_path / "dist.json"
    path.write_text(json.dumps(dist))
    assert load_distribution(path) == config
    assert load_distribution(str(path)) == config
    assert load_distribution(json.dumps(dist)) == config
    as_config_output = {"ETag": "E2", "DistributionConfig": dist["Distribution"]["DistributionConfig"]}
    bare = load_distribution(as_config_output)
    assert bare.behaviors == config.behaviors and bare.key_groups == () and bare.domain_name is None
    boto = {"ResponseMetadata": {"HTTPStatusCode": 200}, **copy.deepcopy(dist)}
    assert load_distribution(boto) == config
    assert load_distribution(config) is config
    with_groups = load_distribution(as_config_output, key_groups={GROUP_A: ["K1"]})
    assert with_groups.key_ids(GROUP_A) == ("K1",) and with_groups.key_ids(GROUP_B) is None
    hash(config)


@pytest.mark.parametrize("bad", ["{not json", "[]", "{}", 42, "/no/such/dist.json"])
def test_unreadable_configs_raise_with_a_fix(bad) -> None:
    with pytest.raises(DistributionError, match="get-distribution"):
        load_distribution(bad)


# --- matching -------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "expected"), [
    ("/public/a.jpg", "/public/*"),
    ("public/a.jpg", "/public/*"),
    ("/public/deep/er/a.jpg", "/public/*"),
    (f"https://{HOST}/public/a.jpg?Expires=1&Signature=x", "/public/*"),
    ("/Public/a.jpg", "*"),
    ("/videos/x.mp4", "/videos/*"),
    ("/reports/2026/q1.pdf", "/reports/*.pdf"),
    ("/reports/q1.PDF", "*"),
    ("/img/abcd.png", "/img/????.png"),
    ("/img/abc.png", "*"),
    ("/img/abcde.png", "*"),
    ("/", "*"),
    ("/index.html#frag", "*"),
])
def test_match_behavior(dist, path, expected) -> None:
    assert match_behavior(dist, path).path_pattern == expected


def test_first_match_in_order_wins() -> None:
    config = get_distribution([_behavior("/a/*", groups=[GROUP_A]), _behavior("*.jpg")], _behavior(None))
    assert match_behavior(config, "/a/x.jpg").path_pattern == "/a/*"
    assert match_behavior(config, "/b/x.jpg").path_pattern == "*.jpg"


def test_pattern_overlap() -> None:
    assert patterns_overlap("/public/*", "/public/private/*")
    assert patterns_overlap("*.jpg", "/private/*")
    assert patterns_overlap("/img/????.png", "img/*")
    assert not patterns_overlap("/public/*", "/private/*")
    assert not patterns_overlap("/img/??.png", "/img/???.png")
    assert not patterns_overlap("*.jpg", "*.png")


def test_serves_host(dist) -> None:
    assert serves_host(dist, HOST) is True
    assert serves_host(dist, "media.example.com:443") is True
    assert serves_host(dist, "other.example.com") is False
    assert serves_host(dist, "d999999abcdef8.cloudfront.net") is False
    assert serves_host(dist, "127.0.0.1:8080") is True
    bare = {"DistributionConfig": dist["Distribution"]["DistributionConfig"]}
    assert serves_host(bare, "d999999abcdef8.cloudfront.net") is None
    wildcard = get_distribution([], _behavior(None), aliases=["*.example.com"])
    assert serves_host(wildcard, "a.example.com") and not serves_host(wildcard, "a.b.example.com")


# --- findings, through diagnose(..., distribution=) -----------------------------------------

def _codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_new_codes_are_in_the_catalog() -> None:
    for code in ("BEHAVIOR_NOT_RESTRICTED", "KEY_NOT_TRUSTED_BY_BEHAVIOR", "SHADOWED_BEHAVIOR",
                 "IPV6_ENABLED_WITH_IP_POLICY", "LEGACY_TRUSTED_SIGNERS", "COOKIES_SENT_TO_PUBLIC_PATHS",
                 "ALTERNATE_DOMAIN_NOT_CONFIGURED", "HTTP_ALLOWED_FOR_HTTPS_RESOURCE"):
        assert code in CATALOG
    assert CATALOG["KEY_NOT_TRUSTED_BY_BEHAVIOR"].cloudfront_error == "InvalidKey"
    assert CATALOG["BEHAVIOR_NOT_RESTRICTED"].cloudfront_error is None


def test_behavior_not_restricted_means_public(dist, rsa_key) -> None:
    url = Signer("K2JCJMDEHXQW5F", rsa_key).sign_url(f"https://{HOST}/public/a.jpg", expires=NOW + 600)
    result = diagnose(url, public_keys={"K2JCJMDEHXQW5F": rsa_key.public_key}, now=NOW, distribution=dist)
    found = {f.code: f for f in result.findings}
    assert found["BEHAVIOR_NOT_RESTRICTED"].severity == "warning"
    assert "ignores the signature" in found["BEHAVIOR_NOT_RESTRICTED"].message
    assert result.ok


def test_key_not_trusted_by_behavior_uses_active_trusted_key_groups(dist, rsa_key) -> None:
    # K36X... is in group B, which only /reports/*.pdf trusts; /videos/* trusts group A.
    url = Signer("K36X4X2EO997HM", rsa_key).sign_url(f"https://{HOST}/videos/x.mp4", expires=NOW + 600)
    result = diagnose(url, public_keys={"K36X4X2EO997HM": rsa_key.public_key}, now=NOW, distribution=dist)
    found = {f.code: f for f in result.findings}
    problem = found["KEY_NOT_TRUSTED_BY_BEHAVIOR"]
    assert problem.cloudfront_error == "InvalidKey" and not result.ok
    assert GROUP_B in problem.message and "'/videos/*'" in problem.message
    assert result.cloudfront_error == "InvalidKey"
    ok = Signer("K36X4X2EO997HM", rsa_key).sign_url(f"https://{HOST}/reports/q.pdf", expires=NOW + 600)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" not in diagnose(ok, now=NOW, distribution=dist).codes


def test_key_trust_unknown_without_membership(dist, rsa_key) -> None:
    bare = {"DistributionConfig": dist["Distribution"]["DistributionConfig"]}
    url = Signer("K36X4X2EO997HM", rsa_key).sign_url(f"https://{HOST}/videos/x.mp4", expires=NOW + 600)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" not in diagnose(url, now=NOW, distribution=bare).codes
    known = load_distribution(bare, key_groups={GROUP_A: ["K2JCJMDEHXQW5F"]})
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" in diagnose(url, now=NOW, distribution=known).codes


def test_empty_key_group_is_reported_by_lint() -> None:
    config = get_distribution([], _behavior(None, groups=[GROUP_A]), active_groups={GROUP_A: []})
    findings = lint_distribution(config)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" in _codes(findings)


def test_shadowed_behavior(rsa_key) -> None:
    config = get_distribution(
        [_behavior("/private/thumbs/*"), _behavior("/private/*", groups=[GROUP_A]), _behavior("/docs/*", groups=[GROUP_A])],
        _behavior(None),
    )
    lint = [f for f in lint_distribution(config) if f.code == "SHADOWED_BEHAVIOR"]
    assert len(lint) == 1 and lint[0].evidence["public"] == "/private/thumbs/*" and lint[0].evidence["restricted"] == "/private/*"
    url = Signer("K2JCJMDEHXQW5F", rsa_key).sign_url(f"https://{HOST}/private/thumbs/a.jpg", expires=NOW + 600)
    codes = diagnose(url, now=NOW, distribution=config).codes
    assert "BEHAVIOR_NOT_RESTRICTED" in codes and "SHADOWED_BEHAVIOR" in codes
    in_order = get_distribution([_behavior("/private/*", groups=[GROUP_A]), _behavior("*.jpg")], _behavior(None))
    assert "SHADOWED_BEHAVIOR" not in _codes(lint_distribution(in_order))


def test_ipv6_enabled_with_ip_policy(dist, rsa_key) -> None:
    signer = Signer("K2JCJMDEHXQW5F", rsa_key)
    url = signer.sign_url(f"https://{HOST}/videos/x.mp4", expires=NOW + 600, ip_address="192.0.2.0/24")
    result = diagnose(url, now=NOW, client_ip="192.0.2.7", distribution=dist)
    assert "IPV6_ENABLED_WITH_IP_POLICY" in result.codes
    no_ipv6 = get_distribution(dist["Distribution"]["DistributionConfig"]["CacheBehaviors"]["Items"],
                               _behavior(None, groups=[GROUP_A]), ipv6=False)
    assert "IPV6_ENABLED_WITH_IP_POLICY" not in diagnose(url, now=NOW, client_ip="192.0.2.7", distribution=no_ipv6).codes


def test_legacy_trusted_signers(rsa_key) -> None:
    config = get_distribution(
        [_behavior("/legacy/*", signers=["self"])], _behavior(None, groups=[GROUP_A]),
        active_signers={"self": ["APKAEIBAERJR2EXAMPLE"]},
    )
    assert "LEGACY_TRUSTED_SIGNERS" in _codes(lint_distribution(config))
    url = Signer("APKAEIBAERJR2EXAMPLE", rsa_key).sign_url(f"https://{HOST}/legacy/a.txt", expires=NOW + 600)
    result = diagnose(url, public_keys={"APKAEIBAERJR2EXAMPLE": rsa_key.public_key}, now=NOW, distribution=config)
    assert "LEGACY_TRUSTED_SIGNERS" in result.codes and result.ok
    group_key = Signer("K2JCJMDEHXQW5F", rsa_key).sign_url(f"https://{HOST}/legacy/a.txt", expires=NOW + 600)
    assert "KEY_NOT_TRUSTED_BY_BEHAVIOR" in diagnose(group_key, now=NOW, distribution=config).codes


def test_cookies_sent_to_public_paths(dist, rsa_key) -> None:
    assert "COOKIES_SENT_TO_PUBLIC_PATHS" in _codes(lint_distribution(dist))
    cookies = Signer("K2JCJMDEHXQW5F", rsa_key).sign_cookies(f"https://{HOST}/videos/*", expires=NOW + 600)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    result = diagnose(header, request_url=f"https://{HOST}/videos/a.mp4", now=NOW, distribution=dist)
    found = {f.code: f for f in result.findings}
    assert "/public/*" in found["COOKIES_SENT_TO_PUBLIC_PATHS"].message
    narrow = "\n".join(f"Set-Cookie: {k}={v}; Path=/videos; Secure; HttpOnly" for k, v in cookies.items())
    scoped = diagnose(narrow, request_url=f"https://{HOST}/videos/a.mp4", now=NOW, distribution=dist)
    assert "COOKIES_SENT_TO_PUBLIC_PATHS" not in scoped.codes
    all_private = get_distribution([], _behavior(None, groups=[GROUP_A]))
    assert "COOKIES_SENT_TO_PUBLIC_PATHS" not in _codes(lint_distribution(all_private))


def test_alternate_domain_not_configured(dist, rsa_key) -> None:
    signer = Signer("K2JCJMDEHXQW5F", rsa_key)
    wrong = signer.sign_url("https://cdn.example.org/videos/x.mp4", expires=NOW + 600)
    result = diagnose(wrong, now=NOW, distribution=dist)
    found = {f.code: f for f in result.findings}
    assert found["ALTERNATE_DOMAIN_NOT_CONFIGURED"].severity == "error" and not result.ok
    for good in ("https://media.example.com/videos/x.mp4", f"https://{HOST}/videos/x.mp4"):
        assert "ALTERNATE_DOMAIN_NOT_CONFIGURED" not in diagnose(signer.sign_url(good, expires=NOW + 600), now=NOW,
                                                               distribution=dist).codes


def test_http_allowed_for_https_resource(dist, rsa_key) -> None:
    signer = Signer("K2JCJMDEHXQW5F", rsa_key)
    loose = signer.sign_url(f"https://{HOST}/img/abcd.png", expires=NOW + 600)
    assert "HTTP_ALLOWED_FOR_HTTPS_RESOURCE" in diagnose(loose, now=NOW, distribution=dist).codes
    redirecting = signer.sign_url(f"https://{HOST}/videos/a.mp4", expires=NOW + 600)
    assert "HTTP_ALLOWED_FOR_HTTPS_RESOURCE" not in diagnose(redirecting, now=NOW, distribution=dist).codes
    either = signer.sign_url(f"https://{HOST}/img/abcd.png", resource=f"*://{HOST}/img/*", expires=NOW + 600)
    assert "HTTP_ALLOWED_FOR_HTTPS_RESOURCE" not in diagnose(either, now=NOW, distribution=dist).codes


def test_no_restriction_at_all_is_linted() -> None:
    public = get_distribution([_behavior("/a/*")], _behavior(None))
    assert _codes(lint_distribution(public)) == ["BEHAVIOR_NOT_RESTRICTED"]


def test_check_request_never_raises(rsa_key) -> None:
    from cfsign_nb.decode import decode
    from cfsign_nb.diagnosis import Context

    assert _codes(check_request("{broken", decode("https://x/y"), Context(NOW))) == ["CONTEXT_INVALID"]
    assert _codes(check_request({"DefaultCacheBehavior": {}}, decode("nothing"), Context(NOW))) == ["CONTEXT_INVALID"]


def test_unrestricted_behavior_serves_even_a_broken_signature(dist, rsa_key) -> None:
    url = Signer("K2JCJMDEHXQW5F", rsa_key).sign_url(f"https://{HOST}/public/a.jpg", expires=NOW - 600)
    result = diagnose(url + "&tampered=1", public_keys={"K2JCJMDEHXQW5F": rsa_key.public_key}, now=NOW,
                      distribution=dist)
    assert result.ok and result.cloudfront_error is None
    ignored = [f for f in result.findings if f.message.startswith("(ignored")]
    assert {f.code for f in ignored} >= {"EXPIRED"} and all(f.severity == "info" for f in ignored)


def test_verdict_of_an_error_without_a_cloudfront_code(dist, rsa_key) -> None:
    wrong = Signer("K2JCJMDEHXQW5F", rsa_key).sign_url("https://cdn.example.org/videos/x.mp4", expires=NOW + 600)
    result = diagnose(wrong, now=NOW, distribution=dist)
    assert result.verdict == "refused (ALTERNATE_DOMAIN_NOT_CONFIGURED)"


# --- hostile configs and URLs ---------------------------------------------------------------

def test_a_non_utf8_config_file_names_the_file_and_the_fix(tmp_path) -> None:
    path = tmp_path / "dist.json"
    path.write_bytes(b'{"Distribution": "\xff\xfe"}')
    with pytest.raises(DistributionError, match="not UTF-8") as raised:
        load_distribution(path)
    assert "dist.json" in str(raised.value) and "get-distribution" in str(raised.value)


@pytest.mark.parametrize("content", ["{not json", "[" * 5000, '{"a": ' + "9" * 5000 + "}", "[]"])
def test_an_invalid_config_file_names_the_file(tmp_path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(DistributionError, match=r"broken\.json"):
        load_distribution(str(path))


def test_a_path_pattern_longer_than_cloudfront_allows_is_refused() -> None:
    config = {"DefaultCacheBehavior": {}, "CacheBehaviors": {"Items": [{"PathPattern": "/a" * 200}]}}
    with pytest.raises(DistributionError, match="at most 255"):
        load_distribution(config)


@pytest.mark.parametrize(("url", "expected"), [
    ("http://[", "*"), ("https://[x]/videos/a.mp4", "/videos/*"), ("https://h:99999/videos/a.mp4", "/videos/*"),
    ("http://[::1]/public/a", "/public/*"), ("https://[x/public/a?b", "/public/*"),
])
def test_urls_urlsplit_refuses_still_match_their_behavior(dist, url: str, expected: str) -> None:
    assert match_behavior(dist, url).path_pattern == expected
    check_request(dist, None, type("Context", (), {"request_url": url})())  # never raises


def test_path_pattern_matching_is_linear() -> None:
    import time

    config = {"DefaultCacheBehavior": {}, "CacheBehaviors": {"Items": [
        {"PathPattern": "*a" * 60 + "b"}, {"PathPattern": "*a?" * 60 + "b"}, {"PathPattern": "*" * 255}]}}
    start = time.perf_counter()
    assert match_behavior(config, "/" + "a" * 10_000).path_pattern == "*" * 255
    assert patterns_overlap("*a" * 120, "*b" * 120) is False
    assert time.perf_counter() - start < 0.5  # the regex took minutes on the first pattern
