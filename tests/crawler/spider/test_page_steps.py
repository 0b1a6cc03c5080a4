"""``_after_home``, ``_after_sitemap`` and ``_after_page``: which pages, images and terms
page a site's home page and sitemap lead to, and a meta refresh taken as a redirect."""

from __future__ import annotations

from typing import Any

import scrapy

from crawler.seeds import Seed
from tests.crawler.spider.saved import (
    answer,
    home_request,
    make_spider,
    only,
    records,
    requests,
    urls,
)

ORIGIN = "https://anna.example"
SEED = Seed(ORIGIN)


def after_home(case: str = "home_links_and_images", **settings: Any) -> list[Any]:
    spider = make_spider(**settings)
    return answer(spider, home_request(spider, SEED, "robots_200"), case)


def test_home_page_is_recorded() -> None:
    home = records(after_home(), "home")[0]
    assert (home.requested_url, home.status, home.final_url) == (ORIGIN + "/", 200, ORIGIN + "/")


def test_home_page_samples_art_pages_first_and_skips_chores_and_other_sites() -> None:
    assert urls(requests(after_home(), "page")) == [
        ORIGIN + "/portfolio/dunes",
        ORIGIN + "/gallery/night",
        ORIGIN + "/about",
    ]


def test_home_page_link_disallowed_by_robots_txt_is_recorded_as_skipped() -> None:
    skipped = only(r for r in records(after_home(), "page") if r.skipped)
    assert (skipped.requested_url, skipped.skipped) == (
        ORIGIN + "/private/drafts",
        "robots-disallowed",
    )
    assert skipped.parent_url == ORIGIN + "/"


def test_home_page_terms_link_is_requested_as_tos() -> None:
    assert urls(requests(after_home(), "tos")) == [ORIGIN + "/legal/terms"]


def test_home_page_images_are_requested_with_a_first_bytes_range() -> None:
    images = requests(after_home(), "image")
    assert urls(images) == [
        ORIGIN + "/img/cover.jpg",
        ORIGIN + "/img/dunes.jpg",
        ORIGIN + "/img/night.jpg",
    ]
    assert {r.headers.get("Range") for r in images} == {b"bytes=0-262143"}


def test_home_page_follow_ups_obey_robots_txt() -> None:
    made = requests(after_home())
    assert made and not any(r.meta["dont_obey_robotstxt"] for r in made)


def test_sitemap_is_asked_after_the_home_page_when_the_sample_has_room() -> None:
    assert urls(requests(after_home(OPTOUT_PAGE_SAMPLE=7), "sitemap")) == [ORIGIN + "/sitemap.xml"]


def test_sitemap_is_not_asked_when_the_home_page_filled_the_sample() -> None:
    assert requests(after_home(), "sitemap") == []


def test_bot_wall_home_page_follows_no_links_but_asks_for_the_sitemap() -> None:
    made = after_home("home_bot_wall")
    assert records(made, "home")[0].bot_wall == "cloudflare:block"
    assert urls(requests(made)) == [ORIGIN + "/sitemap.xml"]


def test_sitemap_entries_fill_the_rest_of_the_page_sample() -> None:
    spider = make_spider(OPTOUT_PAGE_SAMPLE=7)
    home = answer(spider, home_request(spider, SEED, "robots_200"), "home_links_and_images")
    made = answer(spider, only(requests(home, "sitemap")), "sitemap")
    assert only(records(made)).status == 200
    pages = requests(made, "page")
    # The home page's terms link is fetched as the terms page, not as one of the 7 content
    # pages, so the sitemap fills three places.
    assert urls(pages) == [ORIGIN + "/work/sea", ORIGIN + "/work/sky", ORIGIN + "/contact"]
    assert {r.meta["optout_parent"] for r in pages} == {ORIGIN + "/sitemap.xml"}


def meta_refresh_page() -> tuple[scrapy.Request, list[Any]]:
    spider = make_spider()
    answer(spider, home_request(spider, SEED, "robots_404"), "home_bot_wall")
    page = only(spider._follow(spider.sites[ORIGIN], "page", ORIGIN + "/old-portfolio", None))
    return page, answer(spider, page, "page_meta_refresh")


def test_meta_refresh_page_is_recorded_as_the_page_it_is() -> None:
    _, made = meta_refresh_page()
    page = only(records(made))
    assert (page.kind, page.requested_url, page.status) == ("page", ORIGIN + "/old-portfolio", 200)
    assert b"noai" in (page.body or b"")


def test_meta_refresh_target_is_requested_as_the_next_redirect_hop() -> None:
    _, made = meta_refresh_page()
    target = only(requests(made))
    assert (target.url, target.meta["optout_kind"]) == (ORIGIN + "/portfolio/", "page")
    assert target.meta["redirect_urls"] == [ORIGIN + "/old-portfolio"]
    assert target.meta["redirect_reasons"] == ["meta refresh"]


def test_meta_refresh_page_hands_its_images_to_the_target() -> None:
    _, made = meta_refresh_page()
    assert requests(made, "image") == []


def test_a_sitemap_that_is_not_an_http_url_is_recorded_as_skipped() -> None:
    """A robots.txt ``Sitemap: javascript:…`` line once stopped the site's crawl with an
    exception (Scrapy refuses the URL); it is now a skipped record and the crawl goes on."""
    spider = make_spider(OPTOUT_PAGE_SAMPLE=7)
    made = answer(
        spider, home_request(spider, SEED, "robots_sitemap_not_http"), "home_links_and_images"
    )
    skipped = only(records(made, "sitemap"))
    assert (skipped.requested_url, skipped.skipped) == ("javascript:alert(1)", "not-http")
    assert not requests(made, "sitemap")
