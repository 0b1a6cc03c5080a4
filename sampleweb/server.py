"""The sample web server: one local HTTP proxy that answers for every simulated host.

Clients use it as a plain-HTTP proxy, so requests arrive in absolute form
(``GET http://artist-anna.example/robots.txt HTTP/1.1``); origin-form requests are routed by
their ``Host`` header. It binds to 127.0.0.1 only and never connects anywhere itself.
"""

from __future__ import annotations

import gzip
import html
import io
import logging
import re
import socket
import struct
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from sampleweb.maze import maze_page
from sampleweb.sites import (
    MAX_DRIP_SECONDS,
    SITES_DIR,
    Route,
    Site,
    content_type_for,
    load_sites,
    load_variant,
)

log = logging.getLogger("sampleweb")

HOST = "127.0.0.1"
SERVER_NAME = "nginx"
_DRIP_TICK = 0.1
_IDLE_TIMEOUT = 30.0
"""Seconds an idle keep-alive connection is kept open."""


class SampleWebServer(ThreadingHTTPServer):
    """A threading server that knows the sites and logs errors instead of printing them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, sites: dict[str, Site]) -> None:
        self.sites = sites
        self.base_sites = dict(sites)
        self.user_agents: deque[str] = deque(maxlen=1000)
        """The User-Agent headers of the latest requests, for tests of crawler identity."""
        self.hosts: deque[str] = deque(maxlen=10_000)
        """The host names of the latest requests, for tests that some were never asked."""
        self.stopping = threading.Event()
        """Set on stop: delays and hangs in progress end early."""
        super().__init__((HOST, port), SampleWebHandler)
        bombs = {
            (route.encoding, route.bomb_bytes)
            for site in sites.values()
            for route in site.all_routes
            if route.encoding and route.bomb_bytes
        }
        for encoding, size in sorted(bombs):  # made once, before serving: a few seconds
            compressed_zeros(encoding, size)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("error while serving %s", client_address)


class SampleWeb(AbstractContextManager["SampleWeb"]):
    """A running sample web: ``proxy_url`` is what a client sets as its HTTP proxy."""

    def __init__(self, server: SampleWebServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def proxy_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def sites(self) -> dict[str, Site]:
        return self._server.sites

    def use_variant(self, name: str | None) -> None:
        """Serve the sites of a variant in place of the same hosts (None: the base sites).

        The whole mapping is swapped in one assignment, so a request sees either version.
        """
        sites = dict(self._server.base_sites)
        if name is not None:
            sites.update(load_variant(name, self._server.base_sites))
        self._server.sites = sites

    @property
    def user_agents(self) -> list[str]:
        return list(self._server.user_agents)

    @property
    def hosts(self) -> list[str]:
        return list(self._server.hosts)

    def stop(self) -> None:
        """Stop serving, end delays and hangs in progress, and free the port."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_server(
    sites_dir: Path | Iterable[Path] | None = None, port: int = 0, variant: str | None = None
) -> SampleWeb:
    """Load the sites and serve them on 127.0.0.1 from a background thread (port 0: any).

    ``sites_dir`` may name several folders (e.g. ``[HOSTILE_DIR, SITES_DIR]``); all their
    sites are served together.
    """
    folders = [sites_dir] if isinstance(sites_dir, Path) else list(sites_dir or [SITES_DIR])
    sites: dict[str, Site] = {}
    for folder in folders:
        sites.update(load_sites(folder))
    server = SampleWebServer(port, sites)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    log.info("sampleweb listening on %s:%d", HOST, server.server_address[1])
    web = SampleWeb(server, thread)
    if variant is not None:
        web.use_variant(variant)
    return web


