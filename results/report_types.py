"""The site report's shape: what ``results.report.site_report`` builds and everything after it
reads (derived rows, exports, ``optout check``, the per-site page).

Each TypedDict is one object of ``schemas/export.schema.json`` (its ``$defs`` name in the
docstring), key for key, so a key renamed on one side fails in mypy. A report read back from
``site_summary.report`` is JSON: it is cast to :class:`StoredReport` once, where it is loaded.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from audits.core.agents import RobotsExemption
from audits.core.evidence import FetchKind
from audits.core.findings import Severity
from audits.core.uses import Effect, State
from audits.signals.builders import Author as BuilderAuthor
from audits.signals.builders import How
from audits.signals.images.model import ImageFormat, TrainingLabel, Validation
from audits.signals.images.site_images import ImageKind
from audits.signals.probes import Declared, Enforced, ProbeOutcome
from audits.signals.robots import Matched
from audits.signals.robots.access import AccessState
from audits.signals.robots.audit import Author as RobotsAuthor


class EvidenceRefReport(TypedDict):
    """``evidence_ref``: where a contribution can be checked."""

    url: str
    fetch_id: str | None
    line: int | None


class ContributionReport(TypedDict):
    """``contribution``: what one mechanism says about one use."""

    mechanism: str
    effect: Effect
    detail: str
    evidence: list[EvidenceRefReport]


class VerdictReport(TypedDict):
    """``verdict``: one use's state, its sentence and what made it."""

    state: State
    sentence: str
    mechanisms: list[str]
    conflict: bool
    gaps: list[str]
    unknown_because: list[str]
    contributions: list[ContributionReport]
    enforced: NotRequired[Enforced]
    """What the edge did to this use's probed agents (export schema 1.3); absent when none
    of them was probed, so a crawl without probes reports exactly what it did before."""
    unenforceable: NotRequired[list[str]]
    """Probed agents of this use that only robots.txt blocks though a robots.txt rule cannot
    bind them (export schema 1.3); present exactly when ``enforced`` is."""
    state_counting_words: NotRequired[State]
    """The verdict if reservations written in words counted (export schema 1.5); absent from
    reports stored by an older audit."""
    in_words: NotRequired[list[ContributionReport]]
    """What the site says about this use in words only, not counted in ``state`` (1.5)."""


class RobotsVerdictReport(TypedDict):
    """``robots_verdict``: whether one agent may crawl one path, and the lines that decided."""

    agent: str
    path: str
    allowed: bool
    matched: Matched
    group_lines: list[int]
    group_text: str | None
    rule_line: int | None
    rule_text: str | None
    protego_allowed: bool | None
    google_allowed: bool | None


class _RobotsBase(TypedDict):
    state: AccessState | Literal["not-fetched"]
    status: int | None
    authorship: RobotsAuthor | None


class RobotsReport(_RobotsBase):
    """``robots``: the robots.txt outcome and a verdict per agent and sampled path."""

    verdicts: list[RobotsVerdictReport]


class StoredRobotsReport(_RobotsBase):
    """``robots`` as ``site_summary.report`` keeps it: non-empty verdicts live in their own
    table (``results.robots_rows``), an empty list stays."""

    verdicts: NotRequired[list[RobotsVerdictReport]]


class FindingReport(TypedDict):
    """``finding``: one problem or notable fact, with the fetch it was seen in."""

    code: str
    severity: Severity
    message: str
    line: int | None
    evidence: str | None
    agent: str | None
    url: str
    fetch_id: str | None


class FetchReport(TypedDict):
    """``fetch``: one request of the site and its stored record."""

    fetch_id: str | None
    kind: FetchKind
    url: str
    final_url: str | None
    status: int | None
    error: str | None
    skipped: str | None
    fetched_at: str | None
    sha256: str | None


class OtherConstraintReport(TypedDict):
    lang: str
    text: str


class DataMiningReport(TypedDict):
    """An image's IPTC/PLUS Data Mining value."""

    raw: str
    code: str | None
    other_constraints: list[OtherConstraintReport]


class C2paTrainingReport(TypedDict):
    label: TrainingLabel
    key: str
    use: str


class C2paReport(TypedDict):
    """An image's C2PA manifest: its container, validation and training assertions."""

    container: str
    validation: Validation
    validation_detail: str
    training: list[C2paTrainingReport]


