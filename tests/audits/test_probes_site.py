"""Probes through the whole site audit: hand-built evidence holding our own fetches (the
baselines) and the probe fetches made with AI agents' User-Agent strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from audits.core.agents import Agent, Registry, load_registry
from audits.core.evidence import Fetch, SiteEvidence
from audits.signals import SIGNALS
from audits.signals.probes.signal import PROBES
from audits.site.audit import LocatedFinding, SiteAudit, audit_site
from tests.audits.test_probes import load

ORIGIN = "https://mira-okafor.example"
PAGE = ORIGIN + "/work/night-harbour"
REGISTRY = load_registry()
ALLOW_ALL = "User-agent: *\nAllow: /\n"

Answer = str
"""How the edge answers a probe: served, refused, charged, challenged or decoy."""
_CASES = {
    "refused": "cloudflare_block_403",
    "charged": "crawler_price_402",
    "challenged": "challenge_403",
    "decoy": "decoy_page",
}


def baselines(robots: str) -> tuple[Fetch, ...]:
    page = load("baseline_page", "page", None)
    return (
        Fetch(
            ORIGIN + "/robots.txt",
            "robots",
            200,
            (("Content-Type", "text/plain"),),
            robots.encode(),
        ),
        replace(page, url=ORIGIN + "/", kind="home"),
        page,
    )


def probe_of(ours: Fetch, agent: str, answer: Answer) -> Fetch:
    if answer == "served":
        return replace(ours, kind="probe", agent=agent)
    saved = load(_CASES[answer], "probe", agent)
    return replace(saved, url=ours.url)


def site(
    robots: str, answers: Mapping[str, Answer | Mapping[str, Answer]], *extra: Fetch
) -> SiteEvidence:
    """Every baseline probed once per agent; an answer per agent, or per baseline kind."""
    ours = baselines(robots)
    probes = [
        probe_of(f, agent, how if isinstance(how, str) else how.get(f.kind, "served"))
        for agent, how in answers.items()
        for f in ours
    ]
    fetches = (*ours, *probes, *extra)
    return SiteEvidence(ORIGIN, tuple(replace(f, fetch_id=str(i)) for i, f in enumerate(fetches)))


def registry_with(token: str, **changes: object) -> Registry:
    def change(agent: Agent) -> Agent:
        return replace(agent, **changes) if agent.token == token else agent  # type: ignore[arg-type]

    return Registry(REGISTRY.version, tuple(change(a) for a in REGISTRY.agents))


def findings(audit: SiteAudit, code: str) -> list[LocatedFinding]:
    return [f for f in audit.findings if f.finding.code == code]


def fetch_of(evidence: SiteEvidence, fetch_id: str | None) -> Fetch:
    return next(f for f in evidence.fetches if f.fetch_id == fetch_id)


# --- with probing off, nothing changes -----------------------------------------------------


def test_without_probes_the_audit_is_what_it_was() -> None:
    evidence = site("User-agent: GPTBot\nDisallow: /\n", {})
    without = audit_site(evidence, signals=tuple(s for s in SIGNALS if s is not PROBES))
    audit = audit_site(evidence)
    assert audit.verdicts == without.verdicts
    assert audit.findings == without.findings
    assert audit.opt_out_authors == without.opt_out_authors
    assert all(v.enforced is None and v.unenforceable == () for v in audit.verdicts)


# --- contributions and verdicts ------------------------------------------------------------


def test_edge_refusing_every_probed_training_agent_reserves_training() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": "refused", "ClaudeBot": "refused"}))
    verdict = audit.verdict("train")
    assert (verdict.state, verdict.mechanisms, verdict.enforced) == (
        "reserved",
        ("edge-rule",),
        "refused",
    )


def test_edge_refusing_some_training_agents_is_partial() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": "refused", "ClaudeBot": "served"}))
    verdict = audit.verdict("train")
    assert (verdict.state, verdict.enforced) == ("partial", "mixed")


def test_a_decoy_maze_reserves_nothing() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": {"home": "decoy", "page": "decoy"}}))
    verdict = audit.verdict("train")
    assert (verdict.state, verdict.enforced) == ("unstated", "degraded")


def test_robots_txt_served_while_content_is_refused_is_still_a_full_block() -> None:
    answers = {"GPTBot": {"home": "refused", "page": "refused"}}
    verdict = audit_site(site(ALLOW_ALL, answers)).verdict("train")
    assert (verdict.state, verdict.enforced) == ("reserved", "refused")


def test_charging_ai_search_agents_sets_enforced_charged() -> None:
    audit = audit_site(site(ALLOW_ALL, {"PerplexityBot": "charged", "OAI-SearchBot": "charged"}))
    verdict = audit.verdict("ai-use")
    assert (verdict.state, verdict.enforced) == ("reserved", "charged")
    assert audit.verdict("train").enforced is None


def test_edge_rule_contribution_points_at_the_probe_fetches() -> None:
    evidence = site(ALLOW_ALL, {"GPTBot": "refused"})
    contribution = audit_site(evidence).verdict("train").contributions[0]
    kinds = {fetch_of(evidence, ref.fetch_id).kind for ref in contribution.evidence}
    assert (contribution.mechanism, kinds) == ("edge-rule", {"probe"})


def test_edge_rule_is_attributed_to_the_cdn_that_answered() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": "refused"}))
    authors = [(a.mechanism, a.author, a.vendor) for a in audit.opt_out_authors]
    assert authors == [("edge-rule", "edge-rule", "cloudflare")]


def test_the_reading_is_on_the_site_audit() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": "charged"}))
    assert [(a.agent, a.declared, a.enforced) for a in audit.probes.agents] == [
        ("GPTBot", "allowed", "charged")
    ]
    assert {r.price for r in audit.probes.results} == {"USD 0.01"}


# --- findings --------------------------------------------------------------------------------


def test_robots_block_served_at_the_edge_is_a_request_not_a_block() -> None:
    evidence = site("User-agent: GPTBot\nDisallow: /\n", {"GPTBot": "served"})
    found = findings(audit_site(evidence), "probe-robots-block-not-enforced")
    assert [(f.finding.agent, fetch_of(evidence, f.evidence.fetch_id).kind) for f in found] == [
        ("GPTBot", "probe")
    ]


def test_ai_search_refused_but_allowed_in_robots_is_reported() -> None:
    found = findings(
        audit_site(site(ALLOW_ALL, {"PerplexityBot": "refused"})), "probe-edge-blocks-ai-search"
    )
    assert [f.finding.agent for f in found] == ["PerplexityBot"]


def test_training_agent_refused_but_allowed_in_robots_is_an_undeclared_block() -> None:
    found = findings(
        audit_site(site(ALLOW_ALL, {"GPTBot": "refused"})), "probe-edge-block-undeclared"
    )
    assert [f.finding.agent for f in found] == ["GPTBot"]


def test_charged_user_fetcher_is_reported() -> None:
    found = findings(
        audit_site(site(ALLOW_ALL, {"ChatGPT-User": "charged"})), "probe-user-fetcher-blocked"
    )
    assert [(f.finding.agent, f.finding.evidence) for f in found] == [
        ("ChatGPT-User", "ChatGPT-User: 402, crawler-price: USD 0.01")
    ]


def test_robots_txt_refused_to_an_ai_agent_is_reported_at_that_probe() -> None:
    evidence = site(ALLOW_ALL, {"GPTBot": {"robots": "refused"}})
    found = findings(audit_site(evidence), "probe-robots-refused-to-ai")
    assert [fetch_of(evidence, f.evidence.fetch_id).url for f in found] == [ORIGIN + "/robots.txt"]
    assert "never reaches it" in found[0].finding.message


def test_robots_block_of_an_exempt_agent_is_unenforceable() -> None:
    registry = registry_with("ChatGPT-User", robots_exemption="user-action")
    audit = audit_site(site("User-agent: *\nDisallow: /\n", {"ChatGPT-User": "served"}), registry)
    assert [f.finding.agent for f in findings(audit, "probe-robots-unenforceable")] == [
        "ChatGPT-User"
    ]
    assert audit.verdict("ai-use").unenforceable == ("ChatGPT-User",)


def test_unenforceable_agent_gets_no_request_not_a_block_finding_too() -> None:
    registry = registry_with("ChatGPT-User", robots_exemption="user-action")
    audit = audit_site(site("User-agent: *\nDisallow: /\n", {"ChatGPT-User": "served"}), registry)
    assert findings(audit, "probe-robots-block-not-enforced") == []


def test_an_edge_block_makes_the_exempt_agent_enforceable_after_all() -> None:
    registry = registry_with("ChatGPT-User", robots_exemption="user-action")
    audit = audit_site(site("User-agent: *\nDisallow: /\n", {"ChatGPT-User": "refused"}), registry)
    assert audit.verdict("ai-use").unenforceable == ()
    assert findings(audit, "probe-robots-unenforceable") == []


def test_challenge_only_for_agents_is_enforced_challenged() -> None:
    audit = audit_site(site(ALLOW_ALL, {"GPTBot": "challenged"}))
    assert audit.verdict("train").enforced == "challenged"


# --- other readers leave probes alone ------------------------------------------------------


def test_builder_is_not_read_from_a_probes_headers() -> None:
    wix = replace(load("served_page", "probe", "GPTBot"), headers=(("X-Wix-Request-Id", "1"),))
    assert audit_site(site(ALLOW_ALL, {}, wix)).builder is None
