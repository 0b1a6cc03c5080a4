"""One reading of a robots.txt fetch: what the spider fetches next and the audit's state come
from ``access_from_fetch`` and agree, case by saved case (RFC 9309 §2.3.1).

The spider's record is stored and read back as the audit reads it, so what is compared is
what a user gets: the pages we fetched, and the access state of the site's report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from twisted.internet.error import TimeoutError as TwistedTimeout

from audits.signals.robots.access import MEANING, RobotsAccess, access_from_fetch
from audits.site.audit import audit_site
from crawler.items import FetchRecord
from crawler.seeds import Seed
from crawler.spiders.optout import OptoutSpider
from crawler.storage import FetchWriter, iter_site_evidence, open_db, start_crawl
from tests.crawler.spider.saved import CRAWL_ID, answer, fail, make_spider, open_site, records

ORIGIN = "https://anna.example"

Answer = Callable[[OptoutSpider, scrapy.Request], list[Any]]


def saved(case: str) -> Answer:
    return lambda spider, robots: answer(spider, robots, case)


def timeout(spider: OptoutSpider, robots: scrapy.Request) -> list[Any]:
    return fail(spider, robots, TwistedTimeout())  # type: ignore[no-untyped-call]


def redirect_loop(spider: OptoutSpider, robots: scrapy.Request) -> list[Any]:
    """robots.txt and a second URL redirecting to each other until Scrapy gives up."""
    hop = ORIGIN + "/robots-moved.txt"
    looped = robots.replace(url=hop, meta={**robots.meta, "redirect_urls": [robots.url, hop] * 3})
    return fail(spider, looped, IgnoreRequest("max redirections reached"))


# case: how robots.txt answers, the access state, and the audit's state for it
CASES: dict[str, tuple[Answer, str, str]] = {
    "200": (saved("robots_200"), "parse", "known"),
    "404": (saved("robots_404"), "no-file", "no-file"),
    "5xx": (saved("robots_503"), "unreachable", "unknown"),
    "429 bot wall": (saved("robots_429_bot_wall"), "rate-limited", "unknown"),
    "403 bot wall": (saved("robots_403_bot_wall"), "unreachable", "unknown"),
    "timeout": (timeout, "unreachable", "unknown"),
    "redirect loop": (redirect_loop, "unavailable", "no-file"),
}


def crawl_robots(case: str) -> tuple[FetchRecord, list[Any]]:
    """The spider's robots.txt record for ``case`` and everything it yielded after it."""
    spider = make_spider()
    made = CASES[case][0](spider, open_site(spider, Seed(ORIGIN))["robots"])
    return records(made, "robots")[0], made


def audited_access(record: FetchRecord, tmp_path: Path) -> RobotsAccess | None:
    """The robots.txt access state of the site's audit, from the record as stored."""
    db = open_db(tmp_path / "evidence.db")
    start_crawl(
        db,
        seeds_source=None,
        settings={},
        tool_version="test",
        interpreter_version="test",
        registry_version="test",
        crawl_id=CRAWL_ID,
    )
    writer = FetchWriter(db)
    writer.add_fetch(record)
    writer.close()
    (evidence,) = iter_site_evidence(db, CRAWL_ID)
    db.close()
    return audit_site(evidence).robots_access


def shared_access(record: FetchRecord) -> RobotsAccess:
    return access_from_fetch(
        record.status,
        error=record.error_class,
        redirects=len(record.redirect_chain),
        headers=record.headers,
        body=record.body,
    )


def spider_decision(made: list[Any]) -> str:
    """What the spider did about the home page: requested it, or why it skipped it."""
    asked = [r for r in made if isinstance(r, scrapy.Request) and r.meta["optout_kind"] == "home"]
    if asked:
        return "requested"
    (home,) = records(made, "home")
    return f"skipped: {home.skipped}"


@pytest.mark.parametrize("case", CASES)
def test_spider_and_audit_read_robots_txt_the_same_way(case: str, tmp_path: Path) -> None:
    _, state, audit_state = CASES[case]
    record, made = crawl_robots(case)
    access = shared_access(record)
    audited = audited_access(record, tmp_path)
    assert audited is not None
    assert (access.state, access.audit_state) == (state, audit_state)
    assert (audited.state, audited.crawler_rule, audited.audit_state, audited.status) == (
        access.state,
        access.crawler_rule,
        access.audit_state,
        access.status,
    )
    rule = MEANING[access.state][0]
    expected = "skipped: robots-unreachable" if rule == "disallow-all" else "requested"
    assert spider_decision(made) == expected


@pytest.mark.parametrize("case", CASES)
def test_audit_reports_the_shared_access_reading(case: str, tmp_path: Path) -> None:
    record, _ = crawl_robots(case)
    assert audited_access(record, tmp_path) == shared_access(record)
