"""A real crawl by a spider whose step after one site's home page, and after another site's
robots.txt, raises: the fault a bug or an unforeseen input would cause.

Run as a script (Twisted's reactor runs once per process):
``python -m tests.crawler.faulty_spider SEEDS DB PROXY``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from crawler.items import FetchRecord
from crawler.run import crawl_settings, run_crawl
from crawler.spiders.optout import OptoutSpider, SiteState

HOME_FAILS = "http://artist-anna.example"
ROBOTS_FAILS = "http://plain-sam.example"


def _failing(step: Any, origin: str) -> Any:
    def after(
        spider: OptoutSpider, site: SiteState, response: Any, record: FetchRecord
    ) -> Iterator[Any]:
        if site.seed.origin == origin:
            yield from ()
            raise ValueError(f"planted fault reading {record.requested_url}")
        yield from step(spider, site, response, record)

    return after


class FaultySpider(OptoutSpider):
    AFTER = {
        **OptoutSpider.AFTER,
        "home": _failing(OptoutSpider.AFTER["home"], HOME_FAILS),
        "robots": _failing(OptoutSpider.AFTER["robots"], ROBOTS_FAILS),
    }


def main(seeds: str, db: str, proxy: str) -> None:
    settings = crawl_settings(
        OPTOUT_SEEDS=seeds,
        OPTOUT_DB=db,
        OPTOUT_PROXY=proxy,
        OPTOUT_ALLOW_PRIVATE=True,
        DOWNLOAD_DELAY=0,
        AUTOTHROTTLE_ENABLED=False,
        DOWNLOAD_TIMEOUT=4,
        OPTOUT_RETRY_BASE_DELAY=0.1,
        LOG_LEVEL="ERROR",
    )
    run_crawl(settings, spider=FaultySpider)  # type: ignore[arg-type]


if __name__ == "__main__":
    main(*sys.argv[1:4])
