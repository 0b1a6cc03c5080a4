"""robots.txt as a signal: how the fetch went, the parsed file read against the agent
registry, and what its rules reserve per use.

``read_robots_file`` is the one reader of a robots.txt body: the audit calls it for the
fetched file and ``optout explain robots`` for a local one, so both report the same findings.
Four registry entries live here, one per kind of line robots.txt carries, because each
contributes at its own point of the order: ``ROBOTS`` (the crawl rules), ``CONTENT_SIGNAL``
(Cloudflare's ``Content-Signal``), ``CONTENT_USAGE_LINES`` (aipref's ``Content-Usage``,
draft-ietf-aipref-attach §3) and ``AI_TRAINING_LINES`` (the draft ``DisallowAITraining``).
Their parsers are packages of their own (``content_signal``, ``aipref``); their faces are
here, beside the robots.txt reading they read from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audits.core.agents import Agent, Registry
from audits.core.evidence import Fetch, SiteEvidence
from audits.core.findings import Finding
from audits.core.signal import (
    Contributions,
    LocatedFinding,
    Signal,
    SiteContext,
    located,
    names,
    ref,
    share,
)
from audits.core.uses import Effect, EvidenceRef, Use
from audits.signals import aipref, content_signal
from audits.signals.robots import AgentTable, RobotsTxt, parse_robots
from audits.signals.robots import _findings as parse_codes
from audits.signals.robots import access as access_codes
from audits.signals.robots import audit as audit_codes
from audits.signals.robots.access import RobotsAccess, access_from_fetch
from audits.signals.robots.audit import (
    Authorship,
    agent_verdicts,
    authorship,
    named_blocks,
    robots_findings,
)

SEARCH_ENGINES = ("Googlebot", "Bingbot")
"""Classic search crawlers: blocking them is a search opt-out (not in the AI registry)."""


@dataclass(frozen=True)
class RobotsFile:
    """A parsed robots.txt read against the agent registry, with every finding about it."""

    robots: RobotsTxt
    verdicts: AgentTable
    authorship: Authorship
    findings: tuple[Finding, ...]
    """The parser's findings, then those that need the registry or the verdicts."""


def read_robots_file(body: bytes | str, registry: Registry, paths: Sequence[str]) -> RobotsFile:
    """Parse a robots.txt body and decide every registered agent on ``paths``."""
    robots = parse_robots(body)
    verdicts = agent_verdicts(robots, registry.agents, paths)
    return RobotsFile(
        robots=robots,
        verdicts=verdicts,
        authorship=authorship(robots, registry),
        findings=(*robots.findings, *robots_findings(robots, registry, verdicts)),
    )


@dataclass(frozen=True)
class RobotsReading:
    """What the site's robots.txt fetch gave: how it went and, when readable, the file."""

    fetch: Fetch | None
    access: RobotsAccess | None
    access_findings: tuple[Finding, ...]
    file: RobotsFile | None

    @property
    def robots(self) -> RobotsTxt | None:
        return self.file.robots if self.file else None

    @property
    def ref(self) -> EvidenceRef:
        return ref(self.fetch)


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


def read_robots(fetch: Fetch | None, registry: Registry, paths: Sequence[str]) -> RobotsReading:
    """The robots.txt fetch: a bot wall, an access state (RFC 9309 §2.3.1) and the file."""
    if fetch is None:
        return RobotsReading(None, None, (), None)
    # The same reading the spider acts on when it decides what to fetch (access_from_fetch).
    access = access_from_fetch(
        fetch.status,
        error=fetch.error,
        redirects=len(fetch.redirects),
        headers=fetch.headers,
        body=fetch.body,
    )
    file = read_robots_file(fetch.body or b"", registry, paths) if access.state == "parse" else None
    return RobotsReading(fetch, access, tuple(access.findings), file)


class RobotsSignal(Signal[RobotsReading]):
    """Which crawlers robots.txt blocks, from the AI agent registry's point of view."""

    name = "robots.txt"
    fetch_kinds = ("robots",)
    codes = {**access_codes.CODES, **parse_codes.CODES, **audit_codes.CODES}

    def read(self, site: SiteContext) -> RobotsReading:
        paths = robots_paths(site.evidence)
        return read_robots(site.evidence.first("robots"), site.registry, paths)

    def findings(self, reading: RobotsReading, site: SiteContext) -> Sequence[LocatedFinding]:
        found = reading.access_findings + (reading.file.findings if reading.file else ())
        return located(found, reading.fetch)

    def contribute(self, reading: RobotsReading, site: SiteContext, out: Contributions) -> None:
        access = reading.access
        if access is None:
            out.missing("robots.txt was not fetched")
        elif access.audit_state == "unknown":
            out.missing(f"robots.txt could not be read ({access.reason})")
        if reading.file is not None:
            _agents(out, site.registry, reading.file, reading.ref)


def _agents(out: Contributions, registry: Registry, file: RobotsFile, where: EvidenceRef) -> None:
    groups: dict[Use, tuple[Agent, ...]] = {
        "train": registry.training_agents(),
        "ai-use": tuple(
            a
            for a in (*registry.by_purpose("search"), *registry.by_purpose("user"))
            if not a.legacy
        ),
    }
    table = file.verdicts
    agents = [a for members in groups.values() for a in members]
    named = named_blocks(file.robots, agents, table.paths)
    for use, members in groups.items():
        _agents_blocked(out, use, members, table, named, where)
    engines = [not file.robots.verdict(t, "/", compare=False).allowed for t in SEARCH_ENGINES]
    effect = share(engines)
    if effect:
        out.add("search", "robots.txt", effect, "search engine crawlers blocked", where)


