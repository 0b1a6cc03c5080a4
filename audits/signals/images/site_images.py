"""The images of one site as evidence: each image fetch read for its metadata, the page that
showed it, and, for a displayed rendition paired with its original, what the display lost.

The crawler stores an image as the first bytes of its response (kind ``image`` or
``original``) and, when metadata may lie further on, a second Range request (``image-tail``)
for the same URL. The page that led to an image is not stored with it, so it is found again
by re-reading the fetched pages: their ``<img>``/``og:image`` URLs and their rendition pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Literal
from urllib.parse import urljoin

from parsel import Selector

from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.signals.images import (
    ImageMetadata,
    ImageUse,
    content_range,
    image_reservations,
    read_image_metadata,
)
from audits.signals.images import stripped as metadata_lost
from audits.signals.images.renditions import rendition_pairs

MAX_IMAGES = 200
"""Images read per site at most (the crawler samples far fewer)."""
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_URLS_PER_PAGE = 200
PAIRS_PER_PAGE = 20
PAGE_KINDS: tuple[FetchKind, ...] = ("home", "page", "profile", "artwork")


ImageKind = Literal["displayed", "original"]


@dataclass(frozen=True)
class SiteImage:
    """One image fetch, read: where it was shown, what its metadata says, what it lost."""

    fetch: Fetch
    kind: ImageKind
    """``displayed`` (the rendition a page shows) or ``original`` (its larger original)."""
    meta: ImageMetadata
    uses: tuple[ImageUse, ...]
    page_url: str | None
    """The first fetched page that shows (or links to) this image."""
    tail: Fetch | None = None
    original_url: str | None = None
    """For a displayed rendition: the URL of the original it was paired with."""
    stripped: tuple[str, ...] | None = None
    """For a displayed rendition whose original was read: what it lost (empty: nothing);
    ``None`` when there is no original to compare with."""
    page_urls: tuple[str, ...] = ()
    """Every fetched page that shows (or links to) this image, ``page_url`` first."""

    @property
    def url(self) -> str:
        return self.fetch.url

    def reserved(self, use: str) -> tuple[ImageUse, ...]:
        return tuple(u for u in self.uses if u.use == use and u.effect == "reserved")


@dataclass(frozen=True)
class RenditionEvidence:
    """A displayed image and its original as fetched, found on a page."""

    page_url: str
    displayed: str
    original: str


def _content_range(fetch: Fetch) -> tuple[int, int, int | None] | None:
    return content_range(fetch.headers)


def _total_length(fetch: Fetch) -> int | None:
    found = _content_range(fetch)
    if found is not None:
        return found[2]
    lengths = fetch.header_values("content-length")
    return int(lengths[-1]) if lengths and lengths[-1].strip().isdigit() else None


def _readable(fetch: Fetch) -> bool:
    return (
        fetch.error is None
        and fetch.body is not None
        and fetch.status is not None
        and 200 <= fetch.status < 300
    )


def read_image(fetch: Fetch, tail: Fetch | None = None) -> ImageMetadata:
    """An image fetch (and its tail, when one was fetched) read for metadata."""
    tail_body = tail.body if tail is not None and _readable(tail) else None
    tail_range = _content_range(tail) if tail is not None and tail_body is not None else None
    return read_image_metadata(
        fetch.body or b"",
        tail=tail_body if tail_range is not None else None,
        tail_offset=tail_range[0] if tail_range is not None else None,
        total_length=_total_length(fetch),
        headers=fetch.headers,
    )


def page_image_urls(html: bytes, base_url: str) -> tuple[str, ...]:
    """Absolute URLs of the images a page shows: ``og:image``, ``<img src>`` and ``srcset``."""
    text = html[:MAX_PAGE_BYTES].decode("utf-8", errors="replace")
    selector = Selector(text=text, type="html")
    found: list[str] = selector.css('meta[property="og:image"]::attr(content)').getall()
    for img in islice(selector.css("img"), MAX_URLS_PER_PAGE):
        found += [img.root.get("src", "")]
        found += [c.strip().split(" ")[0] for c in img.root.get("srcset", "").split(",")]
    urls = (urljoin(base_url, u.strip()) for u in found if u and u.strip())
    return tuple(islice(dict.fromkeys(urls), MAX_URLS_PER_PAGE))


def _pages(evidence: SiteEvidence) -> Iterable[Fetch]:
    return (f for f in evidence.of_kind(*PAGE_KINDS) if _readable(f))


def renditions(evidence: SiteEvidence) -> tuple[RenditionEvidence, ...]:
    """Displayed/original pairs found on the site's fetched pages (served and rendered DOM)."""
    pairs: dict[tuple[str, str], RenditionEvidence] = {}
    for page in _pages(evidence):
        base = page.final_url or page.url
        for html in (page.body, page.rendered_body):
            for pair in rendition_pairs(html or b"", base, PAIRS_PER_PAGE) if html else ():
                key = (pair.displayed, pair.original)
                pairs.setdefault(key, RenditionEvidence(page.url, *key))
    return tuple(pairs.values())


def site_images(evidence: SiteEvidence) -> tuple[SiteImage, ...]:
    """Every image fetch of the site (at most ``MAX_IMAGES``), read and placed on its page."""
    tails = {f.url: f for f in evidence.of_kind("image-tail")}
    shown_on: dict[str, dict[str, None]] = {}
    for page in _pages(evidence):
        for html in (page.body, page.rendered_body):
            for url in page_image_urls(html, page.final_url or page.url) if html else ():
                shown_on.setdefault(url, {})[page.url] = None
    pairs = renditions(evidence)
    original_of = {p.displayed: p for p in pairs}
    for found in pairs:
        shown_on.setdefault(found.displayed, {})[found.page_url] = None
        shown_on.setdefault(found.original, {})[found.page_url] = None
    fetches = [f for f in evidence.of_kind("image", "original") if _readable(f)][:MAX_IMAGES]
    read = {
        (f.kind, f.url): (f, read_image(f, tails.get(f.url)), tails.get(f.url)) for f in fetches
    }
    out: list[SiteImage] = []
    for (kind, url), (fetch, meta, tail) in read.items():
        pair = original_of.get(url) if kind == "image" else None
        original = read.get(("original", pair.original)) if pair is not None else None
        out.append(
            SiteImage(
                fetch=fetch,
                kind="displayed" if kind == "image" else "original",
                meta=meta,
                uses=image_reservations(meta),
                page_url=next(iter(shown_on.get(url, ())), None),
                tail=tail,
                original_url=pair.original if pair is not None else None,
                stripped=metadata_lost(original[1], meta) if original is not None else None,
                page_urls=tuple(islice(shown_on.get(url, ()), MAX_URLS_PER_PAGE)),
            )
        )
    return tuple(out)
