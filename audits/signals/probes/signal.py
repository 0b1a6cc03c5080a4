"""Probes as a signal: what the site's edge does to AI agents (refuse, charge, challenge,
serve a decoy), held against what its robots.txt declares for them.

It reads the ``probe`` fetches the crawler makes only when asked (``--probe-agents``); with
none, its reading is empty and it changes nothing. Each finding points at the probe fetch it
is about. Its contribution per use is the mechanism ``edge-rule``.
"""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.findings import MAX_FINDINGS_PER_CODE, Finding, make_finding
from audits.core.signal import Contributions, LocatedFinding, Signal, SiteContext, names
from audits.core.uses import Effect, EvidenceRef, Use
from audits.signals import probes
from audits.signals.probes import (
    BLOCKING,
    EDGE_RULE,
    USE_PURPOSES,
    AgentEnforcement,
    ProbeReading,
    ProbeResult,
    deciding,
    read_probes,
    use_agents,
    vendor_name,
)
from audits.signals.robots.signal import ROBOTS

_USE_WORDS: dict[Use, str] = {"train": "training", "ai-use": "AI search and assistant"}
_OUTCOME_WORDS = {"refused": "refused", "charged": "charged", "challenged": "challenged"}
_KEPT_FROM = {
    "refused": "refused to",
    "charged": "put behind a payment for",
    "challenged": "put behind a challenge for",
}


class ProbesSignal(Signal[ProbeReading]):
    """The edge's answers to AI agents' User-Agent strings, against our own."""

    name = "probes"
    fetch_kinds = ("probe",)
    codes = probes.CODES
    needs = (ROBOTS,)

    def read(self, site: SiteContext) -> ProbeReading:
        robots = site.reading(ROBOTS)
        state = robots.access.audit_state if robots.access is not None else None
        return read_probes(site.evidence, site.registry, robots.robots, state)

    def findings(self, reading: ProbeReading, site: SiteContext) -> Sequence[LocatedFinding]:
        """Per probed agent, at most ``MAX_FINDINGS_PER_CODE`` per code for the site."""
        found: list[LocatedFinding] = []
        counts: dict[str, int] = {}
        for agent in reading.agents:
            mine = [r for r in reading.results if r.agent == agent.agent]
            for finding, result in _agent_findings(agent, mine):
                counts[finding.code] = counts.get(finding.code, 0) + 1
                if counts[finding.code] <= MAX_FINDINGS_PER_CODE:
                    found.append(LocatedFinding(finding, _ref(result)))
        return tuple(found)

    def contribute(self, reading: ProbeReading, site: SiteContext, out: Contributions) -> None:
        for use in USE_PURPOSES:
            _contribute(out, use, reading, use_agents(reading, use))


PROBES = ProbesSignal()


def _ref(result: ProbeResult) -> EvidenceRef:
    """The probe fetch a claim about ``result`` can be checked at."""
    return EvidenceRef(result.url, result.probe_fetch_id)


def _contribute(
    out: Contributions, use: Use, reading: ProbeReading, agents: Sequence[AgentEnforcement]
) -> None:
    """Reserved when every probed agent of the use was kept out on every probe that decides
    (:func:`deciding`), partial when some were on some."""
    judged = {a.agent: deciding(reading.results, a.agent) for a in agents}
    everywhere = [t for t, rs in judged.items() if rs and all(r.outcome in BLOCKING for r in rs)]
    somewhere = [t for t, rs in judged.items() if any(r.outcome in BLOCKING for r in rs)]
    effect: Effect | None = (
        "reserved"
        if judged and len(everywhere) == len(judged)
        else "partial"
        if somewhere
        else None
    )
    if effect is None:
        return
    kept = [r for t in somewhere for r in judged[t] if r.outcome in BLOCKING]
    how = sorted({_OUTCOME_WORDS[r.outcome] for r in kept})
    vendors = sorted({n for r in kept if (n := vendor_name(r.vendor))})
    by = f" by {', '.join(vendors)}" if vendors else ""
    shown = names(somewhere)
    count = f"{len(somewhere)} of {len(judged)} probed {_USE_WORDS[use]} agents"
    detail = f"{' or '.join(how)} at the edge{by}: {shown} — {count}"
    out.add(use, EDGE_RULE, effect, detail, *(_ref(r) for r in kept[:8]))