class ReservationReport(TypedDict):
    use: Literal["train", "ai-use", "tdm"]
    effect: Literal["reserved", "allowed"]
    mechanism: Literal["iptc-data-mining", "c2pa-training-mining", "cawg-training-mining"]
    detail: str


class ImageReport(TypedDict):
    """``image``: one image read for embedded metadata."""

    url: str
    kind: ImageKind
    page_url: str | None
    fetch_id: str | None
    tail_fetch_id: str | None
    format: ImageFormat
    complete: bool
    data_mining: DataMiningReport | None
    c2pa: C2paReport | None
    c2pa_link: str | None
    reservations: list[ReservationReport]
    original_url: str | None
    stripped: list[str] | None


class AttributionReport(TypedDict):
    mechanism: str
    author: BuilderAuthor
    detail: str
    vendor: NotRequired[str]
    """For ``edge-rule``: the CDN or bot manager named by its answers (export schema 1.3);
    absent when none was named, and for every other author."""


class BuilderReport(TypedDict):
    """``builder``: the site's builder or host and who set each opt-out."""

    builder: str | None
    name: str | None
    how: How | None
    matched: str | None
    offers_toggle: bool
    toggle_on: bool | None
    attribution: list[AttributionReport]


class ProbeResultReport(TypedDict):
    """``probe_result``: one URL asked again with an AI agent's User-Agent string, read
    against the baseline fetch of the same URL."""

    agent: str
    url: str
    target: str
    outcome: ProbeOutcome
    status: int | None
    vendor: str | None
    price: str | None
    scheme: str | None
    detail: str
    baseline_fetch_id: str | None
    probe_fetch_id: str | None
    declared: Declared
    decoy_links: int


class AgentEnforcementReport(TypedDict):
    """``probe_agent``: what robots.txt declares for one probed agent against what the edge
    did to it."""

    agent: str
    purpose: str
    declared: Declared
    enforced: Enforced
    unenforceable: bool
    vendor: str | None
    exemption: RobotsExemption | None


class ProbesReport(TypedDict):
    """``probes``: the per-agent matrix and every probe (export schema 1.3)."""

    agents: list[AgentEnforcementReport]
    results: list[ProbeResultReport]


class StatementReport(TypedDict):
    """``statement``: one sentence about mining or AI read on the site, classified."""

    text: str
    kind: str
    """``reserved``, ``partial``, ``allows`` or ``none``."""
    uses: list[str]
    lang: str | None
    statutes: list[str]
    trigger: str
    """The exact phrase that decided ``kind``."""
    reason: str
    url: str
    fetch_id: str | None
    place: str
    """``footer``, ``terms page``, ``imprint``, ``<meta name="copyright">``, ``JSON-LD
    copyrightNotice``, ``image dc:rights`` …"""
    line: int | None
    repeats: int


class VersionsReport(TypedDict):
    interpreter: str
    registry: str


class ReportExtras(TypedDict):
    """The keys ``results.derive_platforms`` adds to a site report."""

    images: list[ImageReport]
    builder: BuilderReport | None


class _ReportBase(TypedDict):
    origin: str
    name: str | None
    kind: str | None
    platform: str | None
    country: str | None
    tags: list[str]
    summary: str
    verdicts: dict[str, VerdictReport]
    """One per use: ``train``, ``ai-use``, ``search``, ``tdm``."""
    findings: list[FindingReport]
    evidence: list[FetchReport]
    versions: VersionsReport
    images: NotRequired[list[ImageReport] | None]
    """Added by ``results.derive`` after ``site_report``; absent from reports stored by an
    audit older than export schema 1.1, whose export says null."""
    builder: NotRequired[BuilderReport | None]
    """As ``images``."""
    probes: NotRequired[ProbesReport]
    """Present only when the crawl probed the site (export schema 1.3)."""
    statements: NotRequired[list[StatementReport] | None]
    """Statements about mining or AI read on the site (export schema 1.5); null in a report
    stored by an older audit."""


class SiteReport(_ReportBase):
    """``site``: one site's whole result."""

    robots: RobotsReport


class StoredReport(_ReportBase):
    """A site report as ``site_summary.report`` keeps it (see :class:`StoredRobotsReport`)."""

    robots: StoredRobotsReport
