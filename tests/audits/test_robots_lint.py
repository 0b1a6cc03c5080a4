"""Lint findings: lines that parse but do less, or otherwise, than meant. Each points at its
line, and none changes a verdict (the verdict asserted beside it is the RFC 9309 one)."""

from __future__ import annotations

import pytest

from audits.core.agents import load_registry
from audits.signals.robots import RobotsTxt, parse_robots
from audits.signals.robots.signal import RobotsFile, read_robots_file
from tests.conftest import FIXTURES

REGISTRY = load_registry()


def robots(case: str) -> RobotsTxt:
    return parse_robots((FIXTURES / "robots" / f"{case}.txt").read_bytes())


def read(case: str) -> RobotsFile:
    body = (FIXTURES / "robots" / f"{case}.txt").read_bytes()
    return read_robots_file(body, REGISTRY, ["/"])


def lines_of(code: str, parsed: RobotsTxt | RobotsFile) -> list[int | None]:
    return [f.line for f in parsed.findings if f.code == code]


def test_rfc9309_duplicate_groups_are_merged_and_flagged_at_the_later_group() -> None:
    parsed = robots("duplicate_group")
    assert not parsed.verdict("GPTBot", "/").allowed
    assert parsed.verdict("GPTBot", "/").group_lines == (1, 7)
    found = [f for f in parsed.findings if f.code == "robots-duplicate-group"]
    assert [(f.line, f.agent) for f in found] == [(7, "gptbot")]
    assert "line 1" in found[0].message


def test_first_group_reading_differs_for_agents_following_two_wildcard_groups() -> None:
    read_file = read("first_group_differs")
    assert not read_file.robots.verdict("CCBot", "/drafts/").allowed  # merged (RFC 9309)
    found = [f for f in read_file.findings if f.code == "robots-first-group-differs"]
    assert [(f.line, f.evidence) for f in found] == [(9, "Disallow: /drafts/")]
    assert "/drafts/" in found[0].message and "lines 2, 8" in found[0].message
    assert lines_of("robots-duplicate-group", read_file) == [8]


def test_first_group_reading_is_not_flagged_when_both_readings_agree() -> None:
    read_file = read("duplicate_group")
    assert lines_of("robots-duplicate-group", read_file) == [7]
    assert lines_of("robots-first-group-differs", read_file) == []


def test_crawl_delay_is_kept_and_flagged_as_not_rfc9309() -> None:
    parsed = robots("crawl_delay_and_sitemap")
    assert lines_of("robots-crawl-delay", parsed) == [2]
    assert not parsed.verdict("GPTBot", "/private/x").allowed


def test_crawl_delay_that_is_not_a_number_says_so() -> None:
    found = [
        f for f in robots("crawl_delay_not_seconds").findings if f.code == "robots-crawl-delay"
    ]
    assert len(found) == 1 and "'soon' is not a number" in found[0].message


def test_noindex_line_does_nothing_and_is_flagged() -> None:
    parsed = robots("noindex")
    assert lines_of("robots-noindex", parsed) == [3]
    assert parsed.verdict("GPTBot", "/drafts/x").allowed


def test_host_line_is_flagged_and_blocks_nothing() -> None:
    parsed = robots("host")
    assert lines_of("robots-host", parsed) == [4]
    assert parsed.verdict("GPTBot", "/").allowed


def test_rfc9309_blank_line_does_not_end_a_group_but_is_flagged() -> None:
    parsed = robots("blank_line_in_group")
    assert not parsed.verdict("GPTBot", "/").allowed
    assert not parsed.verdict("CCBot", "/drafts/x").allowed
    found = [f for f in parsed.findings if f.code == "robots-blank-line-in-group"]
    assert [(f.line, f.evidence) for f in found] == [(2, "Disallow: /"), (7, "Disallow: /drafts/")]
    assert "User-agent lines above it" in found[0].message
    assert "what follows it" in found[1].message


