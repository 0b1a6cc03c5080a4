"""The robots.txt in force on a site over time, from the crawl history in the database.

Every robots.txt fetch of an origin in a finished crawl is read the way the spider and the
audit read it (:func:`audits.signals.robots.access.access_from_fetch`): a file to parse, no
file (4xx, an HTML page, a broken redirect: everything allowed), or unknown (unreachable,
5xx, rate-limited, a bot wall). Consecutive crawls that read the same thing make one span.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from audits.logs import RobotsInForce
from audits.logs.judge import CrawledRobots
from audits.signals.robots.access import access_from_fetch

__all__ = ["robots_timeline"]

_ROBOTS_FETCHES = """
SELECT f.id, f.status, f.error_class, f.redirect_chain, f.headers, f.body_sha256,
       coalesce(f.fetched_at, c.started_at) AS at
FROM fetches AS f JOIN crawls AS c ON c.id = f.crawl_id
WHERE f.origin = ? AND f.kind = 'robots' AND f.rendered = 0 AND f.agent IS NULL
  AND f.skipped IS NULL AND c.status = 'finished'
"""


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _reading(
    row: Mapping[str, Any], body: bytes | None
) -> tuple[tuple[str, ...], bytes | None, bool]:
    """(what the fetch read, as a key two crawls share when they read the same; the body;
    known)."""
    access = access_from_fetch(
        row["status"],
        error=row["error_class"],
        redirects=len(json.loads(row["redirect_chain"] or "[]")),
        headers=[(str(n), str(v)) for n, v in json.loads(row["headers"] or "[]")],
        body=body,
    )
    if access.audit_state == "unknown":
        return ("unknown",), None, False
    if access.crawler_rule == "parse":
        return ("file", str(row["body_sha256"])), body or b"", True
    return ("absent",), None, True  # allow-all: read as no robots.txt (RFC 9309 §2.3.1.3)


@dataclass
class _Run:
    """Consecutive crawls that read the same robots.txt (or the same absence)."""

    key: tuple[str, ...]
    body: bytes | None
    known: bool
    fetch_id: str
    first: datetime
    last: datetime
    crawls: int = 1


def robots_timeline(db: sqlite_utils.Database, origin: str) -> list[RobotsInForce]:
    """The spans of robots.txt in force on ``origin``, oldest first (:class:`CrawledRobots`).

    Each span runs from the first crawl that read it (``since``) to the first crawl that read
    something else (``until``, None for the last); ``last_seen`` is its last crawl, and
    ``fetch_id`` its first fetch. A file is ``body``; no file (4xx) is ``body`` None with
    ``known`` True; unreadable (unreachable, 5xx) is ``known`` False. Only finished crawls count.
    """
    rows = sorted(
        (dict(row) for row in db.query(_ROBOTS_FETCHES, [origin])),
        key=lambda row: (_moment(row["at"]), row["id"]),
    )
    bodies: dict[str, bytes | None] = {}
    runs: list[_Run] = []
    for row in rows:
        sha = row["body_sha256"]
        body = None
        if sha is not None:
            if sha not in bodies:
                found = db.execute("SELECT body FROM bodies WHERE sha256 = ?", [sha]).fetchone()
                bodies[sha] = bytes(found[0]) if found else None
            body = bodies[sha]
        key: tuple[str, ...]
        if sha is not None and body is None:
            # Its body was pruned (optout prune): what it said is no longer known, and an
            # empty file would read as "everything allowed".
            key, kept, known = ("pruned", str(sha)), None, False
        else:
            key, kept, known = _reading(row, body)
        at = _moment(row["at"])
        if runs and runs[-1].key == key:
            runs[-1].last = at
            runs[-1].crawls += 1
        else:
            runs.append(_Run(key, kept, known, str(row["id"]), at, at))
    return [
        CrawledRobots(
            body=run.body,
            since=run.first,
            until=runs[index + 1].first if index + 1 < len(runs) else None,
            fetch_id=run.fetch_id,
            known=run.known,
            last_seen=run.last,
            crawls=run.crawls,
        )
        for index, run in enumerate(runs)
    ]
