"""Fixes to paste (audits/fixes/): one fixture per case under tests/fixtures/fixes/, and the
check every suggested robots.txt must pass, re-audited with the real robots.txt signal.

``assert_robots_fix`` is shared with tests/audits/test_fixes_sampleweb.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

import pytest

from audits.core.agents import Agent, Registry, load_registry
from audits.core.evidence import Fetch, SiteEvidence
from audits.core.uses import Contribution
from audits.fixes import SiteFixes, fixes_for
from audits.fixes.robots import RobotsFix, file_lines, targets_for
from audits.signals.robots import RobotsTxt, parse_robots
from audits.signals.robots.audit import named_blocks
from audits.signals.robots.signal import ROBOTS, SEARCH_ENGINES
from audits.site.audit import audit_site
from tests.conftest import FIXTURES

CASES = FIXTURES / "fixes"
ORIGIN = "https://fixes.example"
HOME = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Art.</p></body></html>"
OTHERS = ("Googlebot", "Bingbot", "SomeUnlistedBot")
"""Agents outside the registry whose verdicts no fix may change."""


@cache
def registry() -> Registry:
    return load_registry()


def site(case: str) -> SiteEvidence:
    body = (CASES / case / "robots.txt").read_bytes()
    status = 503 if case == "unreachable" else 200
    return SiteEvidence(
        ORIGIN,
        (
            Fetch(
                f"{ORIGIN}/robots.txt",
                "robots",
                status,
                (("content-type", "text/plain"),),
                body,
                fetch_id="0",
            ),
            Fetch(f"{ORIGIN}/", "home", 200, (("content-type", "text/html"),), HOME, fetch_id="1"),
        ),
    )


@cache
def fixes(case: str) -> SiteFixes:
    return fixes_for(audit_site(site(case), registry()), registry())


# ---- the check every suggested robots.txt must pass -------------------------------------


def _blocked_at_root(robots: RobotsTxt, agent: Agent) -> bool:
    if not robots.verdict(agent.token, "/", compare=False).allowed:
        return True
    return not agent.rfc9309_valid and bool(named_blocks(robots, [agent], ["/"]))


def _probe_paths(original: RobotsTxt | None, extra: tuple[str, ...]) -> list[str]:
    """``/``, the sampled paths, and a path inside and beside every rule of the file."""
    paths = {"/", "/robots-fix-probe", *extra}
    for group in original.groups if original else ():
        for rule in group.rules:
            raw = rule.pattern.raw.replace("*", "x").rstrip("$")
            if raw.startswith("/"):
                paths |= {raw, raw + "x", raw.rstrip("/") + "/x"}
    return sorted(paths)


def _robots_only(evidence: SiteEvidence, text: str) -> tuple[Contribution, ...]:
    """The robots.txt signal's contributions for ``evidence`` with ``text`` as its file."""
    fetches = tuple(
        replace(
            f,
            status=200,
            body=text.encode(),
            headers=(("content-type", "text/plain"),),
            error=None,
            redirects=(),
            final_url=None,
        )
        if f.kind == "robots"
        else f
        for f in evidence.fetches
    )
    if not any(f.kind == "robots" for f in fetches):
        fetches += (Fetch(f"{evidence.origin}/robots.txt", "robots", 200, (), text.encode()),)
    audit = audit_site(replace(evidence, fetches=fetches), registry(), signals=(ROBOTS,))
    return tuple(c for v in audit.verdicts for c in v.contributions)


def assert_robots_fix(
    fix: RobotsFix, original_text: str | None, evidence: SiteEvidence, sampled: tuple[str, ...]
) -> None:
    """The suggested file reserves what it claims, changes no other agent, keeps the site's
    lines, and the real robots.txt signal reads it as the reservation it claims."""
    reg = registry()
    fixed = parse_robots(fix.text)
    targets = targets_for(fix.variant, reg)
    assert fix.blocked == tuple(a.token for a in targets)
    still_open = [a.token for a in targets if not _blocked_at_root(fixed, a)]
    assert not still_open, f"{fix.variant}: still allowed at /: {still_open}"

    original = parse_robots(original_text) if original_text is not None else None
    target_tokens = {a.token for a in targets}
    others = [a.token for a in reg.agents if a.token not in target_tokens] + list(OTHERS)
    for path in _probe_paths(original, sampled):
        for token in others:
            before = original.verdict(token, path, compare=False).allowed if original else True
            after = fixed.verdict(token, path, compare=False).allowed
            assert before == after, f"{fix.variant}: {token} on {path} changed"

    if original_text is not None:
        replaced = {c.line: c for c in fix.changes if c.before is not None}
        for change in replaced.values():
            assert change.after[0] == f"# {change.before}" or change.why.endswith("is meant")
        expected = [
            replaced[n].after[0] if n in replaced else line
            for n, line in enumerate(file_lines(original_text), start=1)
        ]
        remaining = iter(file_lines(fix.text))
        missing = [line for line in expected if not any(line == got for got in remaining)]
        assert not missing, f"{fix.variant}: lines lost or out of order: {missing}"

    contributions = _robots_only(evidence, fix.text)
    reserved = {
        c.use for c in contributions if c.mechanism == "robots.txt" and c.effect == "reserved"
    }
    wanted = {"train"} if fix.variant == "fixed" else {"train", "ai-use"}
    if not fix.kept_open:
        assert wanted <= reserved, f"{fix.variant}: the robots.txt signal reserves only {reserved}"
    if fix.variant == "fixed" and original_text is not None:
        earlier = _robots_only(evidence, original_text)
        for use in ("ai-use", "search"):
            assert [(c.effect, c.detail) for c in earlier if c.use == use] == [
                (c.effect, c.detail) for c in contributions if c.use == use
            ], f"the fixed file changed {use}"


