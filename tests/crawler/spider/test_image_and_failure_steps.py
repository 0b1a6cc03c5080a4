"""``_after_image``: a second range when an image's metadata may lie past its first bytes;
``_after_failure``: a request that got no response (here a DNS error)."""

from __future__ import annotations

from twisted.internet.error import DNSLookupError

from crawler.seeds import Seed
from tests.crawler.spider.saved import (
    answer,
    fail,
    home_request,
    make_spider,
    only,
    open_site,
    records,
    requests,
)

ORIGIN = "https://anna.example"
IMAGE = ORIGIN + "/img/dunes.jpg"


def test_partial_image_with_more_to_read_asks_for_its_tail() -> None:
    spider = make_spider()
    home = answer(spider, home_request(spider, Seed(ORIGIN), "robots_200"), "home_links_and_images")
    image = only(r for r in requests(home, "image") if r.url == IMAGE)
    made = answer(spider, image, "image_first_bytes_206")
    record = only(records(made))
    assert (record.kind, record.status, record.body_length) == ("image", 206, 1024)
    tail = only(requests(made))
    assert (tail.url, tail.meta["optout_kind"]) == (IMAGE, "image-tail")
    assert tail.headers.get("Range") == b"bytes=20-49999"
    assert tail.meta["optout_parent"] == ORIGIN + "/"


def test_dns_failure_is_recorded_with_its_error_class() -> None:
    spider = make_spider()
    robots = open_site(spider, Seed(ORIGIN))["robots"]
    record = records(fail(spider, robots, DNSLookupError("no such host")))[0]
    assert (record.kind, record.status, record.error_class) == ("robots", None, "dns")
    assert record.requested_url == ORIGIN + "/robots.txt"


def test_unreachable_robots_txt_skips_the_home_page() -> None:
    spider = make_spider()
    robots = open_site(spider, Seed(ORIGIN))["robots"]
    made = fail(spider, robots, DNSLookupError("no such host"))
    assert requests(made) == []
    assert only(records(made, "home")).skipped == "robots-unreachable"


def test_failed_home_page_still_asks_for_the_sitemap() -> None:
    spider = make_spider(OPTOUT_PAGE_SAMPLE=7)
    made = fail(spider, home_request(spider, Seed(ORIGIN), "robots_200"), DNSLookupError("gone"))
    assert only(records(made)).error_class == "dns"
    assert [r.url for r in requests(made)] == [ORIGIN + "/sitemap.xml"]
