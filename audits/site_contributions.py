"""What each mechanism contributes to a site's verdict per use.

A mechanism that covers every relevant agent and every sampled page *reserves* a use; one
that covers only some agents, paths, media or pages makes it *partial*; explicit
permissions (``ai-train=yes``, ``train-ai=y``, ``tdm-reservation: 0``) make it *allowed*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from audits.agents import Agent, Registry
from audits.aitxt import AiTxt
from audits.evidence import Fetch
from audits.findings import Finding, Severity, make_finding
from audits.page_signals import PageSignals
from audits.robots import AgentTable, RobotsTxt
from audits.robots_access import RobotsAccess
from audits.robots_audit import named_blocks
from audits.tdmrep import TdmrepFile
from audits.tdmrep_layers import resolve_tdm
from audits.uses import USES, Contribution, Effect, EvidenceRef, Use, UseVerdict

CODES: dict[str, Severity] = {
    "site-signals-conflict": "warning",
    "site-noai-home-only": "warning",
    "site-noai-rendered-only": "warning",
    "site-pages-unreadable": "warning",
}

SEARCH_ENGINES = ("Googlebot", "Bingbot")
"""Classic search crawlers: blocking them is a search opt-out (not in the AI registry)."""
_AIPREF_USES: dict[str, Use] = {"train-ai": "train", "ai-use": "ai-use", "search": "search"}
_NAMES_SHOWN = 8


@dataclass
class Contributions:
    items: list[Contribution] = field(default_factory=list)
    unknown: dict[Use, tuple[str, ...]] = field(default_factory=lambda: {u: () for u in USES})
    gaps: dict[Use, tuple[str, ...]] = field(default_factory=dict)
    findings: list[tuple[Finding, EvidenceRef]] = field(default_factory=list)
    """Findings that only show when signals are combined (e.g. TDMRep layers disagree)."""

    def add(
        self, use: Use, mechanism: str, effect: Effect, detail: str, *evidence: EvidenceRef
    ) -> None:
        self.items.append(Contribution(use, mechanism, effect, detail, tuple(evidence)))

    def missing(self, reason: str, uses: Sequence[Use] = USES) -> None:
        for use in uses:
            self.unknown[use] = (*self.unknown[use], reason)


def _ref(fetch: Fetch | None, line: int | None = None) -> EvidenceRef:
    return EvidenceRef(fetch.url if fetch else "", fetch.fetch_id if fetch else None, line)


def _share(items: Sequence[bool]) -> Effect | None:
    """All true: reserved; some: partial; none: no contribution."""
    if items and all(items):
        return "reserved"
    return "partial" if any(items) else None


def _names(tokens: Sequence[str]) -> str:
    shown = ", ".join(tokens[:_NAMES_SHOWN])
    return shown + (", …" if len(tokens) > _NAMES_SHOWN else "")


def contributions(
    *,
    registry: Registry,
    access: RobotsAccess | None,
    robots: RobotsTxt | None,
    robots_fetch: Fetch | None,
    verdicts: AgentTable | None,
    aitxt: AiTxt | None,
    aitxt_fetch: Fetch | None,
    tdmrep: TdmrepFile | None,
    tdm_fetch: Fetch | None,
    pages: Sequence[PageSignals],
) -> Contributions:
    """Every mechanism's contribution, and the evidence that could not be obtained."""
    out = Contributions()
    if access is None:
        out.missing("robots.txt was not fetched")
    elif access.audit_state == "unknown":
        why = (
            f"status {access.status}"
            if access.status is not None
            else (access.findings[0].evidence if access.findings else access.state)
        )
        out.missing(f"robots.txt could not be read ({why})")
    if robots is not None and verdicts is not None:
        _robots(out, registry, robots, _ref(robots_fetch), verdicts)
    if aitxt is not None:
        _aitxt(out, aitxt, aitxt_fetch)
    if tdmrep is not None and tdmrep.reason == "error-status":
        out.missing("tdmrep.json answered with a server error", ("tdm",))
    elif tdmrep is None and tdm_fetch is not None:
        out.missing("tdmrep.json could not be read (no answer or a bot wall)", ("tdm",))
    readable = [p for p in pages if p.readable]
    if pages and not readable:
        out.missing("no sampled page could be read (errors or bot walls)")
    _tdm(out, tdmrep, tdm_fetch, readable)
    _page_directives(out, [p for p in readable if p.meta is not None or p.fetch.kind == "image"])
    _usage_headers(out, readable)
    return out


