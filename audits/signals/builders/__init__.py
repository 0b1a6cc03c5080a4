"""Who set the opt-out: the site builder or host a site runs on, and whether each opt-out
mechanism is that builder's own switch, a CDN's managed block, a known template or by hand.

Signatures live in :mod:`audits.signals.builders._signatures`; this module only matches them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.findings import Finding, Severity, make_finding
from audits.core.uses import EvidenceRef, State, UseVerdict
from audits.signals.aitxt import AiTxt
from audits.signals.builders._signatures import BUILDERS, TEMPLATE_MARKERS, Builder, Toggle
from audits.signals.pages import PageSignals, page_signals
from audits.signals.probes import EDGE_RULE, ProbeReading, blocking_vendor, vendor_name
from audits.signals.robots import RobotsTxt
from audits.signals.robots.audit import Authorship

CODES: dict[str, Severity] = {"builder-ai-toggle-off": "info"}

How = Literal["generator", "header", "html", "host", "robots"]
Author = Literal["builder-toggle", "cdn-managed", "known-template", "by-hand", "edge-rule"]

_HTML_SCAN_BYTES = 512 * 1024
_PAGES_SCANNED = 5
_PAGE_KINDS: tuple[FetchKind, ...] = ("home", "page", "profile", "artwork")
_ROBOTS_MECHANISMS = frozenset(
    {"robots.txt", "Content-Signal", "Content-Usage (robots.txt)", "DisallowAITraining (draft)"}
)
_PAGE_MECHANISMS = frozenset({"noai", "noimageai"})


@dataclass(frozen=True)
class BuilderDetection:
    """The builder or host a site runs on, how that was seen, and its AI switch's state."""

    builder: str
    """Stable id: ``squarespace``, ``wix``, ``wordpress-com``, ``wordpress`` (self-hosted), …"""
    name: str
    how: How
    evidence: EvidenceRef
    matched: str
    """The text that matched (a generator value, a header, an asset host, a host name)."""
    offers_toggle: bool = False
    toggle_on: bool | None = None
    """Whether the builder's AI-crawler setting is on; None without a setting or a robots.txt."""
    toggle_label: str | None = None


@dataclass(frozen=True)
class OptOutAuthor:
    """Who most likely wrote one opt-out mechanism of a site."""

    mechanism: str
    author: Author
    detail: str
    vendor: str | None = None
    """For ``edge-rule``: the CDN or bot manager whose rule refused or charged AI agents, when
    its answers named it (``cloudflare``, ``vercel``, …)."""


def detect_builder(
    evidence: SiteEvidence,
    *,
    robots: RobotsTxt | None = None,
    pages: Sequence[PageSignals] = (),
) -> BuilderDetection | None:
    """The first builder in :data:`BUILDERS` with a trace in the fetches, or None.

    ``pages`` are the already-read page signals (read here when not given); ``robots`` the
    parsed robots.txt, needed to tell whether the builder's AI setting is on.
    """
    if not pages:
        pages = [page_signals(f) for f in evidence.of_kind(*_PAGE_KINDS)[:_PAGES_SCANNED]]
    html_pages = [p for p in pages if p.meta is not None][:_PAGES_SCANNED]
    for builder in BUILDERS:
        found = _match(builder, evidence, html_pages)
        if found is not None:
            how, ref, matched = found
            return BuilderDetection(
                builder=builder.id,
                name=builder.name,
                how=how,
                evidence=ref,
                matched=matched,
                offers_toggle=builder.toggle is not None,
                toggle_on=toggle_on(builder.toggle, robots),
                toggle_label=builder.toggle.label if builder.toggle else None,
            )
    return None


