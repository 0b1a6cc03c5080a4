"""End-to-end audits of whole sites: one fixture folder per case (tests/fixtures/sites/)."""

from __future__ import annotations

import random
from functools import cache
from typing import get_args

import pytest

from audits.core.agents import load_registry
from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.uses import USES, Contribution, State, Use
from audits.signals.robots import audit as robots_audit
from audits.site import mechanisms as site_contributions
from audits.site.audit import LocatedFinding, SiteAudit, audit_site
from tests.site_fixture import SITES, case_names, fetch_url, load_site

REGISTRY = load_registry()
TRAINING = len(REGISTRY.training_agents())


@cache
def audit(case: str) -> SiteAudit:
    return audit_site(load_site(case))


def codes(case: str) -> set[str]:
    return {located.finding.code for located in audit(case).findings}


def found(case: str, code: str) -> list[LocatedFinding]:
    hits = [located for located in audit(case).findings if located.finding.code == code]
    assert hits, f"{case}: no {code} finding; got {sorted(codes(case))}"
    return hits


def contribution(case: str, use: Use, mechanism: str) -> Contribution:
    verdict = audit(case).verdict(use)
    hits = [c for c in verdict.contributions if c.mechanism == mechanism]
    assert hits, f"{case}: {use} has no {mechanism} contribution; got {verdict.mechanisms}"
    return hits[0]


def state(case: str, use: Use) -> State:
    return audit(case).verdict(use).state


def line_of(case: str, name: str, start: str) -> int:
    """The 1-based number of the first line of a fixture file that starts with ``start``."""
    lines = (SITES / case / name).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


# --- the verdict per use, for every case ---------------------------------------------------

_STATES: dict[str, tuple[State, State, State, State]] = {
    # case: (train, ai-use, search, tdm)
    "blanket_block": ("reserved", "reserved", "reserved", "unstated"),
    "ai_only_block": ("partial", "unstated", "unstated", "unstated"),
    "ai_robots_txt_boilerplate": ("reserved", "unstated", "unstated", "unstated"),
    "robots_unreachable": ("unknown", "unknown", "unknown", "unknown"),
    "unreachable_but_tdmrep": ("reserved", "unknown", "unknown", "reserved"),
    "robots_soft_404": ("unstated", "unstated", "unstated", "unstated"),
    "robots_bot_wall": ("unknown", "unknown", "unknown", "unknown"),
    "cloudflare_managed": ("reserved", "partial", "allowed", "unstated"),
    "cloudflare_policy_only": ("unstated", "unstated", "unstated", "unstated"),
    "noai_all_pages": ("reserved", "reserved", "unstated", "unstated"),
    "noai_home_only": ("partial", "partial", "unstated", "unstated"),
    "noai_rendered_only": ("partial", "partial", "unstated", "unstated"),
    "signals_conflict": ("partial", "unstated", "allowed", "unstated"),
    "content_usage_header": ("reserved", "unstated", "unstated", "unstated"),
    "token_typo": ("unstated", "unstated", "unstated", "unstated"),
    "legacy_only": ("unstated", "unstated", "unstated", "unstated"),
    "reopens_wildcard": ("partial", "reserved", "reserved", "unstated"),
    "first_group_differs": ("partial", "partial", "unstated", "unstated"),
    "search_not_training": ("unstated", "partial", "unstated", "unstated"),
    "nothing_at_all": ("unstated", "unstated", "unstated", "unstated"),
    "pages_unreadable": ("unknown", "unknown", "unknown", "unknown"),
    "aitxt_reserved": ("reserved", "unstated", "unstated", "unstated"),
    "tdmrep_header_only": ("reserved", "unstated", "unstated", "reserved"),
    "disallow_ai_training": ("reserved", "unstated", "unstated", "unstated"),
    "policy_files_unanswered": ("unstated", "unstated", "unstated", "unknown"),
    # Site builders (tests/audits/test_builders.py).
    "builder_generator_webflow": ("unstated", "unstated", "unstated", "unstated"),
    "builder_header_wix_by_hand": ("partial", "unstated", "unstated", "unstated"),
    "builder_host_cargo": ("unstated", "unstated", "unstated", "unstated"),
    "builder_host_wordpress_com_sharing_off": ("partial", "partial", "unstated", "unstated"),
    "builder_html_squarespace_toggle_on": ("partial", "partial", "unstated", "unstated"),
    "builder_robots_squarespace_toggle_off": ("unstated", "unstated", "unstated", "unstated"),
    "builder_wordpress_plugin_template": ("reserved", "reserved", "unstated", "unstated"),
    "platform_profiles": ("partial", "unstated", "unstated", "unstated"),
    # Image metadata (tests/audits/test_images_site.py).
    "image_cawg_and_damaged": ("partial", "unstated", "unstated", "allowed"),
    "image_dmi_every_image": ("reserved", "unstated", "unstated", "unstated"),
    "image_dmi_generative_only": ("partial", "unstated", "unstated", "unstated"),
    "image_dmi_some_images": ("partial", "unstated", "unstated", "unstated"),
    "image_webp_tail": ("reserved", "unstated", "unstated", "unstated"),
}


