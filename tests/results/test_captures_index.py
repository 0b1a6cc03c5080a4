"""The CDX index client's bounds against a loopback server that misbehaves: a server error
that never ends, junk lines, an answer that keeps coming, and the User-Agent it sends; and how
a site's ``www.`` twin is asked of a server that keys hosts apart and of one that folds them
(as SURT keys do)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.settings import USER_AGENT
from results.captures.hosts import twin_host
from results.captures.index import (
    CaptureIndexError,
    IndexClient,
    IndexCrawl,
    IndexSettings,
    site_hosts,
    site_pattern,
)

CAPTURE = {
    "urlkey": "example,anna)/",
    "timestamp": "20261001120000",
    "url": "http://anna.example/",
    "mime": "text/html",
    "status": "200",
    "digest": "sha1:AAAA",
    "length": "512",
    "offset": "0",
    "filename": "crawl-data/CC-MAIN-2026-40/segments/x.warc.gz",
}


def _line(url: str, **fields: str) -> bytes:
    return json.dumps({**CAPTURE, "url": url, **fields}).encode() + b"\n"


def _hosts_answer(path: str, *, folds: bool) -> bytes:
    """A capture of the asked host (``exact``), or of both anna.example and its www twin
    whichever is asked (``folds``, as a SURT-keyed index answers)."""
    pattern = parse_qs(urlsplit(path).query)["url"][0]
    host = pattern.removesuffix("/*")
    if folds and host.removeprefix("www.") == "anna.example":
        return _line("http://anna.example/") + _line("https://www.anna.example/art/")
    return _line(f"http://{host}/")


class _Index(BaseHTTPRequestHandler):
    """``/collinfo.json`` in pywb's form; ``/down/cdx`` always 503; ``/junk/cdx`` a capture
    among lines that are not; ``/endless/cdx`` the same capture, without end; ``/exact/cdx``
    and ``/folds/cdx`` a plain-CDXJ server keying hosts apart, or folding ``www.``."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("User-Agent", "")))
        line = json.dumps(CAPTURE).encode() + b"\n"
        if self.path == "/collinfo.json":
            self._send(200, json.dumps({"fixed": [], "dynamic": ["down", "junk"]}).encode())
        elif self.path.startswith("/down/"):
            self._send(503, b"busy")
        elif self.path.startswith("/junk/"):
            self._send(200, b'{"message": "Internal Error"}\nnot json\n[1, 2]\n' + line)
        elif self.path.startswith(("/exact/", "/folds/")):
            self._send(200, _hosts_answer(self.path, folds=self.path.startswith("/folds/")))
        elif self.path.startswith("/endless/"):
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(1_000_000):
                    self.wfile.write(line * 100)
            except OSError:
                pass  # the client hung up, as it should
        else:
            self._send(404, b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[str]:
    _Index.seen.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _client(url: str, **caps: int) -> IndexClient:
    return IndexClient(IndexSettings(index_url=url, delay=0, **caps))  # type: ignore[arg-type]


def test_pywb_listing_names_the_collections_newest_first(index: str) -> None:
    crawls = _client(index).crawls(6)
    assert [(c.name, c.cdx_api) for c in crawls] == [
        ("junk", f"{index}/junk/cdx"),
        ("down", f"{index}/down/cdx"),
    ]


def test_a_server_error_without_end_is_retried_a_bounded_number_of_times(index: str) -> None:
    client = _client(index)
    result = client.query("http://anna.example", IndexCrawl("down", f"{index}/down/cdx"))
    assert result.status == "error"
    assert result.error == (
        f"{index}/down/cdx?url=anna.example%2F%2A&output=json&showNumPages=true:"
        " HTTP 503 Service Unavailable"
    )
    assert client.requests == 3


def test_lines_that_are_not_captures_are_counted_not_stored(index: str) -> None:
    junk = IndexCrawl("junk", f"{index}/junk/cdx")
    result = _client(index).query("anna.example", junk, ("anna.example",))
    assert result.status == "ok"
    assert [c.url for c in result.captures] == ["http://anna.example/"]
    assert (result.seen, result.malformed, result.truncated) == (4, 3, False)


def test_an_answer_that_keeps_coming_stops_at_the_cap(index: str) -> None:
    client = _client(index, max_captures=250)
    result = client.query("anna.example", IndexCrawl("endless", f"{index}/endless/cdx"))
    assert (result.status, len(result.captures), result.truncated) == ("ok", 250, True)
    assert client.requests == 2  # the cap was reached: the twin is not asked


def _asked(index: str) -> list[str]:
    return [
        parse_qs(urlsplit(path).query)["url"][0]
        for path, _ in _Index.seen
        if "showNumPages" not in path
    ]


def test_the_www_twin_is_asked_of_a_server_that_keys_hosts_apart(index: str) -> None:
    client = _client(index)
    result = client.query("http://anna.example", IndexCrawl("exact", f"{index}/exact/cdx"))
    assert [(c.url, c.host) for c in result.captures] == [
        ("http://anna.example/", "anna.example"),
        ("http://www.anna.example/", "www.anna.example"),
    ]
    assert result.hosts == ("anna.example", "www.anna.example")
    assert _asked(index) == ["anna.example/*", "www.anna.example/*"]
    assert not client.folds_www


def test_a_www_site_is_asked_under_its_bare_host_too(index: str) -> None:
    result = _client(index).query("https://www.anna.example", IndexCrawl("x", f"{index}/exact/cdx"))
    assert [c.host for c in result.captures] == ["www.anna.example", "anna.example"]


def test_a_server_that_folds_www_is_asked_once_per_site(index: str) -> None:
    client = _client(index)
    folds = IndexCrawl("folds", f"{index}/folds/cdx")
    result = client.query("anna.example", folds)
    assert [(c.url, c.host) for c in result.captures] == [
        ("http://anna.example/", "anna.example"),
        ("https://www.anna.example/art/", "www.anna.example"),
    ]
    assert client.folds_www
    assert _asked(index) == ["anna.example/*"]
    assert client.requests == 2  # showNumPages (answered with captures), then the captures


def test_a_twin_that_is_a_site_of_its_own_is_neither_asked_nor_kept(index: str) -> None:
    hosts = site_hosts("anna.example", separate=frozenset({"www.anna.example"}))
    assert hosts == ("anna.example",)
    client = _client(index)
    result = client.query("anna.example", IndexCrawl("folds", f"{index}/folds/cdx"), hosts)
    assert [c.host for c in result.captures] == ["anna.example"]
    assert (result.elsewhere, result.hosts) == (1, ("anna.example",))
    exact = client.query("anna.example", IndexCrawl("exact", f"{index}/exact/cdx"), hosts)
    assert [c.host for c in exact.captures] == ["anna.example"]
    assert "www.anna.example/*" not in _asked(index)


@pytest.mark.parametrize(
    ("host", "twin"),
    [
        ("anna.example", "www.anna.example"),
        ("www.anna.example", "anna.example"),
        ("www2.anna.example", "www.www2.anna.example"),
        ("www.com", None),
        ("localhost", None),
        ("127.0.0.1", None),
        ("::1", None),
    ],
)
def test_twin_host_is_the_www_label_added_or_removed(host: str, twin: str | None) -> None:
    assert twin_host(host) == twin


def test_every_request_names_the_tool(index: str) -> None:
    _client(index).crawls(1)
    assert _Index.seen == [("/collinfo.json", USER_AGENT)]


@pytest.mark.parametrize(
    ("origin", "pattern"),
    [
        ("https://Anna.example/", "anna.example/*"),
        ("anna.example", "anna.example/*"),
        ("https://user:secret@anna.example:8443/shop", "anna.example:8443/*"),
        ("http://[::1]:8080", "[::1]:8080/*"),
    ],
)
def test_site_pattern_is_the_host_and_everything_under_it(origin: str, pattern: str) -> None:
    assert site_pattern(origin) == pattern


@pytest.mark.parametrize("origin", ["http://[broken", "http://anna.example:99999", "http://"])
def test_site_pattern_refuses_what_is_not_a_site(origin: str) -> None:
    with pytest.raises(CaptureIndexError):
        site_pattern(origin)


def test_not_found_is_an_empty_answer_as_common_crawl_gives_it(index: str) -> None:
    result = _client(index).query("anna.example", IndexCrawl("none", f"{index}/none/cdx"))
    assert (result.status, result.captures, result.pages) == ("ok", (), 2)  # host and twin


def test_a_server_without_a_crawl_list_is_an_error(index: str) -> None:
    with pytest.raises(CaptureIndexError, match="collinfo.json: not JSON"):
        _client(f"{index}/none").crawls(6)
