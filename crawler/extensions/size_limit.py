"""Keeps the first N bytes of a response and stops the download there.

Scrapy's DOWNLOAD_MAXSIZE drops an oversized response entirely; the audit needs the first
bytes (RFC 9309 §2.5 asks for at least 500 KiB of robots.txt, images need only their
metadata segments). On the ``bytes_received`` signal, once a request's ``optout_maxbytes``
is reached, the download stops and the partial response is delivered with the
``download_stopped`` flag.
"""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload


class SizeLimit:
    def __init__(self, maxsize: int = 0) -> None:
        self.received: dict[int, int] = {}
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SizeLimit:
        extension = cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(extension.headers_received, signal=signals.headers_received)
        crawler.signals.connect(extension.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(extension.request_left, signal=signals.request_left_downloader)
        return extension

    def headers_received(
        self, headers: object, body_length: int | str, request: Request, spider: object
    ) -> None:
        """Scrapy refuses a body whose Content-Length is over DOWNLOAD_MAXSIZE before reading
        any of it, but the audit wants its first bytes (a 64 MiB robots.txt still has rules in
        its first 500 KiB). The cap is lifted for this download only: ``bytes_received`` stops
        it at ``optout_maxbytes`` and puts the cap back before decompression reads it."""
        limit = request.meta.get("optout_maxbytes")
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        if isinstance(body_length, int) and limit and maxsize and limit < maxsize < body_length:
            request.meta["download_maxsize"] = 0
            request.meta["optout_maxsize_lifted"] = maxsize

    def bytes_received(self, data: bytes, request: Request, spider: object) -> None:
        limit = request.meta.get("optout_maxbytes")
        if not limit:
            return
        key = id(request)
        total = self.received.get(key, 0) + len(data)
        self.received[key] = total
        if total > limit:
            request.meta["optout_truncated"] = True
            _restore_maxsize(request)
            raise StopDownload(fail=False)

    def request_left(self, request: Request, spider: object) -> None:
        self.received.pop(id(request), None)
        _restore_maxsize(request)


def _restore_maxsize(request: Request) -> None:
    if "optout_maxsize_lifted" in request.meta:
        request.meta["download_maxsize"] = request.meta.pop("optout_maxsize_lifted")
