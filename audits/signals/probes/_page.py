"""Is the answer a probe got materially the same as ours? A bounded view of each answer and
their comparison: kind of content, length, ``<title>``, the set of links, links hidden from
people, and for plain text (robots.txt) the set of its lines.

Pages change a little from one request to the next (a nonce, a date, rotating
recommendations), so only large differences count: half or less of the length, a different
title, fewer than half of the links in common, or links hidden from people that our page did
not have at all (decoys in the style of Cloudflare's AI Labyrinth).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from audits.core.evidence import Fetch

MAX_HTML_BYTES = 512 * 1024
"""Only the start of a page is parsed."""
MAX_TEXT_BYTES = 256 * 1024
MAX_LINKS = 2_000
MAX_LINES = 2_000
MAX_TITLE_CHARS = 300
MAX_SHOWN_CHARS = 80
LENGTH_RATIO = 0.5
"""Lengths differ materially when the shorter is at most this share of the longer …"""
LENGTH_SLACK = 2_048
"""… and they differ by more than this many bytes (tiny pages vary by a lot in ratio)."""
LINK_OVERLAP = 0.5
"""Link sets differ materially when they share less than this share of all their links …"""
MIN_LINKS_COMPARED = 4
"""… counted only when the two pages have at least this many distinct links between them."""

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title")
_SKIPPED_SCHEMES = frozenset({"javascript", "mailto", "tel", "data", "about", "blob"})
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ "
_LOWER = "abcdefghijklmnopqrstuvwxyz"
# An <a href> hidden from people: it or an ancestor is hidden by attribute or inline style.
_HIDDEN_LINKS = (
    "//a[@href][ancestor-or-self::*["
    "@hidden or @aria-hidden='true'"
    f" or contains(translate(@style, '{_UPPER}', '{_LOWER}'), 'display:none')"
    f" or contains(translate(@style, '{_UPPER}', '{_LOWER}'), 'visibility:hidden')"
    "]]/@href"
)


@dataclass(frozen=True)
class View:
    """The parts of one answer that are compared."""

    kind: str
    """``html``, ``text``, ``image``, ``empty`` or another media type's major part."""
    length: int
    title: str | None = None
    links: frozenset[str] = frozenset()
    hidden_links: frozenset[str] = frozenset()
    lines: frozenset[str] = frozenset()
    final_url: str | None = None


@dataclass(frozen=True)
class Difference:
    """What differs materially between our answer and the probe's; empty when nothing does."""

    reasons: tuple[str, ...] = ()
    decoy_links: int = 0
    """Links hidden from people on the probe's page that ours did not have."""


def view(fetch: Fetch) -> View:
    """The bounded view of one answer."""
    body = fetch.body or b""
    kind = _kind(fetch.content_type, body)
    final = _normal_url(fetch.final_url or fetch.url, fetch.url)
    if kind == "html":
        return _html_view(fetch, body, final)
    if kind == "text":
        text = body[:MAX_TEXT_BYTES].decode("utf-8", "replace")
        lines = {
            " ".join(line.split())
            for line in text.splitlines()[:MAX_LINES]
            if line.strip() and not line.lstrip().startswith("#")
        }
        return View(kind, len(body), lines=frozenset(lines), final_url=final)
    return View(kind, len(body), final_url=final)


def compare(ours: View, theirs: View) -> Difference:
    """The material differences between our answer and the probe's answer."""
    reasons: list[str] = []
    if ours.final_url != theirs.final_url:
        reasons.append(f"it ended at {_short(theirs.final_url)}, ours at {_short(ours.final_url)}")
    if ours.kind != theirs.kind:
        reasons.append(f"it got {_article(theirs.kind)} answer where ours was {ours.kind}")
        return Difference(tuple(reasons))
    if _lengths_differ(ours.length, theirs.length):
        reasons.append(f"{theirs.length} bytes where ours had {ours.length}")
    if ours.kind == "html":
        if _folded(ours.title) != _folded(theirs.title):
            reasons.append(f"title {_quoted(theirs.title)} where ours was {_quoted(ours.title)}")
        union = ours.links | theirs.links
        shared = ours.links & theirs.links
        if len(union) >= MIN_LINKS_COMPARED and len(shared) < LINK_OVERLAP * len(union):
            reasons.append(f"{len(shared)} of {len(union)} links in common with ours")
    if ours.kind == "text" and ours.lines != theirs.lines:
        extra = len(theirs.lines - ours.lines)
        missing = len(ours.lines - theirs.lines)
        reasons.append(f"{extra} lines ours does not have and {missing} of ours missing")
    decoys = len(theirs.hidden_links - ours.links)
    if decoys:
        reasons.append(f"{decoys} links hidden from people that ours did not have (decoys)")
    return Difference(tuple(reasons), decoys)


def _kind(content_type: str | None, body: bytes) -> str:
    if not body:
        return "empty"
    media = (content_type or "").split(";")[0].strip().lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if "html" in media or (not media and head.startswith(_HTML_STARTS)):
        return "html"
    if media.startswith("text/") or not media:
        return "text"
    return media.split("/")[0] or "other"


def _html_view(fetch: Fetch, body: bytes, final: str | None) -> View:
    text = body[:MAX_HTML_BYTES].decode("utf-8", "replace")
    try:
        page = Selector(text=text, type="html")
        title = page.xpath("normalize-space(//title[1])").get()
        hrefs = page.xpath("//a/@href").getall()[:MAX_LINKS]
        hidden = page.xpath(_HIDDEN_LINKS).getall()[:MAX_LINKS]
    except (ValueError, TypeError):  # lxml refuses some documents outright
        return View("html", len(body), final_url=final)
    base = fetch.final_url or fetch.url
    return View(
        "html",
        len(body),
        title=(title or "")[:MAX_TITLE_CHARS] or None,
        links=_links(hrefs, base),
        hidden_links=_links(hidden, base),
        final_url=final,
    )


def _links(hrefs: list[str], base: str) -> frozenset[str]:
    found = (_normal_url(href, base) for href in hrefs)
    return frozenset(link for link in found if link is not None)


def _normal_url(href: str, base: str) -> str | None:
    """Absolute, lower-case scheme and host, without query or fragment; None for non-web."""
    try:
        parts = urlsplit(urljoin(base, href.strip()))
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in _SKIPPED_SCHEMES or not parts.netloc:
        return None
    return urlunsplit((scheme, parts.netloc.lower(), parts.path or "/", "", ""))


def _folded(title: str | None) -> str | None:
    return title.casefold() if title is not None else None


def _lengths_differ(ours: int, theirs: int) -> bool:
    shorter, longer = sorted((ours, theirs))
    return longer - shorter > LENGTH_SLACK and shorter <= LENGTH_RATIO * longer


def _article(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _quoted(text: str | None) -> str:
    if text is None:
        return "none"
    return f"'{text[:MAX_SHOWN_CHARS]}'"


def _short(url: str | None) -> str:
    if url is None:
        return "the URL asked"
    return url if len(url) <= MAX_SHOWN_CHARS else url[: MAX_SHOWN_CHARS - 1] + "…"
