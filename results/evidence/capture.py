"""What the database holds for one site of one crawl, read for an evidence pack.

Nothing here interprets a fetch: the rows are read as stored, bodies on demand (one at a
time, so a pack of a site with large pages never holds them all in memory).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

import sqlite_utils

from results.export import Selection, iter_sites

PAGE_KINDS: Final = ("robots", "aitxt", "tdmrep", "home", "page")
"""Fetch kinds listed as pages of a pack (in this order): what a reader opens first."""


class CaptureError(LookupError):
    """The site has nothing to pack in this crawl."""


@dataclass(frozen=True)
class StoredFetch:
    """One ``fetches`` row, as stored (the body is read separately, by its digest)."""

    fetch_id: int
    kind: str
    requested_url: str
    final_url: str | None
    redirect_chain: tuple[str, ...]
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body_sha256: str | None
    body_length: int | None
    stored_length: int | None
    truncated: bool
    error_class: str | None
    error_message: str | None
    elapsed_ms: float | None
    fetched_at: str | None
    rendered: bool
    skipped: str | None
    bot_wall: str | None
    parent_url: str | None
    agent: str | None

    @property
    def answered(self) -> bool:
        """Whether a server's answer was stored (a status), rather than an error or a skip."""
        return self.status is not None and self.skipped is None

    def as_json(self) -> dict[str, Any]:
        """Every stored field, for the record that says what the database holds."""
        return {
            "fetch_id": self.fetch_id,
            "kind": self.kind,
            "requested_url": self.requested_url,
            "final_url": self.final_url,
            "redirect_chain": list(self.redirect_chain),
            "status": self.status,
            "headers": [list(pair) for pair in self.headers],
            "body_sha256": self.body_sha256,
            "body_length": self.body_length,
            "stored_length": self.stored_length,
            "truncated": self.truncated,
            "error_class": self.error_class,
            "error_message": self.error_message,
            "elapsed_ms": self.elapsed_ms,
            "fetched_at": self.fetched_at,
            "rendered": self.rendered,
            "skipped": self.skipped,
            "bot_wall": self.bot_wall,
            "parent_url": self.parent_url,
            "agent": self.agent,
        }


@dataclass(frozen=True)
class CrawlFacts:
    """The ``crawls`` and ``audits`` rows of the crawl a pack comes from."""

    crawl_id: int
    started_at: str
    finished_at: str | None
    status: str
    settings: dict[str, Any]
    tool_version: str | None
    interpreter_version: str | None
    registry_version: str | None
    audited_at: str | None
    audit_interpreter_version: str | None
    audit_registry_version: str | None

    @property
    def user_agent(self) -> str | None:
        """The User-Agent the crawl sent as itself (Scrapy's ``USER_AGENT`` setting)."""
        value = self.settings.get("USER_AGENT")
        return str(value) if value else None


@dataclass(frozen=True)
class SiteCapture:
    """One site's fetches of one crawl, in the order they were made, and its audit report."""

    origin: str
    name: str | None
    crawl: CrawlFacts
    fetches: tuple[StoredFetch, ...]
    report: dict[str, Any] | None
    """The site's audit report as the export writes it; None when the crawl has none."""


_FETCH_COLUMNS: Final = (
    "id, kind, requested_url, final_url, redirect_chain, status, headers, body_sha256,"
    " body_length, stored_length, truncated, error_class, error_message, elapsed_ms,"
    " fetched_at, rendered, skipped, bot_wall, parent_url, agent"
)


def load_capture(db: sqlite_utils.Database, crawl_id: int, origin: str) -> SiteCapture:
    """The stored fetches, crawl facts and report of ``origin`` in ``crawl_id``; CaptureError
    when the crawl holds no fetch of the site."""
    conn = db.conn
    rows = conn.execute(
        f"SELECT {_FETCH_COLUMNS} FROM fetches WHERE crawl_id = ? AND origin = ?"
        " ORDER BY fetched_at, id",
        [crawl_id, origin],
    ).fetchall()
    if not rows:
        raise CaptureError(f"crawl {crawl_id} holds no fetch of {origin}")
    name = conn.execute("SELECT name FROM sites WHERE origin = ?", [origin]).fetchone()
    return SiteCapture(
        origin=origin,
        name=name[0] if name else None,
        crawl=_crawl_facts(conn, crawl_id),
        fetches=tuple(_fetch(row) for row in rows),
        report=_report(db, crawl_id, origin),
    )


def read_body(conn: sqlite3.Connection, sha256: str | None) -> bytes | None:
    """A stored body by its digest (bodies are stored as received, uncompressed)."""
    if sha256 is None:
        return None
    row = conn.execute("SELECT body FROM bodies WHERE sha256 = ?", [sha256]).fetchone()
    return bytes(row[0]) if row else None


def _fetch(row: tuple[Any, ...]) -> StoredFetch:
    (fid, kind, requested, final, chain, status, headers, sha, length, stored, truncated) = row[:11]
    (error_class, error_message, elapsed, fetched_at, rendered, skipped) = row[11:17]
    (bot_wall, parent, agent) = row[17:]
    return StoredFetch(
        fetch_id=int(fid),
        kind=str(kind),
        requested_url=str(requested),
        final_url=final,
        redirect_chain=tuple(str(url) for url in _json_list(chain)),
        status=status,
        headers=tuple(
            (str(pair[0]), str(pair[1]))
            for pair in _json_list(headers)
            if isinstance(pair, list) and len(pair) == 2
        ),
        body_sha256=sha,
        body_length=length,
        stored_length=stored,
        truncated=bool(truncated),
        error_class=error_class,
        error_message=error_message,
        elapsed_ms=elapsed,
        fetched_at=fetched_at,
        rendered=bool(rendered),
        skipped=skipped,
        bot_wall=bot_wall,
        parent_url=parent,
        agent=agent,
    )


def _json_list(text: str | None) -> list[Any]:
    """A stored JSON list; an unreadable value reads as empty (the row is still packed, and
    its ``metadata`` record says what was stored)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _crawl_facts(conn: sqlite3.Connection, crawl_id: int) -> CrawlFacts:
    crawl = conn.execute(
        "SELECT started_at, finished_at, status, settings, tool_version, interpreter_version,"
        " registry_version FROM crawls WHERE id = ?",
        [crawl_id],
    ).fetchone()
    if crawl is None:
        raise CaptureError(f"there is no crawl {crawl_id}")
    audit = _audit_row(conn, crawl_id)
    return CrawlFacts(
        crawl_id,
        crawl[0],
        crawl[1],
        crawl[2],
        _json_object(crawl[3]),
        crawl[4],
        crawl[5],
        crawl[6],
        *audit,
    )


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _audit_row(
    conn: sqlite3.Connection, crawl_id: int
) -> tuple[str | None, str | None, str | None]:
    if not _has_table(conn, "audits"):
        return None, None, None
    row = conn.execute(
        "SELECT audited_at, interpreter_version, registry_version FROM audits WHERE crawl_id = ?",
        [crawl_id],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, None)


def _report(db: sqlite_utils.Database, crawl_id: int, origin: str) -> dict[str, Any] | None:
    """The site's object exactly as ``optout export`` writes it (the stored report with its
    robots verdicts, and its crawler logs when any were ingested)."""
    if not _has_table(db.conn, "site_summary"):
        return None
    for site in iter_sites(db, crawl_id, Selection(sites=(origin,))):
        if site["origin"] == origin:
            return dict(site)
    return None


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return found is not None
