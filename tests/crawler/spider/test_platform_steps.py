"""A platform's discovery through the spider: listing pages from the home page, profile
candidates from both, and the seeded draw once every discovery request has answered."""

from __future__ import annotations

from typing import Any

from crawler.sampling import draw_sample
from crawler.seeds import Seed
from crawler.spiders.optout import OptoutSpider
from tests.crawler.spider.saved import (
    answer,
    home_request,
    make_spider,
    only,
    requests,
    urls,
)

ORIGIN = "https://folio.example"
SEED = Seed(ORIGIN, kind="platform", profile_pattern="/u/*", artwork_pattern="/u/*/art/*")
CANDIDATES = [ORIGIN + f"/u/{name}" for name in ("ada", "bo", "cy", "di", "ed")]


def after_platform_home() -> tuple[OptoutSpider, list[Any]]:
    spider = make_spider(OPTOUT_PROFILE_SAMPLE=3)
    home = home_request(spider, SEED, "robots_allow_all_no_sitemap")
    return spider, answer(spider, home, "platform_home")


def test_platform_home_requests_its_listing_pages_as_discovery_pages() -> None:
    _, made = after_platform_home()
    listing = only(requests(made, "page"))
    assert listing.url == ORIGIN + "/artists"
    assert listing.meta["optout_discovery"] is True


def test_platform_home_requests_its_terms_page() -> None:
    _, made = after_platform_home()
    assert urls(requests(made, "tos")) == [ORIGIN + "/terms"]


def test_platform_profiles_wait_for_the_listing_pages() -> None:
    _, made = after_platform_home()
    assert requests(made, "profile") == []


def test_platform_profiles_are_drawn_from_home_and_listing_candidates() -> None:
    spider, made = after_platform_home()
    after_listing = answer(spider, only(requests(made, "page")), "platform_listing")
    drawn = urls(requests(after_listing, "profile"))
    assert drawn == draw_sample(CANDIDATES, 3, "optout", ORIGIN)


def test_platform_listing_page_links_to_more_listings_are_not_followed() -> None:
    spider, made = after_platform_home()
    after_listing = answer(spider, only(requests(made, "page")), "platform_listing")
    assert requests(after_listing, "page") == []


def test_platform_keeps_the_population_beside_the_sample() -> None:
    spider, made = after_platform_home()
    answer(spider, only(requests(made, "page")), "platform_listing")
    platform = spider.sites[ORIGIN].platform
    assert platform is not None
    assert (sorted(platform.candidates), platform.sampled) == (CANDIDATES, 3)
