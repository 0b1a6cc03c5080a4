"""``optout logs ingest``: the command over real files, standard input and databases: its
progress bar and summary on standard error only, one-line errors, and a --help that says
what is stored and what is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from audits.logs.ranges import bundled_folder, bundled_ranges, read_list
from optout_cli.main import cli
from tests.results.log_db import (
    ANNA,
    HUMAN,
    UA_GPTBOT,
    UA_HUMAN,
    build_crawled_db,
    combined,
    compress,
    write_log,
)


def gptbot_address() -> str:
    """An address in OpenAI's published GPTBot range, from the bundled snapshot."""
    lists = bundled_ranges().lists_for("GPTBot")
    if not lists:
        pytest.skip("the bundled snapshot has no GPTBot list")
    network = read_list(bundled_folder(), lists[0])[1].networks[0]
    return str(network[1] if network.num_addresses > 1 else network.network_address)


def lines() -> list[str]:
    crawler = gptbot_address()
    return [
        combined(HUMAN, "09:00:00", "/", UA_HUMAN),
        combined(crawler, "10:00:00", "/robots.txt", UA_GPTBOT),
        combined(crawler, "10:00:01", "/gallery/a.jpg", UA_GPTBOT),
        combined(crawler, "10:00:02", "/gallery/b.jpg", UA_GPTBOT),
        "garbage",
        combined("203.0.113.50", "11:00:00", "/gallery/c.jpg", UA_GPTBOT),
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_crawled_db(tmp_path / "crawl.db")


def optout(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin)


def one_error(result: Result) -> str:
    assert result.exit_code != 0
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()
    assert len(error) == 1, error
    assert "Traceback" not in result.stderr
    return error[0]


def test_help_says_what_is_stored_and_what_is_not() -> None:
    result = optout("logs", "ingest", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Only the lines of identified AI crawlers (and of impersonators of them) are stored" in (
        text
    )
    assert (
        "Every other line (people, search engines, everyone else) is counted and never stored"
        in (text)
    )
    for option in ("--db", "--site", "--format", "--robots", "--since", "--verify-dns"):
        assert option in text
    assert "logs" in optout("--help").output


def test_an_ingest_reports_on_standard_error_only(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log.gz", lines(), "gzip")
    result = optout("logs", "ingest", log, "--db", db, "--site", ANNA)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    err = result.stderr
    assert "reading" in err and "6 lines" in err  # the progress bar, in its final state
    assert f"{log} (gzip, combined): 6 lines, 4 AI crawler lines (4 new)" in err
    assert "lines read: 6; malformed: 1" in err
    assert f"  {log}:5: not the combined log format: garbage" in err
    assert "AI crawler lines: 4 (stored: 4 new); verified: 3, impersonators: 1" in err
    assert "violations: 2 hits disallowed by the robots.txt in force; 1 more by impersonators" in (
        err
    )
    assert f"sites: {ANNA}" in err


def test_quiet_prints_nothing(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", lines())
    result = optout("logs", "ingest", log, "--db", db, "--site", ANNA, "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


def test_standard_input_in_any_compression(db: Path) -> None:
    data = compress(("\n".join(lines()) + "\n").encode(), "zstd")
    result = optout("logs", "ingest", "-", "--db", db, "--site", "anna.example", stdin=data)
    assert result.exit_code == 0, result.stderr
    assert "<stdin> (zstd, combined): 6 lines, 4 AI crawler lines (4 new)" in result.stderr
    again = optout("logs", "ingest", "-", "--db", db, "--site", ANNA, stdin=data)
    assert again.exit_code == 0
    assert "<stdin> (zstd, combined): already ingested (" in again.stderr
    assert "nothing added" in again.stderr


def test_reading_a_log_again_adds_nothing(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", lines())
    optout("logs", "ingest", log, "--db", db, "--site", ANNA)
    result = optout("logs", "ingest", log, "--db", db, "--site", ANNA)
    assert result.exit_code == 0
    assert result.stderr.strip().endswith("nothing added")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM log_files").fetchone() == (1,)
    conn.close()


def test_a_missing_file_is_one_line(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    error = one_error(optout("logs", "ingest", missing, "--db", db, "--site", ANNA))
    assert error == f"Error: {missing}: no such file"


def test_an_unknown_format_is_one_line(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", lines())
    error = one_error(
        optout("logs", "ingest", log, "--db", db, "--site", ANNA, "--format", "apache-ish")
    )
    assert error.startswith("Error: --format: bad log format: unknown format 'apache-ish'")


def test_a_log_in_no_known_format_is_one_line(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "notes.txt", ["dear diary", "today I wrote no log"])
    error = one_error(optout("logs", "ingest", log, "--db", db, "--site", ANNA))
    assert error.startswith(f"Error: {log}: not a log format optout knows")
    assert "--format" in error


def test_a_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    other = tmp_path / "recipes.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE ingredients (name TEXT)")
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    before = other.read_bytes()
    log = write_log(tmp_path / "access.log", lines())
    error = one_error(optout("logs", "ingest", log, "--db", other, "--site", ANNA))
    assert error == (
        f"Error: {other}: not an optout database (it holds other tables: ingredients, recipes);"
        " nothing was written to it; give --db a new file or one optout made"
    )
    assert other.read_bytes() == before


def test_robots_needs_since_and_since_must_be_a_date(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", lines())
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: *\nDisallow: /\n")
    error = one_error(optout("logs", "ingest", log, "--db", db, "--site", ANNA, "--robots", robots))
    assert "--robots FILE and --since DATE go together" in error
    bad = optout("logs", "ingest", log, "--db", db, "--robots", robots, "--since", "soon")
    assert bad.exit_code == 2 and "'soon' is not a date" in bad.stderr


def test_robots_and_since_judge_a_site_never_crawled(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    log = write_log(tmp_path / "access.log", lines())
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: GPTBot\nDisallow: /gallery/\n")
    result = optout(
        "logs", "ingest", log, "--db", db, "--site", "https://new.example",
        "--robots", robots, "--since", "2026-10-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "violations: 2 hits disallowed" in result.stderr


def test_hits_no_robots_txt_is_known_for_are_said_to_be_not_judged(tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", lines())
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: GPTBot\nDisallow: /gallery/\n")
    result = optout(
        "logs", "ingest", log, "--db", tmp_path / "new.db", "--site", "https://new.example",
        "--robots", robots, "--since", "2099-01-01",  # after every line of the log
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "violations: 0 hits" in err
    assert "not judged: 4 AI crawler hits at times no crawl of the site read its robots.txt" in err


def test_control_characters_of_a_malformed_line_are_not_sent_to_the_terminal(
    db: Path, tmp_path: Path
) -> None:
    log = write_log(tmp_path / "access.log", [*lines(), "\x1b[2Jbad \x07line"])
    result = optout("logs", "ingest", log, "--db", db, "--site", ANNA)
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[2Jbad \\x07line" in result.stderr
