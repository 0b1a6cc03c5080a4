"""The framework's limit: a Scrapy spider that fetches a list of URLs and does nothing else.

Same engine, download handler, proxy, concurrency and per-host limits as the optout crawl, so
the ratio of the two rates is the cost of what optout does on top of Scrapy (deciding what to
fetch, reading robots.txt, recording evidence, writing SQLite).

    python benchmarks/bare_spider.py URLS_FILE --proxy http://127.0.0.1:PORT [-s NAME=VALUE ...]
        [--hosts-in-flight N] [--stats FILE]

URLS_FILE has a line per request: KIND<TAB>URL, as crawl_bench.py writes it.

``--hosts-in-flight N`` keeps at most N hosts open, as the crawl keeps ``OPTOUT_SITES_IN_FLIGHT``
sites open: a host's lines (those that follow each other in the file) are requested one after
the other, each from the callback of the one before, and the next host is opened when one has
no lines left (from the callback, as the crawl opens its next site). Scrapy's scheduler then
holds almost nothing, so this is the leanest way the engine can keep N hosts busy. Without it
every line goes to Scrapy's scheduler as fast as the engine takes them; at internet latency the
scheduler then holds every host of the list, and its downloader-aware queue, which looks at
every host with queued requests on each pop, spends more CPU than the fetching (measured in
``latency_bench.py``).

``--stats FILE`` writes Scrapy's stats and what the callbacks saw (requests answered, the sum
of their download latencies, each host's first and last moment) as JSON, for the in-flight
figures of ``latency_bench.py``.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

IMAGE_BYTES = 256 * 1024
STATUSES = list(range(400, 600))


def _host(url: str) -> str:
    return url.split("/", 3)[2] if "://" in url else url


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(
        self,
        urls_file: str,
        proxy: str,
        hosts_in_flight: int = 0,
        measure_flight: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls_file = urls_file
        self.proxy = proxy
        self.hosts_in_flight = int(hosts_in_flight)
        self.measure_flight = measure_flight
        self.waiting: dict[str, collections.deque[tuple[str, str]]] = {}
        """Per open host, its lines not yet requested (one request per host at a time)."""
        self.answered = 0
        self.latency_seconds = 0.0
        self.host_spans: dict[str, list[float]] = {}
        self._groups: Iterator[tuple[str, Iterator[tuple[str, str]]]] | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._feed():
            yield request

    def _lines(self) -> Iterator[tuple[str, str]]:
        with open(self.urls_file, encoding="utf-8") as urls:
            for line in urls:
                kind, _, url = line.strip().partition("\t")
                if url:
                    yield kind, url

    def _feed(self) -> Iterator[scrapy.Request]:
        """Without a bound, every request of the list; with one, the first request of each next
        host while there is room (the rest of a host's lines wait in ``self.waiting``)."""
        if self._groups is None:
            self._groups = itertools.groupby(self._lines(), key=lambda line: _host(line[1]))
        limit = self.hosts_in_flight
        while not limit or len(self.waiting) < limit:
            group = next(self._groups, None)
            if group is None:
                return
            host, lines = group
            if not limit:
                yield from (self._request(kind, url) for kind, url in lines)
                continue
            # Taken whole before yielding: a callback may move the shared iterator on while this
            # generator waits, and a group's lines vanish once it does.
            queue = self.waiting.setdefault(host, collections.deque())
            busy = bool(queue)
            queue.extend(lines)
            if not busy:
                yield self._request(*queue.popleft())

    def _request(self, kind: str, url: str) -> scrapy.Request:
        # As the optout spider asks: images by a Range request for the first bytes.
        headers = {"Range": f"bytes=0-{IMAGE_BYTES - 1}"} if kind == "image" else {}
        return scrapy.Request(
            url,
            callback=self.ignore,
            errback=self.ignore,
            dont_filter=True,
            headers=headers,
            meta={"proxy": self.proxy, "handle_httpstatus_list": STATUSES},
        )

    def ignore(self, answer: Any) -> list[scrapy.Request] | None:
        # None, not an empty generator: Scrapy spends tasks on every iterable a callback returns.
        request = getattr(answer, "request", None)
        if request is None:
            return None
        host = _host(request.url)
        if self.measure_flight:
            latency = request.meta.get("download_latency") or 0.0
            now = time.monotonic()
            self.answered += 1
            self.latency_seconds += latency
            span = self.host_spans.setdefault(host, [now - latency, now])
            span[1] = now
        if not self.hosts_in_flight:
            return None
        queue = self.waiting.get(host)
        if queue:
            return [self._request(*queue.popleft())]
        self.waiting.pop(host, None)
        return list(self._feed()) or None

    def in_flight(self) -> dict[str, float]:
        """Requests answered, the sum of their latencies, and how many hosts were open (first
        request sent to last answer) and fetching, on average over the run's span."""
        if not self.host_spans:
            return {"answered": 0}
        start = min(span[0] for span in self.host_spans.values())
        end = max(span[1] for span in self.host_spans.values())
        wall = max(end - start, 1e-9)
        return {
            "answered": self.answered,
            "latency_seconds": round(self.latency_seconds, 3),
            "span_seconds": round(wall, 3),
            "mean_hosts_open": round(sum(b - a for a, b in self.host_spans.values()) / wall, 1),
            "mean_requests_in_flight": round(self.latency_seconds / wall, 1),
            "steady_sites_per_second": steady_rate([span[1] for span in self.host_spans.values()]),
        }


def steady_rate(ends: list[float]) -> float:
    """Sites finished per second between the 10th and the 90th percentile of finishing times:
    the rate once the first sites are under way and before the last slow ones trail off."""
    ends = sorted(ends)
    if len(ends) < 10:
        return 0.0
    low, high = len(ends) // 10, (9 * len(ends)) // 10
    return round((high - low) / max(ends[high] - ends[low], 1e-9), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls_file")
    parser.add_argument("--proxy", required=True)
    parser.add_argument("-s", dest="settings", action="append", default=[])
    parser.add_argument("--hosts-in-flight", type=int, default=0, help="0: no bound")
    parser.add_argument("--stats", help="write the run's stats here as JSON")
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
    crawler = process.create_crawler(BareSpider)
    process.crawl(
        crawler,
        urls_file=args.urls_file,
        proxy=args.proxy,
        hosts_in_flight=args.hosts_in_flight,
        measure_flight=bool(args.stats),
    )
    process.start()
    if args.stats and crawler.stats is not None and isinstance(crawler.spider, BareSpider):
        stats = {**crawler.stats.get_stats(), "bare/in_flight": crawler.spider.in_flight()}
        with open(args.stats, "w", encoding="utf-8") as out:
            json.dump(stats, out, default=str, indent=1)


if __name__ == "__main__":
    main()
