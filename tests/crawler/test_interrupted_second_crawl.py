"""A weekly crawl stopped midway after a finished one: the sites it did not reach are "not
checked this time", never opt-outs that disappeared, and nothing of it is published."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.storage import open_db
from results.derive import AuditError, audit_crawl
from results.webhook import deliver
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FIVE_HOSTS, OPTOUT, crawl_command, run_crawl
from tests.webhook_receiver import webhook_receiver

HOSTS = FIVE_HOSTS


@dataclass(frozen=True)
class Weekly:
    db: Path
    second: subprocess.CompletedProcess[str]
    posts: int


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def _rows(db: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _copy(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Iterator[Weekly]:
    folder = tmp_path_factory.mktemp("weekly-stopped")
    seeds = folder / "seeds.csv"
    seeds.write_text("origin,kind\n" + "".join(f"http://{h},creator-site\n" for h in HOSTS))
    db = folder / "weekly.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    with webhook_receiver() as receiver:
        second = _run(
            *crawl_command(seeds, db, sample_web, "--allow-private", "--webhook", receiver.url),
            "-s",
            "CLOSESPIDER_ITEMCOUNT=5",
        )
        yield Weekly(db, second, len(receiver.posts))


def test_the_stopped_second_crawl_is_neither_audited_nor_announced(weekly: Weekly) -> None:
    assert weekly.second.returncode == 1, weekly.second.stderr[-3000:]
    assert "crawl 2 stopped before it finished" in weekly.second.stderr
    assert _rows(weekly.db, "select crawl_id from audits") == [(1,)]
    assert _rows(weekly.db, "select count(*) from changes") == [(0,)]
    assert _rows(weekly.db, "select distinct crawl_id from latest_sites") == [(1,)]
    assert weekly.posts == 0


def test_audit_of_the_latest_crawl_refuses_it_by_name(weekly: Weekly, tmp_path: Path) -> None:
    db = _copy(weekly.db, tmp_path / "copy.db")
    result = _run(str(OPTOUT), "audit", "--db", str(db))
    assert result.returncode == 1
    assert "crawl 2 has not finished (interrupted," in result.stderr
    assert _rows(db, "select crawl_id from audits") == [(1,)]


def test_export_refuses_the_latest_crawl_and_exports_the_finished_one(
    weekly: Weekly, tmp_path: Path
) -> None:
    db = _copy(weekly.db, tmp_path / "copy.db")
    refused = _run(str(OPTOUT), "export", "--db", str(db))
    assert refused.returncode == 1 and "crawl 2 has not finished" in refused.stderr
    finished = _run(str(OPTOUT), "export", "--db", str(db), "--crawl", "1")
    assert finished.returncode == 0, finished.stderr[-3000:]


def test_a_forced_audit_reads_only_done_sites_and_finds_nothing_disappeared(
    weekly: Weekly, tmp_path: Path
) -> None:
    db = open_db(_copy(weekly.db, tmp_path / "forced.db"))
    try:
        partial = db.execute(
            "select distinct origin from fetches where crawl_id = 2 and origin not in"
            " (select origin from site_status where crawl_id = 2 and status = 'done')"
        ).fetchall()
        assert partial, "the stop left no site half-fetched: nothing to check"
        # By force: the crawl marked finished by hand, as a careless script or an old tool might.
        db.execute("update crawls set status = 'finished' where id = 2")
        db.conn.commit()
        audit_crawl(db, 2)
        done = {
            o
            for (o,) in db.execute(
                "select origin from site_status where crawl_id = 2 and status = 'done'"
            )
        }
        summarised = {
            o for (o,) in db.execute("select origin from site_summary where crawl_id = 2")
        }
        assert summarised <= done
        changes = db.execute("select origin, subject, change from changes").fetchall()
        assert not [c for c in changes if c[2] == "disappeared"], changes
        assert all(origin in done for origin, _, _ in changes), changes
    finally:
        db.close()


def test_the_library_audit_refuses_the_unfinished_crawl(weekly: Weekly, tmp_path: Path) -> None:
    db = open_db(_copy(weekly.db, tmp_path / "copy.db"))
    try:
        with pytest.raises(AuditError, match="crawl 2 has not finished"):
            audit_crawl(db, 2)
        assert db.execute("select count(*) from site_summary where crawl_id = 2").fetchone() == (0,)
    finally:
        db.close()


def test_the_webhook_of_an_unfinished_crawl_is_never_sent(weekly: Weekly, tmp_path: Path) -> None:
    db = _copy(weekly.db, tmp_path / "copy.db")
    with webhook_receiver() as receiver:
        delivery = deliver(db, 2, receiver.url)
    assert receiver.posts == []
    assert delivery.status == "failed" and "crawl 2 has not finished" in (delivery.error or "")
