"""Only finished crawls are audited, and a change only compares two finished crawls: also for
databases an earlier version filled with results of crawls that never finished."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from crawler.storage import migrations, open_db
from results.changes import site_changes
from results.derive import AuditError, audit_crawl, resolve_crawl
from tests.results.evidence_db import store_crawl

ANNA = "http://anna.example"
BEN = "http://ben.example"
BEFORE_THE_RULE = "m008_unfinished_crawls_unaudited"


def _three_crawls(db: sqlite_utils.Database) -> None:
    """Crawl 1 and 3: Anna opts out; crawl 2 (later marked unfinished): Anna says nothing."""
    for case in ("blanket_block", "nothing_at_all", "blanket_block"):
        crawl = store_crawl(db, [(ANNA, case), (BEN, "token_typo")])
        audit_crawl(db, crawl)


def _before_the_rule(path: Path, unfinished: int) -> sqlite_utils.Database:
    """A database as an earlier version left it: three audited crawls, one of them since
    marked unfinished, and the rule's migration not applied yet.

    The crawls are written and audited with today's schema (today's writer and audit write
    columns older schemas lack) and the rule's migration is then marked not applied, so that
    opening the database applies it, as it would to a database that never had it.
    """
    old = open_db(path)
    _three_crawls(old)
    _unfinish(old, unfinished)
    old.execute(
        "DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = ?",
        [migrations.name, BEFORE_THE_RULE],
    )
    old.conn.commit()
    old.close()
    return open_db(path)


def _unfinish(db: sqlite_utils.Database, crawl_id: int) -> None:
    db.execute("update crawls set status = 'interrupted' where id = ?", [crawl_id])
    db.conn.commit()


def test_a_change_skips_a_crawl_that_did_not_finish(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crawl.db")
    _three_crawls(db)
    _unfinish(db, 2)  # as an earlier version left it: audited, though interrupted
    changes = list(site_changes(db.conn, 3))
    assert {c["previous_crawl_id"] for c in changes} <= {1}
    assert not [c for c in changes if c["origin"] == ANNA], "crawl 3 equals crawl 1 for Anna"


def test_an_unfinished_crawl_has_no_changes_of_its_own(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crawl.db")
    _three_crawls(db)
    _unfinish(db, 3)
    assert list(site_changes(db.conn, 3)) == []


def test_a_site_not_done_in_a_finished_crawl_is_not_audited(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crawl.db")
    _three_crawls(db)
    db.execute("delete from site_status where crawl_id = 3 and origin = ?", [ANNA])
    db.conn.commit()
    audit_crawl(db, 3)
    summarised = [o for (o,) in db.execute("select origin from site_summary where crawl_id = 3")]
    assert summarised == [BEN]
    # Not checked this time: no change for Anna in crawl 3, however her evidence stopped.
    anna = db.execute("select count(*) from changes where crawl_id = 3 and origin = ?", [ANNA])
    assert anna.fetchone() == (0,)


@pytest.mark.parametrize("spec", ["latest", "2"])
def test_resolving_an_unfinished_crawl_names_it(tmp_path: Path, spec: str) -> None:
    db = open_db(tmp_path / "crawl.db")
    store_crawl(db, [(ANNA, "blanket_block")])
    store_crawl(db, [(ANNA, "blanket_block")])
    _unfinish(db, 2)
    with pytest.raises(AuditError, match=r"crawl 2 has not finished \(interrupted, 1 site done\)"):
        resolve_crawl(db, spec)
    assert resolve_crawl(db, "1") == 1


def test_an_old_database_loses_what_it_derived_from_unfinished_crawls(tmp_path: Path) -> None:
    db = _before_the_rule(tmp_path / "old.db", unfinished=3)
    for table in ("audits", "site_summary", "site_verdicts", "changes", "latest_sites"):
        crawls = {c for (c,) in db.execute(f"select crawl_id from {table}")}
        assert 3 not in crawls, table
    assert db.execute("select distinct crawl_id from latest_sites").fetchall() == [(2,)]
    # Crawl 2's changes compared it with crawl 1, both finished: kept.
    assert db.execute("select count(*) from changes where crawl_id = 2").fetchone()[0] > 0
    # The evidence stays: once resumed and finished, the crawl can be audited again.
    assert db.execute("select count(*) from fetches where crawl_id = 3").fetchone()[0] > 0


def test_changes_against_an_unfinished_crawl_go_with_it(tmp_path: Path) -> None:
    db = _before_the_rule(tmp_path / "old.db", unfinished=2)
    previous = {c for (c,) in db.execute("select previous_crawl_id from changes")}
    assert 2 not in previous
