"""``optout explain robots --diff OLD NEW``: which agents and paths change verdict."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from optout_cli.main import cli
from tests.conftest import FIXTURES

PAIRS = FIXTURES / "robots" / "diff"


def run(case: str, *extra: str) -> Result:
    old, new = PAIRS / f"{case}.old.txt", PAIRS / f"{case}.new.txt"
    return CliRunner().invoke(cli, ["explain", "robots", "--diff", str(old), str(new), *extra])


def test_diff_prints_the_summary_first_then_the_deciding_lines() -> None:
    result = run("typo_fixed")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 agent change: GPTBot now blocked"
    assert "GPTBot /: allowed -> DISALLOWED" in lines
    assert "    before: by the * group (line 1), rule line 2: Allow: /" in lines
    assert "    after: by its own group (lines 4, 5), rule line 6: Disallow: /" in lines


def test_diff_of_files_with_the_same_effect_says_nothing_changes() -> None:
    result = run("same_effect")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No agent changes verdict")


def test_diff_json_lists_only_the_changes() -> None:
    result = run("added_agent_group", "--json")
    data = json.loads(result.output)
    assert data["changed_agents"] == ["CCBot", "GPTBot"]
    assert [(c["agent"], c["path"]["label"]) for c in data["changes"]] == [
        ("CCBot", "/"),
        ("GPTBot", "/"),
    ]
    assert data["changes"][0]["after"]["rule_line"] == 6
    assert data["summary"].startswith("2 agents change")


def test_diff_with_agent_and_path_decides_only_those() -> None:
    result = run("removed_disallow", "--agent", "GPTBot", "--path", "/art/1")
    assert result.output.splitlines()[0] == "1 agent change: GPTBot now allowed on /art/1"


def test_file_and_diff_together_are_refused_in_one_line() -> None:
    old = str(PAIRS / "typo_fixed.old.txt")
    result = CliRunner().invoke(cli, ["explain", "robots", old, "--diff", old, old])
    assert result.exit_code == 2
    assert "give a robots.txt FILE, or --diff OLD NEW" in result.output
    assert CliRunner().invoke(cli, ["explain", "robots"]).exit_code == 2
