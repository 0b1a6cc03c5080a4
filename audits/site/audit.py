"""One site's audit: every registered signal read from its fetch records, a verdict per use,
and the findings, each pointing at its evidence.

The signals run in the registry's order (``audits.signals.SIGNALS``), in three stages (see
``audits/core/signal.py``): read and report, contribute, conclude. Nothing here knows a
signal by name except to fill the :class:`SiteAudit` fields the report and export read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from audits import INTERPRETER_VERSION
from audits.core.agents import Registry, load_registry
from audits.core.evidence import SiteEvidence
from audits.core.signal import Contributions, LocatedFinding, Readings, Signal, SiteContext
from audits.core.uses import USES, Use, UseVerdict, combine
from audits.signals import SIGNALS
from audits.signals.aitxt import AiTxt
from audits.signals.aitxt.signal import AITXT
from audits.signals.builders import BuilderDetection, OptOutAuthor, opt_out_authors
from audits.signals.builders.signal import BUILDERS
from audits.signals.images.signal import IMAGES
from audits.signals.images.site_images import SiteImage
from audits.signals.llms_txt import LlmsTxt
from audits.signals.llms_txt.signal import LLMS_TXT
from audits.signals.pages import PageSignals
from audits.signals.pages.signal import PAGES, TDMREP
from audits.signals.probes import ProbeReading, use_enforced, use_unenforceable
from audits.signals.probes.signal import PROBES
from audits.signals.robots import AgentTable, RobotsTxt
from audits.signals.robots.access import RobotsAccess
from audits.signals.robots.audit import Authorship
from audits.signals.robots.signal import ROBOTS, RobotsReading, robots_paths
from audits.signals.tdmrep import TdmrepFile
from audits.signals.words.signal import WORDS
from audits.signals.words.site_text import FoundStatement
from audits.site.mechanisms import site_findings

__all__ = ["LocatedFinding", "SiteAudit", "audit_site", "robots_paths", "with_enforcement"]


@dataclass(frozen=True)
class SiteAudit:
    """Everything the audit concluded about one origin."""

    origin: str
    robots_access: RobotsAccess | None
    robots: RobotsTxt | None
    authorship: Authorship | None
    robots_verdicts: AgentTable | None
    aitxt: AiTxt | None
    tdmrep: TdmrepFile | None
    llms: LlmsTxt | None
    pages: tuple[PageSignals, ...]
    verdicts: tuple[UseVerdict, ...]
    findings: tuple[LocatedFinding, ...]
    registry_version: str
    interpreter_version: str = INTERPRETER_VERSION
    builder: BuilderDetection | None = None
    """The site builder or host the site runs on (audits/signals/builders/__init__.py)."""
    opt_out_authors: tuple[OptOutAuthor, ...] = ()
    """Who most likely set each mechanism that reserves a use: builder toggle, CDN, template
    or by hand."""
    images: tuple[SiteImage, ...] = ()
    """The sampled images read for embedded metadata (IPTC, C2PA/CAWG), with their uses."""
    probes: ProbeReading = field(default_factory=ProbeReading)
    """What the edge did to each probed AI agent, and the declared-against-enforced matrix;
    empty when probing was off (audits/signals/probes/__init__.py)."""
    statements: tuple[FoundStatement, ...] = ()
    """Every sentence about mining or AI read on the site in words, classified
    (audits/signals/words/); none of them counts in ``verdicts``' states."""
    readings: Readings = field(default_factory=Readings, compare=False, repr=False)
    """Every registered signal's reading, by signal (``audit.readings[TDMREP]``)."""

    def verdict(self, use: Use) -> UseVerdict:
        return next(v for v in self.verdicts if v.use == use)


def audit_site(
    evidence: SiteEvidence,
    registry: Registry | None = None,
    signals: Sequence[Signal[Any]] = SIGNALS,
) -> SiteAudit:
    """Interpret one site's fetch records (pure: no network, no database)."""
    site = SiteContext(evidence, registry or load_registry(), Readings())
    located: list[LocatedFinding] = []
    for signal in signals:
        reading = signal.read(site)
        site.readings.add(signal, reading)
        located += signal.findings(reading, site)
    parts = Contributions()
    for signal in signals:
        signal.contribute(site.readings[signal], site, parts)
    verdicts = tuple(
        replace(
            combine(
                use, parts.items, unknown_because=parts.unknown[use], gaps=parts.gaps.get(use, ())
            ),
            in_words=tuple(c for c in parts.in_words if c.use == use),
        )
        for use in USES
    )
    verdicts = with_enforcement(verdicts, site.readings.get(PROBES))
    pages = site.readings.get(PAGES) or ()
    located += (LocatedFinding(f, where) for f, where in site_findings(verdicts, pages))
    combined: set[tuple[str, str | None, str | None]] = set()
    for finding, where in parts.findings:
        key = (finding.code, finding.evidence, finding.message)
        if key not in combined:
            combined.add(key)
            located.append(LocatedFinding(finding, where))
    for signal in signals:
        located += signal.conclude(site.readings[signal], site, verdicts)
    return _site_audit(site, pages, verdicts, tuple(located))


def with_enforcement(
    verdicts: tuple[UseVerdict, ...], probes: ProbeReading | None
) -> tuple[UseVerdict, ...]:
    """Each verdict with what the edge did to the probed agents of its use (``enforced``) and
    the agents only an unenforceable robots.txt line blocks; unchanged without probes."""
    if probes is None or not probes.agents:
        return verdicts
    return tuple(
        replace(
            v,
            enforced=use_enforced(probes, v.use),
            unenforceable=use_unenforceable(probes, v.use),
        )
        for v in verdicts
    )


def _site_audit(
    site: SiteContext,
    pages: tuple[PageSignals, ...],
    verdicts: tuple[UseVerdict, ...],
    findings: tuple[LocatedFinding, ...],
) -> SiteAudit:
    readings = site.readings
    robots = readings.get(ROBOTS) or RobotsReading(None, None, (), None)
    file = robots.file
    aitxt = readings.get(AITXT)
    tdmrep = readings.get(TDMREP)
    llms = readings.get(LLMS_TXT)
    builder = readings.get(BUILDERS)
    return SiteAudit(
        origin=site.evidence.origin,
        robots_access=robots.access,
        robots=robots.robots,
        authorship=file.authorship if file else None,
        robots_verdicts=file.verdicts if file else None,
        aitxt=aitxt.parsed if aitxt else None,
        tdmrep=tdmrep.parsed if tdmrep else None,
        llms=llms.parsed if llms else None,
        pages=pages,
        verdicts=verdicts,
        findings=findings,
        registry_version=site.registry.version,
        builder=builder,
        opt_out_authors=opt_out_authors(
            verdicts,
            builder=builder,
            authorship=file.authorship if file else None,
            robots=robots.robots,
            aitxt=aitxt.parsed if aitxt else None,
            probes=readings.get(PROBES),
        ),
        images=readings.get(IMAGES) or (),
        probes=readings.get(PROBES) or ProbeReading(),
        statements=readings.get(WORDS) or (),
        readings=readings,
    )
