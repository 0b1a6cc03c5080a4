"""Pairs of renditions on a page: the image a page shows and the URL of its original.

Platforms often show a resized copy of an artwork and offer the upload itself (or a larger
size) behind a link. Comparing the two tells whether the platform strips the creator's
embedded metadata (IPTC Data Mining, C2PA) from what it displays. What counts as "the
original" of an ``<img>``, strongest first:

1. a ``data-original`` / ``data-full`` / ``data-zoom`` (and similar) attribute of the image;
2. a link around the image to an image file, or one marked as the original (below);
3. a link after the image marked as the original: a ``download`` attribute, or a ``rel``,
   ``class``, ``title`` or text that says original, full size, high resolution or download
   (it belongs to the nearest image before it that has no original yet);
4. the largest ``srcset`` candidate, when it differs from ``src``.

Links to HTML pages are never originals. Pure: HTML bytes in, URLs out; bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 5_000
MAX_SRCSET_CANDIDATES = 50

_ORIGINAL_ATTRIBUTES = (
    "data-original",
    "data-full",
    "data-full-src",
    "data-zoom",
    "data-zoom-src",
    "data-zoom-image",
    "data-large_image",
)
_LAZY_SOURCES = ("data-src", "data-lazy-src")
_NAMES_ORIGINAL = re.compile(
    r"original|full[\s_-]*(?:size|res(?:olution)?)|hi(?:gh)?[\s_-]*res(?:olution)?|download|"
    r"largest\s+size",
    re.IGNORECASE,
)
_IMAGE_PATH = re.compile(r"\.(?:jpe?g|png|webp|gif|avif|tiff?|heic|jxl)$", re.IGNORECASE)
_PAGE_PATH = re.compile(r"(?:\.(?:html?|php|aspx?|jsp)|/)$", re.IGNORECASE)


@dataclass(frozen=True)
class RenditionPair:
    """An image a page displays and the URL of its original (or a larger rendition)."""

    displayed: str
    original: str


@dataclass
class _Shown:
    displayed: str
    original: str | None
    largest: str | None


def rendition_pairs(html: bytes, base_url: str, limit: int) -> tuple[RenditionPair, ...]:
    """Up to ``limit`` (displayed, original) pairs of a page, in page order, without repeats."""
    if limit <= 0:
        return ()
    text = html[:MAX_HTML_BYTES].decode("utf-8", "replace")
    root = Selector(text=text, type="html").root
    shown: list[_Shown] = []
    waiting: str | None = None
    for element in islice(root.iter("img", "a"), MAX_ELEMENTS):
        if element.tag == "img":
            image = _shown(element, base_url)
            if image is None:
                continue
            if image.original is None and waiting is not None:
                image.original, waiting = waiting, None
            shown.append(image)
        elif not _wraps_image(element) and _is_original_link(element, wrapping=False):
            url = _absolute(element.get("href"), base_url)
            owner = next((s for s in reversed(shown) if s.original is None), None)
            if url is None:
                continue
            if owner is not None:
                owner.original = url
            elif waiting is None:
                waiting = url
    pairs: list[RenditionPair] = []
    for image in shown:
        original = image.original or image.largest
        pair = RenditionPair(image.displayed, original) if original else None
        if pair is not None and pair.original != pair.displayed and pair not in pairs:
            pairs.append(pair)
            if len(pairs) >= limit:
                break
    return tuple(pairs)


def _shown(img: Any, base_url: str) -> _Shown | None:
    source = (img.get("src") or "").strip()
    if not source or source.startswith("data:"):
        source = next((img.get(a) for a in _LAZY_SOURCES if img.get(a)), "") or ""
    displayed = _absolute(source, base_url)
    if displayed is None:
        return None
    original = next(
        (u for a in _ORIGINAL_ATTRIBUTES if (u := _absolute(img.get(a), base_url))), None
    )
    if original is None:
        link = next(img.iterancestors("a"), None)
        if link is not None and _is_original_link(link, wrapping=True):
            original = _absolute(link.get("href"), base_url)
    largest = _absolute(_largest_candidate(img.get("srcset") or ""), base_url)
    return _Shown(displayed, original, largest)


def _wraps_image(link: Any) -> bool:
    return next(link.iter("img"), None) is not None


def _is_original_link(link: Any, *, wrapping: bool) -> bool:
    """Whether a link leads to an original: to an image file when it wraps the image, else
    with ``download`` or a name that says so; never to an HTML page."""
    try:
        path = urlsplit((link.get("href") or "").strip()).path
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    if not path or (_PAGE_PATH.search(path) and not _IMAGE_PATH.search(path)):
        return False
    if link.get("download") is not None or (wrapping and _IMAGE_PATH.search(path)):
        return True
    words = " ".join(
        [link.get("rel") or "", link.get("class") or "", link.get("title") or ""]
        + [link.get("aria-label") or "", " ".join(islice(link.itertext(), 20))]
    )
    return bool(_NAMES_ORIGINAL.search(words[:1000]))


def _largest_candidate(srcset: str) -> str | None:
    """The ``srcset`` candidate with the largest width or density descriptor."""
    best, best_size = None, -1.0
    for part in srcset.split(",", MAX_SRCSET_CANDIDATES)[:MAX_SRCSET_CANDIDATES]:
        bits = part.split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1 and bits[1][-1:] in ("w", "x"):
            try:
                size = float(bits[1][:-1])
            except ValueError:
                continue
        if size > best_size:
            best, best_size = bits[0], size
    return best


def _absolute(href: str | None, base_url: str) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "data:", "javascript:")):
        return None
    try:
        url = urljoin(base_url, href).split("#", 1)[0]
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return url if url.startswith(("http://", "https://")) else None