def test_every_fixture_case_has_expected_states() -> None:
    assert sorted(_STATES) == case_names()


@pytest.mark.parametrize(("case", "states"), sorted(_STATES.items()))
def test_use_states(case: str, states: tuple[State, ...]) -> None:
    assert tuple(state(case, use) for use in USES) == states


@pytest.mark.parametrize("case", case_names())
def test_unknown_always_says_why(case: str) -> None:
    for verdict in audit(case).verdicts:
        assert (verdict.state == "unknown") <= bool(verdict.unknown_because)


@pytest.mark.parametrize("case", case_names())
def test_every_finding_points_at_a_fetch_of_the_site(case: str) -> None:
    fetches = {f.fetch_id: f.url for f in load_site(case).fetches}
    for located in audit(case).findings:
        ref = located.evidence
        assert fetches.get(ref.fetch_id) == ref.url, (located.finding.code, ref)
        assert ref.line == located.finding.line


@pytest.mark.parametrize("case", case_names())
def test_every_contribution_points_at_a_fetch_of_the_site(case: str) -> None:
    fetches = {f.fetch_id: f.url for f in load_site(case).fetches}
    for verdict in audit(case).verdicts:
        for part in verdict.contributions:
            assert part.evidence, part
            assert all(fetches.get(e.fetch_id) == e.url for e in part.evidence), part


# --- robots.txt ----------------------------------------------------------------------------


def test_blanket_block_reserves_training_and_ai_use() -> None:
    train = contribution("blanket_block", "train", "robots.txt")
    assert train.effect == "reserved"
    assert f"all {TRAINING} training agents" in train.detail
    assert contribution("blanket_block", "ai-use", "robots.txt").effect == "reserved"
    assert audit("blanket_block").verdict("train").gaps == ()


def test_blanket_block_finding_points_at_robots_txt() -> None:
    (hit,) = found("blanket_block", "robots-blanket-block")
    assert (hit.evidence.url, hit.evidence.fetch_id) == (
        fetch_url("blanket_block", "/robots.txt"),
        "0",
    )


def test_ai_only_block_is_partial_and_names_the_blocked_agents() -> None:
    part = contribution("ai_only_block", "train", "robots.txt")
    assert part.effect == "partial"
    for token in ("GPTBot", "CCBot", "ClaudeBot", "Google-Extended"):
        assert token in part.detail
    assert f"4 of {TRAINING} training agents" in part.detail
    assert part.evidence[0].url == fetch_url("ai_only_block", "/robots.txt")


def test_ai_only_block_gaps_are_the_training_agents_left_open() -> None:
    gaps = audit("ai_only_block").verdict("train").gaps
    assert "Bytespider" in gaps and "GPTBot" not in gaps
    assert len(gaps) == TRAINING - 4


def test_boilerplate_fixture_lists_every_training_agent() -> None:
    """Regenerate the fixture from the registry when this fails (one line per token)."""
    text = (SITES / "ai_robots_txt_boilerplate" / "robots.txt").read_text(encoding="utf-8")
    written = [line.split(":", 1)[1].strip() for line in text.splitlines() if ":" in line]
    assert written == [a.token for a in REGISTRY.training_agents()] + ["/"]


