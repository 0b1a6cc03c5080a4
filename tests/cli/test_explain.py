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
