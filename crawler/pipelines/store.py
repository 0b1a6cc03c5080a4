"""Stores every fetch record and site completion in the evidence database (``OPTOUT_DB``).

A write that fails (disk full, a file size limit, an I/O error) stops the crawl: the failed
batch is rolled back and dropped (its sites are not marked done, so ``--resume`` crawls them
again), the run is closed as ``interrupted`` if the database still takes that small write, and
the one-line error is kept in the stats under ``STORAGE_ERROR_STAT`` for the CLI to report.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

import sqlite_utils
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

import audits
from audits.core.agents import load_registry
from crawler.extensions.fast_stop import crawl_cut_short
from crawler.items import FetchRecord, SiteDone, SiteSeen
from crawler.storage import (
    CrawlStatus,
    FetchWriter,
    done_origins,
    finish_crawl,
    open_db,
    resume_crawl,
    start_crawl,
    write_failure,
)

SNAPSHOT_NAMES: Final = frozenset({"DOWNLOAD_DELAY", "USER_AGENT"})
SNAPSHOT_PREFIXES: Final = ("OPTOUT_", "CONCURRENT_REQUESTS", "AUTOTHROTTLE_")
STORAGE_ERROR_STAT: Final = "optout/storage_error"
"""Stats key holding the one-line error of a failed database write (absent when none)."""
CLOSE_REASON: Final = "storage-error"

logger = logging.getLogger(__name__)


def _tool_version() -> str:
    try:
        return version("optout-audit")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0.0.0"


def _seed_fields(seed: object) -> dict[str, Any]:
    """A seed's fields as a dict, whether it is a dataclass, a named tuple or a mapping."""
    if is_dataclass(seed) and not isinstance(seed, type):
        return asdict(seed)
    if isinstance(seed, Mapping):
        return dict(seed)
    if hasattr(seed, "_asdict"):
        return dict(seed._asdict())
    return dict(vars(seed))


class StorePipeline:
    """Opens (or resumes) a crawl run, writes items in batches, and closes the run with stats."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.db: sqlite_utils.Database | None = None
        self.writer: FetchWriter | None = None
        self.crawl_id: int | None = None
        self.failed: str | None = None
        """The write error that stopped the crawl; nothing is written after it."""
        self._stopping = False
        self._cut_short = False
        """The run was closed early by ``interrupt``: later items are dropped, not written."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the pipeline; off (NotConfigured) when ``OPTOUT_DB`` is empty."""
        db_path = crawler.settings.get("OPTOUT_DB")
        if not db_path:
            raise NotConfigured("OPTOUT_DB is not set: fetch records are not stored")
        pipeline = cls(crawler, str(db_path))
        # Pipelines close before spider_closed is sent, and only that signal carries the reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.interrupt, signal=crawl_cut_short)
        return pipeline

    def settings_snapshot(self) -> dict[str, Any]:
        """The settings that shape a crawl, as recorded with it."""
        settings = self.crawler.settings
        return {
            name: settings.get(name)
            for name in sorted(settings)
            if name in SNAPSHOT_NAMES or name.startswith(SNAPSHOT_PREFIXES)
        }

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open the database, resume or start a crawl, and tell the spider what is done."""
        spider = spider or self.crawler.spider
        if spider is None:
            raise RuntimeError("StorePipeline.open_spider called without a spider")
        settings = self.crawler.settings
        self.db = open_db(self.db_path)
        crawl_id = resume_crawl(self.db) if settings.getbool("OPTOUT_RESUME") else None
        if crawl_id is None:
            crawl_id = start_crawl(
                self.db,
                seeds_source=settings.get("OPTOUT_SEEDS") or None,
                settings=self.settings_snapshot(),
                tool_version=_tool_version(),
                interpreter_version=audits.INTERPRETER_VERSION,
                registry_version=load_registry().version,
            )
        self.crawl_id = crawl_id
        self.writer = FetchWriter(self.db, batch_size=settings.getint("OPTOUT_DB_BATCH_SIZE", 200))
        spider.crawl_id = crawl_id  # type: ignore[attr-defined,unused-ignore]
        spider.done_origins = done_origins(self.db, crawl_id)  # type: ignore[attr-defined,unused-ignore]

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Buffer seeds, fetch records and site completions; every item passes on unchanged."""
        if self.writer is None:
            if self._cut_short:
                return item  # its site is not done: --resume fetches it again
            raise RuntimeError("StorePipeline.process_item called before open_spider")
        writer = self.writer
        if isinstance(item, FetchRecord):
            self._write(lambda: writer.add_fetch(item))
        elif isinstance(item, SiteDone):
            self._write(lambda: writer.add_site_done(item))
        elif isinstance(item, SiteSeen):
            self._write(lambda: writer.add_site(_seed_fields(item.seed), item.crawl_id))
        if self.failed is not None and not self._stopping:
            self._stopping = True
            self._stop_crawl()
        return item

    def _write(self, action: Callable[[], None]) -> None:
        """Run one buffered write; the first database error stops the crawl (see module doc)."""
        if self.failed is not None:
            return
        try:
            action()
        except sqlite3.Error as exc:
            self._fail(exc)

    def _fail(self, exc: sqlite3.Error) -> None:
        self.failed = str(write_failure(self.db_path, exc, "run `optout crawl --resume`"))
        logger.error(self.failed)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(STORAGE_ERROR_STAT, self.failed)

    def _stop_crawl(self) -> None:
        """Ask the engine to close the spider (requests in flight are dropped)."""
        engine = self.crawler.engine
        close_async = getattr(engine, "close_spider_async", None)
        if close_async is not None:  # Scrapy 2.14+
            deferred_from_coro(close_async(reason=CLOSE_REASON))
        elif engine is not None and self.crawler.spider is not None:
            engine.close_spider(self.crawler.spider, CLOSE_REASON)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Write what is buffered; the run itself is closed on ``spider_closed``."""
        if self.writer is not None:
            self._write(self.writer.flush)

    def interrupt(self) -> None:
        """Write what is buffered and close the run as interrupted now, before the reactor is
        stopped with downloads still in flight (crawler/extensions/fast_stop.py)."""
        if self.db is None:
            return
        self._cut_short = True
        self.close_spider(self.crawler.spider)
        self.spider_closed(self.crawler.spider, "cut-short")  # type: ignore[arg-type]

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record the run as finished (reason ``finished``) or interrupted, with its stats."""
        if self.db is None or self.crawl_id is None:
            return
        try:
            if self.writer is not None:
                self._write(self.writer.close)
            stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
            finished = reason == "finished" and self.failed is None
            status: CrawlStatus = "finished" if finished else "interrupted"
            try:
                finish_crawl(self.db, self.crawl_id, status, stats)
            except sqlite3.Error as exc:
                # Still full: the run stays 'running', which --resume continues as well.
                if self.failed is None:
                    self._fail(exc)
                logger.warning("crawl %s could not be marked %s: %s", self.crawl_id, status, exc)
        finally:
            self.db.close()
            self.db = None
            self.writer = None
