"""What the audited crawls saw of a site's robots.txt for CCBot, as ``audits.captures`` reads it.

One ``AuditedCrawl`` per finished, audited crawl that has the site: CCBot's verdict at ``/``
(``robots_verdicts``), whether the robots.txt could not be read (the site's ``robots_state``,
or a ``robots-unreachable`` / ``robots-rate-limited`` finding), and the ``robots-token-typo``
finding that names CCBot, if any.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Final

from audits.captures import AuditedCrawl, ccbot_state
from results.captures.hosts import url_host
from results.derive import latest_audited_crawl

CCBOT: Final = "CCBot"
_HISTORY: Final = """
SELECT c.id, c.started_at, s.robots_state,
    (SELECT v.allowed FROM robots_verdicts v WHERE v.crawl_id = c.id AND v.origin = s.origin
        AND v.agent = :agent AND v.path = '/') AS allowed,
    (SELECT coalesce(f.evidence, f.message) FROM findings f WHERE f.crawl_id = c.id
        AND f.origin = s.origin AND f.code = 'robots-token-typo' AND f.agent = :agent
        ORDER BY f.id LIMIT 1) AS typo,
    EXISTS (SELECT 1 FROM findings f WHERE f.crawl_id = c.id AND f.origin = s.origin
        AND f.code IN ('robots-unreachable', 'robots-rate-limited')) AS unreadable
FROM site_summary s
JOIN crawls c ON c.id = s.crawl_id
JOIN audits a ON a.crawl_id = c.id
WHERE s.origin = :origin AND c.status = 'finished'
ORDER BY c.started_at, c.id
"""


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ccbot_history(conn: sqlite3.Connection, origin: str) -> list[AuditedCrawl]:
    """The site's audited crawls, oldest first (empty for a site no audited crawl has)."""
    if not _has_audits(conn):
        return []
    rows = conn.execute(_HISTORY, {"origin": origin, "agent": CCBOT}).fetchall()
    return [
        AuditedCrawl(
            int(crawl_id), _moment(started), ccbot_state(state, allowed, bool(unreadable)), typo
        )
        for crawl_id, started, state, allowed, typo, unreadable in rows
    ]


def _has_audits(conn: sqlite3.Connection) -> bool:
    return _has_table(conn, "audits")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return found is not None


def audited_sites(conn: sqlite3.Connection) -> list[str]:
    """The sites of the newest audited crawl, in order (empty when nothing is audited)."""
    crawl_id = latest_audited_crawl(conn) if _has_audits(conn) else None
    if crawl_id is None:
        return []
    rows = conn.execute(
        "SELECT origin FROM site_summary WHERE crawl_id = ? ORDER BY origin", [crawl_id]
    )
    return [str(origin) for (origin,) in rows]


def site_hosts_of(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(origin, host) of every site the database has (of any crawl)."""
    if not _has_table(conn, "sites"):
        return []
    out = []
    for (origin,) in conn.execute("SELECT origin FROM sites"):
        host = url_host(str(origin))
        if host:
            out.append((str(origin), host))
    return out


def known_origin(conn: sqlite3.Connection, origin: str) -> str:
    """The database's own spelling of a site given by the user (``origin`` when unknown)."""
    wanted = origin.rstrip("/").lower()
    candidates = [wanted] if "//" in wanted else [f"http://{wanted}", f"https://{wanted}"]
    for candidate in candidates:
        row = conn.execute(
            "SELECT origin FROM sites WHERE lower(origin) = ?", [candidate]
        ).fetchone()
        if row is not None:
            return str(row[0])
    return candidates[0]