def _match(
    builder: Builder, evidence: SiteEvidence, pages: Sequence[PageSignals]
) -> tuple[How, EvidenceRef, str] | None:
    for page in pages:
        generator = page.meta.generator if page.meta else None
        if generator and builder.generators and generator.casefold().startswith(builder.generators):
            return "generator", _ref(page.fetch), f'<meta name="generator" content="{generator}">'
    for fetch in evidence.fetches:
        if fetch.kind == "probe":  # another agent's answer: maybe the CDN's page, not the site
            continue
        for name, value in fetch.headers:
            for wanted, part in builder.headers:
                if name.lower() == wanted and part in value.casefold():
                    return "header", _ref(fetch), f"{name}: {value[:120]}"
    for page in pages:
        text = (page.fetch.body or b"")[:_HTML_SCAN_BYTES].decode("utf-8", "replace").casefold()
        hit = next((marker for marker in builder.html if marker in text), None)
        if hit is not None:
            return "html", _ref(page.fetch), hit
    host = (urlsplit(evidence.origin).hostname or "").casefold()
    if any(host.endswith(suffix) for suffix in builder.hosts):
        home = evidence.first("home")
        return "host", _ref(home) if home else EvidenceRef(evidence.origin), host
    return _robots_marker(builder, evidence.first("robots"))


def _robots_marker(builder: Builder, robots: Fetch | None) -> tuple[How, EvidenceRef, str] | None:
    """A comment the builder writes into every robots.txt it generates (first 50 lines)."""
    if robots is None or not robots.body or not builder.robots_markers:
        return None
    for number, raw in enumerate(robots.body[:_HTML_SCAN_BYTES].splitlines()[:50], start=1):
        line = raw.decode("utf-8", "replace").strip()
        if line.startswith("#") and any(m in line.casefold() for m in builder.robots_markers):
            return "robots", _ref(robots, number), line[:120]
    return None


def _ref(fetch: Fetch, line: int | None = None) -> EvidenceRef:
    return EvidenceRef(fetch.url, fetch.fetch_id, line)


def toggle_on(toggle: Toggle | None, robots: RobotsTxt | None) -> bool | None:
    """On when enough of the setting's own tokens are named and kept out of ``/``."""
    if toggle is None or robots is None:
        return None
    blocked = sum(
        1
        for token in toggle.agents
        if robots.groups_for(token)[0] == "explicit"
        and not robots.verdict(token, "/", compare=False).allowed
    )
    return blocked >= toggle.min_blocked


def opt_out_author(
    mechanism: str,
    *,
    builder: BuilderDetection | None,
    authorship: Authorship | None,
    robots: RobotsTxt | None,
    aitxt: AiTxt | None = None,
    probes: ProbeReading | None = None,
) -> OptOutAuthor:
    """Builder toggle, CDN-managed block, known template, edge rule or by hand, for one
    mechanism."""
    if mechanism == EDGE_RULE:
        vendor = blocking_vendor(probes) if probes is not None else None
        name = vendor_name(vendor)
        who = f"{name}'s edge" if name else "an edge rule (CDN or firewall; vendor not named)"
        detail = f"{who} refuses or charges AI agents"
        return OptOutAuthor(mechanism, "edge-rule", detail, vendor)
    template = _template(robots)
    if mechanism in _ROBOTS_MECHANISMS:
        if authorship is not None and authorship.author == "cloudflare-managed":
            return OptOutAuthor(mechanism, "cdn-managed", "Cloudflare's managed robots.txt block")
        if mechanism == "robots.txt" and builder is not None and builder.toggle_on:
            return OptOutAuthor(
                mechanism, "builder-toggle", f"{builder.name}: {builder.toggle_label}"
            )
        if template is not None:
            return OptOutAuthor(mechanism, "known-template", template)
        if mechanism == "robots.txt" and authorship and authorship.author == "ai-robots-txt":
            return OptOutAuthor(mechanism, "known-template", "the ai.robots.txt list, pasted")
    if mechanism in _PAGE_MECHANISMS and template is not None:
        return OptOutAuthor(mechanism, "known-template", template)
    if mechanism == "ai.txt" and aitxt is not None and aitxt.generator == "Spawning AI":
        return OptOutAuthor(mechanism, "known-template", "Spawning's ai.txt generator")
    return OptOutAuthor(mechanism, "by-hand", "no builder, CDN or template signature")


