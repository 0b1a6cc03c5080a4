"""Whether a crawl finished, and how far an unfinished one came.

Only a finished crawl is audited (docs/history.md): a crawl that is running, was interrupted or
failed has seen only some of its sites, so its numbers would mix fetched sites with sites never
asked, and a site it did not reach would look like an opt-out that disappeared. Every command
that reads or derives a crawl's results asks ``unfinished_reason`` first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Final

SITES_TOTAL_SETTING: Final = "OPTOUT_SITES_TOTAL"
"""Set by ``optout crawl`` to the number of seeds it will visit; kept in ``crawls.settings``."""
RESUMABLE: Final = ("running", "interrupted")


@dataclass(frozen=True)
class CrawlState:
    """One crawl's status and how many of its sites are done."""

    crawl_id: int
    status: str
    sites_done: int
    sites_total: int | None
    finished_at: str | None
    seeds_source: str | None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def progress(self) -> str:
        """``3 of 5 sites done`` (or ``3 sites done`` when the crawl did not record its total)."""
        of = f" of {self.sites_total}" if self.sites_total is not None else ""
        noun = "site" if (self.sites_total or self.sites_done) == 1 else "sites"
        return f"{self.sites_done}{of} {noun} done"


def _total(settings: str | None) -> int | None:
    try:
        value = json.loads(settings or "{}").get(SITES_TOTAL_SETTING)
    except (ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def crawl_state(conn: sqlite3.Connection, crawl_id: int) -> CrawlState | None:
    """The state of one crawl, or None when there is no such crawl."""
    row = conn.execute(
        "SELECT c.status, c.finished_at, c.seeds_source, c.settings,"
        " (SELECT count(*) FROM site_status s WHERE s.crawl_id = c.id AND s.status = 'done')"
        " FROM crawls c WHERE c.id = ?",
        [crawl_id],
    ).fetchone()
    if row is None:
        return None
    status, finished_at, seeds, settings, done = row
    return CrawlState(crawl_id, status, done, _total(settings), finished_at, seeds)


def newest_crawl(conn: sqlite3.Connection) -> CrawlState | None:
    """The state of the crawl with the highest id, or None in a database without crawls."""
    row = conn.execute("SELECT MAX(id) FROM crawls").fetchone()
    return None if row is None or row[0] is None else crawl_state(conn, int(row[0]))


def _database_file(conn: sqlite3.Connection) -> str:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return str(file)
    return "FILE"


def unfinished_reason(conn: sqlite3.Connection, crawl_id: int) -> str | None:
    """None for a finished crawl; else one line saying why its results do not exist, and what
    to do (resume it: ``optout crawl --resume`` audits it when it finishes)."""
    state = crawl_state(conn, crawl_id)
    if state is None or state.finished:
        return None
    line = (
        f"crawl {crawl_id} has not finished ({state.status}, {state.progress()}):"
        " an unfinished crawl is never audited or published"
    )
    if state.status in RESUMABLE:
        seeds = state.seeds_source or "SEEDS"
        line += (
            f"; continue it with `optout crawl {seeds} --db {_database_file(conn)} --resume`,"
            " which audits it when it finishes"
        )
    return line
