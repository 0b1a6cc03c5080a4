"""Asking a CDX index server (Common Crawl's, or any pywb-style one) for a site's captures.

Common Crawl's index server (https://index.commoncrawl.org) runs pywb over ZipNum indexes:
``collinfo.json`` lists the crawls, each with its ``cdx-api`` URL; a query with
``showNumPages=true`` answers how many pages the result has, and ``page=N`` fetches one. A
pywb server over plain CDXJ files lists its collections in ``collinfo.json`` as
``{"fixed": […], "dynamic": […]}``, serves each at ``/<name>/cdx``, ignores ``page`` (every
page would be the whole answer again) and answers ``showNumPages`` with the captures
themselves: then the captures are asked once, with ``limit``.

A site is asked under its host and its ``www.`` twin (``hosts``): the twin only until an
answer shows the server keys both alike, as Common Crawl's does; captures of any other host
(the twin, when it is a site of its own) are counted as ``elsewhere`` and not kept.

Politeness and bounds: one request at a time (the run is sequential), ``delay`` seconds
between two requests to the same server, our own User-Agent, a timeout per request and a
deadline per answer, a few retries with growing pauses for 429, 5xx and network errors, at
most ``max_pages`` pages per host asked and ``max_captures`` captures per site and crawl (a
truncated result says so). cdx_toolkit's fetcher is not used: it retries a 5xx answer
without end, sends its own User-Agent, and pages a plain-CDXJ server forever.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field, replace
from http.client import HTTPException, HTTPResponse
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

from crawler.settings import USER_AGENT
from results.captures.hosts import (
    SiteAddressError,
    folded,
    host_pattern,
    site_host,
    twin_host,
    url_host,
)

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
    host: str | None = None
    """The host the URL names (set once the capture is known to be of the site)."""


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
    hosts: tuple[str, ...] = ()
    """The hosts the captures are of: the site's, and its ``www.`` twin unless that is a site
    of its own."""
    elsewhere: int = 0
    """Captures the index answered for another host (kept by that host's site, not this one)."""


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
    """The index query for every capture of a site's own host: host (and port) then ``/*``."""
    try:
        return host_pattern(*site_host(origin))
    except SiteAddressError as err:
        raise CaptureIndexError(str(err)) from None


def site_hosts(origin: str, *, separate: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The hosts a site's captures are asked under: its own, then its ``www.`` twin unless
    the twin is in ``separate`` (a site of its own). CaptureIndexError for a bad address."""
    try:
        host, _ = site_host(origin)
    except SiteAddressError as err:
        raise CaptureIndexError(str(err)) from None
    twin = twin_host(host)
    return (host,) if twin is None or twin in separate else (host, twin)


@dataclass
class _Answer:
    """What the pages of one host's answer held."""

    captures: list[CdxCapture] = field(default_factory=list)
    seen: int = 0
    malformed: int = 0
    elsewhere: int = 0
    pages: int = 0
    pages_total: int | None = None
    truncated: bool = False


@dataclass
class IndexClient:
    """Asks one index server, one request at a time, with pauses between requests."""

    settings: IndexSettings
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    folds_www: bool = False
    """An answer showed the server keys ``host`` and ``www.host`` alike (SURT): one query
    answers both, so the twin is no longer asked."""
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

    def query(
        self, origin: str, crawl: IndexCrawl, hosts: tuple[str, ...] | None = None
    ) -> QueryResult:
        """Every capture of ``origin`` in ``crawl`` under ``hosts`` (default: the site's host
        and its ``www.`` twin), within the caps; errors as a result."""
        try:
            return self._query(origin, crawl, hosts or site_hosts(origin))
        except (CaptureIndexError, SiteAddressError) as err:
            return QueryResult(crawl.name, "error", error=str(err))

    def _query(self, origin: str, crawl: IndexCrawl, hosts: tuple[str, ...]) -> QueryResult:
        _, port = site_host(origin)
        answer = _Answer()
        for asked in hosts:
            if asked != hosts[0] and self.folds_www:
                break  # the first answer already held the twin's captures
            if len(answer.captures) >= self.settings.max_captures:
                answer.truncated = True  # the twin is not asked: it may have more
                break
            self._ask(crawl, asked, port, hosts, answer)
        return QueryResult(
            crawl.name, "ok", None, answer.pages, answer.pages_total, tuple(answer.captures),
            answer.seen, answer.malformed, answer.truncated, hosts, answer.elsewhere,
        )  # fmt: skip

    def _ask(
        self,
        crawl: IndexCrawl,
        asked: str,
        port: int | None,
        hosts: tuple[str, ...],
        answer: _Answer,
    ) -> None:
        """One host's pages into ``answer``: captures of ``hosts`` (those an earlier host's
        answer held are not kept again: a twin's answer may repeat it), the others counted
        as elsewhere."""
        caps = self.settings
        earlier = {_key(c) for c in answer.captures}
        pattern = host_pattern(asked, port)
        total = self._page_count(crawl.cdx_api, pattern)
        if total is not None:
            answer.pages_total = (answer.pages_total or 0) + total
            answer.truncated |= total > caps.max_pages
        if total is None:
            params = {"url": pattern, "output": "json", "limit": str(caps.max_captures + 1)}
            urls = [f"{crawl.cdx_api}?{urlencode(params)}"]
        else:
            urls = [
                f"{crawl.cdx_api}?{urlencode({'url': pattern, 'output': 'json', 'page': page})}"
                for page in range(min(total, caps.max_pages))
            ]
        for url in urls:
            answer.pages += 1
            with closing(self._lines(url, MAX_PAGE_BYTES)) as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    answer.seen += 1
                    capture = parse_cdx_line(line)
                    host = url_host(capture.url) if capture is not None else None
                    if capture is None or host is None:
                        answer.malformed += 1
                        continue
                    if host != asked and folded(host) == folded(asked):
                        self.folds_www = True
                    if host not in hosts:
                        answer.elsewhere += 1
                        continue
                    if earlier and _key(capture) in earlier:
                        continue
                    if len(answer.captures) >= caps.max_captures:
                        answer.truncated = True
                        return
                    answer.captures.append(replace(capture, host=host))


def _key(capture: CdxCapture) -> tuple[str, str, str | None, int | None]:
    return (capture.timestamp, capture.url, capture.filename, capture.offset)


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"
