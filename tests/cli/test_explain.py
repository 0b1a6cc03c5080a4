"""``optout explain``: human and JSON reports on one policy file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from optout_cli.main import cli
from tests.conftest import FIXTURES, ROOT

ROBOTS = FIXTURES / "robots" / "content_signal_does_not_split_group.txt"


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_explain_robots_names_the_deciding_lines() -> None:
    result = run("explain", "robots", str(ROBOTS), "--agent", "GPTBot", "--path", "/art/1")
    assert result.exit_code == 0, result.output
    assert "GPTBot /art/1: DISALLOWED by its own group" in result.output
    assert "rule line 4: Disallow: /" in result.output
    assert "Protego reads it otherwise: allowed" in result.output
    assert "robots-protego-differs" in result.output


def test_explain_robots_json_is_machine_readable() -> None:
    result = run("explain", "robots", str(ROBOTS), "--agent", "CCBot", "--json")
    data = json.loads(result.output)
    assert [v["allowed"] for v in data["verdicts"]] == [False]
    assert data["verdicts"][0]["rule_line"] == 4
    assert data["registry_version"]


def test_explain_robots_defaults_to_every_training_agent() -> None:
    result = run(
        "explain", "robots", str(FIXTURES / "robots" / "named_group_replaces_wildcard.txt")
    )
    assert "GPTBot /: allowed by its own group" in result.output
    assert "CCBot /: DISALLOWED by the * group" in result.output


def test_explain_tdmrep_reports_first_match() -> None:
    body = '[{"location": "/free/", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": 1}]'
    result = run("explain", "tdmrep", "-", "--path", "/free/a", "--path", "/art", stdin=body)
    assert "/free/a: not reserved (0) by rule #0" in result.output
    assert "/art: RESERVED (1) by rule #1" in result.output


def test_explain_aitxt_summarises_media() -> None:
    body = "User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\n"
    result = run("explain", "aitxt", "-", "--path", "/a/b.jpg", stdin=body)
    assert "image: partial" in result.output
    assert "* /a/b.jpg: DISALLOWED" in result.output


def test_explain_headers_reads_a_raw_response() -> None:
    response = (
        "HTTP/1.1 200 OK\nX-Robots-Tag: noimageai\ntdm-reservation: 1\n"
        "Content-Usage: train-ai=n\n\n<html><head></head></html>"
    )
    result = run("explain", "headers", "-", stdin=response)
    assert "noimageai (images): yes" in result.output
    assert "tdm-reservation header: 1" in result.output
    assert "train-ai=disallow" in result.output


def test_missing_file_is_a_clear_error_not_a_traceback() -> None:
    result = run("explain", "robots", "/no/such/file")
    assert result.exit_code == 2
    assert "No such file" in result.output
    assert "Traceback" not in result.output


def test_installed_command_runs() -> None:
    optout = Path(sys.executable).parent / "optout"
    out = subprocess.run(
        [str(optout), "explain", "robots", str(ROBOTS), "--agent", "CCBot"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "CCBot /: DISALLOWED" in out.stdout


# --- Written for people: a summary first, no Python values, unknown agents flagged --------

TYPO_ROBOTS = "User-agent: *\nDisallow: /private\n\nUser-agent: GPT-Bot\nDisallow: /\n"
PYTHON_VALUES = ("None", "(10,)", "True", "False", "'")


def _no_python_values(text: str) -> None:
    body = [line for line in text.splitlines() if not line.lstrip().startswith("[")]
    leaks = [line for line in body if any(value in line for value in PYTHON_VALUES)]
    assert leaks == []


def test_explain_robots_starts_with_a_summary_line() -> None:
    result = run("explain", "robots", "-", "--agent", "GPTBot", stdin=TYPO_ROBOTS)
    first = result.output.splitlines()[0]
    assert first == (
        "Summary: this robots.txt disallows 0 of 1 agent asked for on /; 1 finding (1 error)."
    )


def test_explain_robots_summary_counts_the_training_agents_blocked() -> None:
    result = run("explain", "robots", "-", stdin="User-agent: GPTBot\nDisallow: /\n")
    assert result.output.startswith("Summary: this robots.txt disallows 1 of ")
    assert "training agents on /; no problems found." in result.output.splitlines()[0]


def test_explain_robots_writes_groups_as_lines_not_python_values() -> None:
    robots = "\n".join(["# comment"] * 9 + ["User-agent: *", "Disallow: /x"]) + "\n"
    result = run("explain", "robots", "-", "--agent", "CCBot", stdin=robots)
    assert "    group: User-agent: * (line 10)" in result.output
    _no_python_values(result.output)


def test_explain_robots_flags_an_agent_written_otherwise_than_the_registry() -> None:
    result = run("explain", "robots", "-", "--agent", "GPTbot", stdin=TYPO_ROBOTS)
    assert "GPTbot is not in the agent registry as written: did you mean GPTBot?" in (result.output)


def test_explain_robots_flags_a_misspelt_agent_with_the_one_meant() -> None:
    result = run("explain", "robots", "-", "--agent", "GPT-Bot", stdin=TYPO_ROBOTS)
    assert "GPT-Bot is not in the agent registry: did you mean GPTBot?" in result.output


def test_explain_robots_flags_an_agent_nobody_knows() -> None:
    result = run("explain", "robots", "-", "--agent", "Zzyzxbot", stdin=TYPO_ROBOTS)
    assert "Zzyzxbot is not in the agent registry: no known crawler" in result.output


def test_explain_robots_says_nothing_of_a_registry_agent() -> None:
    result = run("explain", "robots", "-", "--agent", "GPTBot", stdin=TYPO_ROBOTS)
    assert "not in the agent registry" not in result.output


def test_explain_headers_without_any_signal_says_so_in_words() -> None:
    result = run("explain", "headers", "-", stdin="HTTP/1.1 200 OK\n\n")
    lines = result.output.splitlines()
    assert lines[0] == ("Summary: nothing in this response reserves AI use; no problems found.")
    assert "tdm-reservation header: not sent" in result.output
    _no_python_values(result.output)


def test_explain_headers_summary_names_what_reserves() -> None:
    response = "HTTP/1.1 200 OK\nX-Robots-Tag: noai\ntdm-reservation: 1\n\n"
    first = run("explain", "headers", "-", stdin=response).output.splitlines()[0]
    assert first == (
        "Summary: this response reserves AI use by noai, tdm-reservation: 1; no problems found."
    )


def test_explain_tdmrep_and_aitxt_start_with_a_summary() -> None:
    tdmrep = '[{"location": "/art/*", "tdm-reservation": 1}]'
    out = run("explain", "tdmrep", "-", "--path", "/art/1", "--path", "/x", stdin=tdmrep).output
    assert out.startswith(
        "Summary: this tdmrep.json reserves text and data mining on 1 of 2 paths checked;"
    )
    assert 'by rule #0 (location "/art/*")' in out
    aitxt = "User-Agent: *\nDisallow: *.jpg\n"
    out = run("explain", "aitxt", "-", "--path", "/a/b.jpg", stdin=aitxt).output
    assert out.startswith("Summary: this ai.txt disallows 1 of 1 check (agent and path);")
