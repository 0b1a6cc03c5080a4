"""When a meta refresh is followed: the rules of an HTTP redirect (crawler/meta_refresh.py).
The crawl itself is tested in test_meta_refresh_crawl.py."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings

from crawler.meta_refresh import REASON, next_hop, refresh_target
from tests.conftest import FIXTURES

PAGE = "http://refresh-home.example/"
HOME = FIXTURES / "meta_refresh" / "refresh-home.example" / "files" / "index.html"


def _page(body: bytes, **meta: object) -> HtmlResponse:
    return HtmlResponse(PAGE, body=body, request=Request(PAGE, meta=meta))


def _settings(**values: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(values, priority="cmdline")
    return settings


def test_the_target_is_read_as_scrapy_reads_it() -> None:
    target = refresh_target(_page(HOME.read_bytes()), _settings())
    assert target == "http://refresh-home.example/portfolio/"


@pytest.mark.parametrize(
    ("body", "meta", "settings"),
    [
        (b'<meta http-equiv="refresh" content="300; url=/later">', {}, {}),  # a slow reload
        (b'<meta http-equiv="refresh" content="30">', {}, {}),  # no URL: a reload
        (HOME.read_bytes(), {"dont_redirect": True}, {}),
        (HOME.read_bytes(), {}, {"REDIRECT_ENABLED": False}),
    ],
)
def test_no_redirect_where_scrapy_would_not_redirect(
    body: bytes, meta: dict[str, object], settings: dict[str, object]
) -> None:
    assert refresh_target(_page(body, **meta), _settings(**settings)) is None


def test_a_first_hop_starts_the_chain_at_the_refreshing_page() -> None:
    hop = next_hop("http://a.example/b", PAGE, {}, 5)
    assert hop.error is None and hop.chain == (PAGE,)
    assert hop.meta == {
        "redirect_urls": [PAGE],
        "redirect_times": 1,
        "redirect_ttl": 4,
        "redirect_reasons": [REASON],
    }


def test_http_redirects_before_the_page_count_against_the_same_limit() -> None:
    meta = {"redirect_urls": ["http://a.example/1"] * 5, "redirect_times": 5, "redirect_ttl": 0}
    hop = next_hop("http://a.example/next", PAGE, meta, 5)
    assert hop.error == "too-many-redirects" and hop.meta is None


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://a.example/x", "bad-redirect"),
        ("javascript:go()", "bad-redirect"),
        (PAGE, "redirect-loop"),
    ],
)
def test_a_hop_an_http_redirect_could_not_make_is_not_followed(url: str, error: str) -> None:
    hop = next_hop(url, PAGE, {}, 5)
    assert (hop.error, hop.meta) == (error, None)
    assert hop.message