def _agents_blocked(
    out: Contributions,
    use: Use,
    agents: Sequence[Agent],
    table: AgentTable,
    named: frozenset[tuple[str, str]],
    where: EvidenceRef,
) -> None:
    """Reserved when every agent is blocked on every sampled path, partial when some are."""
    rows = {
        a.token: [not table.allowed(a.token, p) or (a.token, p) in named for p in table.paths]
        for a in agents
    }
    # The operators' own, well-known tokens first: they are the ones a reader recognises.
    ordered = sorted(agents, key=lambda a: "project" not in a.sources)
    blocked = [a.token for a in ordered if any(rows[a.token])]
    everywhere = [a.token for a in agents if all(rows[a.token])]
    out.gaps[use] = tuple(a.token for a in agents if a.token not in blocked)
    effect: Effect | None = (
        "reserved" if len(everywhere) == len(agents) else ("partial" if blocked else None)
    )
    if effect is None:
        return
    kind = "training" if use == "train" else "AI search and assistant"
    loose = sum(
        1
        for a in agents
        if any(table.allowed(a.token, p) and (a.token, p) in named for p in table.paths)
    )
    note = f" ({loose} named by tokens RFC 9309 readers cannot match)" if loose else ""
    if len(blocked) == len(agents):
        detail = f"all {len(agents)} {kind} agents{note}"
    else:
        detail = f"{names(blocked)} — {len(blocked)} of {len(agents)} {kind} agents{note}"
    out.add(use, "robots.txt", effect, detail, where)


ROBOTS = RobotsSignal()


class ContentSignalSignal(Signal[RobotsReading]):
    """Cloudflare's ``Content-Signal`` lines in robots.txt groups."""

    name = "Content-Signal"
    fetch_kinds = ("robots",)
    codes = content_signal.CODES
    needs = (ROBOTS,)

    def read(self, site: SiteContext) -> RobotsReading:
        return site.reading(ROBOTS)

    def contribute(self, reading: RobotsReading, site: SiteContext, out: Contributions) -> None:
        robots = reading.robots
        if robots is None:
            return
        where = reading.ref
        for line in robots.content_signals("*"):
            values: dict[Use, str | None] = {
                "train": line.signal.ai_train,
                "ai-use": line.signal.ai_input,
                "search": line.signal.search,
            }
            for use, value in values.items():
                if value is not None:
                    out.add(
                        use,
                        "Content-Signal",
                        "reserved" if value == "no" else "allowed",
                        f"{line.signal.raw.strip()} (for every crawler)",
                        EvidenceRef(where.url, where.fetch_id, line.line),
                    )
        for group in robots.groups:
            if not group.is_global and group.content_signals:
                agents = ", ".join(a.raw for a in group.agents)
                for line in group.content_signals:
                    if line.signal.ai_train == "no":
                        out.add(
                            "train",
                            "Content-Signal",
                            "partial",
                            f"for {agents} only",
                            EvidenceRef(where.url, where.fetch_id, line.line),
                        )


CONTENT_SIGNAL = ContentSignalSignal()


class ContentUsageLinesSignal(Signal[RobotsReading]):
    """The ``Content-Usage`` rule of robots.txt that applies to ``/`` for every crawler."""

    name = "Content-Usage (robots.txt)"
    fetch_kinds = ("robots",)
    codes = aipref.CODES
    needs = (ROBOTS,)

    def read(self, site: SiteContext) -> RobotsReading:
        return site.reading(ROBOTS)

    def contribute(self, reading: RobotsReading, site: SiteContext, out: Contributions) -> None:
        rule = reading.robots.content_usage("*", "/") if reading.robots else None
        if rule is None:
            return
        for label, preference in rule.preference.categories.items():
            if preference != "unknown":
                out.add(
                    aipref.USES_BY_CATEGORY[label],
                    "Content-Usage (robots.txt)",
                    "reserved" if preference == "disallow" else "allowed",
                    rule.text.strip(),
                    EvidenceRef(reading.ref.url, reading.ref.fetch_id, rule.line),
                )


CONTENT_USAGE_LINES = ContentUsageLinesSignal()


class AiTrainingLinesSignal(Signal[RobotsReading]):
    """``DisallowAITraining`` / ``AllowAITraining`` lines (draft-canel-robots-ai-control)."""

    name = "DisallowAITraining"
    fetch_kinds = ("robots",)
    needs = (ROBOTS,)

    def read(self, site: SiteContext) -> RobotsReading:
        return site.reading(ROBOTS)

    def contribute(self, reading: RobotsReading, site: SiteContext, out: Contributions) -> None:
        if reading.robots is None:
            return
        allowed, rule = reading.robots.ai_training_verdict("*", "/")
        if not allowed and rule is not None:
            where = EvidenceRef(reading.ref.url, reading.ref.fetch_id, rule.line)
            out.add("train", "DisallowAITraining (draft)", "reserved", rule.text.strip(), where)


AI_TRAINING_LINES = AiTrainingLinesSignal()
