"""``optout check URL``: one site crawled and audited live, against the sample web.

Each check runs as a subprocess: Scrapy's reactor starts only once per process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from audits.core.agents import load_registry
from optout_cli.check_run import TEMP_PREFIX
from optout_cli.main import cli
from results.export import site_object
from results.robots_rows import full_report
from results.site_fixes import fixes_object, site_fixes
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT, sample_web  # noqa: F401

TRAINING_AGENTS = len(load_registry().training_agents())


def run_check(
    web: SampleWeb, url: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``optout check URL`` through the sample web; fails the test on a non-zero exit."""
    result = subprocess.run(
        [str(OPTOUT), "check", url, "--proxy", web.proxy_url, "--allow-private", *FAST, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def flat(text: str) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(text.split())


def test_check_reports_a_reserved_site(sample_web: SampleWeb) -> None:  # noqa: F811
    out = flat(run_check(sample_web, "http://inkwell-ben.example").stdout)
    assert "Opted out of AI training." in out
    assert f"robots.txt blocks all {TRAINING_AGENTS} AI training agents we know." in out
    assert "AI training opted out robots.txt" in out


def test_check_explains_a_broken_site(sample_web: SampleWeb) -> None:  # noqa: F811
    out = flat(run_check(sample_web, "http://artist-anna.example").stdout)
    assert "Partly opted out of AI training." in out
    assert f"robots.txt blocks 1 of {TRAINING_AGENTS} training agents (CCBot); open: GPTBot" in out
    assert "'GPT-Bot' is not the token of any known crawler; did you mean 'GPTBot'?" in out
    assert "http://artist-anna.example/robots.txt line 7: GPT-Bot" in out


def test_check_notes_what_could_not_be_read(sample_web: SampleWeb) -> None:  # noqa: F811
    out = flat(run_check(sample_web, "http://print-wren.example").stdout)
    assert "Could not be checked • robots.txt could not be read" in out
    assert "AI answers unknown" in out


def test_check_takes_any_url_on_the_site(sample_web: SampleWeb) -> None:  # noqa: F811
    out = run_check(sample_web, "http://inkwell-ben.example/gallery/page?x=1#top").stdout
    assert out.startswith("http://inkwell-ben.example\n")


def test_check_json_is_the_stored_site_report(
    sample_web: SampleWeb,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "check.db"
    result = run_check(sample_web, "http://artist-anna.example", "--json", "--db", str(db))
    with sqlite3.connect(db) as conn:
        crawl, stored = conn.execute(
            "SELECT crawl_id, report FROM site_summary WHERE origin = 'http://artist-anna.example'"
        ).fetchone()
        # The stored report keeps its robots.txt verdicts in robots_verdict_rows.
        report = full_report(conn, crawl, json.loads(stored))
        fixes = site_fixes(conn, crawl, "http://artist-anna.example")
    assert report["robots"]["verdicts"] and fixes is not None
    # The export's default (compact) object, with the fixes to paste as `export --fixes` has.
    expected = {**site_object(report, "compact"), "fixes": fixes_object(fixes)}
    expected = json.loads(json.dumps(expected))
    assert json.loads(result.stdout) == expected
    assert (
        result.stdout == json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    # artist-anna misspells GPTBot: the fix says so and corrects it
    assert expected["fixes"]["status"] == "fix"
    assert any(c["before"] == "User-agent: GPT-Bot" for c in expected["fixes"]["robots"]["changes"])


def test_check_prints_the_fixes_to_paste(sample_web: SampleWeb) -> None:  # noqa: F811
    out = run_check(sample_web, "http://artist-anna.example").stdout
    assert "Fixes to paste" in out
    assert "User-agent: GPTBot" in out


def test_check_deletes_its_temporary_database(
    sample_web: SampleWeb,  # noqa: F811
    tmp_path: Path,
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    run_check(sample_web, "http://print-wren.example", env={"TMPDIR": str(temp)})
    # Only our own leftovers count (Chromium may leave its profile folders there).
    assert [p.name for p in temp.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com", "scheme 'ftp' is not http or https"),
        ("http://exa mple.com", "host 'exa mple.com' is not a valid domain name"),
        ("https://", "has no host"),
        ("", "is empty"),
    ],
)
def test_check_rejects_a_bad_url(url: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["check", url])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_refuses_a_db_file_that_is_not_its_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = CliRunner().invoke(cli, ["check", "http://example.com", "--db", str(notes)])
    assert result.exit_code == 1
    assert "not an optout database (not a SQLite file)" in result.output
    assert notes.read_text() == "my notes\n"


def test_check_shows_a_reservation_in_words_only_beside_the_verdict(
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    out = flat(run_check(sample_web, "http://painter-ines.example").stdout)
    assert "Not opted out of AI training." in out
    assert "AI training no opt-out found in words only: opted out (not counted)" in out
    assert "AI training is reserved in words only (footer of /" in out
    assert "“No AI training: the works on this site may not be used to train" in out
    data = json.loads(run_check(sample_web, "http://painter-ines.example", "--json").stdout)
    train = data["verdicts"]["train"]
    assert (train["state"], train["state_counting_words"]) == ("unstated", "reserved")
    assert [s["place"] for s in data["statements"] if s["kind"] == "reserved"] == ["footer"]
