"""The framework's limit: a Scrapy spider that fetches a list of URLs and does nothing else.

Same engine, download handler, proxy, concurrency and per-host limits as the optout crawl, so
the ratio of the two rates is the cost of what optout does on top of Scrapy (deciding what to
fetch, reading robots.txt, recording evidence, writing SQLite).

    python benchmarks/bare_spider.py URLS_FILE --proxy http://127.0.0.1:PORT [-s NAME=VALUE ...]

URLS_FILE has a line per request: KIND<TAB>URL, as crawl_bench.py writes it.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

IMAGE_BYTES = 256 * 1024
STATUSES = list(range(400, 600))


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, proxy: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file = urls_file
        self.proxy = proxy

    async def start(self) -> AsyncIterator[scrapy.Request]:
        with open(self.urls_file, encoding="utf-8") as urls:
            for line in urls:
                kind, _, url = line.strip().partition("\t")
                if url:
                    # As the optout spider asks: images by a Range request for the first bytes.
                    headers = {"Range": f"bytes=0-{IMAGE_BYTES - 1}"} if kind == "image" else {}
                    yield scrapy.Request(
                        url,
                        callback=self.ignore,
                        errback=self.ignore,
                        dont_filter=True,
                        headers=headers,
                        meta={"proxy": self.proxy, "handle_httpstatus_list": STATUSES},
                    )

    def ignore(self, _: Any) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls_file")
    parser.add_argument("--proxy", required=True)
    parser.add_argument("-s", dest="settings", action="append", default=[])
    args = parser.parse_args()
    settings: dict[str, Any] = {
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    for item in args.settings:
        name, _, value = item.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, urls_file=args.urls_file, proxy=args.proxy)
    process.start()


if __name__ == "__main__":
    main()
