"""Which pages, images and terms page the crawler samples from a site."""

from __future__ import annotations

from crawler.sampling import choose_pages, image_urls, page_links, sitemap_page_urls, tos_link
from tests.conftest import FIXTURES

HOME = (FIXTURES / "pages" / "portfolio_home.html").read_bytes()
ORIGIN = "https://marta.example"


def test_links_are_absolute_and_in_page_order() -> None:
    urls = [link.url for link in page_links(HOME, ORIGIN + "/")]
    assert urls[:3] == [ORIGIN + "/", ORIGIN + "/login", ORIGIN + "/cart"]
    assert not any(u.startswith("mailto:") or "#" in u for u in urls)


def test_art_pages_come_first_and_chores_are_skipped() -> None:
    urls = [link.url for link in page_links(HOME, ORIGIN + "/")]
    chosen = choose_pages(urls, ORIGIN, limit=3)
    assert chosen == [ORIGIN + "/portfolio/dunes", ORIGIN + "/gallery/night", ORIGIN + "/about"]


def test_seed_patterns_outrank_art_words() -> None:
    urls = [link.url for link in page_links(HOME, ORIGIN + "/")]
    assert choose_pages(urls, ORIGIN, limit=1, patterns=["/blog/*"]) == [ORIGIN + "/blog/post-1"]


def test_other_sites_and_duplicates_are_not_sampled() -> None:
    urls = [link.url for link in page_links(HOME, ORIGIN + "/")]
    chosen = choose_pages(urls, ORIGIN, limit=20)
    assert len(chosen) == len(set(chosen))
    assert not any("elsewhere.example" in u or u.endswith(".pdf") for u in chosen)


def test_images_prefer_og_image_then_largest_srcset() -> None:
    assert image_urls(HOME, ORIGIN + "/", limit=3) == [
        ORIGIN + "/img/cover.jpg",
        ORIGIN + "/img/dunes-large.jpg",
        ORIGIN + "/img/dunes-small.jpg",
    ]


def test_images_skip_data_urls_and_respect_the_limit() -> None:
    found = image_urls(HOME, ORIGIN + "/", limit=10)
    assert "https://cdn.marta.example/img/night.webp" in found
    assert not any(u.startswith("data:") for u in found)
    assert len(image_urls(HOME, ORIGIN + "/", limit=2)) == 2


def test_terms_page_found_by_link_text_or_path() -> None:
    assert tos_link(page_links(HOME, ORIGIN + "/"), ORIGIN) == ORIGIN + "/legal/terms"


def test_sitemap_locations_are_read_without_namespace_trouble() -> None:
    body = (FIXTURES / "pages" / "sitemap.xml").read_bytes()
    assert sitemap_page_urls(body) == [
        ORIGIN + "/",
        ORIGIN + "/work/sea",
        ORIGIN + "/contact",
    ]


def test_hostile_html_is_bounded() -> None:
    html = b"<html><body>" + b'<a href="/p/x">x</a>' * 200_000 + b"</body></html>"
    assert len(page_links(html, ORIGIN + "/")) <= 2_000


def test_empty_page_and_attribute_names_with_control_characters_are_read() -> None:
    # A site may serve an empty 200 page; parsel refuses an empty body, lxml an attribute
    # name holding a control character. Either raised inside the spider's callback.
    assert page_links(b"", "http://a.example/") == []
    assert image_urls(b"", "http://a.example/", 4) == []
    hostile = b'<a href="/art/1" \x1f="x">Art</a><img src="/a.jpg" \x1f="x">'
    assert [link.url for link in page_links(hostile, "http://a.example/")] == [
        "http://a.example/art/1"
    ]
    assert image_urls(hostile, "http://a.example/", 4) == ["http://a.example/a.jpg"]
