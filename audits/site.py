"""One site's audit: every signal read from its fetch records, a verdict per use, and the
findings, each pointing at its evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from audits import INTERPRETER_VERSION
from audits.agents import Registry, load_registry
from audits.aitxt import AiTxt, parse_aitxt
from audits.botwall import BotWall, detect_bot_wall, finding_for
from audits.builders import (
    BuilderDetection,
    OptOutAuthor,
    builder_findings,
    detect_builder,
    opt_out_authors,
)
from audits.evidence import Fetch, SiteEvidence
from audits.findings import Finding
from audits.image_signals import image_contributions, image_findings
from audits.llms_txt import LlmsTxt, parse_llms_txt
from audits.page_signals import PageSignals, page_signals
from audits.robots import AgentTable, RobotsTxt, parse_robots
from audits.robots_access import RobotsAccess, robots_access
from audits.robots_audit import Authorship, agent_verdicts, authorship, robots_findings
from audits.rsl import check_license_url, parse_rsl_document
from audits.rsl_contributions import rsl_contributions
from audits.site_contributions import contributions, site_findings
from audits.site_images import SiteImage, site_images
from audits.stripping import stripping_findings
from audits.tdmrep import TdmrepFile, parse_tdmrep_json
from audits.uses import USES, EvidenceRef, Use, UseVerdict, combine

T = TypeVar("T")


@dataclass(frozen=True)
class LocatedFinding:
    """A finding and the fetch it was read from."""

    finding: Finding
    evidence: EvidenceRef


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
    """The site builder or host the site runs on (audits/builders.py)."""
    opt_out_authors: tuple[OptOutAuthor, ...] = ()
    """Who most likely set each mechanism that reserves a use: builder toggle, CDN, template
    or by hand."""
    images: tuple[SiteImage, ...] = ()
    """The sampled images read for embedded metadata (IPTC, C2PA/CAWG), with their uses."""

    def verdict(self, use: Use) -> UseVerdict:
        return next(v for v in self.verdicts if v.use == use)


def robots_paths(evidence: SiteEvidence, pages: int = 3, images: int = 2) -> tuple[str, ...]:
    """``/``, up to ``pages`` sampled page paths and ``images`` image paths: what the verdicts
    cover. Images get their own share so a block on an image folder (``Disallow: /images/``)
    is seen however many pages were sampled."""
    paths = ["/"]
    for kinds, limit in ((("page", "profile", "artwork"), pages), (("image", "original"), images)):
        taken = 0
        for fetch in evidence.of_kind(*kinds):
            if taken >= limit:
                break
            if fetch.path not in paths:
                paths.append(fetch.path)
                taken += 1
    return tuple(paths)


def _ref(fetch: Fetch | None, line: int | None = None) -> EvidenceRef:
    return EvidenceRef(fetch.url if fetch else "", fetch.fetch_id if fetch else None, line)


def _read_robots(
    fetch: Fetch | None,
) -> tuple[RobotsAccess | None, RobotsTxt | None, list[Finding]]:
    if fetch is None:
        return None, None, []
    wall = detect_bot_wall(fetch.status, fetch.headers, fetch.body)
    if wall is not None and fetch.status != 429:
        access = robots_access(None, error=f"bot-wall:{wall.vendor}")
        return access, None, [finding_for(wall)]
    access = robots_access(
        fetch.status,
        error=fetch.error,
        redirects=len(fetch.redirects),
        body=fetch.body,
        content_type=fetch.content_type,
    )
    parsed = parse_robots(fetch.body or b"") if access.state == "parse" else None
    return access, parsed, list(access.findings)


def audit_site(evidence: SiteEvidence, registry: Registry | None = None) -> SiteAudit:
    """Interpret one site's fetch records (pure: no network, no database)."""
    registry = registry or load_registry()
    located: list[LocatedFinding] = []

    def keep(found: Sequence[Finding], fetch: Fetch | None) -> None:
        for finding in found:
            located.append(LocatedFinding(finding, _ref(fetch, finding.line)))

    robots_fetch = evidence.first("robots")
    access, robots, access_findings = _read_robots(robots_fetch)
    keep(access_findings, robots_fetch)
    verdicts: AgentTable | None = None
    author = None
    if robots is not None:
        verdicts = agent_verdicts(robots, registry.agents, robots_paths(evidence))
        author = authorship(robots, registry)
        keep(robots.findings, robots_fetch)
        keep(robots_findings(robots, registry, verdicts), robots_fetch)
        for group in robots.groups:
            for signal in group.content_signals:
                keep([replace(f, line=signal.line) for f in signal.signal.findings], robots_fetch)
            for usage in group.content_usage:
                keep([replace(f, line=usage.line) for f in usage.preference.findings], robots_fetch)
        for number, url in robots.licenses:
            keep([replace(f, line=number) for f in check_license_url(url).findings], robots_fetch)

    aitxt_fetch = evidence.first("aitxt")
    aitxt = _parse_policy_file(aitxt_fetch, parse_aitxt)
    tdm_fetch = evidence.first("tdmrep")
    tdmrep = _parse_policy_file(tdm_fetch, parse_tdmrep_json)
    llms_fetch = evidence.first("llms")
    llms = _parse_policy_file(llms_fetch, parse_llms_txt)
    for parsed, fetch in ((aitxt, aitxt_fetch), (tdmrep, tdm_fetch), (llms, llms_fetch)):
        if parsed is not None:
            keep(parsed.findings, fetch)
        elif fetch is not None and (wall := _wall(fetch)) is not None:
            keep([finding_for(wall)], fetch)

    pages = tuple(page_signals(f) for f in evidence.of_kind("home", "page", "image"))
    seen: set[tuple[str, str | None]] = set()
    for page in pages:
        if page.wall is not None:
            keep([finding_for(page.wall)], page.fetch)
        fresh = [f for f in page.findings if (f.code, f.evidence) not in seen]
        seen.update((f.code, f.evidence) for f in fresh)
        keep(fresh, page.fetch)

    parts = contributions(
        registry=registry,
        access=access,
        robots=robots,
        robots_fetch=robots_fetch,
        verdicts=verdicts,
        aitxt=aitxt,
        aitxt_fetch=aitxt_fetch,
        tdmrep=tdmrep,
        tdm_fetch=tdm_fetch,
        pages=pages,
    )
    licences = [
        (fetch, parse_rsl_document(fetch.body or b"", content_type=fetch.content_type))
        for fetch in evidence.of_kind("license")
        if fetch.status is not None
        and 200 <= fetch.status < 300
        and fetch.error is None
        and detect_bot_wall(fetch.status, fetch.headers, fetch.body) is None
    ]
    for fetch, document in licences:
        keep(document.findings, fetch)
    parts.items.extend(rsl_contributions(licences))
    images = site_images(evidence)
    parts.items.extend(image_contributions(images))
    located += (LocatedFinding(f, ref) for f, ref in image_findings(images))
    located += (LocatedFinding(f, ref) for f, ref in stripping_findings(images))
    use_verdicts = tuple(
        combine(use, parts.items, unknown_because=parts.unknown[use], gaps=parts.gaps.get(use, ()))
        for use in USES
    )
    located += (LocatedFinding(f, ref) for f, ref in site_findings(use_verdicts, pages))
    combined: set[tuple[str, str | None, str | None]] = set()
    for finding, ref in parts.findings:
        key = (finding.code, finding.evidence, finding.message)
        if key not in combined:
            combined.add(key)
            located.append(LocatedFinding(finding, ref))
    builder = detect_builder(evidence, robots=robots, pages=pages)
    keep(builder_findings(builder), robots_fetch)
    authors = opt_out_authors(
        use_verdicts, builder=builder, authorship=author, robots=robots, aitxt=aitxt
    )
    return SiteAudit(
        origin=evidence.origin,
        robots_access=access,
        robots=robots,
        authorship=author,
        robots_verdicts=verdicts,
        aitxt=aitxt,
        tdmrep=tdmrep,
        llms=llms,
        pages=pages,
        verdicts=use_verdicts,
        findings=tuple(located),
        registry_version=registry.version,
        builder=builder,
        opt_out_authors=authors,
        images=images,
    )


def _wall(fetch: Fetch) -> BotWall | None:
    return detect_bot_wall(fetch.status, fetch.headers, fetch.body)


def _parse_policy_file(fetch: Fetch | None, parse: Callable[..., T]) -> T | None:
    """Parse a policy file fetch; ``None`` when it was not made, never answered or hit a
    bot wall (no evidence: the verdict records it as missing, not as an empty file)."""
    if fetch is None or fetch.error is not None or fetch.status is None or _wall(fetch) is not None:
        return None
    return parse(fetch.body or b"", status=fetch.status, content_type=fetch.content_type)
