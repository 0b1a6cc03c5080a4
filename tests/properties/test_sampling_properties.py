"""The crawler's page readers run inside the spider on whatever a site serves: an exception
there would leave the site's remaining requests unmade. They must return on any HTML."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audits.signals.images.renditions import rendition_pairs
from audits.signals.images.site_images import page_image_urls
from crawler.sampling import image_urls, page_links, rsl_links, sitemap_page_urls
from tests.properties.strategies import HEADERS, WORD

BASE = "http://anna.example/art/"
ATTRIBUTE = st.builds(
    lambda name, value: f' {name}="{value}"',
    st.sampled_from(["href", "src", "srcset", "rel", "type", "download", "\x1f", "a\x00b", "é"]),
    WORD,
)
TAG = st.builds(
    lambda tag, attrs, text: f"<{tag}{''.join(attrs)}>{text}</{tag}>",
    st.sampled_from(["a", "img", "link", "meta", "loc", "url", "picture", "source"]),
    st.lists(ATTRIBUTE, max_size=4),
    WORD,
)
PAGES = st.lists(TAG, max_size=15).map(lambda tags: "".join(tags).encode("utf-8", "replace"))


@given(PAGES | st.binary(max_size=300), HEADERS)
def test_page_readers_return_on_any_html(html: bytes, headers: list[tuple[str, str]]) -> None:
    links = page_links(html, BASE)
    assert all(link.url.startswith(("http://", "https://")) for link in links)
    assert len(image_urls(html, BASE, 4)) <= 4
    rsl_links([v for _, v in headers], html, BASE)
    sitemap_page_urls(html)
    rendition_pairs(html, BASE, 3)
    page_image_urls(html, BASE)
