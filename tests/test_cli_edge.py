"""``cfsign edge`` in a subprocess: the banner, then one escaped line per request on stderr; ``-q`` for none."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from cfsign_nb import PrivateKey, Signer  # noqa: E402

from .conftest import NOW  # noqa: E402
from .test_edge import VIDEO_KEY, edge_config  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-edge") / "root"
    (root / "videos").mkdir(parents=True)
    (root / "public").mkdir()
    (root / "public" / "hello.txt").write_text("hello")
    (root / "videos" / "clip.mp4").write_bytes(b"\x00video" * 100)
    return root


@pytest.fixture(scope="module")
def keys(rsa_key: PrivateKey) -> dict[str, PrivateKey]:
    return {VIDEO_KEY: rsa_key}

def _start_cfsign_edge(tmp_path: Path, site: Path, keys, *extra: str) -> tuple[subprocess.Popen, str]:
    """``cfsign edge`` in a subprocess on a free port; returns it and its base URL (from the banner)."""
    (tmp_path / "dist.json").write_text(json.dumps(edge_config()))
    (tmp_path / "video.pem").write_text(keys[VIDEO_KEY].public_key_pem())
    edge = subprocess.Popen([sys.executable, "-m", "cfsign_nb", "edge", "--config", str(tmp_path / "dist.json"),
                             "--public-key", f"{VIDEO_KEY}={tmp_path / 'video.pem'}", "--root", str(site),
                             "--port", "0", *extra],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    banner = edge.stderr.readline().decode()
    assert banner.startswith("cfsign edge: serving "), banner
    return edge, banner.split(" on ")[1].split()[0]


def _stop(edge: subprocess.Popen) -> str:
    edge.terminate()
    try:
        return edge.communicate(timeout=20)[1].decode()
    finally:
        edge.kill()
        edge.wait()


def test_cfsign_edge_logs_one_line_per_request_with_the_real_reason(tmp_path, site, keys) -> None:
    edge, base = _start_cfsign_edge(tmp_path, site, keys)
    try:
        expired = Signer(VIDEO_KEY, keys[VIDEO_KEY]).sign_url(base + "/videos/clip.mp4", expires=NOW)
        assert httpx.get(base + "/public/hello.txt", timeout=10).status_code == 200
        assert httpx.get(expired, timeout=10).status_code == 403
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:  # bytes no HTTP client would send
            raw.sendall(b"GET /public/\x1b[31mred\x7f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 4")
        lines = [edge.stderr.readline().decode() for _ in range(3)]
    finally:
        _stop(edge)
    assert lines[0].startswith("GET /public/hello.txt 200 ")
    assert lines[1].startswith("GET /videos/clip.mp4 403 EXPIRED: "), lines[1]
    assert "it expired at 2026-01-01T00:00:00Z" in lines[1] and lines[1].count("\n") == 1
    assert lines[2].startswith("GET /public/%1B[31mred%7F.txt 4"), lines[2]
    assert all("\x1b" not in line and "\x7f" not in line for line in lines)


def test_cfsign_edge_quiet_logs_no_requests(tmp_path, site, keys) -> None:
    edge, base = _start_cfsign_edge(tmp_path, site, keys, "-q")
    try:
        assert httpx.get(base + "/public/hello.txt", timeout=10).status_code == 200
        assert httpx.get(base + "/videos/clip.mp4", timeout=10).status_code == 403
    finally:
        rest = _stop(edge)
    assert "GET " not in rest and "Traceback" not in rest, rest