def opt_out_authors(
    verdicts: Iterable[UseVerdict],
    *,
    builder: BuilderDetection | None,
    authorship: Authorship | None,
    robots: RobotsTxt | None,
    aitxt: AiTxt | None = None,
    probes: ProbeReading | None = None,
) -> tuple[OptOutAuthor, ...]:
    """One attribution per mechanism that reserves some use (in the order they contribute)."""
    mechanisms = dict.fromkeys(
        c.mechanism for v in verdicts for c in v.contributions if c.effect != "allowed"
    )
    return tuple(
        opt_out_author(
            m, builder=builder, authorship=authorship, robots=robots, aitxt=aitxt, probes=probes
        )
        for m in mechanisms
    )


def _template(robots: RobotsTxt | None) -> str | None:
    if robots is None:
        return None
    text = robots.text[:_HTML_SCAN_BYTES].casefold()
    return next((name for marker, name in TEMPLATE_MARKERS if marker in text), None)


def builder_findings(builder: BuilderDetection | None) -> tuple[Finding, ...]:
    """``builder-ai-toggle-off`` when the builder offers an AI-crawler setting that is off."""
    if builder is None or builder.toggle_on is not False:
        return ()
    return (
        make_finding(
            CODES,
            "builder-ai-toggle-off",
            f"This site runs on {builder.name}, which can block known AI crawlers for you "
            f"({builder.toggle_label}); that setting is off.",
            evidence=builder.matched,
        ),
    )


@dataclass(frozen=True)
class BuilderRow:
    """One audited site as the per-builder summary counts it."""

    builder: str
    name: str
    offers_toggle: bool
    toggle_on: bool | None
    train: State


def builder_row(builder: BuilderDetection | None, train: UseVerdict) -> BuilderRow | None:
    """The summary row of a site (None for a site with no detected builder)."""
    if builder is None:
        return None
    return BuilderRow(
        builder.builder, builder.name, builder.offers_toggle, builder.toggle_on, train.state
    )


@dataclass(frozen=True)
class BuilderSummary:
    """Per builder: how many sampled sites, how many switched its AI setting on, how many are
    opted out of training by any means.

    ``toggle_known`` counts the sites whose robots.txt could be read (the setting's state is
    unknown otherwise), so ``f"{toggle_on} of {toggle_known}"`` is the honest sentence:
    "17 of 40 sampled Squarespace sites have the AI-crawler toggle on". ``opted_out_train``
    counts sites whose ``train`` verdict is ``reserved``; ``partial_train`` those with
    ``partial``. Shares are fractions in [0, 1], None when their denominator is 0.
    """

    builder: str
    name: str
    sites: int
    offers_toggle: bool
    toggle_known: int
    toggle_on: int
    opted_out_train: int
    partial_train: int

    @property
    def toggle_share(self) -> float | None:
        return self.toggle_on / self.toggle_known if self.toggle_known else None

    @property
    def opted_out_share(self) -> float | None:
        return self.opted_out_train / self.sites if self.sites else None


def summarise_builders(rows: Iterable[BuilderRow | None]) -> tuple[BuilderSummary, ...]:
    """Per builder totals over audited sites (rows from :func:`builder_row`; None rows are
    sites without a detected builder and are skipped). Sorted by sites, most first."""
    groups: dict[str, list[BuilderRow]] = {}
    for row in rows:
        if row is not None:
            groups.setdefault(row.builder, []).append(row)
    summaries = [
        BuilderSummary(
            builder=key,
            name=found[0].name,
            sites=len(found),
            offers_toggle=found[0].offers_toggle,
            toggle_known=sum(r.toggle_on is not None for r in found),
            toggle_on=sum(r.toggle_on is True for r in found),
            opted_out_train=sum(r.train == "reserved" for r in found),
            partial_train=sum(r.train == "partial" for r in found),
        )
        for key, found in groups.items()
    ]
    return tuple(sorted(summaries, key=lambda s: (-s.sites, s.builder)))


__all__ = [
    "BuilderDetection",
    "BuilderRow",
    "BuilderSummary",
    "OptOutAuthor",
    "builder_findings",
    "builder_row",
    "detect_builder",
    "opt_out_author",
    "opt_out_authors",
    "summarise_builders",
    "toggle_on",
]
