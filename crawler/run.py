"""Running the spider in this process: the project's settings with overrides, the seed count a
crawl will visit, and one crawl with a tally of what it yielded.

Scrapy's reactor starts once per process: call ``run_crawl`` at most once in a process (the
commands that crawl more than once run ``optout crawl`` in a child, see ``crawler.scheduled_runs``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.items import FetchRecord, SiteDone
from crawler.pipelines.store import STORAGE_ERROR_STAT
from crawler.seeds import SeedError, SeedReport, read_seeds
from crawler.words import counted


def crawl_settings(**overrides: Any) -> Settings:
    """The project's settings with ``OPTOUT_*`` overrides (the same as ``scrapy crawl``)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def count_seeds(
    path: Path, limit: int, *, skip_bad: bool = False, report: SeedReport | None = None
) -> tuple[int, bool]:
    """How many seeds the crawl will visit, and whether any asks for rendering (streams the
    file once). Invalid rows among them are all listed in one SeedError, or with ``skip_bad``
    passed over (counted in ``report.bad``) just as the spider passes over them."""
    tally = SeedReport() if report is None else report
    total, render = 0, False
    for seed in read_seeds(path, report=tally, skip_bad=True):
        total += 1
        render = render or seed.render
        if limit and total >= limit:
            break
    if tally.bad and not skip_bad:
        raise SeedError(path, None, _bad_rows(tally))
    return total, render


def _bad_rows(report: SeedReport) -> str:
    shown = "".join(f"\n  {error}" for error in report.bad_examples)
    more = report.bad - len(report.bad_examples)
    return (
        f"{counted(report.bad, 'invalid row')}; fix them, or crawl the valid rows with"
        f" --skip-bad-seeds:{shown}" + (f"\n  … and {more} more" if more else "")
    )


class CrawlTally:
    """Counts what the spider yields, for a progress display and the summary."""

    def __init__(self) -> None:
        self.sites = 0
        self.fetches = 0
        self.errors: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.crawl_id: int | None = None
        self.storage_error: str | None = None

    def item_scraped(self, item: Any, **_: Any) -> None:
        """Scrapy's ``item_scraped`` signal: count one fetch record or one finished site."""
        if isinstance(item, FetchRecord):
            self.fetches += 1
            self.crawl_id = item.crawl_id
            if item.error_class:
                self.errors[item.error_class] += 1
            if item.skipped:
                self.skipped[item.skipped] += 1
        elif isinstance(item, SiteDone):
            self.sites += 1


def run_crawl(
    settings: Settings,
    *,
    spider: str = "optout",
    on_item: Callable[[CrawlTally], None] | None = None,
) -> CrawlTally:
    """Run one crawl in this process and return what it did; ``on_item`` is called with the
    tally after each item the spider yields (to show progress)."""
    tally = CrawlTally()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    crawler.signals.connect(tally.item_scraped, signal=signals.item_scraped)
    if on_item is not None:

        def report(**_: Any) -> None:
            on_item(tally)

        crawler.signals.connect(report, signal=signals.item_scraped, weak=False)
    process.crawl(crawler)
    process.start()
    tally.crawl_id = getattr(crawler.spider, "crawl_id", tally.crawl_id)
    if crawler.stats is not None:
        tally.storage_error = crawler.stats.get_value(STORAGE_ERROR_STAT)
    return tally
