"""The spider without a crawl: built with ``get_crawler``, fed saved responses by hand.

A saved response is a folder under ``tests/fixtures/responses/<case>/``: ``head.http`` (the
URL it was fetched from, the status line and the headers) and one ``body.*`` file. It is
answered to a request the spider itself made, so the response carries the spider's meta.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler import settings as crawler_settings
from crawler.items import FetchRecord, SiteDone, SiteSeen
from crawler.seeds import Seed
from crawler.spiders.optout import OptoutSpider
from tests.conftest import FIXTURES

RESPONSES = FIXTURES / "responses"
CRAWL_ID = 7
"""The crawl the records belong to (the store pipeline sets it in a real crawl)."""


def make_spider(**settings: Any) -> OptoutSpider:
    """The spider with the project's settings (and ``settings`` over them), no engine."""
    project = {name: getattr(crawler_settings, name) for name in dir(crawler_settings)}
    values = {
        **{name: value for name, value in project.items() if name.isupper()},
        "TWISTED_REACTOR": None,  # no engine runs: whichever reactor is installed will do
        "OPTOUT_NETWORK_CONTROL": "",  # no control probe: a failure is the site's own
        "OPTOUT_RENDER_SEEDS": False,
        **settings,
    }
    crawler = get_crawler(OptoutSpider, settings_dict=values)
    spider = OptoutSpider.from_crawler(crawler)
    crawler.spider = spider
    spider.crawl_id = CRAWL_ID
    return spider


def open_site(spider: OptoutSpider, seed: Seed) -> dict[str, scrapy.Request]:
    """Open a site as ``start`` does: its policy-file requests, by kind."""
    made = list(spider._open_site(seed))
    assert isinstance(made[0], SiteSeen)
    return {request.meta["optout_kind"]: request for request in requests(made)}


def saved_response(case: str, request: scrapy.Request) -> Response:
    """The saved response ``case`` as the answer to ``request`` (the class Scrapy would pick
    from its headers and URL: HtmlResponse, TextResponse, XmlResponse or Response)."""
    folder = RESPONSES / case
    url, status_line, *header_lines = (folder / "head.http").read_text().splitlines()
    assert url == request.url, f"{case} was saved from {url}, not {request.url}"
    bodies = sorted(folder.glob("body.*"))
    body = bodies[0].read_bytes() if bodies else b""
    headers = Headers()
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.appendlist(name.strip(), value.strip())
    status = int(status_line.split()[1])
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, request=request)


def answer(spider: OptoutSpider, request: scrapy.Request, case: str) -> list[Any]:
    """Everything the spider yields when ``request`` is answered with saved ``case``."""
    return list(spider._on_response(saved_response(case, request)))


def fail(spider: OptoutSpider, request: scrapy.Request, error: BaseException) -> list[Any]:
    """Everything the spider yields when ``request`` fails with ``error`` (its errback)."""
    failure = Failure(error)  # type: ignore[no-untyped-call]
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy's errback gets it

    async def collect() -> list[Any]:
        return [item async for item in spider._on_failure(failure)]

    return asyncio.run(collect())


def requests(items: Iterable[Any], kind: str | None = None) -> list[scrapy.Request]:
    """The follow-up requests among ``items`` (of one kind, when given)."""
    return [
        item
        for item in items
        if isinstance(item, scrapy.Request) and kind in (None, item.meta["optout_kind"])
    ]


def records(items: Iterable[Any], kind: str | None = None) -> list[FetchRecord]:
    """The fetch records among ``items`` (of one kind, when given)."""
    return [item for item in items if isinstance(item, FetchRecord) and kind in (None, item.kind)]


def urls(found: Iterable[scrapy.Request | FetchRecord]) -> list[str]:
    """The URLs of requests or records, in the order they were yielded."""
    return [f.url if isinstance(f, scrapy.Request) else f.requested_url for f in found]


def site_done(items: Iterable[Any]) -> list[SiteDone]:
    return [item for item in items if isinstance(item, SiteDone)]


def only(found: Iterator[Any] | list[Any]) -> Any:
    """The one element of ``found``."""
    items = list(found)
    assert len(items) == 1, items
    return items[0]


def home_request(spider: OptoutSpider, seed: Seed, robots_case: str) -> scrapy.Request:
    """Open a site and answer its robots.txt with ``robots_case``: the home page request."""
    made = answer(spider, open_site(spider, seed)["robots"], robots_case)
    home: scrapy.Request = only(requests(made, "home"))
    return home
