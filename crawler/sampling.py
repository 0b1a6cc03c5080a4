"""Which pages and images of a site to sample: the crawler's choice of URLs to request.

Artists' opt-outs matter where their work is, so links that look like portfolio, artwork,
gallery or photo pages come first, then the rest in page order. Deterministic: the same
home page gives the same sample.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector
from w3lib.url import canonicalize_url, safe_url_string

from audits.core.http_link import links_with_rel
from audits.signals.rsl import RSL_MEDIA_TYPE

MAX_HTML = 2 * 1024 * 1024
MAX_LINKS = 2_000

_ART_WORDS = re.compile(
    r"portfolio|artwork|/art/|gallery|galleries|photo|work|project|illustration|painting|"
    r"drawing|collection|album|shop|print|product|image|/p/|/u/|profile|creator|artist",
    re.IGNORECASE,
)
_SKIP = re.compile(
    r"login|signin|sign-in|signup|register|logout|cart|checkout|/search|/tag/|/tags/|"
    r"\.(css|js|json|xml|pdf|zip|mp3|mp4|woff2?|ico)(\?|$)|^mailto:|^tel:|^javascript:",
    re.IGNORECASE,
)
_TOS = re.compile(  # read in the link text and the URL's path and query, never its host
    r"terms|\btos\b|conditions|legal|nutzungsbedingungen|agb|cgu|condiciones|termini",
    re.IGNORECASE,
)
# The terms page (what visitors may do with the work) and the imprint or legal notice (who runs
# the site) are two pages, fetched as two kinds. "Legal" alone may name either, so _TOS keeps
# it and an imprint link is never taken as the terms page (``tos_link``). An imprint link is
# named by a short link text (a footer link, not a post that mentions the word) or by the
# last segment of its path being one of these names.
_IMPRINT_TEXT = re.compile(
    r"(?<!\w)(?:impressum|imprint|colofon|colophon"  # de, en, nl
    r"|legal\s+(?:notices?|information|disclosure)|mentions\s+l[ée]gales"  # en, fr
    r"|aviso\s+legal|nota\s+legal|informa[çc][ãa]o\s+legal"  # es, pt
    r"|note\s+legali|informazioni\s+legali|nota\s+prawna|informacje\s+prawne)(?!\w)"  # it, pl
    r"|特定商取引|特商法|運営者情報|사업자\s*정보|법적\s*고지",  # ja, ko: words unspaced
    re.IGNORECASE,
)
_IMPRINT_PATH = re.compile(
    r"(?:impressum|imprint|colofon|colophon|legal[-_]?(?:notices?|info(?:rmation)?|disclosure)"
    r"|mentions[-_]?l[ée]gales|aviso[-_]?legal|nota[-_]?legal|informa[çc][ãa]o[-_]?legal"
    r"|note[-_]?legali|informazioni[-_]?legali|nota[-_]?prawna|informacje[-_]?prawne"
    r"|tokushoho|tokusho|tokutei|特定商取引法(?:に基づく表記)?|運営者情報)"
    r"(?:\.(?:html?|php|aspx?))?",
    re.IGNORECASE,
)
_SHORT_TEXT = 50
"""The longest link text taken for a footer link's; longer texts are about something else."""
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|webp|gif|avif|tiff?|heic)(\?|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def _selector(body: bytes, kind: str) -> Selector:
    """A bounded parsel selector; text rather than body, because parsel refuses an empty body
    (a site can serve an empty 200 page) and bad bytes become U+FFFD either way."""
    return Selector(text=body[:MAX_HTML].decode("utf-8", "replace"), type=kind)


def _same_site(url: str, origin: str) -> bool:
    host = urlsplit(url).hostname or ""
    base = urlsplit(origin).hostname or ""
    return host == base or host.endswith("." + base) or base.endswith("." + host)


def _absolute(href: str, base: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    url = safe_url_string(urljoin(base, href))
    return url.split("#", 1)[0] if url.startswith(("http://", "https://")) else None


def page_links(html: bytes, base_url: str) -> list[Link]:
    """Every ``<a href>`` of a page, absolute, in order, bounded."""
    selector = _selector(html, "html")
    links = []
    for anchor in selector.css("a[href]")[:MAX_LINKS]:
        url = _absolute(anchor.root.get("href", ""), base_url)
        if url:
            links.append(Link(url, " ".join(anchor.css("::text").getall()).strip()[:200]))
    return links


def choose_pages(
    links: Iterable[str],
    origin: str,
    limit: int,
    patterns: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> list[str]:
    """Up to ``limit`` same-site content pages: seed patterns first, then art-looking paths."""
    wanted = [p for p in patterns if p]
    seen = {canonicalize_url(u) for u in exclude}
    scored: list[tuple[int, int, str]] = []
    for order, url in enumerate(links):
        key = canonicalize_url(url)
        path = urlsplit(url).path or "/"
        if key in seen or not _same_site(url, origin) or _SKIP.search(url) or path == "/":
            continue
        seen.add(key)
        if _IMAGE_EXT.search(path):
            continue
        score = (
            0 if any(fnmatchcase(path, p) for p in wanted) else 1 if _ART_WORDS.search(path) else 2
        )
        scored.append((score, order, url))
    return [url for _, _, url in sorted(scored)[:limit]]


def image_urls(html: bytes, base_url: str, limit: int) -> list[str]:
    """Artwork images of a page: ``og:image``, then ``<img>`` (largest ``srcset`` entry)."""
    selector = _selector(html, "html")
    found: list[str] = []
    candidates = selector.css('meta[property="og:image"]::attr(content)').getall()
    for img in selector.css("img")[:MAX_LINKS]:
        srcset = img.root.get("srcset", "")
        if srcset:
            candidates.append(_largest(srcset))
        candidates.append(img.root.get("src", ""))
    for raw in candidates:
        url = _absolute(raw, base_url)
        if url and url not in found and not url.startswith("data:"):
            found.append(url)
        if len(found) >= limit:
            break
    return found


def _largest(srcset: str) -> str:
    best, best_width = "", -1.0
    for part in srcset.split(",")[:50]:
        bits = part.split()
        if not bits:
            continue
        width = 0.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit():
            width = float(bits[1][:-1])
        if width > best_width:
            best, best_width = bits[0], width
    return best


def tos_link(links: Iterable[Link], origin: str) -> str | None:
    """The site's terms-of-service page, by link text or path (never its imprint)."""
    for link in links:
        if not _same_site(link.url, origin) or _is_imprint(link):
            continue
        parts = urlsplit(link.url)
        if _TOS.search(link.text) or _TOS.search(f"{parts.path}?{parts.query}"):
            return link.url
    return None


def imprint_link(links: Iterable[Link], origin: str) -> str | None:
    """The site's imprint or legal notice page (Impressum, mentions légales…), by link text
    or path."""
    for link in links:
        if _same_site(link.url, origin) and _is_imprint(link):
            return link.url
    return None


def _is_imprint(link: Link) -> bool:
    text = " ".join(link.text.split())
    if len(text) > _SHORT_TEXT:
        return False
    segments = [s for s in unquote(urlsplit(link.url).path).split("/") if s]
    last = segments[-1] if segments else ""
    return bool(_IMPRINT_TEXT.search(text) or _IMPRINT_PATH.fullmatch(last))


def sitemap_page_urls(body: bytes, limit: int = 200) -> list[str]:
    """Page URLs listed in a sitemap (``<loc>`` of ``<url>`` entries), bounded.

    Read with parsel in XML mode; namespaces are removed so both sitemap schemas work.
    """
    selector = _selector(body, "xml")
    selector.remove_namespaces()
    return [u.strip() for u in selector.xpath("//url/loc/text()").getall()[:limit] if u.strip()]


def rsl_links(link_headers: list[str], html: bytes, base_url: str) -> list[str]:
    """RSL licence URLs a page points to: ``Link`` headers and ``<link>`` elements with
    ``rel="license"`` and ``type="application/rsl+xml"`` (RSL 1.0 discovery)."""
    found = [
        urljoin(base_url, link.target)
        for link in links_with_rel(link_headers, "license")
        if link.media_type == RSL_MEDIA_TYPE
    ]
    selector = _selector(html, "html")
    for element in selector.css("link[href]")[:MAX_LINKS]:
        rels = element.root.get("rel", "").lower().split()
        if "license" in rels and element.root.get("type", "").lower() == RSL_MEDIA_TYPE:
            url = _absolute(element.root.get("href", ""), base_url)
            if url:
                found.append(url)
    return list(dict.fromkeys(found))


# -- platforms: a seeded random sample of creator profiles and artworks -------------------------

MAX_CANDIDATES = 20_000
_LISTING_PATH = re.compile(
    r"^/(?:artists|explore|browse|creators|people|members|directory|discover|profiles|users)"
    r"(?:/page/\d{1,6})?(?:/|\.html?)?$",
    re.IGNORECASE,
)
_PAGE_QUERY = re.compile(r"(?:^|&)(?:page|p)=\d{1,6}(?:&|$)", re.IGNORECASE)


def _matches(path: str, pattern: str | None) -> bool:
    return bool(pattern) and fnmatchcase(path, pattern or "")


def _normal(url: str) -> str:
    """A URL without fragment, with a canonical query and no trailing slash (so ``/u/anna``
    and ``/u/anna/`` count once)."""
    parts = urlsplit(canonicalize_url(url))
    path = parts.path.rstrip("/") or "/"
    return parts._replace(path=path, fragment="").geturl()


def is_listing(
    url: str, origin: str, profile_pattern: str | None, artwork_pattern: str | None
) -> bool:
    """Whether a link looks like a platform's list of creators (``/artists``, ``/explore``,
    ``/browse``, ``/creators``, ``/people``, … or a ``?page=N`` page of one)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not _same_site(url, origin) or _SKIP.search(url):
        return False
    if _matches(path, profile_pattern) or _matches(path, artwork_pattern):
        return False
    return bool(_LISTING_PATH.match(path) or (path != "/" and _PAGE_QUERY.search(parts.query)))


def listing_pages(
    links: Iterable[str],
    origin: str,
    limit: int,
    profile_pattern: str | None,
    artwork_pattern: str | None,
) -> list[str]:
    """Up to ``limit`` listing pages among a page's links, in page order, without repeats."""
    found: list[str] = []
    for url in links:
        key = _normal(url)
        if key not in found and is_listing(url, origin, profile_pattern, artwork_pattern):
            found.append(key)
            if len(found) >= limit:
                break
    return found


def profile_of(
    url: str, origin: str, profile_pattern: str, artwork_pattern: str | None
) -> str | None:
    """The creator profile a same-site link belongs to: the link itself when it matches the
    profile pattern (and not the artwork pattern), else the shortest leading part of its path
    that does (``/u/anna/art/3`` -> ``/u/anna`` for ``/u/*``); None for other links."""
    if not _same_site(url, origin) or _SKIP.search(url) or _IMAGE_EXT.search(url):
        return None
    parts = urlsplit(_normal(url))
    path = parts.path
    if _matches(path, profile_pattern) and not _matches(path, artwork_pattern):
        return parts.geturl()
    segments = path.split("/")
    for end in range(2, min(len(segments), 12)):
        prefix = "/".join(segments[:end])
        if _matches(prefix, profile_pattern) and not _matches(prefix, artwork_pattern):
            return parts._replace(path=prefix, query="").geturl()
    return None


def profile_candidates(
    urls: Iterable[str], origin: str, profile_pattern: str, artwork_pattern: str | None
) -> set[str]:
    """The distinct profile URLs that links (page links or sitemap entries) lead to."""
    found: set[str] = set()
    for url in urls:
        profile = profile_of(url, origin, profile_pattern, artwork_pattern)
        if profile is not None:
            found.add(profile)
            if len(found) >= MAX_CANDIDATES:
                break
    return found


def seeded_random(seed: str, scope: str) -> random.Random:
    """A random generator fixed by the seed string and a scope (an origin or a profile URL).

    Python's ``hash()`` of a string changes with every process, so the scope is hashed with
    SHA-256: re-runs and resumed crawls draw the same sample.
    """
    digest = hashlib.sha256(f"{seed}\n{scope}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_sample(candidates: Iterable[str], size: int, seed: str, scope: str) -> list[str]:
    """``min(size, population)`` candidates, drawn at random but fixed by seed and scope."""
    population = sorted(set(candidates))
    return seeded_random(seed, scope).sample(population, max(0, min(size, len(population))))


def artwork_links(
    links: Iterable[str], profile: str, artwork_pattern: str | None, size: int, seed: str
) -> list[str]:
    """A seeded sample of the artwork pages a profile page links to (same site); the
    creator's own (under the profile's path) when there are any, not "more from others"."""
    if not artwork_pattern:
        return []
    found = {
        _normal(url)
        for url in links
        if _same_site(url, profile) and _matches(urlsplit(url).path, artwork_pattern)
    }
    own = {url for url in found if url.startswith(_normal(profile) + "/")}
    return draw_sample(own or found, size, seed, profile)
