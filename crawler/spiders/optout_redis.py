"""The optout spider as one of several workers: seeds come from a shared Redis queue instead
of a file, records go to the worker's own shard (``crawler.pipelines.shard``).

Everything a site goes through is the parent's; only where seeds come from and when a site
counts as finished differ. A worker takes a seed only when it has room for another site in
flight (``OPTOUT_SITES_IN_FLIGHT``), so workers share the queue by their speed, and stops when
the queue is empty and its own sites are done. See ``crawler/redis_queue.py`` for why a site
is never lost when a worker is killed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.settings import BaseSettings
from scrapy_redis import connection
from twisted.internet.task import LoopingCall

from crawler.redis_queue import (
    DEFAULT_KEY,
    QueueCrawl,
    QueueError,
    SeedQueue,
    seed_from_json,
)
from crawler.seeds import Seed
from crawler.spiders.optout import OptoutSpider

STORE = "crawler.pipelines.store.StorePipeline"
SHARD = "crawler.pipelines.shard.ShardStorePipeline"
HEARTBEAT_SECONDS = 10.0


class OptoutRedisSpider(OptoutSpider):
    name = "optout-redis"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue: SeedQueue | None = None
        self._queue_crawl: QueueCrawl | None = None
        self._heartbeat: LoopingCall | None = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        order = pipelines.pop(STORE, 300)
        settings.set("ITEM_PIPELINES", {**pipelines, STORE: None, SHARD: order}, "spider")
        settings.set("REDIS_DECODE_RESPONSES", True, priority="spider")

    # -- the queue -------------------------------------------------------------------------

    @property
    def queue(self) -> SeedQueue:
        if self._queue is None:
            if not self.settings.get("REDIS_URL"):
                raise ValueError("no queue: set REDIS_URL (optout crawl --redis URL)")
            client = connection.get_redis_from_settings(self.settings)
            self._queue = SeedQueue(client, self.settings.get("OPTOUT_REDIS_KEY") or DEFAULT_KEY)
        return self._queue

    @property
    def queue_crawl(self) -> QueueCrawl:
        """The shared crawl, whose id the shard takes."""
        if self._queue_crawl is None:
            self._queue_crawl = self.queue.require_crawl()
        return self._queue_crawl

    @property
    def worker(self) -> str:
        return self.settings.get("OPTOUT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"

    def _needs_browser(self) -> bool:
        return self._render_all() or self.queue.wants_render()

    # -- seeds -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        queue, worker = self.queue, self.worker
        back = queue.reclaim(worker) + queue.reclaim_dead(besides=worker)
        self.crawler.stats.set_value("optout/queue/requeued_at_start", back)
        self._heartbeat = LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_SECONDS, now=True)
        async for item in super().start():
            yield item

    def _seeds(self) -> Iterator[Seed]:
        """Seeds taken from the queue one at a time, only when there is room for a site."""
        queue, worker = self.queue, self.worker
        while True:
            raw = queue.take(worker)
            if raw is None:
                if queue.reclaim_dead(besides=worker):
                    continue
                return
            try:
                seed = seed_from_json(raw)
            except ValueError as exc:
                self.logger.error("dropped a queued seed that is not one (%s): %r", exc, raw)
                self.crawler.stats.inc_value("optout/queue/bad_seed")
                queue.drop(worker, raw)
                continue
            if seed.origin in self.sites:
                continue
            if seed.origin in self.done_origins or queue.is_done(seed.origin):
                queue.ack(worker, seed.origin)
                continue
            self.crawler.stats.inc_value("optout/queue/taken")
            yield seed

    def _beat(self) -> None:
        try:
            self.queue.beat(self.worker)
        except QueueError as exc:  # the next beat may get through; the crawl goes on
            self.logger.warning("heartbeat: %s", exc)

    def site_committed(self, origin: str) -> None:
        """Called by the shard pipeline once a site's records are committed."""
        if not self.queue.ack(self.worker, origin):
            self.crawler.stats.inc_value("optout/queue/done_elsewhere")

    def closed(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self._queue is not None:
            back = self._queue.retire(self.worker)
            if back:
                self.logger.warning("%d unfinished site(s) put back on the queue", back)
