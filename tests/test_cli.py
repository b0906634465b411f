import json
import os
import re
import stat
import subprocess
import sys
import time

import pytest

from cfsign_nb import Policy, PrivateKey, b64decode, load_private_key
from cfsign_nb.cli import main

from .conftest import KEY_ID, NOW, URL


@pytest.fixture
def key_file(tmp_path, ecdsa_key: PrivateKey):
    path = tmp_path / "key.pem"
    path.write_bytes(ecdsa_key.private_pem())
    return path


def test_sign_a_url(capsys, key_file) -> None:
    status = main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", str(NOW),
                   "--hash", "SHA256"])
    out = capsys.readouterr().out.strip()
    assert status == 0
    assert out.startswith(URL + f"?Expires={NOW}&Signature=ME")
    assert out.endswith("&Hash-Algorithm=SHA256")


def test_sign_cookies_as_json(capsys, key_file, ecdsa_key: PrivateKey) -> None:
    status = main(["sign", URL[:-11] + "*", "--key-pair-id", KEY_ID, "--private-key", str(key_file),
                   "--expires", "2026-01-01T00:00:00Z", "--cookies", "--json", "--domain", "d111111abcdef8.cloudfront.net"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    policy = b64decode(result["cookies"]["CloudFront-Policy"])
    assert Policy.from_json(policy) == Policy(URL[:-11] + "*", NOW)
    assert ecdsa_key.public_key.verify(b64decode(result["cookies"]["CloudFront-Signature"]), policy)
    assert all(line.endswith("Domain=d111111abcdef8.cloudfront.net; Path=/; Secure; HttpOnly") for line in result["set_cookie"])


def test_encrypted_key_through_the_environment(capsys, tmp_path, ecdsa_key: PrivateKey, monkeypatch) -> None:
    path = tmp_path / "enc.pem"
    path.write_bytes(ecdsa_key.private_pem("s3cret"))
    args = ["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(path), "--expires", "+1h"]
    assert main(args) == 2
    assert "CFSIGN_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("CFSIGN_PASSPHRASE", "s3cret")
    assert main(args) == 0


@pytest.mark.parametrize(
    ("extra", "hint"),
    [(["--expires", "20260101"], "2026-01-01"), (["--expires", "+1h", "--ip", "::1"], "only IPv4"),
     (["--expires", "+1h", "--starts", "+2h"], "before the expiry")],
)
def test_errors_are_one_line_with_the_fix(capsys, key_file, extra: list[str], hint: str) -> None:
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), *extra]) == 2
    err = capsys.readouterr().err
    assert hint in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_keygen_writes_a_private_file_and_prints_only_the_public_key(capsys, tmp_path) -> None:
    out, public = tmp_path / "new.pem", tmp_path / "new.pub.pem"
    assert main(["keygen", "--type", "rsa", "--out", str(out), "--public-out", str(public)]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("-----BEGIN PUBLIC KEY-----") and printed.out == public.read_text()
    assert "PRIVATE KEY-----" not in printed.out + printed.err and "fingerprint" in printed.err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert load_private_key(out).description == "RSA-2048"
    assert main(["keygen", "--out", str(out)]) == 2  # never overwrites


def test_signing_an_expiry_in_the_past_warns(capsys, key_file) -> None:
    assert main(["sign", URL, "--key-pair-id", KEY_ID, "--private-key", str(key_file), "--expires", "2020-01-01"]) == 0
    assert "has already passed" in capsys.readouterr().err


def test_console_script_and_module_entry_point(key_file) -> None:
    result = subprocess.run([sys.executable, "-m", "cfsign_nb", "sign", URL, "--key-pair-id", KEY_ID,
                             "--private-key", str(key_file), "--expires", "+10m"], capture_output=True, text=True, check=True)
    assert "&Signature=" in result.stdout


@pytest.fixture
def public_file(tmp_path, ecdsa_key: PrivateKey):
    path = tmp_path / "public.pem"
    path.write_text(ecdsa_key.public_key_pem())
    return path


def test_diagnose_exit_status_and_json(capsys, ecdsa_key: PrivateKey, public_file) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW)
    assert main(["diagnose", url, "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW - 10)]) == 0
    assert capsys.readouterr().out.startswith("OK: would be served")
    assert main(["diagnose", url + "&x=1", "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW - 10),
                 "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["findings"][0]["code"] == "URL_CHANGED_AFTER_SIGNING"
    assert main(["diagnose", url, "--public-key", "no-equals-sign"]) == 2
    assert "ID=FILE" in capsys.readouterr().err


def test_diagnose_cookies_from_stdin(capsys, monkeypatch, ecdsa_key: PrivateKey, public_file) -> None:
    import io

    from cfsign_nb import Signer

    cookies = Signer(KEY_ID, ecdsa_key).sign_cookies(URL, expires=NOW)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    monkeypatch.setattr("sys.stdin", io.StringIO(header))
    assert main(["diagnose", URL, "--cookie", "-", "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW)]) == 1
    assert "EXPIRED" in capsys.readouterr().out


def test_decode_and_verify(capsys, ecdsa_key: PrivateKey, public_file) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key, hash_algorithm="SHA256").sign_url(URL, expires=NOW)
    assert main(["decode", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hash_algorithm"] == "SHA256"
    assert main(["verify", url, "--public-key", str(public_file)]) == 0
    assert main(["verify", url, "--public-key", f"{KEY_ID}={public_file}"]) == 0
    assert main(["verify", url, "--public-key", str(public_file), "--hash", "sha1"]) == 1
    assert main(["verify", "garbage", "--public-key", str(public_file)]) == 2
    assert "nothing to verify" in capsys.readouterr().err
    assert main(["decode", "not a url"]) == 1
    assert "NO_SIGNING_DATA" in capsys.readouterr().out


def test_decode_shows_times_as_utc_dates_with_the_epoch(capsys, ecdsa_key: PrivateKey) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW + 3600, starts=NOW)
    assert main(["decode", url]) == 0
    lines = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines() if " " in line)
    assert lines["expires"] == f"2026-01-01T01:00:00Z ({NOW + 3600})"
    assert lines["starts"] == f"2026-01-01T00:00:00Z ({NOW})"
    assert main(["decode", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["expires"] == NOW + 3600  # scripts keep the epoch


def test_json_findings_name_the_flags(capsys, ecdsa_key: PrivateKey) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW + 60)
    assert main(["diagnose", url, "--at", str(NOW), "--json"]) == 0
    [unchecked] = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "SIGNATURE_NOT_CHECKED"]
    assert unchecked["fix"] == "give the public key (--public-key ID=FILE)"


# --- every failure is one line on stderr and exit 2 (issue 11) ---------------------------------

HUGE = "9" * 5000
MINIMAL_DISTRIBUTION = {"DistributionConfig": {"DefaultCacheBehavior": {
    "TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all", "TrustedSigners": {"Enabled": False, "Quantity": 0},
    "TrustedKeyGroups": {"Enabled": False, "Quantity": 0}}, "Enabled": True}}


def _cfsign(*args: str | bytes, stdin: object = subprocess.DEVNULL, code: str | None = None,
            timeout: float = 30, **options: object) -> subprocess.CompletedProcess:
    """Run the real command line (``python -m cfsign_nb``, or ``code`` run with ``-c``) in a subprocess."""
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "cfsign_nb"]
    return subprocess.run([*command, *args], stdin=stdin, capture_output=True, timeout=timeout, **options)


def _assert_one_line_error(result: subprocess.CompletedProcess, command: str, hint: str) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert result.returncode == 2, (result.returncode, err)
    assert len(err.splitlines()) == 1 and err.startswith(f"cfsign {command}: error: "), err
    assert hint in err, err
    assert result.stdout == b""
    return err


@pytest.fixture
def files(tmp_path, ecdsa_key: PrivateKey):
    """A private key, its public key, a distribution config and a site folder."""
    (tmp_path / "key.pem").write_bytes(ecdsa_key.private_pem())
    (tmp_path / "public.pem").write_text(ecdsa_key.public_key_pem())
    (tmp_path / "dist.json").write_text(json.dumps(MINIMAL_DISTRIBUTION))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.txt").write_text("hello")
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path


_SIGN = ["sign", URL, "--key-pair-id", KEY_ID, "--private-key", "{key.pem}"]
_EDGE = ["edge", "--config", "{dist.json}", "--root", "{site}", "--port", "0"]
BAD_INVOCATIONS = [
    ([*_SIGN, "--expires", HUGE], "5000 digits"),
    ([*_SIGN, "--expires", "1²"], "non-ASCII"),
    ([*_SIGN, "--expires", "١٧٦٧٢٢٥٦٠٠"], "ASCII digits only"),
    ([*_SIGN, "--expires", "+1h", "--starts", HUGE], "5000 digits"),
    (["trace", URL, "--at", "²"], "non-ASCII"),
    (["diagnose", URL, "--at", HUGE], "5000 digits"),
    (["diagnose", URL, "--client-ip", "999.1.1.1"], "--client-ip"),
    (["diagnose", URL, "--client-ip", "[x]"], "not an IP address"),
    (["trace", URL, "--client-ip", "10.0.0.0/8"], "--client-ip"),
    ([*_EDGE[:-1], "70000"], "--port"),
    ([*_EDGE[:-1], "-1"], "--port"),
    ([*_EDGE[:-1], "８０"], "not a port"),
    (["sign", URL, "--expires", "+1h"], "--key-pair-id"),
    (["keygen", "--out", "{missing}/key.pem"], "mkdir -p"),
    (["keygen", "--out", "{a-file}/key.pem"], "does not exist"),
    (["keygen", "--out", "{new.pem}", "--public-out", "{new.pem}"], "same file"),
    (["keygen", "--out", "{new.pem}", "--public-out", "{missing}/public.pem"], "--public-out"),
    (["keygen", "--out", "{new.pem}", "--public-out", "{key.pem}"], "already exists"),
    (["keygen", "--out", "{key.pem}"], "already exists"),
    ([*_SIGN[:-1], "{missing}", "--expires", "+1h"], "No such file"),
    ([*_SIGN[:-1], "{site}", "--expires", "+1h"], "directory"),
    (["verify", URL, "--public-key", "{missing}"], "missing"),
    (["diagnose", URL, "--public-key", f"{KEY_ID}={{site}}"], "directory"),
    (["trace", URL, "--public-key", f"{KEY_ID}={{missing}}"], "missing"),
    (["edge", "--config", "{missing}", "--root", "{site}", "--port", "0"], "missing"),
    (["edge", "--config", "{site}", "--root", "{site}", "--port", "0"], "site"),
    (["edge", "--config", "{dist.json}", "--root", "{a-file}", "--port", "0"], "not a folder"),
    (["edge", "--config", "{bad-utf8.json}", "--root", "{site}", "--port", "0"], "bad-utf8.json"),
    ([*_EDGE, "--log", "{site}"], "site"),
    ([*_EDGE, "--log", "{a-file}/access.log"], "a-file"),
]


@pytest.mark.parametrize(("argv", "hint"), BAD_INVOCATIONS, ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else None)
def test_bad_invocations_are_one_line_and_exit_2(files, argv: list[str], hint: str) -> None:
    (files / "bad-utf8.json").write_bytes(b'{"DistributionConfig": {"Comment": "caf\xe9"}}')
    names = {path.name: str(path) for path in files.iterdir()} | {"missing": str(files / "missing"),
                                                                   "new.pem": str(files / "new.pem")}
    argv = [re.sub(r"\{([^{}]+)\}", lambda name: names[name.group(1)], arg) for arg in argv]
    result = _cfsign(*argv, timeout=20)
    _assert_one_line_error(result, argv[0], hint)
    assert not (files / "new.pem").exists()


@pytest.mark.parametrize(
    ("stdin", "hint"),
    [(subprocess.DEVNULL, "stdin is empty"), (b"   \n", "stdin is empty"), ("closed", "stdin is closed"),
     (b"https://x/a?Expires=1&Signature=\xff\xfe", "not UTF-8 text (byte 0xff at offset 32)"),
     (b"A" * (1024 * 1024 + 1), "more than 1024 KB")],
    ids=["devnull", "blank", "closed-fd-0", "not-utf8", "flood"],
)
@pytest.mark.parametrize("command", ["decode", "diagnose"])
def test_unusable_stdin_is_one_line(command: str, stdin: object, hint: str) -> None:
    if stdin == "closed":
        result = _cfsign(command, "-", stdin=None, preexec_fn=lambda: os.close(0))
    elif isinstance(stdin, bytes):
        result = _cfsign(command, "-", stdin=None, input=stdin)
    else:
        result = _cfsign(command, "-", stdin=stdin)
    _assert_one_line_error(result, command, hint)


def _signed_query(**fields: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"Signature": "c2ln", "Key-Pair-Id": KEY_ID, **fields}, safe="~")


HOSTILE_ARTIFACTS = {
    "expires-5000-digits": f"{URL}?Expires={HUGE}&Signature=c2ln&Key-Pair-Id={KEY_ID}",
    "nested-policy": f"{URL}?{_signed_query(Policy=__import__('base64').urlsafe_b64encode(b'[' * 3000).decode())}",
    "policy-epoch-5000-digits": f"{URL}?" + _signed_query(Policy=__import__("base64").urlsafe_b64encode(
        ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%s}}}]}' % (URL, HUGE))
        .encode()).decode()),
    "surrogates": f"{URL}?Expires=1767225600&Signature=\udcff\udcfe&Key-Pair-Id=K\udcff",
    "bracket-url": "http://[",
    "bracket-host": f"https://[x]/a?Expires=1767225600&Signature=c2ln&Key-Pair-Id={KEY_ID}",
    "terminal-escape": f"{URL}\x1b]0;owned\x07?Expires=1767225600&Signature=c2ln\x1b[2J&Key-Pair-Id={KEY_ID}",
}


