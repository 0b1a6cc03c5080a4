"""The Common Crawl capture tables: their own migration set (``optout-captures``).

``capture_queries`` has one row per site and Common Crawl crawl asked: whether the index
answered (``ok``) or not (``error``, with the reason), the pages fetched and the pages the index
said there are, the captures kept and the CDX lines read, and whether a cap cut the answer
short; since m002 also the hosts the site was asked under (``hosts``: its own and its
``www.`` twin) and the captures the index gave of another host (``elsewhere``). ``captures``
holds the captures themselves, as the index gave them, each with the ``host`` its URL names.
A (site, crawl) is written in one transaction, its old captures replaced, so an interrupted
run keeps every pair it finished; an ``ok`` pair asked under the same hosts is not asked again
unless refreshed (a pair from before m002, or one whose twin has since become a site of its
own, is asked again). A failed refresh records its
error and leaves the captures stored before in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import sqlite_utils
from sqlite_utils import Migrations

from audits.captures import Capture
from crawler.storage import now_iso, open_db, unusable_db
from results.captures.hosts import url_host
from results.captures.index import QueryResult

capture_migrations: Final = Migrations("optout-captures")

SCHEMA_CAPTURES: Final = (
    """CREATE TABLE capture_queries (
        origin TEXT NOT NULL,
        crawl TEXT NOT NULL,
        index_url TEXT NOT NULL,
        queried_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
        error TEXT,
        pages INTEGER NOT NULL,
        pages_total INTEGER,
        captures INTEGER NOT NULL,
        seen INTEGER NOT NULL,
        malformed INTEGER NOT NULL,
        truncated INTEGER NOT NULL,
        PRIMARY KEY (origin, crawl)
    )""",
    """CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        crawl TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        url TEXT NOT NULL,
        status TEXT,
        mime TEXT,
        digest TEXT,
        length INTEGER,
        filename TEXT,
        offset INTEGER
    )""",
    "CREATE INDEX captures_site ON captures (origin, crawl)",
    "CREATE INDEX captures_time ON captures (origin, captured_at)",
)


@capture_migrations()
def m001_captures(db: sqlite_utils.Database) -> None:
    """capture_queries, captures."""
    for statement in SCHEMA_CAPTURES:
        db.execute(statement)


@capture_migrations()
def m002_capture_hosts(db: sqlite_utils.Database) -> None:
    """capture_queries.hosts and .elsewhere; captures.host, filled from each URL."""
    db.execute("ALTER TABLE capture_queries ADD COLUMN hosts TEXT")
    db.execute("ALTER TABLE capture_queries ADD COLUMN elsewhere INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE captures ADD COLUMN host TEXT")
    db.conn.create_function("optout_url_host", 1, url_host, deterministic=True)
    db.execute("UPDATE captures SET host = optout_url_host(url)")


def open_captures_db(path: str | Path) -> sqlite_utils.Database:
    """The evidence database (created if missing) with the capture tables; StorageError,
    before anything is written, for a file another program made."""
    db = open_db(path)
    try:
        capture_migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise unusable_db(path, exc) from exc
    return db


def has_captures(conn: sqlite3.Connection) -> bool:
    """Whether the capture tables exist (``optout captures`` ran on this database)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'capture_queries'"
    ).fetchone()
    return found is not None


def answered(db: sqlite_utils.Database, origin: str, hosts: Sequence[str]) -> set[str]:
    """The crawls already asked successfully for ``origin`` under ``hosts``."""
    rows = db.execute(
        "SELECT crawl FROM capture_queries WHERE origin = ? AND status = 'ok' AND hosts = ?",
        [origin, hosts_text(hosts)],
    ).fetchall()
    return {str(crawl) for (crawl,) in rows}


def captured_at(timestamp: str) -> datetime:
    """A CDX timestamp (``YYYYMMDDhhmmss``, shorter ones padded) as a UTC moment."""
    digits = (timestamp + "0101000000"[max(0, len(timestamp) - 4) :])[:14]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def hosts_text(hosts: Sequence[str]) -> str:
    """The ``hosts`` column: the hosts, space-separated, the site's own first."""
    return " ".join(hosts)


def save_result(
    db: sqlite_utils.Database, origin: str, index_url: str, result: QueryResult
) -> None:
    """One (site, crawl) answer, in one transaction."""
    conn = db.conn
    with conn:
        if result.status == "ok":
            conn.execute(
                "DELETE FROM captures WHERE origin = ? AND crawl = ?", [origin, result.crawl]
            )
            conn.executemany(
                "INSERT INTO captures (origin, crawl, timestamp, captured_at, url, host, status,"
                " mime, digest, length, filename, offset)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    [
                        origin,
                        result.crawl,
                        c.timestamp,
                        captured_at(c.timestamp).isoformat(),
                        c.url,
                        c.host or url_host(c.url),
                        c.status,
                        c.mime,
                        c.digest,
                        c.length,
                        c.filename,
                        c.offset,
                    ]  # fmt: skip
                    for c in result.captures
                    if _valid_time(c.timestamp)
                ),
            )
        kept = conn.execute(
            "SELECT count(*) FROM captures WHERE origin = ? AND crawl = ?", [origin, result.crawl]
        ).fetchone()[0]
        conn.execute(
            "INSERT OR REPLACE INTO capture_queries (origin, crawl, index_url, queried_at, status,"
            " error, pages, pages_total, captures, seen, malformed, truncated, hosts, elsewhere)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                origin,
                result.crawl,
                index_url,
                now_iso(),
                result.status,
                result.error,
                result.pages,
                result.pages_total,
                kept,
                result.seen,
                result.malformed,
                int(result.truncated),
                hosts_text(result.hosts) if result.hosts else None,
                result.elsewhere,
            ],  # fmt: skip
        )


def _valid_time(timestamp: str) -> bool:
    try:
        captured_at(timestamp)
    except ValueError:
        return False
    return True


def stored_captures(db: sqlite_utils.Database, origin: str) -> list[Capture]:
    """Every stored capture of ``origin``."""
    rows = db.execute(
        "SELECT crawl, captured_at, url, status, mime, host FROM captures WHERE origin = ?",
        [origin],
    ).fetchall()
    return [
        Capture(crawl, datetime.fromisoformat(at), url, status, mime, host)
        for crawl, at, url, status, mime, host in rows
    ]


def stored_queries(db: sqlite_utils.Database, origin: str) -> list[dict[str, object]]:
    """The ``capture_queries`` rows of ``origin``, newest crawl first."""
    cursor = db.execute(
        "SELECT * FROM capture_queries WHERE origin = ? ORDER BY crawl DESC", [origin]
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
