"""Reading one probe against its baseline, from saved answers (tests/fixtures/probes/), and
the per-agent matrix of declared (robots.txt) against enforced (the edge)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from audits.core.agents import Agent, Registry, load_registry
from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.signals.probes import (
    ProbeReading,
    ProbeResult,
    agent_matrix,
    baselines,
    declared_on,
    read_probe,
    read_probes,
    use_enforced,
    use_unenforceable,
)
from audits.signals.probes._payment import MAX_JSON_BYTES, MAX_PRICE_CHARS
from audits.signals.robots import parse_robots

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "probes"
ORIGIN = "https://mira-okafor.example"
PAGE = ORIGIN + "/work/night-harbour"
REGISTRY = load_registry()
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def load(case: str, kind: FetchKind = "probe", agent: str | None = "GPTBot") -> Fetch:
    """``<case>.http``: a status line, header lines, a blank line, then the body."""
    raw = (FIXTURES / f"{case}.http").read_bytes()
    head, _, body = raw.partition(b"\n\n")
    lines = head.decode("utf-8").splitlines()
    headers = tuple(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])
    )
    status = int(lines[0].split(None, 2)[1])
    return Fetch(PAGE, kind, status, headers, body, fetch_id=case, agent=agent)


def baseline() -> Fetch:
    return load("baseline_page", "page", None)


def probe(
    status: int | None = 200, *headers: tuple[str, str], body: bytes = b"", **more: object
) -> Fetch:
    return Fetch(PAGE, "probe", status, headers, body, agent="GPTBot", fetch_id="p", **more)  # type: ignore[arg-type]


def read(case: str) -> ProbeResult:
    return read_probe(load(case), baseline())


# --- each outcome, from a saved answer -----------------------------------------------------


def test_cloudflare_block_page_is_refused_and_names_cloudflare() -> None:
    result = read("cloudflare_block_403")
    assert (result.outcome, result.status, result.vendor) == ("refused", 403, "cloudflare")


def test_crawler_price_402_is_charged_at_the_price_as_sent() -> None:
    result = read("crawler_price_402")
    assert (result.outcome, result.scheme, result.price) == ("charged", "crawler-price", "USD 0.01")


def test_x402_body_is_charged_with_its_amount_and_asset() -> None:
    result = read("x402_payment")
    assert (result.outcome, result.scheme) == ("charged", "x402")
    assert result.price == "5000 USDC on base"


def test_challenge_shown_only_to_the_agent_is_challenged() -> None:
    result = read("challenge_403")
    assert (result.outcome, result.vendor) == ("challenged", "cloudflare")


def test_decoy_page_is_degraded() -> None:
    result = read("decoy_page")
    assert result.outcome == "degraded"
    assert "title" in result.detail


def test_same_page_with_a_different_nonce_is_served() -> None:
    result = read("served_page")
    assert (result.outcome, result.detail) == ("served", "The same answer as ours.")


def test_hidden_links_the_baseline_lacks_are_decoys() -> None:
    result = read("labyrinth_hidden_links")
    assert (result.outcome, result.decoy_links) == ("degraded", 4)


def test_result_names_both_fetches_and_the_baseline_kind() -> None:
    result = read("served_page")
    assert (result.baseline_fetch_id, result.probe_fetch_id) == ("baseline_page", "served_page")
    assert (result.agent, result.url, result.target) == ("GPTBot", PAGE, "page")


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 406, 451])
def test_refusal_statuses_are_refused(status: int) -> None:
    assert read_probe(probe(status), baseline()).outcome == "refused"


def test_bare_403_names_the_edge_from_its_headers() -> None:
    result = read_probe(probe(403, ("Server", "Vercel"), ("X-Vercel-Id", "fra1::x")), baseline())
    assert (result.outcome, result.vendor) == ("refused", "vercel")


def test_connection_closed_after_the_request_is_refused() -> None:
    result = read_probe(probe(None, error="connection"), baseline())
    assert result.outcome == "refused"


def test_timeout_is_a_failure_not_a_refusal() -> None:
    assert read_probe(probe(None, error="timeout"), baseline()).outcome == "failed"


def test_not_found_only_for_the_agent_is_refused() -> None:
    assert read_probe(probe(404, *HTML, body=b"<title>Not found</title>"), baseline()).outcome == (
        "refused"
    )


def test_rate_limit_is_a_failure() -> None:
    assert read_probe(probe(429, ("Retry-After", "30")), baseline()).outcome == "failed"


def test_server_error_only_for_the_agent_is_a_failure() -> None:
    assert read_probe(probe(502), baseline()).outcome == "failed"


# --- nothing to compare --------------------------------------------------------------------


def test_no_baseline_is_a_failure() -> None:
    assert read_probe(load("cloudflare_block_403"), None).outcome == "failed"


def test_a_baseline_refused_too_is_a_failure() -> None:
    ours = load("cloudflare_block_403", "page", None)
    assert read_probe(load("cloudflare_block_403"), ours).outcome == "failed"


def test_a_baseline_without_an_answer_is_a_failure() -> None:
    ours = Fetch(PAGE, "page", None, error="dns")
    assert read_probe(load("served_page"), ours).outcome == "failed"


# --- payments --------------------------------------------------------------------------------


def test_402_without_a_price_is_refused() -> None:
    result = read_probe(probe(402, ("Content-Type", "text/plain"), body=b"pay up"), baseline())
    assert (result.outcome, result.scheme) == ("refused", None)


def test_x402_version_2_header_is_charged() -> None:
    offer = {
        "x402Version": 2,
        "accepts": [{"amount": "3000000", "asset": "0xabc", "network": "eip155:8453"}],
    }
    encoded = base64.b64encode(json.dumps(offer).encode()).decode()
    result = read_probe(probe(402, ("PAYMENT-REQUIRED", encoded)), baseline())
    assert (result.scheme, result.price) == ("x402", "3000000 0xabc on eip155:8453")


def test_x402_body_with_an_unreadable_offer_is_charged_without_a_price() -> None:
    body = json.dumps({"x402Version": 1, "accepts": [{"maxAmountRequired": {"nested": 1}}]})
    result = read_probe(probe(402, body=body.encode()), baseline())
    assert (result.outcome, result.scheme, result.price) == ("charged", "x402", None)


def test_an_oversized_payment_body_is_not_parsed() -> None:
    padding = " " * MAX_JSON_BYTES
    body = ('{"x402Version": 1, "accepts": []' + padding + "}").encode()
    assert read_probe(probe(402, body=body), baseline()).outcome == "refused"


def test_json_that_is_not_x402_is_no_payment() -> None:
    body = json.dumps({"error": "payment required", "price": 3}).encode()
    assert read_probe(probe(402, body=body), baseline()).scheme is None


def test_crawler_price_is_bounded_and_stripped_of_control_characters() -> None:
    result = read_probe(probe(402, ("crawler-price", "USD\x07 0.01" + "9" * 500)), baseline())
    assert result.price is not None
    assert len(result.price) == MAX_PRICE_CHARS
    assert "\x07" not in result.price


# --- comparing what was served -------------------------------------------------------------


def test_a_hidden_link_the_baseline_also_had_is_no_decoy() -> None:
    hidden = b'<div hidden><a href="/skip">skip</a></div>'
    ours = replace(baseline(), body=baseline().body + hidden)  # type: ignore[operator]
    theirs = replace(load("served_page"), body=load("served_page").body + hidden)  # type: ignore[operator]
    assert read_probe(theirs, ours).outcome == "served"


def test_few_links_in_common_is_degraded() -> None:
    body = baseline().body or b""
    for old, new in ((b'href="/work/', b'href="/elsewhere/'), (b'href="/news/', b'href="/x/')):
        body = body.replace(old, new)
    result = read_probe(probe(200, *HTML, body=body), baseline())
    assert result.outcome == "degraded"
    assert "links in common" in result.detail


def test_a_different_robots_txt_is_degraded() -> None:
    ours = Fetch(
        ORIGIN + "/robots.txt",
        "robots",
        200,
        (("Content-Type", "text/plain"),),
        b"User-agent: *\nAllow: /\n",
    )
    theirs = replace(ours, kind="probe", agent="GPTBot", body=b"User-agent: *\nDisallow: /\n")
    assert read_probe(theirs, ours).outcome == "degraded"


def test_the_same_robots_txt_with_other_comments_is_served() -> None:
    ours = Fetch(
        ORIGIN + "/robots.txt",
        "robots",
        200,
        (("Content-Type", "text/plain"),),
        b"# a\nUser-agent: *\nAllow: /\n",
    )
    theirs = replace(
        ours, kind="probe", agent="GPTBot", body=b"# generated 10:02\nUser-agent: *\nAllow: /\n"
    )
    assert read_probe(theirs, ours).outcome == "served"


def test_a_page_where_an_image_was_served_is_degraded() -> None:
    ours = Fetch(
        ORIGIN + "/a.jpg",
        "image",
        200,
        (("Content-Type", "image/jpeg"),),
        b"\xff\xd8" + b"x" * 5000,
    )
    theirs = replace(load("decoy_page"), url=ours.url)
    assert read_probe(theirs, ours).outcome == "degraded"


def test_a_redirect_elsewhere_only_for_the_agent_is_degraded() -> None:
    theirs = replace(load("served_page"), final_url=ORIGIN + "/ai-policy")
    assert read_probe(theirs, baseline()).outcome == "degraded"


def test_a_huge_page_is_read_within_bounds() -> None:
    links = b"".join(b'<a style="display:none" href="/t/%d">t</a>' % i for i in range(200_000))
    theirs = probe(200, *HTML, body=b"<html><title>x</title>" + links)
    start = time.perf_counter()
    result = read_probe(theirs, baseline())
    assert time.perf_counter() - start < 5
    assert result.outcome == "degraded"


# --- the per-agent matrix ------------------------------------------------------------------


def robots_fetch(body: str) -> Fetch:
    return Fetch(
        ORIGIN + "/robots.txt", "robots", 200, (("Content-Type", "text/plain"),), body.encode()
    )


def registry_with(token: str, **changes: object) -> Registry:
    def change(agent: Agent) -> Agent:
        return replace(agent, **changes) if agent.token == token else agent  # type: ignore[arg-type]

    return Registry(REGISTRY.version, tuple(change(a) for a in REGISTRY.agents))


def result(agent: str, outcome: str, url: str = PAGE, target: str = "page") -> ProbeResult:
    return ProbeResult(agent, url, target, outcome, 200, None, None, None, "", None, None)  # type: ignore[arg-type]


def test_declared_follows_robots_txt_for_the_agent_and_path() -> None:
    robots = parse_robots("User-agent: GPTBot\nDisallow: /work/\n")
    assert declared_on(robots, "known", REGISTRY, "GPTBot", "/work/a") == "blocked"
    assert declared_on(robots, "known", REGISTRY, "GPTBot", "/about") == "allowed"


def test_declared_is_allowed_without_a_file_and_unknown_when_unreadable() -> None:
    assert declared_on(None, "no-file", REGISTRY, "GPTBot", "/") == "allowed"
    assert declared_on(None, "unknown", REGISTRY, "GPTBot", "/") == "unknown"


def test_enforced_is_mixed_when_an_agents_probes_differ() -> None:
    rows = agent_matrix(
        [result("GPTBot", "refused"), result("GPTBot", "served")], REGISTRY, None, "no-file"
    )
    assert [(r.agent, r.enforced, r.declared) for r in rows] == [("GPTBot", "mixed", "allowed")]


def test_robots_txt_probe_decides_only_when_no_content_probe_compared() -> None:
    robots = ORIGIN + "/robots.txt"
    probes = [result("GPTBot", "refused", robots, "robots"), result("GPTBot", "failed")]
    rows = agent_matrix(probes, REGISTRY, None, "no-file")
    assert rows[0].enforced == "refused"


def test_an_agent_whose_probes_all_failed_is_left_out_of_the_matrix() -> None:
    assert agent_matrix([result("GPTBot", "failed")], REGISTRY, None, "no-file") == ()


def test_user_action_fetcher_blocked_in_robots_is_unenforceable() -> None:
    registry = registry_with("ChatGPT-User", robots_exemption="user-action")
    robots = parse_robots("User-agent: *\nDisallow: /\n")
    rows = agent_matrix([result("ChatGPT-User", "served")], registry, robots, "known")
    assert (rows[0].unenforceable, rows[0].exemption) == (True, "user-action")


def test_own_group_reader_is_bound_by_a_group_naming_it() -> None:
    registry = registry_with("Bytespider", robots_exemption="own-group")
    wildcard = parse_robots("User-agent: *\nDisallow: /\n")
    named = parse_robots("User-agent: Bytespider\nDisallow: /\n")
    rows = [result("Bytespider", "served")]
    assert agent_matrix(rows, registry, wildcard, "known")[0].unenforceable
    assert not agent_matrix(rows, registry, named, "known")[0].unenforceable


def test_use_enforced_covers_only_the_agents_of_that_use() -> None:
    rows = agent_matrix(
        [result("GPTBot", "refused"), result("PerplexityBot", "served")], REGISTRY, None, "no-file"
    )
    reading = ProbeReading((), rows)
    assert (use_enforced(reading, "train"), use_enforced(reading, "ai-use")) == (
        "refused",
        "served",
    )
    assert use_enforced(reading, "search") is None


def test_use_unenforceable_leaves_out_agents_the_edge_stopped() -> None:
    registry = registry_with("ChatGPT-User", robots_exemption="user-action")
    robots = parse_robots("User-agent: *\nDisallow: /\n")
    served = [result("ChatGPT-User", "served")]
    refused = [result("ChatGPT-User", "refused")]
    reading = ProbeReading(tuple(served), agent_matrix(served, registry, robots, "known"))
    stopped = ProbeReading(tuple(refused), agent_matrix(refused, registry, robots, "known"))
    assert use_unenforceable(reading, "ai-use") == ("ChatGPT-User",)
    assert use_unenforceable(stopped, "ai-use") == ()


def test_probes_without_an_agent_are_not_read() -> None:
    evidence = SiteEvidence(ORIGIN, (baseline(), replace(load("cloudflare_block_403"), agent=None)))
    assert read_probes(evidence, REGISTRY, None, None) == ProbeReading()


def test_baseline_is_our_own_fetch_never_a_probe() -> None:
    evidence = SiteEvidence(ORIGIN, (load("cloudflare_block_403"), baseline()))
    assert baselines(evidence)[PAGE].fetch_id == "baseline_page"
