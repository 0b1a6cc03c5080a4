"""RSL as a signal: the licence documents a site links to, and the uses they prohibit.
Licence links themselves are read where they appear (robots.txt ``License:`` lines, ``Link``
headers); this reads the fetched documents."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.evidence import Fetch
from audits.core.signal import Contributions, LocatedFinding, Signal, SiteContext, located
from audits.signals import rsl
from audits.signals.botwall import detect_bot_wall
from audits.signals.rsl import RslDocument, parse_rsl_document
from audits.signals.rsl.contributions import rsl_contributions

Licences = tuple[tuple[Fetch, RslDocument], ...]


def read_licences(fetches: Sequence[Fetch]) -> Licences:
    """Every licence fetch that answered 2xx (no error, no bot wall), parsed."""
    return tuple(
        (fetch, parse_rsl_document(fetch.body or b"", content_type=fetch.content_type))
        for fetch in fetches
        if fetch.status is not None
        and 200 <= fetch.status < 300
        and fetch.error is None
        and detect_bot_wall(fetch.status, fetch.headers, fetch.body) is None
    )


class RslSignal(Signal[Licences]):
    """Really Simple Licensing documents (rslstandard.org)."""

    name = "RSL licence"
    fetch_kinds = ("license",)
    codes = rsl.CODES

    def read(self, site: SiteContext) -> Licences:
        return read_licences(site.evidence.of_kind(*self.fetch_kinds))

    def findings(self, reading: Licences, site: SiteContext) -> Sequence[LocatedFinding]:
        return [lf for fetch, document in reading for lf in located(document.findings, fetch)]

    def contribute(self, reading: Licences, site: SiteContext, out: Contributions) -> None:
        out.items.extend(rsl_contributions(reading))


RSL = RslSignal()
