"""What ``optout crawl`` says after a crawl, read from the database rather than from this run.

A resumed crawl continues sites an earlier run left: only the database knows how many of the
crawl's sites are done in all, and whether the crawl finished (only then is it audited).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from crawler.storage import open_db
from optout_cli.words import counted
from results.completeness import RESUMABLE, CrawlState, crawl_state, newest_crawl

NOTHING_TO_RESUME_EXIT = 3
"""Exit status of ``--resume`` when no crawl is left to continue (a scheduler may then start
a new crawl); an interrupted crawl or an error exits with 1."""


@dataclass(frozen=True)
class CrawlTotals:
    """One crawl's state and its fetch records, counted over every run of it."""

    state: CrawlState
    fetches: int
    errors: Counter[str]
    skipped: Counter[str]


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
        return CrawlTotals(
            state, fetches.fetchone()[0], Counter(dict(errors)), Counter(dict(skipped))
        )
    finally:
        db.close()


def print_outcome(console: Console, totals: CrawlTotals, seeds_total: int, db_path: Path) -> None:
    """The summary of a finished crawl, or the one line saying it stopped before it finished."""
    state = totals.state
    done = f"{state.sites_done} of {counted(seeds_total, 'site')} done"
    if not state.finished:
        console.print(
            f"crawl {state.crawl_id} stopped before it finished: {done};"
            " run the same command with --resume to continue",
            markup=False,
        )
        return
    console.print(
        f"crawl {state.crawl_id}: {done}, {counted(totals.fetches, 'fetch record')} in {db_path}",
        markup=False,
    )
    if totals.errors:
        errors = ", ".join(f"{name} {n}" for name, n in totals.errors.most_common())
        console.print(f"errors: {errors}", markup=False)
    if totals.skipped:
        skipped = ", ".join(f"{name} {n}" for name, n in totals.skipped.most_common())
        console.print(f"not fetched: {skipped}", markup=False)