class SampleWebHandler(BaseHTTPRequestHandler):
    """Routes each request to its site by host name, then to a route or a static file."""

    server: SampleWebServer
    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    sys_version = ""
    timeout = _IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._answer_or_drop(send_body=True)

    def do_HEAD(self) -> None:
        self._answer_or_drop(send_body=False)

    def do_CONNECT(self) -> None:
        """A tunnel request for ``https://``. The sample web speaks no TLS: for a site marked
        ``https`` the tunnel opens and then answers in plain HTTP, which a client sees as a
        TLS error; other hosts get 501 as before."""
        host = self.path.rsplit(":", 1)[0].strip("[]").rstrip(".").lower()
        site = self.server.sites.get(host)
        if site is None or not site.https:
            self._send_plain(HTTPStatus.NOT_IMPLEMENTED, "sampleweb: only http:// requests\n")
            return
        self.send_response_only(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.connection.settimeout(5)
        try:
            self.connection.recv(4096)  # the client's TLS hello, unanswered
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True

    def version_string(self) -> str:
        return SERVER_NAME

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    # --- routing ------------------------------------------------------------------------

    def _answer_or_drop(self, *, send_body: bool) -> None:
        self.server.user_agents.append(self.headers.get("User-Agent", ""))
        try:
            self._answer(send_body=send_body)
        except (ConnectionError, TimeoutError) as error:
            # Clients give up on slow and dripping routes: that is the point of them.
            log.info("%s %s: client went away (%s)", self.address_string(), self.path, error)
            self.close_connection = True

    def _answer(self, *, send_body: bool) -> None:
        target = self._target()
        if target is None:
            self._send_plain(HTTPStatus.BAD_REQUEST, "sampleweb: only http:// requests\n")
            return
        host, path = target
        self.server.hosts.append(host)
        site = self.server.sites.get(host)
        if site is None:
            self._send_plain(
                HTTPStatus.BAD_GATEWAY,
                f"sampleweb: unknown host {host!r}\n",
                [("X-Sampleweb", "unknown-host")],
                send_body=send_body,
            )
            return
        route = site.route_for(path, self.headers.get("User-Agent", ""))
        if route is not None and route.behaviour == "reset":
            self._reset()
            return
        if route is not None and route.behaviour == "hang":
            self.server.stopping.wait(route.hang_seconds)
            self.close_connection = True
            return
        status, headers, body = _response(site, route, path)
        if route is not None and route.delay:
            self.server.stopping.wait(route.delay)
        if route is not None and _is_hostile(route):
            if route.bomb_bytes is not None and route.status is None:
                status = 200  # the bomb is the body: no static file needed
            self._send_hostile(route, status, headers, body, send_body=send_body)
            return
        status, headers, body = _apply_range(self.headers.get("Range"), status, headers, body)
        self._send(status, headers, body if send_body else b"", len(body), route)

    def _target(self) -> tuple[str, str] | None:
        """(host, path) of the request, from an absolute-form target or the Host header."""
        if self.path.startswith("/"):
            host = self.headers.get("Host", "")
            path = self.path
        else:
            parts = urlsplit(self.path)
            if parts.scheme.lower() != "http" or not parts.netloc:
                return None
            host, path = parts.netloc, parts.path or "/"
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip().rstrip(".").lower()
        path = unquote(path.split("?", 1)[0].split("#", 1)[0]) or "/"
        return host, path

    # --- sending ------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        length: int,
        route: Route | None,
    ) -> None:
        self.send_response_only(status)
        names = {name.lower() for name, _ in headers}
        if "date" not in names:
            self.send_header("Date", formatdate(usegmt=True))
        if "server" not in names:
            self.send_header("Server", SERVER_NAME)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        drip = route.drip_bytes_per_second if route is not None else None
        if drip:
            self._drip(body, drip)
        elif body:
            self.wfile.write(body)

    def _drip(self, body: bytes, rate: int) -> None:
        """Send ``rate`` bytes a second, but never for longer than ``MAX_DRIP_SECONDS``."""
        rate = max(rate, int(len(body) / MAX_DRIP_SECONDS) + 1)
        step = max(1, int(rate * _DRIP_TICK))
        pause = step / rate  # a whole second per byte at 1 byte a second, not a tick
        for start in range(0, len(body), step):
            if self.server.stopping.is_set():
                self.close_connection = True
                return
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            self.server.stopping.wait(pause)

    def _send_hostile(
        self,
        route: Route,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        send_body: bool,
    ) -> None:
        """Send an answer that breaks the rules its route asks to break, holding at most one
        chunk of a generated body in memory."""
        chunks, length = _hostile_body(route, body)
        self.send_response_only(status)
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("Server", SERVER_NAME)
        for name, value in headers:
            self.send_header(name, value)
        if route.encoding:
            self.send_header("Content-Encoding", route.encoding)
        for number in range(route.header_flood):
            self.send_header(f"X-Flood-{number}", "x" * 64)
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif route.content_length == "none":
            self.send_header("Connection", "close")
        else:
            declared = route.content_length if route.content_length is not None else length
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        if not send_body:
            return
        if route.content_length is not None or route.reset_after is not None:
            self.close_connection = True  # the body does not end where the length says
        sent = 0
        for chunk in chunks:
            if self.server.stopping.is_set():
                self.close_connection = True
                return
            if route.reset_after is not None and sent + len(chunk) >= route.reset_after:
                self._write_chunk(chunk[: route.reset_after - sent], route.chunked)
                self.wfile.flush()
                self._reset()
                return
            self._write_chunk(chunk, route.chunked)
            sent += len(chunk)
        if route.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, chunk: bytes, chunked: bool) -> None:
        if not chunk:
            return
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        else:
            self.wfile.write(chunk)

    def _send_plain(
        self,
        status: HTTPStatus,
        text: str,
        extra: list[tuple[str, str]] | None = None,
        *,
        send_body: bool = True,
    ) -> None:
        body = text.encode("utf-8")
        headers = [("Content-Type", "text/plain; charset=utf-8"), *(extra or [])]
        self._send(status, headers, body if send_body else b"", len(body), None)

    def _reset(self) -> None:
        """Abort the connection with a TCP reset (SO_LINGER 0) instead of answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        # The socket closes for real only once its file wrappers are closed too; the
        # stand-ins take the flush and close that the base class still does afterwards.
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()


_STREAM_CHUNK = 64 * 1024


def _is_hostile(route: Route) -> bool:
    return bool(
        route.encoding
        or route.stream_bytes
        or route.content_length is not None
        or route.chunked
        or route.reset_after is not None
        or route.header_flood
    )


def _hostile_body(route: Route, body: bytes) -> tuple[Iterator[bytes], int]:
    """The chunks of a hostile route's body and their total length."""
    if route.bomb_bytes is not None and route.encoding is not None:
        bomb = compressed_zeros(route.encoding, route.bomb_bytes)
        return _pieces(bomb), len(bomb)
    if route.encoding is not None:
        body = compress(route.encoding, body)
    if route.stream_bytes is not None:
        return _repeated(body or b" ", route.stream_bytes), route.stream_bytes
    return _pieces(body), len(body)


