"""Retries 429 and 5xx-gateway answers and connection failures, with exponential backoff.

Scrapy's RetryMiddleware retries at once; a site that says "too many requests" deserves a
pause. The wait honours ``Retry-After`` (seconds) up to ``OPTOUT_RETRY_MAX_DELAY``. Only the
downloader slot of that request waits; other sites go on.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class BackoffRetryMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.times = settings.getint("OPTOUT_RETRY_TIMES")
        self.base = settings.getfloat("OPTOUT_RETRY_BASE_DELAY")
        self.cap = settings.getfloat("OPTOUT_RETRY_MAX_DELAY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_STATUSES or request.meta.get("dont_retry"):
            return response
        tries = request.meta.get("optout_retries", 0)
        if tries >= self.times:
            return response
        await asyncio.sleep(self._delay(tries, response.headers.get(b"Retry-After")))
        if self.crawler.stats:
            self.crawler.stats.inc_value(f"optout/retry/status_{response.status}")
        retry = request.replace(dont_filter=True)
        retry.meta["optout_retries"] = tries + 1
        return retry

    def _delay(self, tries: int, retry_after: bytes | None) -> float:
        delay: float = self.base * (2**tries)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        return min(delay, self.cap)