@pytest.mark.parametrize("artifact", HOSTILE_ARTIFACTS.values(), ids=HOSTILE_ARTIFACTS.keys())
def test_hostile_artifacts_print_a_result_not_a_traceback(files, artifact: str) -> None:
    """decode, diagnose, verify and trace print their verdict (exit 0/1) or one error line (exit 2), in any locale."""
    raw = os.fsencode(artifact)  # lone surrogates reach argv as the undecodable bytes they stand for
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # output the terminal cannot encode is escaped, not fatal
    for argv in (["decode", raw], ["decode", raw, "--json"], ["diagnose", raw, "--request-url", "http://["],
                 ["diagnose", URL, "--cookie", raw, "--request-url", "https://[x]/"],
                 ["verify", raw, "--public-key", str(files / "public.pem"), "--request-url", "http://["],
                 ["trace", raw, "--public-key", f"{KEY_ID}={files / 'public.pem'}"]):
        started = time.perf_counter()
        result = _cfsign(*argv, env=env)
        err = result.stderr.decode("ascii", "replace")
        assert "Traceback" not in err and "unexpected" not in err, (argv[0], err)
        assert time.perf_counter() - started < 10
        if result.returncode == 2:
            assert len(err.splitlines()) == 1 and err.startswith(f"cfsign {argv[0]}: error: "), err
        else:
            assert result.returncode in (0, 1) and result.stdout and err == "", (argv[0], result.returncode, err)
        assert b"\x1b" not in result.stdout + result.stderr  # no terminal escape sequence gets through
        if argv[-1] == "--json" and result.returncode != 2:
            json.loads(result.stdout)


