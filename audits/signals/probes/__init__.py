"""Probes: the same URL fetched as ourselves (the baseline) and with an AI agent's published
User-Agent string, compared to tell what the site *does* to that agent (issue 15).

The types below are a contract: what the spider's records become once read, and what the
results tables and the export are built from (fields are only ever added at the end).

:func:`read_probe` reads one probe against its baseline (pure, bounded: the page comparison
is in ``_page``, the 402 payment reading in ``_payment``, the edge's name in ``_vendor``);
:func:`read_probes` reads every probe of a site and builds the per-agent matrix of declared
(robots.txt) against enforced (the edge). The signal's face, with its findings and its
``edge-rule`` contribution per use, is in ``signal.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, cast

from audits.core.agents import Registry, RobotsExemption
from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.findings import Severity
from audits.core.pathmatch import path_of
from audits.core.uses import Use
from audits.signals.botwall import VENDOR_NAMES, BotWall, detect_bot_wall
from audits.signals.probes._page import compare, view
from audits.signals.probes._payment import read_payment
from audits.signals.probes._vendor import edge_vendor, vendor_name
from audits.signals.robots import RobotsTxt
from audits.signals.robots.access import AuditState
from audits.signals.robots.audit import named_blocks

ProbeOutcome = Literal["refused", "charged", "challenged", "degraded", "served", "failed"]
"""What the edge did to the agent, against the baseline of the same URL:

- ``refused``: 401/403/406/451, the connection closed, or a bot-wall page the baseline
  did not get;
- ``charged``: 402 with a ``crawler-price`` header, or an x402 payment body;
- ``challenged``: a challenge page (JavaScript, CAPTCHA) shown only to the agent;
- ``degraded``: served, but a decoy or a materially different page;
- ``served``: the same answer as the baseline;
- ``failed``: no comparison possible (the baseline itself failed, or a network error both
  sides would have had).
"""

Declared = Literal["blocked", "allowed", "unknown"]
Enforced = Literal["refused", "charged", "challenged", "degraded", "served", "mixed"]


@dataclass(frozen=True)
class ProbeResult:
    """One probe read against its baseline."""

    agent: str
    """The registry token whose User-Agent string was sent."""
    url: str
    """The URL probed: the baseline fetch's URL."""
    target: str
    """The baseline's fetch kind: robots, home, page, artwork, image, …"""
    outcome: ProbeOutcome
    status: int | None
    vendor: str | None
    """The CDN or bot-protection vendor when known (cloudflare, datadome, …)."""
    price: str | None
    """The price as sent (``USD 0.01``), when charged."""
    scheme: str | None
    """``crawler-price`` or ``x402``, when charged."""
    detail: str
    """One plain sentence: what differed from the baseline."""
    baseline_fetch_id: str | None
    probe_fetch_id: str | None
    declared: Declared = "unknown"
    """What robots.txt says for this agent on this URL's path (``allowed`` for robots.txt
    itself, which RFC 9309 never disallows)."""
    decoy_links: int = 0
    """Links hidden from people on the agent's page that our page did not have."""


@dataclass(frozen=True)
class AgentEnforcement:
    """Declared against enforced, for one probed agent on one site."""

    agent: str
    purpose: str
    declared: Declared
    """What robots.txt says for this agent on the probed paths."""
    enforced: Enforced
    """What the edge did over all of this agent's probes (``mixed`` when they differ)."""
    unenforceable: bool
    """robots.txt blocks it, but the registry says a robots.txt rule cannot bind it."""
    vendor: str | None = None
    """The edge vendor named on its refused, charged or challenged probes, when known."""
    exemption: RobotsExemption | None = None
    """Why robots.txt cannot bind it, from the registry (set when ``unenforceable``)."""


@dataclass(frozen=True)
class ProbeReading:
    """Every probe of a site, and the per-agent matrix; empty when probing was off."""

    results: tuple[ProbeResult, ...] = ()
    agents: tuple[AgentEnforcement, ...] = ()


EDGE_RULE: Final = "edge-rule"
"""The mechanism name of this signal's contributions, and of its author in ``opt_out_authors``."""

