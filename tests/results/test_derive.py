"""``optout audit`` derives every table from stored evidence, idempotently, and records what
changed since a site's previous crawl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.storage import migrations, open_db
from optout_cli.main import cli
from results.derive import AuditError, audit_crawl, resolve_crawl
from results.schema import LATEST_COLUMNS
from tests.results.evidence_db import store_crawl

ANNA = "http://anna.example"
BEN = "http://ben.example"


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = open_db(tmp_path / "crawl.db")
    store_crawl(database, [(ANNA, "nothing_at_all"), (BEN, "token_typo")])
    return database


def _states(db, crawl_id: int, origin: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = db.execute(
        "select use, state from site_verdicts where crawl_id = ? and origin = ?", [crawl_id, origin]
    ).fetchall()
    return dict(rows)


def test_audit_writes_verdicts_findings_and_summaries(db) -> None:  # type: ignore[no-untyped-def]
    result = audit_crawl(db, 1)
    assert result.sites == 2
    assert _states(db, 1, ANNA) == {
        "train": "unstated",
        "ai-use": "unstated",
        "search": "unstated",
        "tdm": "unstated",
    }
    codes = {c for (c,) in db.execute("select code from findings where origin = ?", [BEN])}
    assert "robots-token-typo" in codes
    summary, report = db.execute(
        "select summary, report from site_summary where origin = ?", [ANNA]
    ).fetchone()
    assert summary.startswith("No opt-out from AI training found")
    assert json.loads(report)["origin"] == ANNA


def test_every_registry_agent_gets_a_robots_verdict(db) -> None:  # type: ignore[no-untyped-def]
    audit_crawl(db, 1)
    agents = db.execute("select count(*) from agents").fetchone()[0]
    per_site = db.execute(
        "select count(distinct agent) from robots_verdicts where origin = ? and path = '/'",
        [BEN],
    ).fetchone()[0]
    assert per_site == agents > 100


def test_audit_is_idempotent_and_records_versions(db) -> None:  # type: ignore[no-untyped-def]
    audit_crawl(db, 1)
    first = db.execute("select count(*) from findings").fetchone()[0]
    audit_crawl(db, 1)
    assert db.execute("select count(*) from findings").fetchone()[0] == first
    interpreter, registry = db.execute(
        "select interpreter_version, registry_version from audits where crawl_id = 1"
    ).fetchone()
    assert interpreter and registry


def test_changes_since_the_previous_crawl(db) -> None:  # type: ignore[no-untyped-def]
    audit_crawl(db, 1)
    store_crawl(db, [(ANNA, "blanket_block"), (BEN, "token_typo")])
    result = audit_crawl(db, 2)
    rows = db.execute(
        "select origin, subject, change, before, after from changes where crawl_id = 2"
    ).fetchall()
    assert (ANNA, "verdict:train", "appeared", "unstated", "reserved") in rows
    assert any(r[0] == ANNA and r[1] == "agent:GPTBot" and r[2] == "appeared" for r in rows)
    assert not any(r[0] == BEN for r in rows)
    assert result.changes == len(rows)


_NEWEST_SUMMARIES = f"""
    SELECT {", ".join(LATEST_COLUMNS)} FROM site_summary s
    WHERE s.crawl_id = (SELECT max(crawl_id) FROM site_summary v WHERE v.origin = s.origin)
    ORDER BY origin"""


def _latest(db) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    latest = db.execute(f"SELECT {', '.join(LATEST_COLUMNS)} FROM latest_sites ORDER BY origin")
    return [tuple(row) for row in latest.fetchall()]


def test_latest_sites_shows_one_row_per_site(db) -> None:  # type: ignore[no-untyped-def]
    audit_crawl(db, 1)
    store_crawl(db, [(ANNA, "blanket_block")])
    audit_crawl(db, 2)
    rows = db.execute("select origin, crawl_id, train from latest_sites order by 1").fetchall()
    assert rows == [(ANNA, 2, "reserved"), (BEN, 1, "unstated")]
    assert _latest(db) == [tuple(r) for r in db.execute(_NEWEST_SUMMARIES).fetchall()]


def test_latest_sites_is_the_newest_summary_whatever_the_order_of_audits(db) -> None:  # type: ignore[no-untyped-def]
    """Re-auditing an older crawl after a newer one, or the newest again, changes nothing."""
    store_crawl(db, [(ANNA, "blanket_block")])
    audit_crawl(db, 2)
    assert db.execute("select origin, crawl_id from latest_sites").fetchall() == [(ANNA, 2)]
    audit_crawl(db, 1)
    expected = [tuple(r) for r in db.execute(_NEWEST_SUMMARIES).fetchall()]
    assert [r[:2] for r in expected] == [(2, ANNA), (1, BEN)]
    assert _latest(db) == expected
    audit_crawl(db, 2)
    audit_crawl(db, 1)
    assert _latest(db) == expected


def test_a_database_from_before_the_latest_table_gets_it_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m007_latest_sites_table")
    assert "latest_sites" in old.view_names()
    old.conn.executemany(
        "INSERT INTO crawls (id, started_at, status) VALUES (?, 'x', 'finished')", [(1,), (2,)]
    )
    old.conn.executemany("INSERT INTO sites (origin) VALUES (?)", [(ANNA,), (BEN,)])
    old.conn.executemany(
        "INSERT INTO site_summary (crawl_id, origin, train, summary, report)"
        " VALUES (?, ?, ?, ?, '{}')",
        [(1, ANNA, "unstated", "a1"), (1, BEN, "partial", "b1"), (2, ANNA, "reserved", "a2")],
    )
    old.conn.commit()
    old.close()
    migrated = open_db(path)
    assert "latest_sites" in migrated.table_names()
    rows = migrated.execute("select origin, crawl_id, train, summary from latest_sites order by 1")
    assert rows.fetchall() == [(ANNA, 2, "reserved", "a2"), (BEN, 1, "partial", "b1")]


def test_unknown_crawl_is_a_clear_error(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AuditError, match="no crawl 7"):
        resolve_crawl(db, "7")
    assert resolve_crawl(db, "latest") == 1


def test_audit_command(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "crawl.db"
    result = CliRunner().invoke(cli, ["audit", "--db", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert db.execute("select count(*) from site_summary").fetchone()[0] == 2
    bad = CliRunner().invoke(cli, ["audit", "--db", str(path), "--crawl", "9"])
    assert bad.exit_code == 1 and "no crawl 9" in bad.output