def test_blank_lines_between_groups_are_not_flagged() -> None:
    assert lines_of("robots-blank-line-in-group", robots("duplicate_group")) == []


def test_rfc9309_allow_wins_a_tie_with_disallow_all_and_is_flagged() -> None:
    parsed = robots("allow_and_disallow_all")
    assert parsed.verdict("GPTBot", "/").allowed
    found = [f for f in parsed.findings if f.code == "robots-allow-and-disallow-all"]
    assert [(f.line, f.evidence) for f in found] == [(3, "Allow: /")]
    assert "blocks nothing" in found[0].message


def test_longer_disallow_all_beats_allow_all_and_the_finding_says_so() -> None:
    parsed = parse_robots("User-agent: GPTBot\nAllow: /\nDisallow: /*\n")
    assert not parsed.verdict("GPTBot", "/a").allowed
    found = [f for f in parsed.findings if f.code == "robots-allow-and-disallow-all"]
    assert len(found) == 1 and "blocks all" in found[0].message


def test_dollar_inside_a_pattern_is_literal_and_flagged() -> None:
    parsed = robots("dollar_not_at_end")
    assert parsed.verdict("GPTBot", "/page.php?print").allowed
    assert not parsed.verdict("GPTBot", "/page.php$?print").allowed
    assert lines_of("robots-dollar-not-at-end", parsed) == [2]  # not the final '$' of line 3


def test_space_in_a_path_matches_no_url_and_is_flagged() -> None:
    parsed = robots("space_in_path")
    assert parsed.verdict("GPTBot", "/drafts/1").allowed
    assert parsed.verdict("GPTBot", "/old/1").allowed
    assert lines_of("robots-space-in-path", parsed) == [2]


def test_relative_and_empty_sitemap_lines_are_flagged() -> None:
    parsed = robots("sitemap_not_absolute")
    assert lines_of("robots-sitemap-not-absolute", parsed) == [5, 6]


def test_star_inside_an_agent_name_is_no_wildcard() -> None:
    parsed = robots("wildcard_in_agent")
    found = {f.line: f.message for f in parsed.findings if f.code == "robots-invalid-token"}
    assert set(found) == {1, 2}
    assert "'*' is no wildcard inside a name" in found[1]
    assert "applies to every crawler" in found[2]
    # '* ClaudeBot' is read as '*': the group applies to everyone, GPTBot included.
    assert parsed.verdict("CCBot", "/").matched == "wildcard"


@pytest.mark.parametrize(
    "case", sorted(p.stem for p in (FIXTURES / "robots").glob("*.txt")), ids=str
)
def test_lint_findings_leave_every_verdict_as_the_rules_alone_decide(case: str) -> None:
    """The verdicts of a file equal those of the same file with every lint-only line removed:
    the findings report, they never decide."""
    parsed = robots(case)
    lint_only = {"noindex", "host"}
    kept = "\n".join(
        text
        for text in parsed.text.splitlines()
        if text.partition(":")[0].strip().casefold() not in lint_only
    )
    stripped = parse_robots(kept)
    agents = [a.token for a in REGISTRY.agents][:40] + ["*"]
    for agent in agents:
        for path in ("/", "/private/x", "/drafts/x", "/a/1"):
            assert parsed.verdict(agent, path, compare=False).allowed == (
                stripped.verdict(agent, path, compare=False).allowed
            )


def test_a_huge_value_is_quoted_cut_in_the_message() -> None:
    """One 20,000-character path with spaces once made a 16.8 KB message; the quote is cut,
    the finding still points at the line."""
    long_path = "/a b" * 5_000
    parsed = parse_robots(f"User-agent: *\nDisallow: {long_path}\n".encode())
    found = [f for f in parsed.findings if f.code == "robots-space-in-path"]
    assert [f.line for f in found] == [2]
    assert len(found[0].message) < 400
    assert all(len(f.message) < 400 for f in parsed.findings)