CODES: dict[str, Severity] = {
    "probe-robots-block-not-enforced": "info",
    "probe-edge-blocks-ai-search": "warning",
    "probe-edge-block-undeclared": "info",
    "probe-user-fetcher-blocked": "warning",
    "probe-robots-refused-to-ai": "warning",
    "probe-robots-unenforceable": "warning",
}

BLOCKING: Final[frozenset[str]] = frozenset({"refused", "charged", "challenged"})
"""Outcomes that keep the agent from the content: what an edge rule reserves with."""
REFUSAL_STATUSES: Final = frozenset({401, 403, 406, 451})
CLOSED_ERRORS: Final = frozenset({"connection"})
"""The crawler's error class for a connection closed or lost after the request was sent
(``crawler/records.py``). Refused connections, DNS, TLS and time-outs happen before or
regardless of the User-Agent, so they are failures, not refusals."""
MAX_PROBES: Final = 500
"""At most this many probe records of a site are read."""
USE_PURPOSES: Final[dict[Use, frozenset[str]]] = {
    "train": frozenset({"train", "control"}),
    "ai-use": frozenset({"search", "user"}),
}
"""The registry purposes whose agents decide each use, as the robots.txt signal groups them;
uses absent here (search indexing, TDM) have no AI agents to probe."""
_BASELINE_ORDER: Final[tuple[FetchKind, ...]] = (
    "robots",
    "home",
    "page",
    "artwork",
    "profile",
    "image",
    "original",
)
_WALL_WORDS: Final = {
    "challenge": "challenge",
    "captcha": "CAPTCHA",
    "block": "bot-block",
    "rate-limit": "rate-limit",
}


def read_probe(probe: Fetch, baseline: Fetch | None) -> ProbeResult:
    """What the edge did to the probe's agent, against our own fetch of the same URL."""
    result = ProbeResult(
        agent=probe.agent or "",
        url=probe.url,
        target=baseline.kind if baseline is not None else "unknown",
        outcome="failed",
        status=probe.status,
        vendor=None,
        price=None,
        scheme=None,
        detail="",
        baseline_fetch_id=baseline.fetch_id if baseline is not None else None,
        probe_fetch_id=probe.fetch_id,
    )
    return _judge(result, probe, baseline)


def _judge(result: ProbeResult, probe: Fetch, baseline: Fetch | None) -> ProbeResult:
    def out(
        outcome: ProbeOutcome,
        detail: str,
        *,
        vendor: str | None = None,
        price: str | None = None,
        scheme: str | None = None,
        decoy_links: int = 0,
    ) -> ProbeResult:
        return replace(
            result,
            outcome=outcome,
            detail=detail,
            vendor=vendor,
            price=price,
            scheme=scheme,
            decoy_links=decoy_links,
        )

    if probe.skipped:
        return out("failed", f"The probe was not made ({probe.skipped}).")
    if baseline is None:
        return out("failed", "There is no fetch of ours of this URL to compare with.")
    problem = _baseline_problem(baseline)
    if problem is not None:
        return out("failed", f"Nothing to compare: {problem}.")
    ours = f"ours was answered {baseline.status}"
    if probe.status is None:
        if probe.error in CLOSED_ERRORS:
            return out("refused", f"The connection was closed without an answer; {ours}.")
        return out("failed", f"The probe got no answer ({probe.error or 'no status'}).")
    status = probe.status
    wall = detect_bot_wall(status, probe.headers, probe.body)
    vendor = _wall_vendor(wall) or edge_vendor(probe)
    name = vendor_name(vendor)
    who = f"{name} answered" if name else "Answered"
    page = f"{name} " if name else "A "
    if status == 429 or (wall is not None and wall.kind == "rate-limit"):
        return out("failed", "Rate limited (429): that says nothing about a rule for this agent.")
    if wall is not None and wall.kind in ("challenge", "captcha"):
        what = _WALL_WORDS[wall.kind]
        return out("challenged", f"{page}{what} page for it; {ours}.", vendor=vendor)
    if status == 402:
        payment = read_payment(probe)
        if payment is None:
            return out(
                "refused",
                f"Answered 402 Payment Required with no price it could pay; {ours}.",
                vendor=vendor,
            )
        how = "pay per crawl" if payment.scheme == "crawler-price" else "x402"
        asked = payment.price or "a price that could not be read"
        return out(
            "charged",
            f"Asked it to pay {asked} ({how}); {ours}.",
            vendor=vendor,
            price=payment.price,
            scheme=payment.scheme,
        )
    if wall is not None:
        return out("refused", f"{page}bot-block page ({status}) for it; {ours}.", vendor=vendor)
    if status in REFUSAL_STATUSES:
        return out("refused", f"{who} {status} to it; {ours}.", vendor=vendor)
    if status >= 500:
        return out("failed", f"A server error ({status}) for it only; that proves no rule.")
    if status // 100 != (baseline.status or 0) // 100:
        if 400 <= status < 500:
            return out("refused", f"{who} {status} to it; {ours}.", vendor=vendor)
        return out("degraded", f"Answered {status} to it; {ours}.", vendor=vendor)
    if 200 <= status < 300:
        difference = compare(view(baseline), view(probe))
        if difference.reasons:
            return out(
                "degraded",
                "Served, but not what we got: " + "; ".join(difference.reasons) + ".",
                vendor=vendor,
                decoy_links=difference.decoy_links,
            )
    return out("served", "The same answer as ours.")


