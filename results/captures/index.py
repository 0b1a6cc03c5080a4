"""Asking a CDX index server (Common Crawl's, or any pywb-style one) for a site's captures.

Common Crawl's index server (https://index.commoncrawl.org) runs pywb over ZipNum indexes:
``collinfo.json`` lists the crawls, each with its ``cdx-api`` URL; a query with
``showNumPages=true`` answers how many pages the result has, and ``page=N`` fetches one. A
pywb server over plain CDXJ files lists its collections in ``collinfo.json`` as
``{"fixed": […], "dynamic": […]}``, serves each at ``/<name>/cdx``, ignores ``page`` (every
page would be the whole answer again) and answers ``showNumPages`` with the captures
themselves: then the captures are asked once, with ``limit``.

Politeness and bounds: one request at a time (the run is sequential), ``delay`` seconds
between two requests to the same server, our own User-Agent, a timeout per request and a
deadline per answer, a few retries with growing pauses for 429, 5xx and network errors, at
most ``max_pages`` pages and ``max_captures`` captures per site and crawl (a truncated result
says so). cdx_toolkit's fetcher is not used: it retries a 5xx answer without end, sends its own
User-Agent, and pages a plain-CDXJ server forever.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field
from http.client import HTTPException, HTTPResponse
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

from crawler.settings import USER_AGENT

DEFAULT_INDEX_URL: Final = "https://index.commoncrawl.org"
INDEX_URL_ENV: Final = "OPTOUT_CC_INDEX"
MAX_LINE_BYTES: Final = 64 * 1024
"""A longer CDX line is not a capture: counted as malformed."""
MAX_COLLINFO_BYTES: Final = 4 * 1024 * 1024
MAX_PAGE_BYTES: Final = 64 * 1024 * 1024
"""A Common Crawl page (5 blocks of 3,000 lines) is a few MB."""
MAX_PAGE_INFO_BYTES: Final = 2 * MAX_LINE_BYTES
MAX_CRAWLS: Final = 120
MAX_PAUSE: Final = 60.0
"""No pause between retries (a Retry-After included) is longer."""


class CaptureIndexError(Exception):
    """The index server could not answer as asked; one line."""


@dataclass(frozen=True)
class IndexSettings:
    """Where the index is and how politely and how far it is asked."""

    index_url: str = DEFAULT_INDEX_URL
    delay: float = 1.0
    """Seconds between two requests to the same server."""
    timeout: float = 30.0
    """Seconds for a connection or a read; an answer as a whole gets ``4 * timeout``."""
    retries: int = 2
    max_pages: int = 5
    max_captures: int = 10_000
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class IndexCrawl:
    name: str
    """``CC-MAIN-2024-10``"""
    cdx_api: str


@dataclass(frozen=True)
class CdxCapture:
    """One line of a CDX answer (the fields we keep)."""

    timestamp: str
    url: str
    status: str | None
    mime: str | None
    digest: str | None
    length: int | None
    filename: str | None
    offset: int | None


@dataclass(frozen=True)
class QueryResult:
    """The captures of one site in one crawl, or why they could not be had."""

    crawl: str
    status: Literal["ok", "error"]
    error: str | None = None
    pages: int = 0
    """Pages fetched."""
    pages_total: int | None = None
    """Pages the index said there are (None: the server does not page)."""
    captures: tuple[CdxCapture, ...] = ()
    seen: int = 0
    """CDX lines read (captures kept, then the ones past the cap, then malformed)."""
    malformed: int = 0
    truncated: bool = False


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_DEFAULT: Final = urllib.request.build_opener()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:2048]


def parse_cdx_line(line: bytes) -> CdxCapture | None:
    """A pywb/Common Crawl JSON line as a capture; None for anything else."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    if not isinstance(row, dict):
        return None
    timestamp, url = row.get("timestamp"), row.get("url")
    if not isinstance(timestamp, str) or not timestamp.isdigit() or not isinstance(url, str):
        return None
    return CdxCapture(
        timestamp=timestamp[:14],
        url=url[:4096],
        status=_text(row.get("status")),
        mime=_text(row.get("mime")),
        digest=_text(row.get("digest")),
        length=_int(row.get("length")),
        filename=_text(row.get("filename")),
        offset=_int(row.get("offset")),
    )


