"""The closing numbers of a crawl that ``optout demo`` prints: sites done and audited, their
AI-training verdicts, broken opt-outs; read from the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.storage import done_origins, open_db


@dataclass(frozen=True)
class CrawlSummary:
    """What the latest audited crawl found, for the closing lines."""

    crawl_id: int
    sites: int
    done: int
    """Sites the crawl marked done: only those are audited (a site it gave up on is not)."""
    train: dict[str, int]
    broken: int


def latest_crawl_status(db_path: Path) -> str | None:
    """The status of the latest crawl in ``db_path`` (finished, interrupted, …)."""
    db = open_db(db_path)
    try:
        row = db.execute("SELECT status FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.close()
    return row[0] if row else None


def summarise_crawl(db_path: Path) -> CrawlSummary:
    """Sites finished and their AI-training verdicts in the latest crawl of ``db_path``."""
    db = open_db(db_path)
    try:
        crawl_id = db.execute("SELECT MAX(crawl_id) FROM site_summary").fetchone()[0] or 0
        train = dict(
            db.execute(
                "SELECT train, COUNT(*) FROM site_summary WHERE crawl_id = ? GROUP BY train",
                [crawl_id],
            ).fetchall()
        )
        broken = db.execute(
            "SELECT COUNT(*) FROM site_summary WHERE crawl_id = ? AND errors > 0", [crawl_id]
        ).fetchone()[0]
        done = len(done_origins(db, crawl_id))
    finally:
        db.close()
    return CrawlSummary(crawl_id, sum(train.values()), done, train, broken)
