"""The site builder or host as a signal: which one the site runs on (from robots.txt and the
sampled pages), and whether its AI-crawler setting is off. It reserves no use itself."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.signal import LocatedFinding, Signal, SiteContext, located
from audits.core.uses import UseVerdict
from audits.signals import builders
from audits.signals.builders import BuilderDetection, builder_findings, detect_builder
from audits.signals.pages.signal import PAGES
from audits.signals.robots.signal import ROBOTS


class BuildersSignal(Signal[BuilderDetection | None]):
    """Squarespace, Wix, WordPress.com and the rest: their traces and their AI toggle."""

    name = "site builder"
    fetch_kinds = ("robots", "home", "page", "profile", "artwork")
    codes = builders.CODES
    needs = (ROBOTS, PAGES)

    def read(self, site: SiteContext) -> BuilderDetection | None:
        robots = site.reading(ROBOTS).robots
        pages = site.reading(PAGES)
        return detect_builder(site.evidence, robots=robots, pages=pages)

    def conclude(
        self,
        reading: BuilderDetection | None,
        site: SiteContext,
        verdicts: Sequence[UseVerdict],
    ) -> Sequence[LocatedFinding]:
        # The toggle writes robots.txt, so the finding points there.
        return located(builder_findings(reading), site.reading(ROBOTS).fetch)


BUILDERS = BuildersSignal()