def _agent_findings(
    agent: AgentEnforcement, results: Sequence[ProbeResult]
) -> list[tuple[Finding, ProbeResult]]:
    """The findings about one probed agent, each with the probe it points at."""
    found: list[tuple[Finding, ProbeResult]] = []
    token = agent.agent
    content = [r for r in results if r.target != "robots"]
    robots = next((r for r in results if r.target == "robots" and r.outcome in BLOCKING), None)
    if robots is not None:
        pages_served = any(r.outcome in ("served", "degraded") for r in content)
        consequence = (
            "while its pages are served to it, so the opt-out in robots.txt never reaches it"
            if pages_served
            else "so a crawler that obeys robots.txt cannot even read the opt-out there"
        )
        found.append(
            _finding(
                "probe-robots-refused-to-ai",
                f"robots.txt itself was {_KEPT_FROM[robots.outcome]} {token} ({robots.detail}), "
                f"{consequence}. RFC 9309 lets a crawler that cannot read robots.txt (4xx) "
                "crawl everything: serve /robots.txt to every agent.",
                robots,
                token,
            )
        )
    kept = [r for r in content if r.outcome in BLOCKING]
    if agent.unenforceable and not any(r.outcome in BLOCKING for r in deciding(results)):
        where = next((r for r in content if r.declared == "blocked"), (content or [*results])[0])
        found.append(
            _finding(
                "probe-robots-unenforceable",
                f"robots.txt blocks {token}, but {_exemption_words(agent)}, so the block is a "
                f"request it will not follow, and the edge did not stop it ({where.detail}). "
                "Only an edge rule (CDN, firewall) can keep it out.",
                where,
                token,
            )
        )
    else:
        served = next(
            (r for r in content if r.declared == "blocked" and r.outcome == "served"), None
        )
        if served is not None:
            found.append(
                _finding(
                    "probe-robots-block-not-enforced",
                    f"robots.txt blocks {token} here, but the server handed it the same page "
                    "as everyone: the block is a request that well-behaved crawlers follow, "
                    "not a barrier. An edge rule (CDN, firewall) enforces it.",
                    served,
                    token,
                )
            )
    unannounced = next((r for r in kept if r.declared == "allowed"), None)
    if unannounced is not None and agent.purpose == "search":
        found.append(
            _finding(
                "probe-edge-blocks-ai-search",
                f"robots.txt allows {token}, an AI search crawler, but the edge "
                f"{unannounced.outcome} it ({unannounced.detail}). The site drops out of that "
                "AI search's answers; this is often a CDN's default AI-bot rule, not a choice. "
                "Check the CDN's bot settings if that is not intended.",
                unannounced,
                token,
            )
        )
    elif unannounced is not None and agent.purpose in USE_PURPOSES["train"]:
        found.append(
            _finding(
                "probe-edge-block-undeclared",
                f"The edge {unannounced.outcome} {token} ({unannounced.detail}), but robots.txt "
                "allows it. The opt-out is real but written nowhere a reader of signals can "
                "see, and it ends if the CDN setting changes: block it in robots.txt too.",
                unannounced,
                token,
            )
        )
    if agent.purpose == "user" and kept:
        hit = kept[0]
        found.append(
            _finding(
                "probe-user-fetcher-blocked",
                f"The edge {hit.outcome} {token} ({hit.detail}). It fetches a page only when a "
                "person asks an assistant about it, so those people get nothing from this site"
                + (
                    "; robots.txt blocks it too, so this looks intended."
                    if hit.declared == "blocked"
                    else "; robots.txt allows it, so this may be a CDN default."
                ),
                hit,
                token,
            )
        )
    return found


def _finding(
    code: str, message: str, result: ProbeResult, token: str
) -> tuple[Finding, ProbeResult]:
    evidence = f"{token}: {result.status if result.status is not None else 'no answer'}"
    if result.price:
        evidence += f", {result.scheme}: {result.price}"
    return make_finding(probes.CODES, code, message, evidence=evidence, agent=token), result


def _exemption_words(agent: AgentEnforcement) -> str:
    return {
        "ignores": "it is documented or measured to ignore robots.txt",
        "own-group": "it reads only a group that names it, and no group here does",
        "user-action": "its operator says robots.txt does not apply to fetches a person asks for",
    }.get(agent.exemption or "", "the agent registry says robots.txt cannot bind it")