def _robots(
    out: Contributions,
    registry: Registry,
    robots: RobotsTxt,
    ref: EvidenceRef,
    table: AgentTable,
) -> None:
    groups: dict[Use, tuple[Agent, ...]] = {
        "train": registry.training_agents(),
        "ai-use": tuple(
            a
            for a in (*registry.by_purpose("search"), *registry.by_purpose("user"))
            if not a.legacy
        ),
    }
    named = named_blocks(robots, [a for agents in groups.values() for a in agents], table.paths)
    for use, agents in groups.items():
        _agents_blocked(out, use, agents, table, named, ref)
    engines = [not robots.verdict(t, "/", compare=False).allowed for t in SEARCH_ENGINES]
    effect = _share(engines)
    if effect:
        out.add("search", "robots.txt", effect, "search engine crawlers blocked", ref)
    _robots_signals(out, robots, ref)


def _agents_blocked(
    out: Contributions,
    use: Use,
    agents: Sequence[Agent],
    table: AgentTable,
    named: frozenset[tuple[str, str]],
    ref: EvidenceRef,
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
        detail = f"{_names(blocked)} — {len(blocked)} of {len(agents)} {kind} agents{note}"
    out.add(use, "robots.txt", effect, detail, ref)


def _robots_signals(out: Contributions, robots: RobotsTxt, ref: EvidenceRef) -> None:
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
                    EvidenceRef(ref.url, ref.fetch_id, line.line),
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
                        EvidenceRef(ref.url, ref.fetch_id, line.line),
                    )
    rule = robots.content_usage("*", "/")
    if rule is not None:
        for label, preference in rule.preference.categories.items():
            if preference != "unknown":
                out.add(
                    _AIPREF_USES[label],
                    "Content-Usage (robots.txt)",
                    "reserved" if preference == "disallow" else "allowed",
                    rule.text.strip(),
                    EvidenceRef(ref.url, ref.fetch_id, rule.line),
                )
    allowed, training_rule = robots.ai_training_verdict("*", "/")
    if not allowed and training_rule is not None:
        out.add(
            "train",
            "DisallowAITraining (draft)",
            "reserved",
            training_rule.text.strip(),
            EvidenceRef(ref.url, ref.fetch_id, training_rule.line),
        )


def _aitxt(out: Contributions, aitxt: AiTxt, fetch: Fetch | None) -> None:
    if not aitxt.has_rules:
        return
    ref = _ref(fetch)
    if aitxt.site_reserved("*"):
        out.add("train", "ai.txt", "reserved", "every file type reserved for AI datasets", ref)
        return
    media = aitxt.media_summary("*")
    reserved = sorted(m for m, state in media.items() if state != "allowed")
    if reserved:
        out.add("train", "ai.txt", "partial", f"reserved for: {', '.join(reserved)}", ref)
    else:
        out.add("train", "ai.txt", "allowed", "ai.txt allows every file type", ref)


def _tdm(
    out: Contributions, tdmrep: TdmrepFile | None, fetch: Fetch | None, pages: Sequence[PageSignals]
) -> None:
    file = tdmrep if tdmrep is not None and tdmrep.implemented else None
    targets: list[tuple[str, EvidenceRef, PageSignals | None]] = [
        (p.fetch.path, _ref(p.fetch), p) for p in pages
    ] or [("/", _ref(fetch), None)]
    values = []
    for path, ref, page in targets:
        decision = file.evaluate(path) if file is not None else None
        resolution = resolve_tdm(
            decision, page.tdm_header if page else None, page.tdm_meta if page else None
        )
        values.append((resolution.reservation, resolution.decided_by, ref))
        for finding in (*(decision.findings if decision else ()), *resolution.findings):
            out.findings.append((finding, ref))
    for use in ("tdm", "train"):
        _layered(out, use, values)


def _layered(
    out: Contributions, use: Use, values: Sequence[tuple[int | None, str, EvidenceRef]]
) -> None:
    reserved = [v for v in values if v[0] == 1]
    how = sorted({v[1] for v in reserved})
    effect = _share([v[0] == 1 for v in values])
    if effect:
        out.add(
            use,
            "TDMRep",
            effect,
            f"tdm-reservation 1 via {', '.join(how)} on {len(reserved)} of {len(values)} "
            "checked URLs",
            *(v[2] for v in reserved[:_NAMES_SHOWN]),
        )
    elif use == "tdm" and any(v[0] == 0 for v in values):
        out.add(
            use,
            "TDMRep",
            "allowed",
            "tdm-reservation 0: mining allowed",
            *(v[2] for v in values if v[0] == 0),
        )