def test_boilerplate_reserves_train_and_is_attributed_to_ai_robots_txt() -> None:
    result = audit("ai_robots_txt_boilerplate")
    assert contribution("ai_robots_txt_boilerplate", "train", "robots.txt").effect == "reserved"
    assert result.verdict("train").gaps == ()
    assert result.authorship is not None
    assert (result.authorship.author, result.authorship.line) == ("ai-robots-txt", 1)


def test_boilerplate_counts_invalid_tokens_named_as_documented() -> None:
    invalid = [a.token for a in REGISTRY.training_agents() if not a.rfc9309_valid]
    detail = contribution("ai_robots_txt_boilerplate", "train", "robots.txt").detail
    assert f"({len(invalid)} named by tokens RFC 9309 readers cannot match)" in detail
    flagged = {
        hit.finding.agent for hit in found("ai_robots_txt_boilerplate", "robots-invalid-token")
    }
    assert set(invalid) <= flagged


def test_boilerplate_per_agent_verdict_stays_strict_rfc9309() -> None:
    table = audit("ai_robots_txt_boilerplate").robots_verdicts
    assert table is not None
    assert table.allowed("Brightbot 1.0", "/") and not table.allowed("GPTBot", "/")
    assert table.differences[("Brightbot 1.0", "/")][0] is False  # Protego: disallowed
    assert found("ai_robots_txt_boilerplate", "robots-protego-differs")


def test_robots_unreachable_makes_every_use_unknown_with_reason() -> None:
    for verdict in audit("robots_unreachable").verdicts:
        assert any("503" in reason for reason in verdict.unknown_because)
    (hit,) = found("robots_unreachable", "robots-unreachable")
    assert hit.evidence.url == fetch_url("robots_unreachable", "/robots.txt")


def test_reservation_found_elsewhere_stands_when_robots_unreachable() -> None:
    for use in ("tdm", "train"):
        part = contribution("unreachable_but_tdmrep", use, "TDMRep")
        assert part.effect == "reserved"
        assert "via file" in part.detail
    assert "robots-unreachable" in codes("unreachable_but_tdmrep")


def test_robots_served_as_html_is_no_policy() -> None:
    (hit,) = found("robots_soft_404", "robots-served-as-html")
    assert hit.finding.severity == "error"
    assert hit.evidence.url == fetch_url("robots_soft_404", "/robots.txt")
    assert audit("robots_soft_404").robots is None


def test_robots_behind_bot_wall_is_unknown_not_missing() -> None:
    (hit,) = found("robots_bot_wall", "botwall-challenge")
    assert hit.evidence.url == fetch_url("robots_bot_wall", "/robots.txt")
    assert "Cloudflare" in hit.finding.message
    assert not codes("robots_bot_wall") & {"robots-no-file", "robots-served-as-html"}


def test_cloudflare_managed_reserves_train_by_content_signal() -> None:
    part = contribution("cloudflare_managed", "train", "Content-Signal")
    assert part.effect == "reserved"
    expected = line_of("cloudflare_managed", "robots.txt", "Content-Signal:")
    assert [(e.url, e.line) for e in part.evidence] == [
        (fetch_url("cloudflare_managed", "/robots.txt"), expected)
    ]
    assert contribution("cloudflare_managed", "search", "Content-Signal").effect == "allowed"


def test_cloudflare_managed_authorship_points_at_begin_marker() -> None:
    author = audit("cloudflare_managed").authorship
    assert author is not None
    begin = line_of("cloudflare_managed", "robots.txt", "# BEGIN Cloudflare")
    assert (author.author, author.line) == ("cloudflare-managed", begin)


def test_cloudflare_policy_text_alone_says_nothing() -> None:
    (hit,) = found("cloudflare_policy_only", "robots-cloudflare-policy-only")
    assert hit.evidence.line == 1
    author = audit("cloudflare_policy_only").authorship
    assert author is not None and author.author == "cloudflare-policy-only"


