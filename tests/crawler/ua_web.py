"""A small web on 127.0.0.1 that answers by User-Agent, for the probe tests.

The crawler reaches it as a plain-HTTP proxy (``--proxy``), so every request names its host
in absolute form and one server answers for several sites. It keeps every request it was
sent (host, path, User-Agent), which is how the tests see what left the crawler.

Sites, each with a robots.txt that lets everyone in, a home page linking to two portfolio
pages (the first redirects to its new address, for every agent), an about page that is
missing, two images on the home page and one on each portfolio page:

- ``alike.example``, ``quiet.example``, ``excluded.example``: every agent served alike;
- ``edge.example``: our own agent (``optout-audit/…``) served; any other refused with a
  Cloudflare-style block page (403), except GPTBot's home page, redirected to ``/blocked``
  (where no request may follow it), and CCBot's, answered ``402 Payment Required`` with a
  ``crawler-price`` header.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import urlsplit

OUR_AGENT: Final = "optout-audit/"
EDGE: Final = "edge.example"
HOSTS: Final = ("alike.example", EDGE, "quiet.example", "excluded.example")


def _png() -> bytes:
    """A 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


PNG: Final = _png()
HOME: Final = b"""<!DOCTYPE html><html><head><title>Work</title></head><body>
<a href="/portfolio/1">One</a> <a href="/portfolio/2">Two</a> <a href="/about">About</a>
<img src="/img/a.png" alt="a"> <img src="/img/b.png" alt="b">
</body></html>
"""
PORTFOLIO: Final = b"""<!DOCTYPE html><html><head><title>Piece</title></head><body>
<img src="/img/c.png" alt="c"> <a href="/hidden/trap">more</a>
</body></html>
"""
BLOCK_PAGE: Final = (
    b"<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>"
    b'<div id="cf-wrapper"><h1><span>Sorry, you have been blocked</span></h1>'
    b"<span>Error code 1020</span></div></body></html>"
)


@dataclass(frozen=True)
class Hit:
    """One request the server was sent."""

    host: str
    path: str
    user_agent: str

    @property
    def ours(self) -> bool:
        return self.user_agent.startswith(OUR_AGENT)


Answer = tuple[int, list[tuple[str, str]], bytes]


def answer(host: str, path: str, user_agent: str) -> Answer:
    """What the site at ``host`` answers ``user_agent`` for ``path``."""
    if host == EDGE and not user_agent.startswith(OUR_AGENT):
        if path == "/" and "GPTBot" in user_agent:
            return 302, [("Location", "/blocked")], b""
        if path == "/" and "CCBot" in user_agent:
            return 402, [("crawler-price", "USD 0.01"), ("Content-Type", "text/plain")], b"pay"
        cloudflare = [("Server", "cloudflare"), ("CF-RAY", "8a1b2c3d4e5f6071-AMS")]
        return 403, [("Content-Type", "text/html; charset=UTF-8"), *cloudflare], BLOCK_PAGE
    html = [("Content-Type", "text/html; charset=utf-8")]
    if path == "/robots.txt":
        return 200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"
    if path == "/":
        return 200, html, HOME
    if path == "/portfolio/1":
        return 301, [("Location", f"http://{host}/portfolio/one")], b""
    if path in ("/portfolio/one", "/portfolio/2"):
        return 200, html, PORTFOLIO
    if path.startswith("/img/"):
        return 200, [("Content-Type", "image/png")], PNG
    return 404, [("Content-Type", "text/plain")], b"not found"


class UaWeb(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[Hit] = []
        self.lock = threading.Lock()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def seen(self, host: str | None = None) -> list[Hit]:
        """The requests received (for one host)."""
        with self.lock:
            return [hit for hit in self.hits if host in (None, hit.host)]


class _Handler(BaseHTTPRequestHandler):
    server: UaWeb
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "")).split(":")[0].lower()
        path = parts.path or "/"
        user_agent = self.headers.get("User-Agent", "")
        with self.server.lock:
            self.server.hits.append(Hit(host, path, user_agent))
        status, headers, body = answer(host, path, user_agent)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def ua_web() -> Iterator[UaWeb]:
    """The server, listening on 127.0.0.1 from a background thread while in the block."""
    server = UaWeb()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
