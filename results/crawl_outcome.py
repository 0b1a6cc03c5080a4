"""What a crawl did, read from the database rather than from the process that ran it.

A resumed crawl continues sites an earlier run left, and a scheduled crawl runs in a child
process: only the database knows how many of the crawl's sites are done in all, and whether
the crawl finished (only then is it audited).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.items import INTERNAL_ERROR_STAT
from crawler.storage import open_db
from crawler.words import counted
from results.completeness import RESUMABLE, CrawlState, crawl_state, newest_crawl


@dataclass(frozen=True)
class CrawlTotals:
    """One crawl's state and its fetch records, counted over every run of it."""

    state: CrawlState
    fetches: int
    errors: Counter[str]
    skipped: Counter[str]
    internal_errors: int = 0
    """Answers the spider failed to read (a bug or an unforeseen input; the crawl's stats)."""
    first_internal_error: str | None = None


def _when(moment: str | None) -> str:
    return f"{moment[:16].replace('T', ' ')} UTC" if moment else "an unknown time"


def nothing_to_resume(db_path: Path) -> str | None:
    """None when ``--resume`` has a crawl to continue (the one the crawler resumes: the newest
    running or interrupted crawl); else the line saying why not."""
    db = open_db(db_path)
    try:
        marks = ", ".join("?" for _ in RESUMABLE)
        resumable = f"SELECT 1 FROM crawls WHERE status IN ({marks}) LIMIT 1"
        if db.execute(resumable, list(RESUMABLE)).fetchone():
            return None
        newest = newest_crawl(db.conn)
    finally:
        db.close()
    if newest is None:
        return f"nothing to resume: no crawl in {db_path} yet"
    return (
        f"nothing to resume: crawl {newest.crawl_id} {newest.status} at"
        f" {_when(newest.finished_at)} (run without --resume to start a new crawl)"
    )


def crawl_totals(db_path: Path, crawl_id: int) -> CrawlTotals | None:
    """The totals of one crawl, or None when it is not in the database."""
    db = open_db(db_path)
    try:
        state = crawl_state(db.conn, crawl_id)
        if state is None:
            return None
        fetches = db.execute("SELECT count(*) FROM fetches WHERE crawl_id = ?", [crawl_id])
        errors = db.execute(
            "SELECT error_class, count(*) FROM fetches"
            " WHERE crawl_id = ? AND error_class IS NOT NULL GROUP BY 1",
            [crawl_id],
        ).fetchall()
        skipped = db.execute(
            "SELECT skipped, count(*) FROM fetches"
            " WHERE crawl_id = ? AND skipped IS NOT NULL GROUP BY 1",
            [crawl_id],
        ).fetchall()
        internal, first = _internal_errors(db.conn, crawl_id)
        return CrawlTotals(
            state,
            fetches.fetchone()[0],
            Counter(dict(errors)),
            Counter(dict(skipped)),
            internal,
            first,
        )
    finally:
        db.close()


def _internal_errors(conn: Any, crawl_id: int) -> tuple[int, str | None]:
    """The count and first message of the spider's internal errors, from the crawl's stats
    (``crawler.spiders.optout.INTERNAL_ERROR_STAT``; the stats of its last run)."""
    row = conn.execute("SELECT stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    try:
        stats = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return 0, None
    if not isinstance(stats, dict):
        return 0, None
    prefix = f"{INTERNAL_ERROR_STAT}/"
    count = sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))
    first = stats.get(INTERNAL_ERROR_STAT)
    return count, first if isinstance(first, str) else None


@dataclass(frozen=True)
class RunResult:
    """What one scheduled run did, read back from the database after its child exited."""

    crawl_id: int | None
    status: str | None
    sites_done: int = 0
    fetches: int = 0
    errors: int = 0
    audited: bool = False
    changes: int = 0

    def says(self) -> str:
        """The result as a log phrase."""
        if self.crawl_id is None:
            return "no crawl was recorded"
        audit = f"audited, {counted(self.changes, 'change')}" if self.audited else "not audited"
        return (
            f"crawl {self.crawl_id} {self.status}: {counted(self.sites_done, 'site')} done, "
            f"{counted(self.fetches, 'fetch', 'fetches')} ({self.errors} with errors), {audit}"
        )


def resumable_crawl(db_path: Path, seeds: Path) -> int | None:
    """The crawl ``optout crawl --resume`` would continue, when it was one of these seeds."""
    db = open_db(db_path)
    try:
        marks = ", ".join("?" for _ in RESUMABLE)
        row = db.execute(
            f"SELECT id, seeds_source FROM crawls WHERE status IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            list(RESUMABLE),
        ).fetchone()
        last = db.execute("SELECT MAX(id) FROM crawls").fetchone()[0]
    finally:
        db.close()
    if row is None or row[0] != last or not row[1]:
        return None
    return int(row[0]) if Path(row[1]).resolve() == seeds.resolve() else None


def latest_crawl_id(db_path: Path) -> int:
    """The highest crawl id in the database (0 when there is none)."""
    db = open_db(db_path)
    try:
        return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM crawls").fetchone()[0])
    finally:
        db.close()


def run_result(db_path: Path, crawl_id: int | None) -> RunResult:
    """The status and counts of one crawl, for the log."""
    if crawl_id is None:
        return RunResult(None, None)
    db = open_db(db_path)
    try:
        row = db.execute(
            """SELECT status,
                (SELECT COUNT(*) FROM site_status WHERE crawl_id = c.id AND status = 'done'),
                (SELECT COUNT(*) FROM fetches WHERE crawl_id = c.id),
                (SELECT COUNT(*) FROM fetches WHERE crawl_id = c.id AND error_class IS NOT NULL),
                (SELECT COUNT(*) FROM audits WHERE crawl_id = c.id),
                (SELECT COUNT(*) FROM changes WHERE crawl_id = c.id)
            FROM crawls AS c WHERE c.id = ?""",
            [crawl_id],
        ).fetchone()
    finally:
        db.close()
    if row is None:
        return RunResult(None, None)
    return RunResult(crawl_id, row[0], row[1], row[2], row[3], bool(row[4]), row[5])