def _pieces(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), _STREAM_CHUNK):
        yield body[start : start + _STREAM_CHUNK]


def _repeated(unit: bytes, total: int) -> Iterator[bytes]:
    """``unit`` repeated to exactly ``total`` bytes, one chunk at a time."""
    chunk = unit * max(1, _STREAM_CHUNK // len(unit))
    sent = 0
    while sent < total:
        piece = chunk[: total - sent]
        sent += len(piece)
        yield piece


def compress(encoding: str, body: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body, mtime=0)
    import brotli  # test dependency; only the hostile web asks for it

    return bytes(brotli.compress(body))


_BOMB_LOCK = threading.Lock()


def compressed_zeros(encoding: str, size: int) -> bytes:
    """``size`` zero bytes compressed (made once; a 256 MiB gzip bomb is ~250 KiB)."""
    with _BOMB_LOCK:
        return _compressed_zeros(encoding, size)


@lru_cache(maxsize=8)
def _compressed_zeros(encoding: str, size: int) -> bytes:
    """Made a MiB at a time: the uncompressed bomb is never held."""
    block = bytes(min(size, 1 << 20))
    if encoding == "gzip":
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [
            gz.compress(block[: min(len(block), size - done)])
            for done in range(0, size, len(block))
        ]
        return b"".join(parts) + gz.flush()
    import brotli

    br = brotli.Compressor(quality=5)
    parts = [
        br.process(block[: min(len(block), size - done)]) for done in range(0, size, len(block))
    ]
    tail: bytes = br.finish()
    return b"".join(parts) + tail


def _response(
    site: Site, route: Route | None, path: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body for ``path``: the route's overrides over the static file."""
    headers = list(site.headers)
    route_headers = list(route.headers) if route is not None else []
    status = route.status if route is not None and route.status is not None else 200
    content_type: str | None = None
    if route is not None and route.maze is not None:
        body = maze_page(site.host, path, route.maze, route.maze_links)
        content_type = "text/html; charset=utf-8"
    elif route is not None and route.body is not None:
        body = route.body
        if route.template:
            body = _fill(body, site, path)
        content_type = route.content_type or "text/plain; charset=utf-8"
    else:
        file = site.file_for(path) if 200 <= status < 300 else None
        if file is not None:
            body = file.read_bytes()
            content_type = content_type_for(file.name)
            headers.append(("Accept-Ranges", "bytes"))
        elif 200 <= status < 300:
            status, body = 404, not_found_page(site, path)
        else:
            body = status_page(status, route_headers)
        content_type = content_type or "text/html; charset=utf-8"
    headers = [
        (name, _location(value, path) if name.lower() == "location" else value)
        for name, value in _merge(headers, route_headers)
    ]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", content_type))
    return status, headers, body


def _fill(body: bytes, site: Site, path: str) -> bytes:
    """A ``template`` body with ``{host}``, ``{path}`` and ``{url}`` of this request."""
    text = body.decode("utf-8")
    shown = quote(path, safe="/-._~!$&'()*+,;=:@")  # no quote marks or brackets in a body
    for name, value in (("{url}", site.origin + shown), ("{host}", site.host), ("{path}", shown)):
        text = text.replace(name, value)
    return text.encode("utf-8")


def _location(template: str, path: str) -> str:
    """``{path}`` is the requested path; ``{next}`` is that path with its last number plus
    one (``/hop/7`` -> ``/hop/8``, ``/hop`` -> ``/hop1``), for redirect chains."""
    match = re.search(r"\d+", path[::-1])  # the last number, found from the end
    if match:
        start, end = len(path) - match.end(), len(path) - match.start()
        following = path[:start] + str(int(path[start:end]) + 1) + path[end:]
    else:
        following = path + "1"
    return template.replace("{path}", path).replace("{next}", following)


def _merge(base: list[tuple[str, str]], overrides: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Route headers replace site headers of the same name; repeats within a list stay."""
    replaced = {name.lower() for name, _ in overrides}
    return [(n, v) for n, v in base if n.lower() not in replaced] + overrides


def _apply_range(
    header: str | None, status: int, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Honour one ``bytes=`` range on a 200 answer (RFC 9110 §14); other ranges are ignored."""
    if header is None or status != 200:
        return status, headers, body
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return status, headers, body
    first, dash, last = spec.strip().partition("-")
    size = len(body)
    try:
        if not dash:
            return status, headers, body
        if first.strip() == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last.strip() else size - 1
    except ValueError:
        return status, headers, body
    if start < 0 or start >= size or end < start:
        return 416, [*headers, ("Content-Range", f"bytes */{size}")], b""
    return (
        206,
        [*headers, ("Content-Range", f"bytes {start}-{end}/{size}")],
        body[start : end + 1],
    )


def not_found_page(site: Site, path: str) -> bytes:
    """The site's own "page not found" page."""
    name = html.escape(site.name)
    shown = html.escape(path)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Page not found – {name}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "</head>\n<body>\n"
        f'<header><a href="/">{name}</a></header>\n'
        "<main>\n<h1>Sorry, this page doesn't exist</h1>\n"
        f"<p>We looked everywhere for <code>{shown}</code> but couldn't find it. "
        "It may have moved, or the link may be mistyped.</p>\n"
        '<p><a href="/">Back to the home page</a></p>\n</main>\n'
        f"<footer>&copy; {name}</footer>\n</body>\n</html>\n"
    ).encode()


def status_page(status: int, headers: list[tuple[str, str]]) -> bytes:
    """A small web-server page for a status a route sets without a body."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown Status"
    title = f"{status} {phrase}"
    location = next((v for n, v in headers if n.lower() == "location"), None)
    link = (
        f'<p>The document has moved <a href="{html.escape(location)}">here</a>.</p>'
        if (location)
        else ""
    )
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n{link}"
        f"<hr><center>{SERVER_NAME}</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