def _baseline_problem(baseline: Fetch) -> str | None:
    """Why our own fetch cannot stand as the baseline, or None when it can."""
    if baseline.skipped:
        return f"our own request was not made ({baseline.skipped})"
    if baseline.status is None:
        return f"our own request got no answer ({baseline.error or 'no status'})"
    status = baseline.status
    if status in REFUSAL_STATUSES or status in (402, 429) or status >= 500:
        return f"our own request was answered {status}"
    wall = detect_bot_wall(status, baseline.headers, baseline.body)
    if wall is not None:
        return f"our own request met a {_WALL_WORDS[wall.kind]} page"
    return None


def _wall_vendor(wall: BotWall | None) -> str | None:
    """The vendor a wall page names; None for a generic one."""
    if wall is None or wall.vendor == "generic" or wall.vendor not in VENDOR_NAMES:
        return None
    return wall.vendor


def baselines(evidence: SiteEvidence) -> dict[str, Fetch]:
    """Our own fetch of each URL, by URL: the first of the kinds a probe repeats."""
    found: dict[str, Fetch] = {}
    for kind in _BASELINE_ORDER:
        for fetch in evidence.of_kind(kind):
            found.setdefault(fetch.url, fetch)
    for fetch in evidence.fetches:
        if fetch.kind != "probe":
            found.setdefault(fetch.url, fetch)
    return found


def declared_on(
    robots: RobotsTxt | None,
    state: AuditState | None,
    registry: Registry,
    token: str,
    path: str,
) -> Declared:
    """What robots.txt says for ``token`` on ``path``: its rules when the file was read, every
    path allowed when there is no file (RFC 9309 §2.3.1.3), unknown when it could not be read.
    A group naming the token in a spelling RFC 9309 readers cannot match still counts as a
    block, as it does in the per-use verdict."""
    if state == "no-file":
        return "allowed"
    if state != "known" or robots is None:
        return "unknown"
    if not robots.verdict(token, path, compare=False).allowed:
        return "blocked"
    agent = registry.get(token)
    if agent is not None and (token, path) in named_blocks(robots, (agent,), (path,)):
        return "blocked"
    return "allowed"


def read_probes(
    evidence: SiteEvidence,
    registry: Registry,
    robots: RobotsTxt | None,
    robots_state: AuditState | None,
) -> ProbeReading:
    """Every probe of the site read against its baseline, and the per-agent matrix."""
    probes = [f for f in evidence.of_kind("probe") if f.agent][:MAX_PROBES]
    if not probes:
        return ProbeReading()
    ours = baselines(evidence)
    results = tuple(
        replace(
            read_probe(probe, ours.get(probe.url)),
            declared=declared_on(robots, robots_state, registry, probe.agent or "", probe.path),
        )
        for probe in probes
    )
    return ProbeReading(results, agent_matrix(results, registry, robots, robots_state))


