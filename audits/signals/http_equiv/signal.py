"""``<meta http-equiv>`` opt-out headers as a signal: findings only, no contribution."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.evidence import Fetch
from audits.core.signal import LocatedFinding, Signal, SiteContext, located
from audits.signals import http_equiv
from audits.signals.http_equiv import HttpEquiv, parse_http_equiv

Reading = tuple[tuple[Fetch, HttpEquiv], ...]


def read_http_equiv(fetch: Fetch) -> HttpEquiv:
    """One HTML answer's ``http-equiv`` opt-out headers (none for errors and non-HTML)."""
    body = fetch.html_body
    return parse_http_equiv(body) if body is not None else HttpEquiv()


class HttpEquivSignal(Signal[Reading]):
    """Reservations written as ``<meta http-equiv>`` on the sampled HTML pages."""

    name = "http-equiv"
    fetch_kinds = ("home", "page", "tos", "imprint", "profile", "artwork")
    codes = http_equiv.CODES

    def read(self, site: SiteContext) -> Reading:
        pages = ((f, read_http_equiv(f)) for f in site.evidence.of_kind(*self.fetch_kinds))
        return tuple((fetch, found) for fetch, found in pages if found.tags)

    def findings(self, reading: Reading, site: SiteContext) -> Sequence[LocatedFinding]:
        """Each distinct tag once, at the first page that has it: a site template repeats it
        on every page, and one finding per page would bury the others."""
        seen: set[tuple[str, str]] = set()
        out: list[LocatedFinding] = []
        for fetch, found in reading:
            for tag, finding in zip(found.tags, found.findings, strict=False):
                if (tag.header, tag.content) not in seen:
                    seen.add((tag.header, tag.content))
                    out.extend(located((finding,), fetch))
        return out


HTTP_EQUIV = HttpEquivSignal()
