"""``optout demo``: the sample web crawled and audited end to end, as a new user runs it."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.run import count_seeds
from crawler.storage import open_db
from optout_cli.demo_cmd import SAMPLE_SEEDS
from optout_cli.main import cli
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT

SAMPLE_SITES = count_seeds(SAMPLE_SEEDS, 0)[0]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One ``optout demo --no-serve`` over an earlier demo database, with no stdin."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    earlier = open_db(db)  # optout's own database: another program's is refused, not deleted
    earlier.execute("CREATE TABLE from_an_earlier_demo (x)")
    earlier.close()
    result = subprocess.run(
        [str(OPTOUT), "demo", "--no-serve", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=900,  # a bound against a hang, not a speed check
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    return result, db


def test_demo_finishes_without_error(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]


def test_demo_audits_every_sample_site(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, db = demo_run
    with sqlite3.connect(db) as conn:
        audited = conn.execute("SELECT COUNT(*) FROM site_summary").fetchone()[0]
        done = conn.execute("SELECT COUNT(*) FROM site_status WHERE status = 'done'").fetchone()[0]
    assert (audited, done) == (SAMPLE_SITES, SAMPLE_SITES)


def test_demo_shows_what_the_sample_edges_do_to_ai_agents(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, db = demo_run
    with sqlite3.connect(db) as conn:
        enforced = dict(
            conn.execute(
                "SELECT origin, enforced FROM probe_agents WHERE agent = 'GPTBot'"
                " AND origin IN ('http://printmaker-paz.example', 'http://plain-sam.example')"
            ).fetchall()
        )
    assert enforced == {
        "http://printmaker-paz.example": "charged",
        "http://plain-sam.example": "served",
    }


def test_demo_prints_where_the_database_is_and_a_summary(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, db = demo_run
    out = " ".join(result.stdout.split())
    assert f"Demo database: {db.resolve()} (crawl 1)" in out
    assert f"{SAMPLE_SITES} sample sites audited." in out
    assert "AI training: " in out and "opted out" in out


def test_demo_replaces_an_earlier_demo_database(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, db = demo_run
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "from_an_earlier_demo" not in tables
    assert "Deleted the previous" in result.stderr


def test_demo_refuses_to_replace_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(notes)])
    assert result.exit_code == 1
    assert "not an optout database (not a SQLite file)" in result.output
    assert notes.read_text() == "my notes\n"


def test_demo_stops_early_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["demo", "--port", str(port), "--db", str(tmp_path / "d.db")]
        )
    assert result.exit_code == 1
    assert f"port {port} is already in use" in result.output
    assert not (tmp_path / "d.db").exists()