def test_content_signal_yes_against_blocked_agent_is_a_conflict() -> None:
    verdict = audit("signals_conflict").verdict("train")
    assert verdict.conflict
    assert {c.mechanism: c.effect for c in verdict.contributions} == {
        "robots.txt": "partial",
        "Content-Signal": "allowed",
    }


def test_conflict_finding_points_at_the_explicit_permission() -> None:
    (hit,) = found("signals_conflict", "site-signals-conflict")
    expected = line_of("signals_conflict", "robots.txt", "Content-Signal:")
    assert (hit.evidence.url, hit.evidence.line) == (
        fetch_url("signals_conflict", "/robots.txt"),
        expected,
    )
    assert "train" in hit.finding.message


def test_token_typo_names_the_meant_agent_at_its_line() -> None:
    (hit,) = found("token_typo", "robots-token-typo")
    assert (hit.finding.agent, hit.finding.line, hit.finding.evidence) == ("GPTBot", 1, "GPT-Bot")
    assert hit.evidence.url == fetch_url("token_typo", "/robots.txt")
    assert "GPTBot" in audit("token_typo").verdict("train").gaps


def test_legacy_token_only_names_the_current_crawler() -> None:
    (hit,) = found("legacy_only", "robots-legacy-only")
    assert (hit.finding.agent, hit.evidence.line) == ("ClaudeBot", 1)


def test_agent_group_reopening_wildcard_is_flagged() -> None:
    (hit,) = found("reopens_wildcard", "robots-reopens-wildcard")
    group = line_of("reopens_wildcard", "robots.txt", "User-agent: GPTBot")
    assert (hit.finding.agent, hit.evidence.line) == ("GPTBot", group)
    assert audit("reopens_wildcard").verdict("train").gaps == ("GPTBot",)


def test_search_crawlers_blocked_is_not_a_training_opt_out() -> None:
    assert "robots-search-not-training" in codes("search_not_training")
    part = contribution("search_not_training", "ai-use", "robots.txt")
    assert part.effect == "partial"
    assert "OAI-SearchBot" in part.detail and "PerplexityBot" in part.detail


def test_no_robots_file_and_no_signal_is_unstated() -> None:
    (hit,) = found("nothing_at_all", "robots-no-file")
    assert hit.evidence.url == fetch_url("nothing_at_all", "/robots.txt")
    assert all(not v.contributions for v in audit("nothing_at_all").verdicts)


def test_disallow_ai_training_reserves_train_with_findings() -> None:
    part = contribution("disallow_ai_training", "train", "DisallowAITraining (draft)")
    assert (part.effect, part.evidence[0].line) == ("reserved", 2)
    (hit,) = found("disallow_ai_training", "robots-disallow-ai-training")
    assert hit.evidence.line == 2


def test_disallow_ai_training_google_reads_it_as_disallow() -> None:
    (hit,) = found("disallow_ai_training", "robots-google-differs")  # one finding, all agents
    assert "Google's parser says disallowed" in hit.finding.message
    assert "more" in hit.finding.message


# --- pages ---------------------------------------------------------------------------------


def test_noai_on_every_page_reserves_train() -> None:
    part = contribution("noai_all_pages", "train", "noai")
    assert (part.effect, part.detail) == ("reserved", "noai on 3 of 3 pages")
    urls = [fetch_url("noai_all_pages", p) for p in ("/", "/art/1", "/art/2")]
    assert [e.url for e in part.evidence] == urls


def test_noai_on_home_only_is_partial_and_flagged_at_a_content_page() -> None:
    assert contribution("noai_home_only", "train", "noai").effect == "partial"
    (hit,) = found("noai_home_only", "site-noai-home-only")
    assert (hit.evidence.url, hit.evidence.fetch_id) == (fetch_url("noai_home_only", "/art/1"), "2")


def test_noai_only_after_rendering_is_flagged_at_that_page() -> None:
    (hit,) = found("noai_rendered_only", "site-noai-rendered-only")
    assert hit.evidence.url == fetch_url("noai_rendered_only", "/art/1")
    part = contribution("noai_rendered_only", "train", "noai")
    assert [e.url for e in part.evidence] == [fetch_url("noai_rendered_only", "/art/1")]


