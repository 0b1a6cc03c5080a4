"""A probe follows a redirect only to where its baseline fetch went.

A probe repeats one of our own fetches with another crawler's User-Agent string
(``crawler/probes.py``) and must never ask for a URL our own fetch did not. Where the site
redirects the probe as it redirected us, the redirect is followed as any redirect is (Scrapy's
RedirectMiddleware, the same limit, the private-address guard on each hop). Where it sends
the probe somewhere else (a block page, a challenge, a login), that answer is not followed:
it is handed to the spider and recorded as it came, its status and ``Location`` header
saying where the site wanted that agent to go.

Placed after RedirectMiddleware (600) on the way out, so it sees each response before it.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urldefrag, urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

PROBE_PATH: Final = "optout_probe_path"
"""Request meta of a probe: the URLs its baseline went through (redirects, final URL)."""
REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


class ProbeRedirectGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProbeRedirectGuard:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        path = request.meta.get(PROBE_PATH)
        if path is None or response.status not in REDIRECTS:
            return response
        location = response.headers.get(b"Location")
        if not location:
            return response
        target = redirect_target(request, location)
        if urldefrag(target)[0] in {urldefrag(url)[0] for url in path}:
            return response  # where our own fetch went: RedirectMiddleware follows it
        # Not followed: the redirect itself is the probe's answer (RedirectMiddleware and the
        # HTTP error filter both let a status listed here through).
        statuses = list(request.meta.get("handle_httpstatus_list", ()))
        request.meta["handle_httpstatus_list"] = [*statuses, response.status]
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("optout/probe/redirect_not_followed")
        return response


def redirect_target(request: Request, location: bytes) -> str:
    """The URL a ``Location`` sends ``request`` to, built as Scrapy's RedirectMiddleware
    builds it."""
    url = safe_url_string(location)
    if location.startswith(b"//"):
        url = urlparse_cached(request).scheme + "://" + url.lstrip("/")
    return urljoin(request.url, url)
