"""Stores a distributed worker's records in its own shard file, under the shared crawl's id,
and tells the queue a site is finished only once its records are committed to the shard."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from twisted.internet.task import LoopingCall

import audits
from audits.core.agents import load_registry
from crawler.items import SiteDone
from crawler.pipelines.store import StorePipeline, _tool_version
from crawler.redis_queue import QueueCrawl
from crawler.storage import FetchWriter, StorageError, done_origins, open_db, start_crawl

ACK_SECONDS = 2.0


class ShardStorePipeline(StorePipeline):
    """``StorePipeline`` for ``optout-redis`` workers: the spider gives the crawl
    (``spider.queue_crawl``) and its queue; a shard holds one crawl only.

    Finished sites are acknowledged after the batch holding them is committed: when the
    writer's batch fills, and at least every ``ACK_SECONDS`` (a commit per site would cost
    a transaction per site on a million-site crawl)."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        super().__init__(crawler, db_path)
        self._unacked: list[str] = []
        self._acker = LoopingCall(self._flush_and_ack)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        crawl: QueueCrawl | None = getattr(spider, "queue_crawl", None)
        if spider is None or crawl is None:
            raise RuntimeError("ShardStorePipeline needs the optout-redis spider")
        self.db = open_db(self.db_path)
        others = [
            row["id"] for row in self.db.query("SELECT id FROM crawls WHERE id != ?", [crawl.id])
        ]
        if others:
            self.db.close()
            raise StorageError(
                f"{self.db_path} holds crawl {others[0]}, not the queue's crawl {crawl.id}:"
                " give each worker and crawl a shard file of its own"
            )
        if self.db["crawls"].count:
            # The same worker again (after a kill or a later push): reopen the shard's run.
            self.db.execute(
                "UPDATE crawls SET status = 'running', finished_at = NULL,"
                " resumed_count = resumed_count + 1 WHERE id = ?",
                [crawl.id],
            )
        else:
            start_crawl(
                self.db,
                seeds_source=f"redis:{self.crawler.settings.get('OPTOUT_REDIS_KEY')}",
                settings=self.settings_snapshot(),
                tool_version=_tool_version(),
                interpreter_version=audits.INTERPRETER_VERSION,
                registry_version=load_registry().version,
                crawl_id=crawl.id,
            )
        self.crawl_id = crawl.id
        batch = self.crawler.settings.getint("OPTOUT_DB_BATCH_SIZE", 200)
        self.writer = FetchWriter(self.db, batch_size=batch)
        spider.crawl_id = crawl.id  # type: ignore[attr-defined]
        spider.done_origins = done_origins(self.db, crawl.id)  # type: ignore[attr-defined]
        self._acker.start(ACK_SECONDS, now=False)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        item = super().process_item(item, spider)
        if isinstance(item, SiteDone):
            self._unacked.append(item.origin)
        if self.writer is not None and self.writer.pending == 0:
            self._ack()  # the writer just committed its batch
        return item

    def _flush_and_ack(self) -> None:
        if self.writer is not None and self._unacked:
            self._write(self.writer.flush)
            self._ack()

    def _ack(self) -> None:
        """Tell the queue about sites whose records are committed (never after a failed
        write: those sites stay in the worker's list and go back to the queue)."""
        if self.failed is not None or not self._unacked:
            return
        committed, self._unacked = self._unacked, []
        site_committed = getattr(self.crawler.spider, "site_committed", None)
        if site_committed is not None:
            for origin in committed:
                site_committed(origin)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self._acker.running:
            self._acker.stop()
        super().close_spider(spider)
        self._ack()
