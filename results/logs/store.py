"""The access-log tables in the evidence database: created with the first log ingested.

They are their own sqlite-utils migration set (``optout-logs``), applied on top of the
evidence database's own migrations by :func:`open_log_db`, so a database that never had a log
ingested is exactly as it was and every reader asks whether the tables are there
(:func:`has_logs`) before it reads them.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Final

import sqlite_utils
from sqlite_utils import Migrations

from crawler.storage import open_db, unusable_db
from results.logs.rollup import rebuild_sites
from results.schema import SCHEMA_LOGS

log_migrations: Final = Migrations("optout-logs")


@log_migrations()
def m001_access_logs(db: sqlite_utils.Database) -> None:
    """log_files, crawler_log_lines, crawler_hits, crawler_violations, crawler_behaviour."""
    for statement in SCHEMA_LOGS:
        db.execute(statement)


def open_log_db(path: str | Path) -> sqlite_utils.Database:
    """The evidence database (created if missing) with the access-log tables; StorageError,
    before anything is written, for a file another program made."""
    db = open_db(path)
    try:
        log_migrations.apply(db)
        rebuild_sites(db, forget_unfinished(db))
    except sqlite3.DatabaseError as exc:
        db.close()
        raise unusable_db(path, exc) from exc
    return db


def has_logs(conn: sqlite3.Connection) -> bool:
    """Whether a database has had an access log ingested (its tables exist and hold a file)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'log_files'"
    ).fetchone()
    if found is None:
        return False
    return (
        conn.execute("SELECT 1 FROM log_files WHERE status = 'done' LIMIT 1").fetchone() is not None
    )


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def forget_files(db: sqlite_utils.Database, files: list[int]) -> list[str]:
    """Delete these log files and their stored lines (and any violation citing one) in one
    transaction; the sites they had lines of, whose tables need rebuilding."""
    if not files:
        return []
    marks = ", ".join("?" for _ in files)
    lines = f"SELECT id FROM crawler_log_lines WHERE log_file IN ({marks})"
    with db.conn:
        origins = [
            row[0]
            for row in db.conn.execute(
                f"SELECT DISTINCT origin FROM crawler_log_lines WHERE log_file IN ({marks})", files
            )
        ]
        db.conn.execute(f"DELETE FROM crawler_violations WHERE line_id IN ({lines})", files)
        db.conn.execute(f"DELETE FROM crawler_log_lines WHERE log_file IN ({marks})", files)
        db.conn.execute(f"DELETE FROM log_files WHERE id IN ({marks})", files)
    return origins


def forget_unfinished(db: sqlite_utils.Database) -> list[str]:
    """Drop what an ingest that died mid-file wrote (its ``reading`` row and its lines), so
    that reading the file again stores its lines; an ingest still running is left alone.
    Returns the sites whose tables need rebuilding."""
    stale = [
        row[0]
        for row in db.execute("SELECT id, pid FROM log_files WHERE status = 'reading'").fetchall()
        if row[1] == os.getpid() or not _alive(row[1])
    ]
    return forget_files(db, stale)