# ---- one case per fixture -----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
@pytest.mark.parametrize("variant", ["fixed", "block-all"])
def test_every_suggested_robots_txt_reserves_what_it_claims(case: str, variant: str) -> None:
    found = fixes(case)
    fix = found.robots if variant == "fixed" else found.robots_block_all
    original = None if case == "unreachable" else (CASES / case / "robots.txt").read_text()
    assert_robots_fix(fix, original, site(case), ("/",))


def test_typo_is_fixed_in_place_with_the_findings_suggestion() -> None:
    fix = fixes("typo").robots
    assert fix.mode == "patch"
    assert file_lines(fix.text)[:2] == ["User-agent: GPTBot", "Disallow: /"]
    assert [(c.line, c.before, c.after) for c in fix.changes][0] == (
        1,
        "User-agent: GPT-Bot",
        ("User-agent: GPTBot",),
    )
    assert "GPTBot" not in fix.added
    assert fixes("typo").status == "fix"


def test_missing_training_agents_are_added_as_one_group_at_the_end() -> None:
    fix = fixes("missing_agents").robots
    lines = file_lines(fix.text)
    assert lines[: len(file_lines((CASES / "missing_agents/robots.txt").read_text()))] == (
        file_lines((CASES / "missing_agents/robots.txt").read_text())
    )
    assert lines[-1] == "Disallow: /"
    assert sum(1 for line in lines if line == "Disallow: /") == 2
    assert {"GPTBot", "CCBot"}.isdisjoint(fix.added)
    assert "ClaudeBot" in fix.added
    assert len(fix.added) == len(registry().training_agents()) - 2


def test_agent_in_a_shared_group_moves_and_its_own_group_is_closed() -> None:
    fix = fixes("shared_group").robots
    by_line = {c.line: c for c in fix.changes if c.before is not None}
    # CCBot shares its group with OAI-SearchBot (an AI search agent): it moves out.
    assert by_line[1].after == ("# User-agent: CCBot",)
    assert "CCBot" in fix.added
    # GPTBot's own group: Disallow: / added, the Allow: / that would tie and win commented.
    assert by_line[6].after == ("# Allow: /",)
    assert "GPTBot" not in fix.added
    assert fix.kept_open == ("Allow: /blog/",)
    assert "Allow: /blog/" in fix.note
    fixed = parse_robots(fix.text)
    assert not fixed.verdict("OAI-SearchBot", "/private/x", compare=False).allowed
    assert fixed.verdict("OAI-SearchBot", "/", compare=False).allowed


def test_a_group_without_rules_is_closed_before_the_new_group() -> None:
    fix = fixes("dangling_group").robots
    inserted = [c for c in fix.changes if c.before is None and c.after == ("Disallow:",)]
    assert [c.line for c in inserted] == [7]
    googlebot_image = parse_robots(fix.text).verdict("Googlebot-Image", "/", compare=False)
    assert googlebot_image.allowed


def test_unreachable_robots_txt_gets_a_full_file_and_says_why() -> None:
    found = fixes("unreachable")
    assert found.robots.mode == "unreadable"
    assert found.robots.diff == ""
    assert "status 503" in found.robots.note and "complete file" in found.robots.note
    assert (
        file_lines(found.robots.text)[1] == f"User-agent: {registry().training_agents()[0].token}"
    )
    # an unreadable robots.txt leaves the training verdict unknown: never "no opt-out intended"
    assert not found.summary.startswith("No opt-out intended")
    if found.status == "optional":
        assert found.summary.startswith("Not known whether the site opts out")


def test_no_intent_offers_the_fixes_as_an_option() -> None:
    found = fixes("no_intent")
    assert found.status == "optional"
    assert found.intended == ()
    assert found.summary.startswith("No opt-out intended")
    assert found.robots.mode == "patch"


def test_all_fine_needs_no_fix() -> None:
    found = fixes("all_fine")
    assert found.status == "works"
    assert found.robots.mode == "unchanged"
    assert found.robots.changes == ()
    assert all(b.key != "robots-fixed" for b in found.blocks)


def test_snippets_have_the_exact_syntax() -> None:
    blocks = {b.key: b for b in fixes("typo").snippets}
    assert json.loads(blocks["tdmrep"].text) == [{"location": "/", "tdm-reservation": 1}]
    assert '<meta name="tdm-reservation" content="1">' in blocks["meta"].text
    assert '<meta name="robots" content="noai, noimageai">' in blocks["meta"].text
    assert "informal" in blocks["meta"].note
    assert blocks["content-signal"].text == "Content-Signal: search=yes, ai-train=no\n"
    assert blocks["content-usage"].text == "Content-Usage: train-ai=n\n"


def test_to_json_is_json() -> None:
    data = json.loads(json.dumps(fixes("typo").to_json()))
    assert data["status"] == "fix"
    assert [b["key"] for b in data["blocks"]][:2] == ["robots-fixed", "robots-block-all"]
    assert data["robots"]["changes"][0]["after"] == ["User-agent: GPTBot"]
    assert data["intended"] == ["train"]


def test_search_engines_are_not_registry_agents() -> None:
    # The "others unchanged" check covers Googlebot and Bingbot through OTHERS.
    assert all(registry().get(t) is None for t in SEARCH_ENGINES)
