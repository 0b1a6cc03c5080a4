"""Opt-out headers written into the page as ``<meta http-equiv>``, where no reader looks.

``X-Robots-Tag``, ``Content-Usage`` (aipref) and TDMRep's ``tdm-reservation`` /
``tdm-policy`` are HTTP response headers. A creator whose host will not let them set
headers often writes ``<meta http-equiv="X-Robots-Tag" content="noai">`` instead. HTML
allows ``http-equiv`` only for a short list of pragmas (content type, refresh, CSP, …), and
none of the specifications of these signals defines an ``http-equiv`` form, so the
reservation is written where crawlers do not read it. The page-level forms that are read
are ``<meta name="robots">`` and ``<meta name="tdm-reservation">``; this module says which
one to use instead. It reserves nothing itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from parsel import Selector

from audits.core.findings import Finding, FindingLog, Severity

MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_META_TAGS = 2_000

CODES: dict[str, Severity] = {"http-equiv-header-not-read": "warning"}

# Header name (lower case) -> the form a reader does read, for the finding's advice.
HEADERS: dict[str, str] = {
    "x-robots-tag": '<meta name="robots" content="…"> or the X-Robots-Tag response header',
    "content-usage": "the Content-Usage response header or a Content-Usage line in robots.txt",
    "tdm-reservation": '<meta name="tdm-reservation" content="1"> or the response header',
    "tdm-policy": '<meta name="tdm-policy" content="…"> or the response header',
}
# Cheap pre-check on the raw bytes, so that a page is parsed a second time only when one of
# these headers is named in an http-equiv (most pages carry Content-Type or X-UA-Compatible).
_HINT = re.compile(rb"""http-equiv\s*=\s*["']?\s*(?:x-robots-tag|content-usage|tdm-)""", re.I)


@dataclass(frozen=True)
class EquivHeader:
    """One ``<meta http-equiv>`` naming an opt-out header."""

    header: str
    """The header name, lower case."""
    content: str
    line: int | None


@dataclass(frozen=True)
class HttpEquiv:
    """The opt-out headers one HTML page writes as ``http-equiv`` meta tags."""

    tags: tuple[EquivHeader, ...] = ()
    findings: tuple[Finding, ...] = ()


def parse_http_equiv(html: bytes) -> HttpEquiv:
    """Every ``<meta http-equiv>`` of the page that names an opt-out header, each reported."""
    text = html[:MAX_HTML_BYTES]
    if not _HINT.search(text):
        return HttpEquiv()
    root = Selector(text=text.decode("utf-8", "replace"), type="html").root
    log = FindingLog(CODES)
    tags: list[EquivHeader] = []
    for element in islice(root.iter("meta"), MAX_META_TAGS):
        header = (element.get("http-equiv") or "").strip().lower()
        if header not in HEADERS:
            continue
        content = (element.get("content") or "").strip()
        tag = EquivHeader(header, content, element.sourceline)
        tags.append(tag)
        log.add(
            "http-equiv-header-not-read",
            f"<meta http-equiv={element.get('http-equiv')!r}> writes a response header into "
            "the page, where crawlers do not read it: this opt-out has no effect. "
            f"Use {HEADERS[header]} instead.",
            line=tag.line,
            evidence=content,
        )
    return HttpEquiv(tuple(tags), log.frozen())