def agent_matrix(
    results: Sequence[ProbeResult],
    registry: Registry,
    robots: RobotsTxt | None,
    robots_state: AuditState | None,
) -> tuple[AgentEnforcement, ...]:
    """Declared against enforced for each probed agent that got at least one comparable
    answer, in the order the agents were first probed."""
    rows: list[AgentEnforcement] = []
    for token in dict.fromkeys(r.agent for r in results):
        mine = [r for r in results if r.agent == token]
        judged = deciding(mine)
        if not judged:
            continue
        agent = registry.get(token)
        content = [r for r in mine if r.target != "robots"]
        paths = tuple(dict.fromkeys(path_of(r.url) for r in content)) or ("/",)
        said = {declared_on(robots, robots_state, registry, token, p) for p in paths}
        declared: Declared = (
            "unknown" if "unknown" in said else "blocked" if "blocked" in said else "allowed"
        )
        exemption = agent.robots_exemption if agent is not None else None
        unenforceable = declared == "blocked" and _cannot_bind(exemption, robots, token)
        rows.append(
            AgentEnforcement(
                agent=token,
                purpose=agent.purpose if agent is not None else "other",
                declared=declared,
                enforced=_together(r.outcome for r in judged),
                unenforceable=unenforceable,
                vendor=next((r.vendor for r in judged if r.outcome in BLOCKING and r.vendor), None),
                exemption=exemption if unenforceable else None,
            )
        )
    return tuple(rows)


def deciding(results: Iterable[ProbeResult], agent: str | None = None) -> tuple[ProbeResult, ...]:
    """The probes (of ``agent``, when given) that say what the edge does to it: the comparable
    probes of content (home, pages, images); the robots.txt probe only when no content probe
    could be compared. Serving robots.txt to every agent while refusing the content is what a
    site should do, so a served robots.txt does not make an edge block "mixed"."""
    mine = [r for r in results if r.outcome != "failed" and (agent is None or r.agent == agent)]
    content = tuple(r for r in mine if r.target != "robots")
    return content or tuple(mine)


def _cannot_bind(exemption: RobotsExemption | None, robots: RobotsTxt | None, token: str) -> bool:
    """An agent that reads only its own group is bound by a group naming it, not by ``*``."""
    if exemption == "own-group":
        return robots is None or robots.groups_for(token)[0] != "explicit"
    return exemption is not None


def _together(outcomes: Iterable[str]) -> Enforced:
    found = set(outcomes)
    if len(found) == 1:
        return cast(Enforced, found.pop())
    return "mixed"


def use_agents(reading: ProbeReading, use: Use) -> tuple[AgentEnforcement, ...]:
    """The probed agents whose purpose decides ``use``."""
    purposes = USE_PURPOSES.get(use, frozenset())
    return tuple(a for a in reading.agents if a.purpose in purposes)


def use_enforced(reading: ProbeReading, use: Use) -> Enforced | None:
    """What the edge did to the probed agents relevant to ``use``: one outcome when they all
    got the same, ``mixed`` otherwise, None when none was probed."""
    agents = use_agents(reading, use)
    return _together(a.enforced for a in agents) if agents else None


def use_unenforceable(reading: ProbeReading, use: Use) -> tuple[str, ...]:
    """Agents relevant to ``use`` that only robots.txt blocks, though it cannot bind them: the
    edge did not refuse, charge or challenge them on any probe."""
    return tuple(
        a.agent
        for a in use_agents(reading, use)
        if a.unenforceable
        and not any(r.outcome in BLOCKING for r in deciding(reading.results, a.agent))
    )


def blocking_vendor(reading: ProbeReading) -> str | None:
    """The vendor most often named on probes the edge refused, charged or challenged."""
    counts: dict[str, int] = {}
    for result in reading.results:
        if result.outcome in BLOCKING and result.vendor:
            counts[result.vendor] = counts.get(result.vendor, 0) + 1
    return max(counts, key=lambda v: counts[v]) if counts else None


__all__ = [
    "BLOCKING",
    "CODES",
    "EDGE_RULE",
    "USE_PURPOSES",
    "AgentEnforcement",
    "Declared",
    "Enforced",
    "ProbeOutcome",
    "ProbeReading",
    "ProbeResult",
    "agent_matrix",
    "baselines",
    "blocking_vendor",
    "declared_on",
    "deciding",
    "edge_vendor",
    "read_probe",
    "read_probes",
    "use_agents",
    "use_enforced",
    "use_unenforceable",
    "vendor_name",
]
