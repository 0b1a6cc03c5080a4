"""The opt-out signals carried by one fetched page or image: meta tags, X-Robots-Tag,
TDMRep headers and meta, the Content-Usage header and licence links.

Every sampled page is read once here; the signals carried by pages (``signal.py``: the
robots directives, the Content-Usage header and TDMRep's layers) contribute from that one
reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audits.core.evidence import Fetch
from audits.core.findings import Finding
from audits.core.signal import LocatedFinding, located
from audits.signals.aipref import UsagePreference, parse_content_usage_header
from audits.signals.botwall import BotWall, detect_bot_wall, finding_for
from audits.signals.directives import AiReservation, ai_reservation
from audits.signals.directives.header import XRobotsTag, parse_x_robots_tag
from audits.signals.directives.meta import MetaRobots, parse_meta_robots
from audits.signals.rsl import LicenseRef, licenses_from_link_headers
from audits.signals.tdmrep.layers import TdmProperties, tdm_from_headers, tdm_from_html

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class PageSignals:
    """What one page or image response says, and whether it could be read at all."""

    fetch: Fetch
    readable: bool
    """A response that is neither an error, a bot wall nor a non-2xx status."""
    wall: BotWall | None
    meta: MetaRobots | None
    rendered_meta: MetaRobots | None
    x_robots: XRobotsTag
    tdm_header: TdmProperties
    tdm_meta: TdmProperties | None
    content_usage: UsagePreference | None
    licenses: tuple[LicenseRef, ...]

    def directives(self, agent: str = "*") -> frozenset[str]:
        """Robots directives binding ``agent`` from meta (raw and rendered) and headers."""
        found = set(self.x_robots.directives_for(agent))
        for meta in (self.meta, self.rendered_meta):
            if meta is not None:
                found |= meta.directives_for(agent)
        return frozenset(found)

    def ai(self, agent: str = "*") -> AiReservation:
        return ai_reservation(self.directives(agent))

    @property
    def rendered_only_noai(self) -> bool:
        """``noai`` appears only after JavaScript ran: non-rendering crawlers miss it."""
        if self.rendered_meta is None:
            return False
        raw = ai_reservation(self.meta.directives_for("*") if self.meta else ())
        rendered = ai_reservation(self.rendered_meta.directives_for("*"))
        return rendered.images and not raw.images

    @property
    def findings(self) -> tuple[Finding, ...]:
        parts: list[Finding] = [*self.x_robots.findings, *self.tdm_header.findings]
        if self.meta is not None:
            parts += self.meta.findings
        if self.tdm_meta is not None:
            parts += self.tdm_meta.findings
        if self.content_usage is not None:
            parts += self.content_usage.findings
        for licence in self.licenses:
            parts += licence.findings
        return tuple(parts)


def _is_html(fetch: Fetch) -> bool:
    content_type = (fetch.content_type or "").split(";")[0].strip().lower()
    if content_type:
        return content_type in _HTML_TYPES
    head = (fetch.body or b"")[:512].lower()
    return b"<html" in head or b"<!doctype html" in head


def page_signals(fetch: Fetch) -> PageSignals:
    """Read every page-level signal of one response (HTML or image)."""
    wall = detect_bot_wall(fetch.status, fetch.headers, fetch.body)
    readable = (
        wall is None
        and fetch.error is None
        and fetch.status is not None
        and 200 <= fetch.status < 300
    )
    html = readable and _is_html(fetch)
    usage_values = fetch.header_values("content-usage")
    return PageSignals(
        fetch=fetch,
        readable=readable,
        wall=wall,
        meta=parse_meta_robots(fetch.body or b"") if html else None,
        rendered_meta=parse_meta_robots(fetch.rendered_body)
        if html and fetch.rendered_body
        else None,
        x_robots=parse_x_robots_tag(fetch.headers if readable else ()),
        tdm_header=tdm_from_headers(fetch.headers if readable else ()),
        tdm_meta=tdm_from_html(fetch.body or b"") if html else None,
        content_usage=parse_content_usage_header(usage_values)
        if readable and usage_values
        else None,
        licenses=licenses_from_link_headers(fetch.header_values("link"), base_url=fetch.url)
        if readable
        else (),
    )


Pages = tuple[PageSignals, ...]


def located_page_findings(pages: Sequence[PageSignals]) -> list[LocatedFinding]:
    """Each page's bot wall and findings, at its fetch; a finding repeated on later pages
    (same code, same evidence) is kept once."""
    found: list[LocatedFinding] = []
    seen: set[tuple[str, str | None]] = set()
    for page in pages:
        if page.wall is not None:
            found += located([finding_for(page.wall)], page.fetch)
        fresh = [f for f in page.findings if (f.code, f.evidence) not in seen]
        seen.update((f.code, f.evidence) for f in fresh)
        found += located(fresh, page.fetch)
    return found
