"""Where a page says things in words about its rights: the text passages the words signal reads.

A terms or imprint page is read whole; every other sampled page only where rights statements
live: its footer, ``<meta name="copyright|rights">`` and the schema.org ``copyrightNotice``,
``usageInfo`` and ``license`` of its JSON-LD. Cookie and consent banners, navigation and
quotations (``<blockquote>``, ``<q>``) are left out: they speak for someone else, or about
personal data rather than works. Text only, every size bounded.

Each passage is a run of text between block boundaries (a paragraph, a list item, a cell …)
with the source line where it starts, so a quoted sentence can be found in the page again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from parsel import Selector

MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_PASSAGES = 2_000
"""Passages read from one page."""
MAX_TEXT_CHARS = 200_000
"""Characters of text read from one page."""
MAX_META_TAGS = 2_000
MAX_JSON_LD_BYTES = 256 * 1024
MAX_JSON_LD_SCRIPTS = 20
MAX_JSON_NODES = 5_000
MAX_JSON_DEPTH = 32

WHERE_PAGE = "page text"
WHERE_FOOTER = "footer"

_META_NAMES = frozenset({"copyright", "rights", "dc.rights", "dcterms.rights", "dc:rights"})
_JSON_LD_KEYS = ("copyrightNotice", "usageInfo", "license")
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "br",
    ]
)
_SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "nav",
        "blockquote",
        "head",
        "iframe",
        "object",
        "select",
        "button",
    ]
)
_BANNER_RE = re.compile(r"cookie|consent|gdpr|cmp[-_]|onetrust|didomi|usercentrics", re.I)
_FOOTER_RE = re.compile(r"footer|colophon|site-info|copyright", re.I)


@dataclass(frozen=True)
class Passage:
    """A run of text from one page and where it stands."""

    text: str
    where: str
    """``page text``, ``footer``, ``<meta name="copyright">``, ``JSON-LD copyrightNotice`` …"""
    line: int | None


def page_passages(html: bytes, *, whole: bool) -> tuple[Passage, ...]:
    """The passages of one HTML page: its whole text (``whole``: a terms or imprint page) or
    only its footer; with its rights meta tags and JSON-LD rights fields either way."""
    text = html[:MAX_HTML_BYTES].decode("utf-8", "replace")
    if not text.strip():
        return ()
    root = Selector(text=text, type="html").root
    found = [*_meta_passages(root), *_json_ld_passages(root)]
    regions = [root] if whole else list(_footers(root))
    budget = _Budget()
    for region in regions:
        where = WHERE_PAGE if whole else WHERE_FOOTER
        found.extend(_segments(region, where, budget))
        if budget.spent:
            break
    return tuple(found[:MAX_PASSAGES])


def _meta_passages(root: Any) -> Iterator[Passage]:
    for count, element in enumerate(root.iter("meta")):
        if count >= MAX_META_TAGS:
            return
        name = (element.get("name") or "").strip().lower()
        content = " ".join((element.get("content") or "").split())
        if name in _META_NAMES and content:
            yield Passage(content[:2_000], f'<meta name="{name}">', element.sourceline)


def _json_ld_passages(root: Any) -> Iterator[Passage]:
    scripts = [
        s
        for s in root.iter("script")
        if (s.get("type") or "").strip().lower() == "application/ld+json"
    ]
    for script in scripts[:MAX_JSON_LD_SCRIPTS]:
        body = (script.text or "")[:MAX_JSON_LD_BYTES]
        try:
            data = json.loads(body)
        except ValueError:
            continue
        for key, value in _rights_fields(data):
            yield Passage(value[:2_000], f"JSON-LD {key}", script.sourceline)


def _rights_fields(data: Any) -> Iterator[tuple[str, str]]:
    """(key, text) of every rights field in a JSON-LD document, breadth first, bounded."""
    queue: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while queue and seen < MAX_JSON_NODES:
        node, depth = queue.pop(0)
        seen += 1
        if depth > MAX_JSON_DEPTH:
            continue
        if isinstance(node, list):
            queue.extend((item, depth + 1) for item in node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in _JSON_LD_KEYS:
                    yield from ((key, text) for text in _texts(value))
                if isinstance(value, dict | list):
                    queue.append((value, depth + 1))


def _texts(value: Any) -> Iterator[str]:
    """A rights field's words: a string (not a bare URL), or a CreativeWork's name or text."""
    if isinstance(value, str):
        text = " ".join(value.split())
        if text and not re.fullmatch(r"\S+://\S+", text):
            yield text
    elif isinstance(value, dict):
        for key in ("text", "name", "description"):
            if isinstance(value.get(key), str):
                yield from _texts(value[key])
    elif isinstance(value, list):
        for item in value[:20]:
            if isinstance(item, str | dict):
                yield from _texts(item)


def _footers(root: Any) -> Iterator[Any]:
    """The outermost footer-like elements: ``<footer>``, ``role=contentinfo``, or an id or
    class naming a footer, colophon or copyright line."""
    for element in root.iter():
        if not isinstance(element.tag, str) or not _is_footer(element):
            continue
        if any(_is_footer(a) for a in element.iterancestors()):
            continue
        yield element


def _is_footer(element: Any) -> bool:
    if element.tag == "footer" or (element.get("role") or "").lower() == "contentinfo":
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return bool(names.strip()) and bool(_FOOTER_RE.search(names))


def _skipped(element: Any) -> bool:
    if element.tag in _SKIPPED_TAGS:
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return bool(names.strip()) and bool(_BANNER_RE.search(names))


class _Budget:
    """Characters and passages left for one page."""

    def __init__(self) -> None:
        self.chars = MAX_TEXT_CHARS
        self.passages = MAX_PASSAGES

    @property
    def spent(self) -> bool:
        return self.chars <= 0 or self.passages <= 0


def _segments(region: Any, where: str, budget: _Budget) -> Iterator[Passage]:
    """The region's text cut at block boundaries, one passage per run, with its start line.

    One pass over start and end events (lxml's ``iterwalk``) rather than a recursive walk, so
    a deeply nested page cannot exhaust the stack; skipped subtrees keep their tail text."""
    parts: list[str] = []
    line: int | None = getattr(region, "sourceline", None)
    skipping: Any = None

    def flush() -> Passage | None:
        text = " ".join("".join(parts).split())
        parts.clear()
        if len(text) < 3 or budget.spent:
            return None
        text = text[: budget.chars]
        budget.chars -= len(text)
        budget.passages -= 1
        return Passage(text, where, line)

    for event, node in etree.iterwalk(region, events=("start", "end")):
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                parts.append(node.tail or "")
            continue
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag is None:
                continue
            if node is not region and _skipped(node):
                skipping = node
                continue
            if tag in _BLOCKS:
                if (done := flush()) is not None:
                    yield done
                line = node.sourceline
            parts.append(("“" if tag == "q" else "") + (node.text or ""))
        else:
            if tag in _BLOCKS:
                if (done := flush()) is not None:
                    yield done
                line = node.sourceline
            elif tag == "q":
                parts.append("”")
            if node is not region:
                parts.append(node.tail or "")
        if budget.spent:
            return
    if (done := flush()) is not None:
        yield done
