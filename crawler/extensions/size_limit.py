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
    def __init__(self) -> None:
        self.received: dict[int, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SizeLimit:
        extension = cls()
        crawler.signals.connect(extension.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(extension.request_left, signal=signals.request_left_downloader)
        return extension

    def bytes_received(self, data: bytes, request: Request, spider: object) -> None:
        limit = request.meta.get("optout_maxbytes")
        if not limit:
            return
        key = id(request)
        total = self.received.get(key, 0) + len(data)
        self.received[key] = total
        if total > limit:
            request.meta["optout_truncated"] = True
            raise StopDownload(fail=False)

    def request_left(self, request: Request, spider: object) -> None:
        self.received.pop(id(request), None)