def site_pattern(origin: str) -> str:
    """The index query for every capture of a site: its host (and port) then ``/*``."""
    try:
        parts = urlsplit(origin.strip() if "//" in origin else f"http://{origin.strip()}")
        host, port = parts.hostname, parts.port  # a bad port is a ValueError
    except ValueError:
        host = port = None
    if not host or any(c.isspace() for c in host):
        raise CaptureIndexError(f"{origin!r} is not a site address (http://example.com)")
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}/*" if port else f"{host}/*"


@dataclass
class IndexClient:
    """Asks one index server, one request at a time, with pauses between requests."""

    settings: IndexSettings
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    _next: dict[str, float] = field(default_factory=dict)

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        pause = self._next.get(host, 0.0) - self.clock()
        if pause > 0:
            self.sleep(pause)
        self._next[host] = self.clock() + self.settings.delay

    def _open(self, url: str) -> HTTPResponse:
        """One GET, retried for network errors, 429 and 5xx; CaptureIndexError at the end.
        An HTTP error that is an answer (400, 404) is returned as the HTTPError itself."""
        opener = _DIRECT if _is_loopback(url) else _DEFAULT
        request = urllib.request.Request(url, headers={"User-Agent": self.settings.user_agent})
        error = ""
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self.sleep(min(MAX_PAUSE, max(self.settings.delay, 0.0) * 2**attempt))
            self._wait_turn(url)
            self.requests += 1
            try:
                response: HTTPResponse = opener.open(request, timeout=self.settings.timeout)
                return response
            except urllib.error.HTTPError as err:
                if err.code in (400, 404):
                    return err  # type: ignore[return-value]  # an answer: the caller reads it
                error = f"HTTP {err.code} {err.reason}"
                retry_after = _int(err.headers.get("Retry-After")) if err.headers else None
                err.close()
                if err.code != 429 and err.code < 500:
                    break
                if retry_after:
                    self.sleep(min(MAX_PAUSE, float(retry_after)))
            except (urllib.error.URLError, OSError, HTTPException) as err:
                reason = getattr(err, "reason", None) or err
                error = f"{type(err).__name__}: {reason}"
        raise CaptureIndexError(f"{_short(url)}: {error}")

    def _lines(self, url: str, limit: int) -> Generator[bytes, None, None]:
        """The lines of an answer, at most ``limit`` bytes and ``4 * timeout`` seconds."""
        deadline = self.clock() + 4 * self.settings.timeout
        with self._open(url) as response:
            status = getattr(response, "status", None) or getattr(response, "code", 200)
            if status in (400, 404):
                return  # no captures (pywb's 404 {"error": "No Captures found"}) or no page
            read = 0
            while True:
                try:
                    line = response.readline(MAX_LINE_BYTES + 1)
                except (OSError, HTTPException) as err:
                    raise CaptureIndexError(f"{_short(url)}: answer cut short ({err})") from err
                if not line:
                    return
                read += len(line)
                if read > limit:
                    raise CaptureIndexError(f"{_short(url)}: answer larger than {limit:,} bytes")
                if self.clock() > deadline:
                    raise CaptureIndexError(f"{_short(url)}: answer took too long")
                yield line

    def crawls(self, count: int) -> list[IndexCrawl]:
        """The ``count`` newest crawls the server lists (collinfo.json), newest first."""
        base = self.settings.index_url.rstrip("/")
        body = b"".join(self._lines(f"{base}/collinfo.json", MAX_COLLINFO_BYTES))
        try:
            listing = json.loads(body)
        except ValueError:
            raise CaptureIndexError(f"{base}/collinfo.json: not JSON") from None
        found: dict[str, str] = {}
        if isinstance(listing, list):  # Common Crawl: [{"id": …, "cdx-api": …}, …]
            for item in listing:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    api = item.get("cdx-api")
                    name = item["id"]
                    found[name] = api if isinstance(api, str) else f"{base}/{name}-index"
        elif isinstance(listing, dict):  # pywb: {"fixed": […], "dynamic": […]}
            for key in ("fixed", "dynamic"):
                for name in listing.get(key) or ():
                    if isinstance(name, str):
                        found[name] = f"{base}/{name}/cdx"
        if not found:
            raise CaptureIndexError(f"{base}/collinfo.json lists no crawls")
        names = sorted(found, reverse=True)[: max(1, min(count, MAX_CRAWLS))]
        return [IndexCrawl(name, found[name]) for name in names]

    def _page_count(self, api: str, pattern: str) -> int | None:
        """Pages of the answer, or None when the server does not page (plain CDXJ)."""
        query = urlencode({"url": pattern, "output": "json", "showNumPages": "true"})
        with closing(self._lines(f"{api}?{query}", MAX_PAGE_INFO_BYTES)) as lines:
            first = next(lines, b"")
        try:
            info = json.loads(first) if first.strip() else None
        except ValueError:
            return None
        if isinstance(info, int):
            return info
        if isinstance(info, dict) and "pages" in info and "url" not in info:
            return _int(info.get("pages"))
        return None

    def query(self, origin: str, crawl: IndexCrawl) -> QueryResult:
        """Every capture of ``origin`` in ``crawl``, within the caps; errors as a result."""
        try:
            return self._query(origin, crawl)
        except CaptureIndexError as err:
            return QueryResult(crawl.name, "error", error=str(err))

    def _query(self, origin: str, crawl: IndexCrawl) -> QueryResult:
        caps = self.settings
        pattern = site_pattern(origin)
        total = self._page_count(crawl.cdx_api, pattern)
        captures: list[CdxCapture] = []
        seen = malformed = pages = 0
        truncated = total is not None and total > caps.max_pages
        if total is None:
            params = {"url": pattern, "output": "json", "limit": str(caps.max_captures + 1)}
            urls = [f"{crawl.cdx_api}?{urlencode(params)}"]
        else:
            urls = [
                f"{crawl.cdx_api}?{urlencode({'url': pattern, 'output': 'json', 'page': page})}"
                for page in range(min(total, caps.max_pages))
            ]
        for url in urls:
            pages += 1
            with closing(self._lines(url, MAX_PAGE_BYTES)) as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    seen += 1
                    capture = parse_cdx_line(line)
                    if capture is None:
                        malformed += 1
                    elif len(captures) < caps.max_captures:
                        captures.append(capture)
                    else:
                        truncated = True
                        break
            if truncated and len(captures) >= caps.max_captures:
                break
        return QueryResult(
            crawl.name, "ok", None, pages, total, tuple(captures), seen, malformed, truncated
        )


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"
