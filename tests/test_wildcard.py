import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb.wildcard import resource_matches, wildcard_match


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        # Examples from the Developer Guide.
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/game_download.zip", True),
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/example_game_download.zip?license=yes", True),
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/test_game_download.zip?license=temp", True),
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/game_download.ZIP", False),
        ("http://example.com/hello*", "http://example.com/hello/world?x=1", True),
        ("http://example.com*", "http://example.com.evil/anything?at=all", True),
        ("*example.com", "https://www.example.com/", True),
        ("*example.com", "https://www.example.com/page", False),
        ("*", "ftp://anything", True),
        ("*://example.com/a", "http://example.com/a", True),
        ("*://example.com/a", "https://example.com/a", True),
        ("https://*", "https://example.com/a/b?c=d", True),
        # Sections: a non-trailing * stays in its section.
        ("https://example.com/a*b", "https://example.com/a/x/b", True),
        ("https://example.com/a*b", "https://example.com/a?x=b", False),
        ("https://*.example.com/a", "https://cdn.example.com/a", True),
        ("https://*.example.com/a", "https://evil.com/x.example.com/a", False),
        # ? is one character, or the start of the query.
        ("https://example.com/file?.jpg", "https://example.com/file1.jpg", True),
        ("https://example.com/a.jpg?size=large", "https://example.com/a.jpg?size=large", True),
        ("https://example.com/a.jpg\\?size=*", "https://example.com/a.jpg?size=small", True),
        # Exact resources: case-sensitive, query must match.
        ("https://example.com/a.jpg", "https://example.com/A.jpg", False),
        ("https://example.com/a.jpg", "https://example.com/a.jpg?x=1", False),
        ("https://example.com/a.jpg", "http://example.com/a.jpg", False),
    ],
)
def test_resource_matching(pattern: str, url: str, expected: bool) -> None:
    assert resource_matches(pattern, url) is expected


# --- the linear-time matcher ------------------------------------------------------------------

def _regex_resource_matches(pattern: str, url: str) -> bool:
    """The former backtracking-regex matcher, kept as an oracle for the linear one (small inputs only)."""
    import re

    def wild(text: str, star: str, one: str, trailing_star: str | None = None) -> str:
        parts = []
        for i, char in enumerate(text):
            if char == "*":
                parts.append(trailing_star if trailing_star and i == len(text) - 1 else star)
            else:
                parts.append(one if char == "?" else re.escape(char))
        return "".join(parts)

    if pattern == "*":
        return True
    if "://" in pattern:
        scheme, rest = pattern.split("://", 1)
    elif pattern.startswith("*"):
        scheme, rest = "*", pattern
    else:
        return False
    scheme_re = {"http": "http", "https": "https", "*": "https?"}.get(scheme)
    if scheme_re is None:
        return False
    domain, slash, tail = rest.partition("/")
    domain_re = wild(domain, "[^/?]*", "[^/?]")
    if not slash:
        after = "(?:[/?].*)?" if domain.endswith("*") else "/?"
        return bool(re.fullmatch(f"{scheme_re}://{domain_re}{after}", url, re.DOTALL))
    if "\\?" in tail:
        path, query = tail.split("\\?", 1)
        splits = [(path, query.replace("\\?", "?"))]
    else:
        marks = [i for i, c in enumerate(tail) if c == "?"][:8]
        splits = [(tail[:i], tail[i + 1 :]) for i in marks]
    alternatives = [wild(tail, "[^?]*", "[^?]", trailing_star=".*")]
    alternatives += [wild(p, "[^?]*", "[^?]") + r"\?" + wild(q, ".*", ".") for p, q in splits]
    return bool(re.fullmatch(f"{scheme_re}://{domain_re}/(?:{'|'.join(alternatives)})", url, re.DOTALL))


_PIECE = st.text(alphabet="ab*?/\\.:", max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "*://", "*", "ftp://", ""]),
    pattern=_PIECE,
    url_scheme=st.sampled_from(["https://", "http://", "ftp://"]),
    url=st.text(alphabet="ab/?.:\\", max_size=12),
)
def test_linear_matcher_agrees_with_the_regex_semantics(scheme: str, pattern: str, url_scheme: str, url: str) -> None:
    full_pattern, full_url = scheme + pattern, url_scheme + url
    assert resource_matches(full_pattern, full_url) is _regex_resource_matches(full_pattern, full_url)


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*?", max_size=10), subject=st.text(alphabet="ab?*", max_size=14))
def test_wildcard_match_agrees_with_fnmatch_semantics(pattern: str, subject: str) -> None:
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    assert wildcard_match(pattern, subject) is bool(re.fullmatch(regex, subject, re.DOTALL))


@pytest.mark.parametrize(
    ("pattern", "subject"),
    [
        ("*" * 50, "a" * 10_000),
        ("*a" * 50 + "b", "a" * 10_000),
        ("*a?" * 50 + "b", "a" * 10_000),
        ("*" + "a" * 200 + "b*", "a" * 10_000),
        ("*" + "a?" * 100 + "b*", "a" * 10_000),
    ],
)
def test_wildcard_match_is_fast_on_adversarial_patterns(pattern: str, subject: str) -> None:
    import time

    start = time.perf_counter()
    wildcard_match(pattern, subject)
    resource_matches("https://h/" + pattern, "https://h/" + subject)
    resource_matches("https://h/" + pattern, "https://h/" + subject + "?" + subject)
    assert time.perf_counter() - start < 0.5  # the backtracking regex took minutes on these


def test_many_wildcards_in_a_resource_against_a_long_path_is_fast() -> None:
    import time

    start = time.perf_counter()
    assert not resource_matches("https://h/" + "*a" * 4 + "b", "https://h/" + "a" * 400)
    assert not resource_matches("https://h/" + "*a" * 40 + "b" + "?" * 8, "https://h/" + "a" * 8000)
    assert resource_matches("https://h/" + "*a" * 40 + "*", "https://h/" + "a" * 8000 + "?x")
    assert time.perf_counter() - start < 0.5