def test_content_usage_header_on_every_page_reserves_train() -> None:
    part = contribution("content_usage_header", "train", "Content-Usage header")
    assert (part.effect, part.detail) == ("reserved", "train-ai=n on 3 of 3 responses")


def test_tdm_reservation_header_on_every_page_reserves_tdm() -> None:
    part = contribution("tdmrep_header_only", "tdm", "TDMRep")
    assert part.effect == "reserved"
    assert "via header on 3 of 3" in part.detail


def test_unreadable_pages_make_uses_unknown() -> None:
    (hit,) = found("pages_unreadable", "site-pages-unreadable")
    assert hit.evidence.url == fetch_url("pages_unreadable", "/")
    walls = found("pages_unreadable", "botwall-blocked")
    assert [w.evidence.fetch_id for w in walls] == ["1", "2", "3"]


# --- policy files --------------------------------------------------------------------------


def test_aitxt_blocking_everything_reserves_train() -> None:
    part = contribution("aitxt_reserved", "train", "ai.txt")
    assert part.effect == "reserved"
    ai_txt = next(f for f in load_site("aitxt_reserved").fetches if f.kind == "aitxt")
    assert [(e.url, e.fetch_id) for e in part.evidence] == [(ai_txt.url, ai_txt.fetch_id)]


def test_unanswered_policy_files_are_missing_not_empty() -> None:
    result = audit("policy_files_unanswered")
    assert (result.aitxt, result.tdmrep, result.llms) == (None, None, None)
    assert not codes("policy_files_unanswered") & {"aitxt-empty-file", "tdmrep-empty"}
    assert result.verdict("tdm").unknown_because


def test_policy_file_behind_bot_wall_is_reported() -> None:
    (hit,) = found("policy_files_unanswered", "botwall-challenge")
    assert hit.evidence.url == fetch_url("policy_files_unanswered", "/.well-known/tdmrep.json")


# --- catalogue and hostile input -----------------------------------------------------------


@pytest.mark.parametrize("code", sorted({*site_contributions.CODES, *robots_audit.CODES}), ids=str)
def test_every_site_and_robots_audit_code_is_produced_by_a_case(code: str) -> None:
    produced = {c for case in case_names() for c in codes(case)}
    assert code in produced


_KINDS: tuple[FetchKind, ...] = get_args(FetchKind)
_STATUSES = (None, 0, -1, 99, 200, 204, 299, 301, 304, 403, 404, 418, 429, 451, 503, 599, 10**9)
_HEADER_NAMES = (
    "Content-Type",
    "Content-Usage",
    "X-Robots-Tag",
    "tdm-reservation",
    "tdm-policy",
    "Link",
    "cf-mitigated",
    "Server",
)
_VALUES = ("text/html", "text/plain", "", "noai", "1", "2", "<>;rel=license", "challenge")


def _garbage_fetch(rng: random.Random, index: int) -> Fetch:
    def junk() -> bytes:
        return rng.randbytes(rng.randrange(0, 4096))

    status = rng.choice(_STATUSES)
    headers = tuple(
        (rng.choice(_HEADER_NAMES), rng.choice(_VALUES) + junk()[:40].decode("latin-1"))
        for _ in range(rng.randrange(0, 6))
    )
    return Fetch(
        url=f"https://garbage.example/{index}/{junk()[:8].hex()}",
        kind=rng.choice(_KINDS),
        status=status,
        headers=headers,
        body=rng.choice((None, b"", junk(), b"<html>" + junk(), b"User-agent: *\n" + junk())),
        error=rng.choice(("timeout", "dns")) if status is None else None,
        rendered_body=rng.choice((None, junk())),
        fetch_id=str(index),
    )


@pytest.mark.parametrize("seed", range(20))
def test_garbage_site_never_raises(seed: int) -> None:
    rng = random.Random(seed)
    fetches = tuple(_garbage_fetch(rng, i) for i in range(rng.randrange(1, 14)))
    result = audit_site(SiteEvidence("https://garbage.example", fetches))
    assert [v.use for v in result.verdicts] == list(USES)
    assert all(v.state in get_args(State) for v in result.verdicts)
