"""extract(): every form engineers paste, written out by hand as browsers, mail clients and chats produce it."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfsign_nb import Policy, PrivateKey, Signer, decode, verify
from cfsign_nb.paste import Artifact, extract

from .conftest import KEY_ID, NOW, URL

HOST = "d111111abcdef8.cloudfront.net"


@pytest.fixture
def url(signer: Signer) -> str:
    return signer.sign_url(URL + "?size=large", expires=NOW)


@pytest.fixture
def cookies(signer: Signer) -> dict[str, str]:
    return signer.sign_cookies(URL[:-11] + "*", expires=NOW)


def _only(text: str) -> Artifact:
    found = extract(text).artifacts
    assert len(found) == 1, found
    return found[0]


def _header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# --- curl -----------------------------------------------------------------------------------

def test_chrome_bash_curl_with_cookie_header(cookies: dict[str, str], rsa_key: PrivateKey) -> None:
    paste = (
        f"curl '{URL}' \\\n"
        "  -H 'accept: image/avif,image/webp,*/*' \\\n"
        f"  -H 'cookie: theme=dark; {_header(cookies)}' \\\n"
        "  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \\\n"
        "  --compressed"
    )
    artifact = _only(paste)
    assert artifact.form == "curl" and artifact.url == URL and artifact.request_url == URL
    assert artifact.cookies == f"Cookie: theme=dark; {_header(cookies)}"
    assert "curl -H 'cookie:' taken as the Cookie header" in artifact.notes
    assert "curl options ignored: -H accept, -H user-agent, --compressed" in artifact.notes
    decoded = decode(paste)
    assert decoded.source == "cookies" and decoded.key_pair_id == KEY_ID  # not "K2J...' \\ -H 'user-agent"
    assert decoded.url == URL and decoded.paste_notes == artifact.notes
    assert verify(paste, rsa_key.public_key)


def test_chrome_bash_curl_with_b_and_ansi_c_quoting(cookies: dict[str, str]) -> None:
    paste = (f"curl $'https://{HOST}/it\\'s/a.jpg' \\\n  -b '{_header(cookies)}' \\\n"
             "  -H 'sec-fetch-mode: no-cors'")
    artifact = _only(paste)
    assert artifact.url == f"https://{HOST}/it's/a.jpg"
    assert "curl -b taken as the Cookie header" in artifact.notes
    assert decode(paste).policy == Policy(URL[:-11] + "*", NOW)


def test_firefox_curl_on_one_line_with_url_option(url: str) -> None:
    paste = f"$ curl -s -X GET --url '{url}' -H 'User-Agent: Mozilla/5.0' -H 'Accept: */*' -o /dev/null"
    artifact = _only(paste)
    assert artifact.url == url and artifact.cookies is None
    decoded = decode(paste)
    assert decoded.source == "url" and decoded.problems == () and decoded.url == url


def test_chrome_cmd_curl_carets_undone(url: str, cookies: dict[str, str]) -> None:
    cmd_url = url.replace("&", "^&")
    paste = (
        f'curl ^"{cmd_url}^" ^\n'
        '  -H ^"accept: */*^" ^\n'
        f'  -H ^"cookie: a=^%^2F1^; {_header(cookies).replace("&", "^&")}^" ^\n'
        "  --compressed"
    )
    artifact = _only(paste)
    assert artifact.url == url
    assert artifact.cookies == f"Cookie: a=%2F1; {_header(cookies)}"
    assert artifact.notes[0] == "taken from a curl command (Windows cmd: its ^ escapes undone)"
    assert decode(paste).problems == ()  # the signed URL comes first


def test_curl_without_a_scheme_is_judged_as_https(url: str) -> None:
    artifact = _only("curl " + url.removeprefix("https://"))
    assert artifact.url == url and artifact.scheme_assumed
    assert any("judged as https" in note and "curl itself would use http" in note for note in artifact.notes)
    assert decode("curl " + url.removeprefix("https://")).scheme_assumed


def test_curl_host_header_sends_the_request_to_that_host(url: str) -> None:
    paste = f"curl '{url}' \\\n  -H 'Host: media.example.com' \\\n  -H 'accept: */*'"
    artifact = _only(paste)
    assert artifact.url == url.replace(HOST, "media.example.com") and artifact.request_url == artifact.url
    assert "curl -H 'Host: media.example.com': the request goes to that host (CloudFront reads Host)" in artifact.notes
    assert "curl options ignored: -H accept" in artifact.notes
    scheme_less = _only(f"curl {url.removeprefix('https://')} -H 'host: media.example.com:8443'")
    assert scheme_less.url == url.replace(HOST, "media.example.com:8443") and scheme_less.scheme_assumed


def test_curl_get_sends_the_data_as_the_query(url: str) -> None:
    base, _, query = url.partition("?")
    size, rest = query.split("&", 1)
    paste = f"curl -G '{base}?{size}' -d '{rest}' --data-urlencode 'note=a b&c'"
    artifact = _only(paste)
    assert artifact.url == f"{url}&note=a%20b%26c"
    assert any(note.startswith("curl -G: the -d data sent as the query (") for note in artifact.notes)
    assert not any(note.startswith("curl options ignored") for note in artifact.notes)
    assert decode(paste).key_pair_id == KEY_ID
    posted = _only(f"curl '{base}?{size}' -d '{rest}'")  # without -G, -d is a POST body: the URL stays
    assert posted.url == f"{base}?{size}" and "curl options ignored: -d" in posted.notes


# --- raw requests, HTTP/2 and response headers ---------------------------------------------

def test_raw_http11_request(cookies: dict[str, str], rsa_key: PrivateKey) -> None:
    names = list(cookies)
    paste = (
        "GET /images/horizon.jpg HTTP/1.1\r\n"
        f"Host: {HOST}\r\n"
        "Accept: */*\r\n"
        f"Cookie: {names[0]}={cookies[names[0]]}\r\n"
        f"Cookie: {names[1]}={cookies[names[1]]}; {names[2]}={cookies[names[2]]}\r\n"
        "\r\n"
    )
    artifact = _only(paste)
    assert artifact.form == "http-request" and artifact.request_url == URL and artifact.scheme_assumed
    assert "no scheme in the paste: judged as https (CloudFront's usual)" in artifact.notes
    assert "2 Cookie headers joined with '; '" in artifact.notes
    decoded = decode(paste)
    assert decoded.source == "cookies" and decoded.url == URL and decoded.scheme_assumed
    assert verify(paste, rsa_key.public_key)


def test_http2_header_block(cookies: dict[str, str]) -> None:
    lines = [f":authority: {HOST}", ":method: GET", ":path: /images/horizon.jpg", "accept: */*"]
    lines += [f"cookie: {name}={value}" for name, value in cookies.items()]
    artifact = _only("\n".join(lines))
    assert artifact.form == "http2-headers" and artifact.request_url == URL and artifact.scheme_assumed
    with_scheme = _only("\n".join([*lines[:3], ":scheme: http", *lines[3:]]))
    assert with_scheme.request_url == "http://" + URL.removeprefix("https://") and not with_scheme.scheme_assumed


def test_response_headers_with_set_cookie_in_any_case(cookies: dict[str, str]) -> None:
    names = list(cookies)
    paste = (
        "HTTP/1.1 302 Found\n"
        "Content-Type: text/html\n"
        f"SET-COOKIE: {names[0]}={cookies[names[0]]}; Path=/images; Secure\n"
        "x-cache: Miss from cloudfront\n"
        f"set-cookie: {names[1]}={cookies[names[1]]}; Path=/images; Secure\n"
        f"Set-Cookie: {names[2]}={cookies[names[2]]}; Path=/images; Secure; HttpOnly\n"
        "\n<html>moved</html>"
    )
    artifact = _only(paste)
    assert artifact.form == "set-cookie" and artifact.cookies is not None
    assert artifact.cookies.count("Set-Cookie: ") == 3 and "x-cache" not in artifact.cookies
    assert artifact.notes[0] == "3 Set-Cookie lines taken from the response headers"
    decoded = decode(paste, request_url=URL)
    assert decoded.policy == Policy(URL[:-11] + "*", NOW)
    assert decoded.cookie_attributes[names[2]]["path"] == "/images"


# --- URLs in text ---------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "note"), [
    ("It fails for {url}. Any idea?", "trailing '.' dropped"),
    ("see [the clip]({url}) please", "taken from a Markdown link"),
    ("<{url}|horizon.jpg>", "taken from Slack's <url|label>"),
    ("link: <{url}>", "taken from angle brackets"),
    ("he sent 'URL_HERE'".replace("URL_HERE", "{url}"), "taken from quotes"),
    ('2026-01-01T00:00:00Z level=warn url={url} status=403', "taken from a key=value log line (url=)"),
    ('ts=1 msg="denied" url="{url}" pop=FRA56', "taken from a key=value log line (url=)"),
])
def test_url_in_text(url: str, template: str, note: str) -> None:
    artifact = _only(template.format(url=url))
    assert artifact.url == url and note in artifact.notes
    decoded = decode(template.format(url=url))
    assert decoded.problems == () and note in decoded.paste_notes


def test_html_attribute_is_unescaped_and_said_so(url: str) -> None:
    paste = f'<video controls src="{url.replace("&", "&amp;")}"></video>'
    artifact = _only(paste)
    assert artifact.url == url
    assert "HTML &amp; unescaped (the browser does this in HTML, as it reads the page)" in artifact.notes
    twice = _only(f'<a href="{url.replace("&", "&amp;amp;")}">x</a>')
    assert twice.url == url.replace("&", "&amp;")  # unescaped once, as a browser does: CloudFront sees amp;


def test_bare_html_escaped_url_is_left_for_the_diagnosis(url: str) -> None:
    escaped = url.replace("&", "&amp;")
    artifact = _only(f"the app logged {escaped} then 403")
    assert artifact.url == escaped and not any("unescaped" in note for note in artifact.notes)
    assert decode(escaped).paste_notes == ()  # a clean artifact: the transport fault is the diagnosis's


def test_url_in_a_json_string(url: str) -> None:
    json_text = '{"status": 403, "url": "' + url.replace("/", "\\/").replace("&", "\\u0026") + '"}'
    artifact = _only(json_text)
    assert artifact.url == url
    assert "JSON \\/ and \\u0026 unescaped" in artifact.notes and "taken from a JSON string" in artifact.notes


def test_scheme_less_url_in_prose(url: str) -> None:
    artifact = _only(f"try {url.removeprefix('https://')} in the browser")
    assert artifact.url == url and artifact.scheme_assumed


# --- wrapped over lines ---------------------------------------------------------------------

def test_url_wrapped_before_signature(url: str) -> None:
    cut = url.index("&Signature=")
    for paste in (f"Hi,\n{url[:cut]}\n{url[cut:]}\nThanks", f"Hi,\n{url[:cut + 1]}\n   {url[cut + 1:]}\n"):
        artifact = _only(paste)
        assert artifact.url == url
        assert "line breaks inside the URL removed (the next lines continue it)" in artifact.notes
        assert decode(paste).problems == ()


def test_url_wrapped_inside_the_signature_at_a_mail_column(url: str) -> None:
    lines = [url[i:i + 76] for i in range(0, len(url), 76)]
    paste = "> The link:\n" + "\n".join("  " + line for line in lines) + "\n\nRegards,\nAda"
    artifact = _only(paste)
    assert artifact.url == url
    assert decode(paste).problems == ()


def test_following_prose_is_not_joined(url: str) -> None:
    assert _only(f"{url}\nThanks, it works\n").url == url
    assert _only(f"{url}\nDEADBEEF\n").url == url  # a Key-Pair-Id already whole takes nothing more
    two = extract(f"{url}\n{url.replace('horizon', 'sunset')}").artifacts
    assert [a.url for a in two] == [url, url.replace("horizon", "sunset")]


# --- cookies as objects and pairs -----------------------------------------------------------

def test_cookie_objects_as_sdks_print_them(cookies: dict[str, str], rsa_key: PrivateKey) -> None:
    node = "{\n  'CloudFront-Policy': '%s',\n  'CloudFront-Signature': '%s',\n  'CloudFront-Key-Pair-Id': '%s'\n}"
    json_text = '{"CloudFront-Policy":"%s","CloudFront-Signature":"%s","CloudFront-Key-Pair-Id":"%s"}'
    values = (cookies["CloudFront-Policy"], cookies["CloudFront-Signature"], cookies["CloudFront-Key-Pair-Id"])
    for paste in (node % values, json_text % values, "cookies = " + (node % values).replace("'", '"')):
        artifact = _only(paste)
        assert artifact.form == "cookie-object" and artifact.cookies_signed
        assert verify(paste, rsa_key.public_key, request_url=URL)


def test_cookie_pairs_in_a_log_line(cookies: dict[str, str]) -> None:
    artifact = _only(f"[info] document.cookie = {_header(cookies)} (from the player)")
    assert decode(artifact.cookies).policy == Policy(URL[:-11] + "*", NOW)


# --- several, and hostile text --------------------------------------------------------------

def test_several_artifacts_in_order(url: str, cookies: dict[str, str]) -> None:
    page = f"https://{HOST}/player.html"
    paste = f"Page {page} loads\n{url}\nand later\nCookie: {_header(cookies)}\n"
    found = extract(paste).artifacts
    assert [a.form for a in found] == ["url", "url", "cookie-header"]
    assert extract(paste).first_signed == found[1]
    decoded = decode(paste)
    assert decoded.url == url and len(decoded.others) == 2 and decoded.others[0].startswith("url: " + page)


def test_a_clean_url_is_one_artifact_with_no_notes(url: str) -> None:
    assert _only(url) == Artifact("url", url)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.text(max_size=80),
    st.sampled_from(["curl '", "curl ^\"", "^", "\\\n", "$'", "GET / HTTP/1.1\n", "Host: x\n", ":path: /\n",
                     ":authority: a\n", "set-cookie: ", "Cookie: ", "CloudFront-Policy=", "'CloudFront-Signature': '",
                     "https://", "https:\\/\\/", "?Signature=", "&Key-Pair-Id=", "&amp;", "\\u0026", "](", "<", "|",
                     ">", '="', "\n  ", ".", ")", "d.net/a?Expires=1&"]),
), max_size=30).map("".join))
def test_never_raises(text: str) -> None:
    found = extract(text)
    for artifact in found.artifacts:
        artifact.summary()
    decode(text)


def test_bounded_on_a_megabyte_of_hostile_text() -> None:
    pastes = ["x" * 1_000_000, "\n" * 1_000_000, "curl 'a" + "b" * 1_000_000, "https://a.b/?Signature=x&" * 40_000,
              "a.b/c?Signature=x&" * 60_000, '"CloudFront-Policy": "' * 50_000, "set-cookie: a=b\n" * 60_000,
              "https://a.b/?Signature=x&\n" * 40_000, "&amp;" * 200_000, "GET / HTTP/1.1\n" * 60_000]
    for paste in pastes:
        started = time.perf_counter()
        decode(paste)
        assert time.perf_counter() - started < 1.5, paste[:30]  # ~50 ms each measured; generous margin


def test_diagnose_of_a_pasted_curl_shows_what_was_taken(url: str, rsa_key: PrivateKey) -> None:
    from cfsign_nb import diagnose

    result = diagnose(f"curl '{url}' \\\n  -H 'accept: */*' \\\n  --compressed", public_keys={KEY_ID: rsa_key.public_key},
                      now=NOW - 60)
    pasted = [f for f in result.findings if f.code == "PASTE_EXTRACTED"]
    assert pasted and "taken from a curl command (bash)" in pasted[0].message
    assert result.ok and result.verified


# --- the fast paths give what the plain ones give -------------------------------------------

@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "-H", " ", "  ", "\t", "\n", "\r\n", "'", '"', "''", "$", "^", "\\", "\x00",
                                 "=", ":", "b c", "'x y'", '"p q"', "'it''s'"]), max_size=25).map("".join))
def test_split_words_is_shlex_split(command: str) -> None:
    import shlex

    from cfsign_nb.paste_curl import split_words

    try:
        expected: list[str] | None = shlex.split(command, posix=True)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            split_words(command)
    else:
        assert split_words(command) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["curl ", "CURL.exe\t", "Set-Cookie :", "cookie:", "COOKIE\t:", "CloudFront-Policy=",
                                 "x-cloudfront-Signature=", "HTTPS://", "http:\\/\\/", "?Signature=", "&amp;POLICY=",
                                 "&X-Amz-Signature=", "\n", " ", "a", "-", "curlx "]), max_size=20).map("".join))
def test_lower_cased_searches_match_the_case_insensitive_patterns(text: str) -> None:
    from cfsign_nb import paste, paste_curl, paste_forms

    for plain, lowered in [(paste_curl._CURL, paste_curl._CURL_LOWER), (paste._URL_START, paste._URL_START_LOWER),
                           (paste._SIGNING_MARK, paste._SIGNING_MARK_LOWER),
                           (paste_forms._SET_COOKIE, paste_forms._SET_COOKIE_LOWER),
                           (paste_forms._COOKIE_LINE, paste_forms._COOKIE_LINE_LOWER),
                           (paste_forms._PAIR, paste_forms._PAIR_LOWER)]:
        assert [m.span() for m in plain.finditer(text)] == [m.span() for m in lowered.finditer(text.lower())]


def test_a_form_found_inside_a_request_is_not_read_again_but_one_after_it_is(cookies: dict[str, str]) -> None:
    request = f"GET /images/horizon.jpg HTTP/1.1\r\nHost: {HOST}\r\nCookie: {_header(cookies)}\r\n\r\n"
    assert [a.form for a in extract(request).artifacts] == ["http-request"]
    after = request + f"Cookie: {_header(cookies)}\n" + '{"CloudFront-Key-Pair-Id": "' + KEY_ID + '"}'
    assert [a.form for a in extract(after).artifacts] == ["http-request", "cookie-header", "cookie-object"]


def test_a_curl_command_in_non_ascii_prose(url: str, cookies: dict[str, str]) -> None:
    paste = f"Voilà la requête — échoue:\ncurl '{url}' -H 'cookie: {_header(cookies)}'\nmerci, Zoë"
    artifact = _only(paste)
    assert artifact.form == "curl" and artifact.url == url and artifact.cookies == f"Cookie: {_header(cookies)}"
    assert decode(paste).url == url  # the URL is signed too: it is what was decoded
