"""Two robots.txt files compared by effect: only the agents and paths whose verdict changes,
with the deciding lines on each side."""

from __future__ import annotations

from audits.core.agents import load_registry
from audits.signals.robots import parse_robots
from audits.signals.robots.diff import RobotsDiff, diff_robots, path_classes
from tests.conftest import FIXTURES

REGISTRY = load_registry()
PAIRS = FIXTURES / "robots" / "diff"


def diff(case: str, **options: tuple[str, ...]) -> RobotsDiff:
    old = (PAIRS / f"{case}.old.txt").read_bytes()
    new = (PAIRS / f"{case}.new.txt").read_bytes()
    return diff_robots(old, new, REGISTRY, **options)


def changed(result: RobotsDiff) -> set[tuple[str, str, bool, bool]]:
    return {(c.agent, c.path.label, c.before.allowed, c.after.allowed) for c in result.changes}


def test_added_agent_group_blocks_those_agents_only() -> None:
    result = diff("added_agent_group")
    assert changed(result) == {("GPTBot", "/", True, False), ("CCBot", "/", True, False)}
    gpt = next(c for c in result.changes if c.agent == "GPTBot")
    assert (gpt.before.matched, gpt.before.rule_line) == ("wildcard", None)
    assert (gpt.after.matched, gpt.after.group_lines, gpt.after.rule_line) == (
        "explicit",
        (4, 5),
        6,
    )
    assert result.summary() == "2 agents change: CCBot, GPTBot now blocked"  # registry order


def test_added_agent_group_that_reopens_a_path_names_it() -> None:
    # GPTBot's own group replaces '*': /private/ is open to it now (RFC 9309 §2.2.1).
    result = diff_robots(
        "User-agent: *\nDisallow: /private/\n",
        "User-agent: *\nDisallow: /private/\nUser-agent: GPTBot\nDisallow: /drafts/\n",
        REGISTRY,
    )
    assert changed(result) == {
        ("GPTBot", "/private/", False, True),
        ("GPTBot", "/drafts/", True, False),
    }
    assert result.summary() == "1 agent change: GPTBot blocked on some paths, allowed on others"


def test_removed_disallow_opens_the_root_for_everyone_reported_once_under_star() -> None:
    result = diff("removed_disallow")
    assert changed(result) == {("*", "/", False, True)}
    change = result.changes[0]
    assert (change.before.rule_line, change.before.rule_text) == (3, "Disallow: /")
    assert change.after.rule_line is None
    followers = len(REGISTRY.agents)
    assert set(result.follow_wildcard) == set(REGISTRY.tokens())
    assert result.summary() == (
        f"{followers + 1} agents change: * (and {followers} agents without a group of their "
        "own) now allowed"
    )


def test_typo_fixed_blocks_the_agent_it_meant() -> None:
    result = diff("typo_fixed")
    assert changed(result) == {("GPTBot", "/", True, False)}
    change = result.changes[0]
    assert change.before.matched == "wildcard" and change.before.rule_text == "Allow: /"
    assert change.after.group_text == "GPTBot / CCBot"


def test_reordered_file_with_the_same_rules_changes_nothing() -> None:
    result = diff("same_effect")
    assert result.changes == ()
    assert result.summary() == "No agent changes verdict (compared on 2 paths)."


def test_agents_asked_by_name_are_each_decided_not_folded_into_star() -> None:
    result = diff("removed_disallow", agents=("GPTBot", "CCBot"))
    assert changed(result) == {("GPTBot", "/", False, True), ("CCBot", "/", False, True)}
    assert result.follow_wildcard == ()


def test_paths_asked_for_replace_the_rule_paths() -> None:
    result = diff("removed_disallow", paths=("/private/a", "/art/1"))
    assert [p.path for p in result.paths] == ["/private/a", "/art/1"]
    assert changed(result) == {("*", "/art/1", False, True)}


def test_path_classes_stand_for_the_shortest_path_each_rule_matches() -> None:
    parsed = parse_robots(
        "User-agent: *\nDisallow: /*.gif$\nDisallow: /ツ/\nDisallow: images/\nAllow: /\n"
    )
    classes = [(c.label, c.path) for c in path_classes(parsed.groups)]
    assert classes == [("/", "/"), ("/*.gif$", "/.gif"), ("/ツ/", "/%E3%83%84/")]
    for label, path in classes[1:]:
        assert not parsed.verdict("GPTBot", path).allowed, label