_WITHOUT = """import sys
sys.modules[{module!r}] = None  # as if the [edge] extra were not installed
from cfsign_nb.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("module", ["starlette", "uvicorn"])
def test_edge_without_the_extra_names_the_install_command(files, module: str) -> None:
    result = _cfsign("edge", "--config", str(files / "dist.json"), "--root", str(files / "site"), "--port", "0",
                     code=_WITHOUT.format(module=module))
    _assert_one_line_error(result, "edge", 'pip install "cfsign-nb[edge]"')


def test_edge_reports_a_port_in_use_before_any_banner(files) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cfsign("edge", "--config", str(files / "dist.json"), "--root", str(files / "site"),
                         "--port", str(port), "--log", str(files / "access.log"), timeout=20)
    err = _assert_one_line_error(result, "edge", str(port))
    assert "serving" not in err and "--port" in err  # the fix, and no banner before it


def test_edge_stops_quietly_on_ctrl_c(files) -> None:
    import signal

    edge = subprocess.Popen([sys.executable, "-m", "cfsign_nb", "edge", "--config", str(files / "dist.json"),
                             "--root", str(files / "site"), "--port", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = edge.stderr.readline().decode()
        assert banner.startswith("cfsign edge: serving ") and "http://127.0.0.1:" in banner, banner
        port = int(banner.split("http://127.0.0.1:")[1].split()[0])
        assert port > 0  # the banner names the port actually bound, not --port 0
        _wait_until_answering(port)
        edge.send_signal(signal.SIGINT)
        _out, err = edge.communicate(timeout=20)
    finally:
        edge.kill()
        edge.wait()
    assert edge.returncode in (0, 130) and b"Traceback" not in err, err.decode()


def _wait_until_answering(port: int) -> None:
    """The banner comes before uvicorn has installed its Ctrl-C handler: wait for a first answer."""
    import http.client
    import time

    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# --- in-process: the same promises through main() ---------------------------------------------

def test_usage_errors_return_2_in_process_and_help_returns_0(capsys) -> None:
    assert main(["sign"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--key-pair-id" in err and "cfsign sign --help" in err
    assert main(["decode", "--help"]) == 0
    assert "--request-url" in capsys.readouterr().out


def test_os_errors_are_one_line(capsys, tmp_path, monkeypatch) -> None:
    def denied(path, mode):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("cfsign_nb.cli.keygen._create_new", denied)  # as root, chmod cannot make a folder unwritable
    assert main(["keygen", "--out", str(tmp_path / "k.pem")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Permission denied" in err and "k.pem" in err


def test_keygen_leaves_no_private_key_when_the_public_file_fails(capsys, tmp_path, monkeypatch) -> None:
    from cfsign_nb.cli import keygen

    real, made = keygen._create_new, []

    def second_fails(path, mode):
        if made:
            raise PermissionError(13, "Permission denied", str(path))
        made.append(path)
        return real(path, mode)

    monkeypatch.setattr(keygen, "_create_new", second_fails)
    assert main(["keygen", "--out", str(tmp_path / "k.pem"), "--public-out", str(tmp_path / "p.pem")]) == 2
    assert list(tmp_path.iterdir()) == [] and "Permission denied" in capsys.readouterr().err


def test_an_unexpected_error_is_still_one_line(capsys, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("cfsign_nb.cli.inspect.decode", broken)
    assert main(["decode", URL]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "unexpected RuntimeError: boom\\nsecond line" in err and "report" in err


def test_stdin_in_process(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", None)
    assert main(["decode", "-"]) == 2
    assert "stdin is closed" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + URL.encode())))
    assert main(["decode", "-"]) in (0, 1)  # a UTF-8 byte order mark is not part of the URL
    assert f"url             {URL}" in capsys.readouterr().out
    assert main(["diagnose", "-", "--cookie", "-"]) == 2
    assert "only one of ARTIFACT and --cookie" in capsys.readouterr().err


def test_output_escapes_what_a_terminal_would_act_on(capsys) -> None:
    assert main(["decode", URL + "?a=\x1b[2J\u202e&b=\udcff\t"]) in (0, 1)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b[2J" in out
    out.encode("utf-8")  # no lone surrogate left
    assert main(["diagnose", URL, "--client-ip", " 2001:DB8::7 "]) == 1  # a valid IP is normalised, not refused


# --- diagnose: pasted text, CloudFront's response, a browser session (issue 13) -------------

CLOUDFRONT_403 = ("HTTP/1.1 403 Forbidden\nX-Cache: Error from cloudfront\n\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                  "<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>")


def _session_har(signed: str, expired: str) -> dict:
    """A HAR written by hand: a signed request served, the same URL refused after it expired, a public page."""
    def entry(second: int, url: str, status: int, body: str = "") -> dict:
        return {"startedDateTime": f"2026-01-01T00:00:{second:02d}.000Z",
                "request": {"method": "GET", "url": url, "headers": [], "cookies": []},
                "response": {"status": status, "headers": [
                    {"name": "x-cache", "value": "Error from cloudfront" if status >= 400 else "Hit from cloudfront"}],
                    "content": {"text": body}}}
    return {"log": {"entries": [entry(1, URL[:-11] + "index.html", 200), entry(2, signed, 200),
                                entry(3, expired, 403, CLOUDFRONT_403.partition("\n\n")[2])]}}


def test_diagnose_with_cloudfronts_response(capsys, tmp_path, ecdsa_key: PrivateKey, public_file) -> None:
    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW + 60)
    keys = ["--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW)]
    assert main(["diagnose", url, *keys, "--response", CLOUDFRONT_403]) == 0  # we say served; CloudFront did not
    out = capsys.readouterr().out
    assert "but CloudFront answered 403 AccessDenied" in out and "ANSWER_DISAGREES" in out
    answer = tmp_path / "answer.txt"
    answer.write_text(CLOUDFRONT_403)
    assert main(["diagnose", url, *keys[:2], "--at", str(NOW + 61), "--response", f"@{answer}", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["agrees"] is True and result["cloudfront_said"] == "AccessDenied"
    assert main(["diagnose", url, "--response", f"@{tmp_path / 'missing.txt'}"]) == 2
    assert "missing.txt" in capsys.readouterr().err


def test_diagnose_any_pasted_text_from_stdin(capsys, monkeypatch, ecdsa_key: PrivateKey, public_file) -> None:
    import io

    from cfsign_nb import Signer

    url = Signer(KEY_ID, ecdsa_key).sign_url(URL, expires=NOW + 60)
    pasted = f"curl '{url}' \\\n  -H 'accept: */*' \\\n  --compressed\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(pasted))
    assert main(["diagnose", "-", "--public-key", f"{KEY_ID}={public_file}", "--at", str(NOW)]) == 0
    assert capsys.readouterr().out.startswith("OK: would be served")
    monkeypatch.setattr("sys.stdin", io.StringIO(CLOUDFRONT_403))
    assert main(["diagnose", url, "--response", "-", "--at", str(NOW + 61)]) == 1
    assert "answered by: cloudfront" in capsys.readouterr().out


def test_diagnose_a_har_failing_rows_first_in_80_columns(capsys, tmp_path, ecdsa_key: PrivateKey,
                                                        public_file) -> None:
    from cfsign_nb import Signer

    signer = Signer(KEY_ID, ecdsa_key)
    signed = signer.sign_url(URL, expires=NOW + 3)  # served at :02, expired at :03
    path = tmp_path / "session.har"
    path.write_text(json.dumps(_session_har(signed, signed)))
    assert main(["diagnose", "--har", str(path), "--public-key", f"{KEY_ID}={public_file}"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    table = [line for line in lines if line[:3].strip().isdigit()]
    assert [line.split()[4] if "AccessDenied" in line else line.split()[3] for line in table] == [
        "EXPIRED", "BEHAVIOR_NOT_RESTRICTED", "OK"]
    assert "AccessDenied" in table[0] and "3 requests, 1 failed; the diagnosis agrees with the answer on 3 of 3" in out
    assert "[1] EXPIRED:" in out and "fix:" in out

    assert main(["diagnose", "--har", str(path), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] == 1 and result["rows"][0]["code"] == "EXPIRED"
    assert result["rows"][0]["url"] == signed and result["rows"][0]["started"].startswith("2026-01-01T00:00:03")


def test_diagnose_a_har_where_all_is_well(capsys, tmp_path) -> None:
    path = tmp_path / "quiet.har"
    path.write_text(json.dumps({"log": {"entries": []}}))
    assert main(["diagnose", "--har", str(path)]) == 0
    assert "no request in this HAR went to CloudFront" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "extra", "hint"), [
    ("{not json", [], "not a HAR file (not JSON"),
    ('{"log": {}}', [], "not a HAR (no log.entries)"),
    ('{"log": {"entries": []}}', ["--at", "+1h"], "drop --at"),
    ('{"log": {"entries": []}}', [URL], "drop ARTIFACT"),
    (None, [], "No such file"),
])
def test_diagnose_har_bad_input_is_one_line(capsys, tmp_path, content, extra, hint) -> None:
    path = tmp_path / "session.har"
    if content is not None:
        path.write_text(content)
    assert main(["diagnose", "--har", str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert hint in err and err.count("\n") == 1


def test_diagnose_needs_something(capsys) -> None:
    assert main(["diagnose"]) == 2
    assert "--har FILE" in capsys.readouterr().err
    assert main(["diagnose", "-", "--response", "-"]) == 2
    assert "only one of ARTIFACT and --cookie (or --response)" in capsys.readouterr().err
