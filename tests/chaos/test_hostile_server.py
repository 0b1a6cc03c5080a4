"""The sample web's hostile behaviours, each checked on the wire with a plain client."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sampleweb.server import SampleWeb, start_server
from sampleweb.sites import SiteError, load_sites

HOST = "wire.example"
ROUTES: dict[str, dict[str, Any]] = {
    "/bomb": {"encoding": "gzip", "bomb_bytes": 8 << 20},
    "/br": {"encoding": "br", "body": "hello brotli"},
    "/stream": {"body": "abc", "stream_bytes": 100_000, "content_length": "none"},
    "/chunked": {"body": "xy", "stream_bytes": 70_001, "chunked": True},
    "/lie-long": {"body": "short", "content_length": 1000},
    "/lie-short": {"body": "a longer body", "content_length": 3},
    "/reset": {"body": "z", "stream_bytes": 1 << 20, "reset_after": 1000},
    "/flood": {"header_flood": 3000},
    "/hop/*": {"status": 302, "headers": {"Location": "{next}"}},
    "/drip": {"body": "abcdef", "drip_bytes_per_second": 2},
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleWeb]:
    root = tmp_path_factory.mktemp("wire-sites")
    site = root / HOST
    (site / "files").mkdir(parents=True)
    (site / "files" / "index.html").write_text("<!doctype html><title>wire</title>\n")
    spec = {
        "description": "wire tests",
        "name": "Wire",
        "kind": "other",
        "https": True,
        "routes": ROUTES,
    }
    (site / "site.json").write_text(json.dumps(spec))
    with start_server(root) as running:
        yield running


def _get(web: SampleWeb, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    conn.request("GET", f"http://{HOST}{path}")
    return conn.getresponse()


def test_gzip_bomb_is_small_on_the_wire_and_huge_unpacked(web: SampleWeb) -> None:
    response = _get(web, "/bomb")
    body = response.read()
    assert response.getheader("Content-Encoding") == "gzip"
    assert len(body) < 64 * 1024
    assert len(gzip.decompress(body)) == 8 << 20


def test_brotli_body(web: SampleWeb) -> None:
    import brotli

    response = _get(web, "/br")
    assert response.getheader("Content-Encoding") == "br"
    assert brotli.decompress(response.read()) == b"hello brotli"


def test_stream_without_length_ends_at_close(web: SampleWeb) -> None:
    response = _get(web, "/stream")
    assert response.getheader("Content-Length") is None
    body = response.read()
    assert len(body) == 100_000 and body.startswith(b"abcabc")


def test_chunked_body(web: SampleWeb) -> None:
    response = _get(web, "/chunked")
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert len(response.read()) == 70_001


def test_lying_lengths(web: SampleWeb) -> None:
    with pytest.raises(http.client.IncompleteRead):
        _get(web, "/lie-long").read()
    short = _get(web, "/lie-short")
    assert short.getheader("Content-Length") == "3"
    assert short.read() == b"a l"


def test_reset_mid_body(web: SampleWeb) -> None:
    response = _get(web, "/reset")
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        response.read()


def test_header_flood(web: SampleWeb) -> None:
    sock = socket.create_connection(("127.0.0.1", web.port), timeout=10)
    sock.sendall(f"GET http://{HOST}/flood HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    sock.close()
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.count(b"\r\nX-Flood-") == 3000


def test_a_slow_drip_keeps_its_rate_below_ten_bytes_a_second(web: SampleWeb) -> None:
    started = time.monotonic()
    assert _get(web, "/drip").read() == b"abcdef"
    assert time.monotonic() - started >= 2.4  # six bytes at two a second


def test_next_hop_location(web: SampleWeb) -> None:
    response = _get(web, "/hop/41")
    assert response.status == 302
    assert response.getheader("Location") == "/hop/42"


def test_connect_opens_a_tunnel_that_speaks_no_tls(web: SampleWeb) -> None:
    sock = socket.create_connection(("127.0.0.1", web.port), timeout=10)
    sock.sendall(f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n".encode())
    assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    sock.sendall(b"\x16\x03\x01\x00\x05hello")  # the start of a TLS ClientHello
    answer = sock.recv(1024)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400")  # plain text where a ServerHello should be


def test_connect_to_an_unknown_host_is_refused(web: SampleWeb) -> None:
    sock = socket.create_connection(("127.0.0.1", web.port), timeout=10)
    sock.sendall(b"CONNECT nowhere.example:443 HTTP/1.1\r\nHost: nowhere.example:443\r\n\r\n")
    assert sock.recv(1024).startswith(b"HTTP/1.1 501")
    sock.close()


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"bomb_bytes": 10}, "needs an 'encoding'"),
        ({"encoding": "zstd"}, "'encoding' must be one of"),
        ({"chunked": True, "content_length": 3}, "without 'content_length'"),
        ({"header_flood": 0}, "'header_flood' must be an integer"),
        ({"stream_bytes": 5 << 40}, "'stream_bytes' must be an integer"),
    ],
)
def test_bad_hostile_keys_are_refused(tmp_path: Path, route: dict[str, Any], message: str) -> None:
    site = tmp_path / "bad.example"
    (site / "files").mkdir(parents=True)
    (site / "files" / "index.html").write_text("x")
    spec = {"name": "Bad", "kind": "other", "routes": {"/x": route}}
    (site / "site.json").write_text(json.dumps(spec))
    with pytest.raises(SiteError, match=message):
        load_sites(tmp_path)


def test_bomb_made_in_blocks_has_the_exact_size() -> None:
    """Compressed block by block, the bomb still unpacks to exactly the size asked for."""
    from sampleweb.server import compressed_zeros

    packed = compressed_zeros("gzip", 3 * (1 << 20) + 5)
    assert zlib.decompress(packed, 31) == bytes(3 * (1 << 20) + 5)