def _page_directives(out: Contributions, pages: Sequence[PageSignals]) -> None:
    checks: list[tuple[Use, str, Callable[[PageSignals], bool], str]] = [
        ("train", "noai", lambda p: p.ai().all_ai, "noai"),
        ("ai-use", "noai", lambda p: p.ai().all_ai, "noai"),
        ("train", "noimageai", lambda p: p.ai().images and not p.ai().all_ai, "noimageai"),
        ("train", "noarchive (Bing)", lambda p: p.ai().bing_training, "Microsoft only"),
        (
            "search",
            "noindex",
            lambda p: "noindex" in p.directives() or "none" in p.directives(),
            "noindex",
        ),
    ]
    for use, mechanism, test, label in checks:
        hits = [test(p) for p in pages]
        effect = _share(hits)
        if mechanism in ("noimageai", "noarchive (Bing)") and effect:
            effect = "partial"
        if effect:
            refs = [_ref(p.fetch) for p, hit in zip(pages, hits, strict=True) if hit]
            out.add(
                use,
                mechanism,
                effect,
                f"{label} on {sum(hits)} of {len(pages)} {_what(pages)}",
                *refs[:_NAMES_SHOWN],
            )


def _what(pages: Sequence[PageSignals]) -> str:
    return "pages and images" if any(p.fetch.kind == "image" for p in pages) else "pages"


def _usage_headers(out: Contributions, pages: Sequence[PageSignals]) -> None:
    prefs = [(p, p.content_usage) for p in pages]
    for label, use in _AIPREF_USES.items():
        values = [pref.categories[label] if pref else "unknown" for _, pref in prefs]
        effect = _share([v == "disallow" for v in values])
        refs = [_ref(p.fetch) for p, pref in prefs if pref and pref.categories[label] != "unknown"]
        if effect:
            out.add(
                use,
                "Content-Usage header",
                effect,
                f"{label}=n on {values.count('disallow')} of {len(values)} responses",
                *refs[:_NAMES_SHOWN],
            )
        elif "allow" in values:
            out.add(use, "Content-Usage header", "allowed", f"{label}=y", *refs[:_NAMES_SHOWN])


def site_findings(
    verdicts: Sequence[UseVerdict], pages: Sequence[PageSignals]
) -> list[tuple[Finding, EvidenceRef]]:
    """Findings about the site as a whole: conflicts, page-level gaps, each with its evidence."""
    found: list[tuple[Finding, EvidenceRef]] = []
    for verdict in verdicts:
        if verdict.conflict:
            found.append(_conflict(verdict))
    home = [p for p in pages if p.fetch.kind == "home" and p.meta is not None]
    content = [p for p in pages if p.fetch.kind == "page" and p.meta is not None]
    if home and content and home[0].ai().images:
        missing = [p for p in content if not p.ai().images]
        if missing:
            found.append(
                (
                    make_finding(
                        CODES,
                        "site-noai-home-only",
                        f"noai/noimageai is on the home page but not on {len(missing)} of "
                        f"{len(content)} content pages, where the artwork is. "
                        "Add it to every page.",
                    ),
                    _ref(missing[0].fetch),
                )
            )
    for page in pages:
        if page.rendered_only_noai:
            found.append(
                (
                    make_finding(
                        CODES,
                        "site-noai-rendered-only",
                        "noai appears only after JavaScript runs; crawlers that do not render "
                        "pages (most dataset builders) never see it. Put it in the served HTML.",
                    ),
                    _ref(page.fetch),
                )
            )
    if pages and not any(p.readable for p in pages):
        found.append(
            (
                make_finding(
                    CODES,
                    "site-pages-unreadable",
                    "None of the sampled pages could be read, so page-level opt-outs (meta tags, "
                    "headers) are unknown.",
                ),
                _ref(pages[0].fetch),
            )
        )
    return found


def _conflict(verdict: UseVerdict) -> tuple[Finding, EvidenceRef]:
    """The conflict finding, pointing at the first explicit permission that contradicts."""
    allows = [c for c in verdict.contributions if c.effect == "allowed"]
    reserves = {c.mechanism for c in verdict.contributions if c.effect != "allowed"}
    where = next((e for c in allows for e in c.evidence), EvidenceRef(""))
    finding = make_finding(
        CODES,
        "site-signals-conflict",
        f"For {verdict.use}, {', '.join(sorted(reserves))} reserve(s) the use "
        f"but {', '.join(sorted({c.mechanism for c in allows}))} explicitly allow(s) it. "
        "Readers may take either; make the signals agree.",
        line=where.line,
    )
    return finding, where
