"""Retention (``optout prune``) and body deduplication: old crawls lose their raw bodies only,
shared bodies stay, every row stays queryable, and an old crawl cannot be audited again."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.storage import open_db
from optout_cli.main import cli
from results.derive import AuditError, audit_crawl
from results.retention import RetentionError, crawls_to_keep, prune_bodies
from tests.results.evidence_db import store_crawl
from tests.site_fixture import SITES

ROW_TABLES = (
    "fetches",
    "site_verdicts",
    "contributions",
    "robots_verdicts",
    "findings",
    "pages",
    "site_summary",
    "changes",
    "audits",
    "crawls",
    "sites",
    "site_status",
)


ANNA = "http://anna.example"
BEN = "http://ben.example"
CRAWLS = (
    [(ANNA, "token_typo"), (BEN, "aitxt_reserved")],
    [(ANNA, "blanket_block"), (BEN, "aitxt_reserved")],
    [(ANNA, "blanket_block"), (BEN, "noai_all_pages")],
)
"""Anna's robots.txt of crawl 1 is in no later crawl; Ben's ai.txt is in crawls 1 and 2."""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.db"
    db = open_db(path)
    for sites in CRAWLS:
        audit_crawl(db, store_crawl(db, sites))
    db.close()
    return path


def _missing_urls(db: sqlite_utils.Database, crawl_id: int) -> set[str]:
    rows = db.execute(
        "select f.requested_url from fetches f left join bodies b on b.sha256 = f.body_sha256"
        " where f.crawl_id = ? and f.body_sha256 is not null and b.sha256 is null",
        [crawl_id],
    )
    return {url for (url,) in rows}


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = open_db(db_path)
    yield database  # type: ignore[misc]
    database.close()


def _counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ROW_TABLES}


def _fetch_rows(db: sqlite_utils.Database) -> list[tuple]:  # type: ignore[type-arg]
    return db.execute("select * from fetches order by id").fetchall()


def test_prune_keeps_every_row_of_every_table(db: sqlite_utils.Database) -> None:
    before, fetches = _counts(db), _fetch_rows(db)
    prune_bodies(db, keep=1)
    assert _counts(db) == before
    assert _fetch_rows(db) == fetches  # hashes, statuses, headers and times included


def test_prune_keeps_the_bodies_of_kept_crawls(db: sqlite_utils.Database) -> None:
    result = prune_bodies(db, keep=2)
    assert result.kept == (2, 3)
    assert _missing_urls(db, 2) == _missing_urls(db, 3) == set()


def test_prune_deletes_only_bodies_no_kept_crawl_shares(db: sqlite_utils.Database) -> None:
    prune_bodies(db, keep=2)
    assert _missing_urls(db, 1) == {f"{ANNA}/robots.txt"}
    assert _missing_urls(db, 2) == _missing_urls(db, 3) == set()


def test_prune_to_one_crawl_drops_every_body_only_older_crawls_had(
    db: sqlite_utils.Database,
) -> None:
    prune_bodies(db, keep=1)
    assert f"{BEN}/ai.txt" in _missing_urls(db, 1) & _missing_urls(db, 2)
    assert f"{ANNA}/robots.txt" in _missing_urls(db, 1)
    assert f"{ANNA}/robots.txt" not in _missing_urls(db, 2)  # blanket_block: crawl 3 has it too
    assert _missing_urls(db, 3) == set()


def test_prune_frees_the_bytes_it_reports(db: sqlite_utils.Database) -> None:
    total = db.execute("select sum(length) from bodies").fetchone()[0]
    result = prune_bodies(db, keep=1)
    assert (
        db.execute("select sum(length) from bodies").fetchone()[0] == total - result.bytes_deleted
    )
    assert result.bytes_deleted > 0


def test_prune_leaves_foreign_keys_switched_on(db: sqlite_utils.Database) -> None:
    prune_bodies(db, keep=1)
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1


def test_prune_with_vacuum_keeps_every_row(db: sqlite_utils.Database) -> None:
    before = _counts(db)
    assert prune_bodies(db, keep=1, vacuum=True).vacuumed
    assert _counts(db) == before


def test_keep_zero_is_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(RetentionError, match="at least 1"):
        prune_bodies(db, keep=0)


def test_unfinished_crawls_are_always_kept(db: sqlite_utils.Database) -> None:
    db.execute("update crawls set status = 'interrupted' where id = 1")
    db.conn.commit()
    assert crawls_to_keep(db, 1) == [1, 3]


def test_pruned_crawl_cannot_be_audited_again(db: sqlite_utils.Database) -> None:
    prune_bodies(db, keep=1)
    with pytest.raises(AuditError, match="crawl 1 cannot be audited again"):
        audit_crawl(db, 1)
    assert db.execute("select count(*) from site_summary where crawl_id = 1").fetchone()[0] == 2


def test_kept_crawl_can_still_be_audited(db: sqlite_utils.Database) -> None:
    prune_bodies(db, keep=1)
    assert audit_crawl(db, 3).sites == 2


def test_changes_of_pruned_crawls_stay_queryable(db_path: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(
        cli, ["changes", "--db", str(db_path), "--since", "2000-01-01", "--json"]
    )
    assert runner.invoke(cli, ["prune", "--db", str(db_path), "--keep", "1"]).exit_code == 0
    after = runner.invoke(cli, ["changes", "--db", str(db_path), "--since", "2000-01-01", "--json"])
    assert json.loads(after.output) == json.loads(before.output) != []


def test_old_crawl_exports_the_same_after_prune(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()

    def export() -> str:
        result = runner.invoke(cli, ["export", "--db", str(db_path), "--crawl", "1"])
        assert result.exit_code == 0, result.output
        return result.output

    before = export()
    assert runner.invoke(cli, ["prune", "--db", str(db_path), "--keep", "1"]).exit_code == 0
    assert export() == before
    assert {s["origin"] for s in json.loads(before)["sites"]} == {ANNA, BEN}


def test_prune_command_reports_and_refuses_keep_zero(db_path: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["prune", "--db", str(db_path), "--keep", "0"])
    assert refused.exit_code == 2 and "--keep" in refused.output
    done = runner.invoke(cli, ["prune", "--db", str(db_path), "--keep", "2", "--vacuum"])
    assert done.exit_code == 0, done.output
    assert "kept the bodies of crawls 2, 3" in done.output


def test_audit_command_refuses_a_pruned_crawl_clearly(db_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["prune", "--db", str(db_path), "--keep", "1"]).exit_code == 0
    result = runner.invoke(cli, ["audit", "--db", str(db_path), "--crawl", "1", "--quiet"])
    assert result.exit_code == 1
    assert "cannot be audited again" in result.output and "optout prune" in result.output
    assert "Traceback" not in result.output


# Body deduplication ---------------------------------------------------------------------------


def _file_size(db: sqlite_utils.Database) -> int:
    db.execute("pragma wal_checkpoint(TRUNCATE)")
    pages = db.execute("pragma page_count").fetchone()[0]
    return int(pages * db.execute("pragma page_size").fetchone()[0])


def _body_rows(db: sqlite_utils.Database) -> tuple[int, int]:
    return db.execute("select count(*), coalesce(sum(length), 0) from bodies").fetchone()


CASES = ["blanket_block", "noai_all_pages", "token_typo", "aitxt_reserved"]


def test_second_crawl_of_unchanged_evidence_stores_no_new_body(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crawl.db")
    sites = [(f"http://site{i}.example", case) for i, case in enumerate(CASES)]
    store_crawl(db, sites)
    bodies = _body_rows(db)
    store_crawl(db, sites)
    assert _body_rows(db) == bodies
    assert db.execute("select count(distinct crawl_id) from fetches").fetchone()[0] == 2


def _realistic_cases(root: Path) -> list[str]:
    """The cases, copied with their HTML padded to the size of real pages (tens of KiB).

    The fixtures' pages are a few hundred bytes, far smaller than a fetch row's headers and
    URLs, so they cannot show what deduplication saves; real pages are 20-100 KiB.
    """
    rng = random.Random(6)
    for case in CASES:
        target = root / case
        shutil.copytree(SITES / case, target)
        for page in target.glob("*.html"):
            filler = "".join(rng.choice("abcdefghij klmnop") for _ in range(40_000))
            page.write_text(page.read_text() + f"\n<!-- {filler} -->\n")
    return CASES


def test_second_crawl_of_unchanged_evidence_grows_the_file_by_under_10_percent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.site_fixture.SITES", tmp_path / "sites")
    cases = _realistic_cases(tmp_path / "sites")
    db = open_db(tmp_path / "crawl.db")
    sites = [(f"http://site{i}.example", case) for i, case in enumerate(cases)]
    store_crawl(db, sites)
    first = _file_size(db)
    store_crawl(db, sites)
    second = _file_size(db)
    assert second - first < 0.10 * first, (first, second)
