"""``_after_robots``: what the spider requests once a site's robots.txt has answered.

RFC 9309 §2.3.1: a 4xx robots.txt means no restrictions, a 5xx or an unreachable one means
assume complete disallow; the spider's own pages and images obey it, its policy files do not.
"""

from __future__ import annotations

import pytest

from crawler.seeds import Seed
from tests.crawler.spider.saved import (
    CRAWL_ID,
    answer,
    make_spider,
    only,
    open_site,
    records,
    requests,
)

ORIGIN = "https://anna.example"


def after_robots(case: str) -> list[object]:
    spider = make_spider()
    return answer(spider, open_site(spider, Seed(ORIGIN))["robots"], case)


def test_policy_files_are_requested_without_obeying_robots_txt() -> None:
    opened = open_site(make_spider(), Seed(ORIGIN))
    assert {kind: r.url for kind, r in opened.items()} == {
        "robots": ORIGIN + "/robots.txt",
        "aitxt": ORIGIN + "/ai.txt",
        "tdmrep": ORIGIN + "/.well-known/tdmrep.json",
        "llms": ORIGIN + "/llms.txt",
    }
    assert all(r.meta["dont_obey_robotstxt"] for r in opened.values())


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("robots_200", 200),
        ("robots_404", 404),
        ("robots_503", 503),
        ("robots_429_bot_wall", 429),
        ("robots_disallow_our_agent", 200),
    ],
)
def test_robots_txt_answer_is_recorded_first_with_its_status(case: str, status: int) -> None:
    record = records(after_robots(case))[0]
    assert (record.crawl_id, record.kind, record.status) == (CRAWL_ID, "robots", status)
    assert record.requested_url == ORIGIN + "/robots.txt"
    assert record.error_class is None and record.skipped is None


def test_robots_200_lets_us_request_the_home_page_obeying_robots_txt() -> None:
    home = only(requests(after_robots("robots_200")))
    assert (home.url, home.meta["optout_kind"]) == (ORIGIN + "/", "home")
    assert home.meta["dont_obey_robotstxt"] is False


def test_robots_200_sitemap_waits_for_the_home_page() -> None:
    assert requests(after_robots("robots_200"), "sitemap") == []


def test_robots_404_means_no_restrictions() -> None:
    home = only(requests(after_robots("robots_404")))
    assert home.url == ORIGIN + "/"


def test_robots_5xx_means_disallow_all_and_the_home_page_is_skipped() -> None:
    made = after_robots("robots_503")
    assert requests(made) == []
    home = only(records(made, "home"))
    assert (home.requested_url, home.skipped) == (ORIGIN + "/", "robots-unreachable")


def test_robots_429_bot_wall_is_recorded_as_one() -> None:
    robots = only(records(after_robots("robots_429_bot_wall"), "robots"))
    assert robots.bot_wall == "cloudflare:rate-limit"


def test_robots_429_is_rate_limited_and_means_complete_disallow() -> None:
    # RFC 9309 lets a crawler read a 4xx as "no rules" but does not oblige it; a 429 asks us
    # to slow down (RFC 6585 §4) and Google reads it as a 5xx: we fetch nothing, and the
    # state is the audit's own "rate-limited", not "unreachable" (docs/signals.md).
    spider = make_spider()
    made = answer(spider, open_site(spider, Seed(ORIGIN))["robots"], "robots_429_bot_wall")
    assert requests(made) == []
    assert only(records(made, "home")).skipped == "robots-unreachable"
    assert spider.crawler.stats.get_value("optout/robots/rate-limited") == 1
    assert spider.crawler.stats.get_value("optout/robots/unreachable") is None


def test_robots_disallowing_our_agent_skips_the_home_page() -> None:
    made = after_robots("robots_disallow_our_agent")
    assert requests(made) == []
    assert only(records(made, "home")).skipped == "robots-disallowed"


def test_site_is_not_done_while_its_policy_files_are_outstanding() -> None:
    spider = make_spider()
    answer(spider, open_site(spider, Seed(ORIGIN))["robots"], "robots_503")
    assert spider.sites[ORIGIN].outstanding == 3
