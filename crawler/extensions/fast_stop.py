"""Ends a crawl about a second after it is asked to stop (Ctrl-C, SIGTERM), not when the slowest
download in flight gives up.

Scrapy's graceful stop waits for every download in flight, each up to ``DOWNLOAD_TIMEOUT``
(20 s by default; a site that holds the connection keeps the crawl alive that long). Here,
once the crawler stops crawling (``Crawler.crawling`` turns false on the first SIGINT or
SIGTERM) and the spider is still not closed ``OPTOUT_STOP_GRACE`` seconds later, the extension
sends ``crawl_cut_short``: the store pipeline writes what it holds and closes the run as
``interrupted`` (whatever arrives later is dropped; ``--resume`` fetches those sites again).
Then it stops the reactor. The same signal is sent when the reactor stops for any other reason
with the spider still open (a stop asked while the engine was starting, a second Ctrl-C).
The downloads abandoned that way leave asyncio futures nobody will read; the event loop is told
to keep quiet about those, on this path only.

``OPTOUT_STOP_GRACE = 0`` turns the extension off (Scrapy's own graceful stop).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any, Final, cast

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.base import DelayedCall, ReactorBase
from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

crawl_cut_short: Final = object()
"""Signal sent just before the reactor is stopped: write what is buffered, close the run."""

DEFAULT_GRACE: Final = 1.0
WATCH_SECONDS: Final = 0.1
"""How often the extension looks whether a stop was asked (Scrapy sends no signal for it)."""

_ABANDONED: Final = frozenset(
    {
        "Future exception was never retrieved",
        "Task exception was never retrieved",
        "Task was destroyed but it is pending!",
    }
)


class FastStop:
    """Cuts a stopping crawl short after a grace period (see the module doc)."""

    def __init__(self, crawler: Crawler, grace: float) -> None:
        self.crawler = crawler
        self.grace = grace
        self._watch = LoopingCall(self._check)
        self._timer: DelayedCall | None = None
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FastStop:
        grace = crawler.settings.getfloat("OPTOUT_STOP_GRACE", DEFAULT_GRACE)
        if grace <= 0:
            raise NotConfigured("OPTOUT_STOP_GRACE is 0: Scrapy's own graceful stop")
        extension = cls(crawler, grace)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, **_: Any) -> None:
        _reactor().addSystemEventTrigger("before", "shutdown", self._cut_short)

    def engine_started(self) -> None:
        self._watch.start(WATCH_SECONDS, now=False)

    def spider_closed(self, **_: Any) -> None:
        """The crawl ended on its own (or within the grace): nothing to cut."""
        self._closed = True
        if self._watch.running:
            self._watch.stop()
        if self._timer is not None and self._timer.active():
            self._timer.cancel()

    def _check(self) -> None:
        if self.crawler.crawling or self._closed:
            return
        self._watch.stop()
        logger.info("stop asked: the crawl is cut short in %.1f s if still busy", self.grace)
        self._timer = _reactor().callLater(self.grace, self._cut_short)

    def _cut_short(self) -> None:
        if self._closed:
            return
        self._closed = True
        logger.info("the spider is still open: cutting the crawl short")
        self.crawler.signals.send_catch_log(signal=crawl_cut_short)
        # The engine will not get to send spider_closed: send it, so that components closing
        # on it still do (a queue worker puts its unfinished sites back, thread pools end).
        self.crawler.signals.send_catch_log(
            signal=signals.spider_closed, spider=self.crawler.spider, reason="shutdown"
        )
        _quiet_abandoned_futures()
        with suppress(RuntimeError):  # already stopping
            _reactor().stop()


def _reactor() -> ReactorBase:
    """The running reactor (imported late: importing it earlier would install the default one
    before Scrapy installs the asyncio reactor of ``TWISTED_REACTOR``)."""
    from twisted.internet import reactor

    return cast(ReactorBase, reactor)


def _quiet_abandoned_futures() -> None:
    """Drop asyncio's reports of futures and tasks left behind by the abandoned downloads."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # Twisted's own reactor: no asyncio loop to quiet
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") not in _ABANDONED:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
