"""Stores every fetch record and site completion in the evidence database (``OPTOUT_DB``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

import sqlite_utils
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

import audits
from audits.agents import load_registry
from crawler.items import FetchRecord, SiteDone, SiteSeen
from crawler.storage import (
    CrawlStatus,
    FetchWriter,
    done_origins,
    finish_crawl,
    open_db,
    resume_crawl,
    start_crawl,
)

SNAPSHOT_NAMES: Final = frozenset({"DOWNLOAD_DELAY", "USER_AGENT"})
SNAPSHOT_PREFIXES: Final = ("OPTOUT_", "CONCURRENT_REQUESTS", "AUTOTHROTTLE_")


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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the pipeline; off (NotConfigured) when ``OPTOUT_DB`` is empty."""
        db_path = crawler.settings.get("OPTOUT_DB")
        if not db_path:
            raise NotConfigured("OPTOUT_DB is not set: fetch records are not stored")
        pipeline = cls(crawler, str(db_path))
        # Pipelines close before spider_closed is sent, and only that signal carries the reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
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
            raise RuntimeError("StorePipeline.process_item called before open_spider")
        if isinstance(item, FetchRecord):
            self.writer.add_fetch(item)
        elif isinstance(item, SiteDone):
            self.writer.add_site_done(item)
        elif isinstance(item, SiteSeen):
            self.writer.add_site(_seed_fields(item.seed), item.crawl_id)
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        """Write what is buffered; the run itself is closed on ``spider_closed``."""
        if self.writer is not None:
            self.writer.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record the run as finished (reason ``finished``) or interrupted, with its stats."""
        if self.db is None or self.crawl_id is None:
            return
        try:
            if self.writer is not None:
                self.writer.close()
            stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
            status: CrawlStatus = "finished" if reason == "finished" else "interrupted"
            finish_crawl(self.db, self.crawl_id, status, stats)
        finally:
            self.db.close()
            self.db = None
            self.writer = None
