"""The per-site tables of access logs, rebuilt from the stored crawler lines.

``crawler_log_lines`` is the evidence; ``crawler_hits`` (counts per site, agent, verification,
day and path prefix), ``crawler_violations`` (one row per hit judged a violation, with the
sentence of its group) and ``crawler_behaviour`` (per site and agent) are derived from it for
the sites an ingest touched, so that several logs of one site add up, and a line read twice
(results/logs/ingest.py) counts once. Counts are summed in SQL; the sentences and the
behaviour stream the lines of one site and agent at a time through ``audits.logs.judge``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any, Final, cast

import sqlite_utils

from audits.logs import AgentHit, JudgedHit, Judgement, LogLine, Verification
from audits.logs.judge import BehaviourAccumulator, violation_findings

_DONE: Final = "log_file IN (SELECT id FROM log_files WHERE status = 'done')"

_HITS: Final = f"""
INSERT INTO crawler_hits (
    origin, agent, purpose, operator, verification, day, path_prefix, hits, images,
    disallowed, disallowed_images, within_cache_allowance, changed_between, unknown, refused,
    robots_reads, first_time, last_time
)
SELECT origin, agent, max(purpose), max(operator), verification, day, path_prefix, count(*),
    sum(image), sum(judgement = 'disallowed'), sum(judgement = 'disallowed' AND image),
    sum(judgement = 'within-cache-allowance'), sum(judgement = 'changed-between'),
    sum(judgement = 'unknown'), sum(coalesce(status IN (402, 403), 0)), sum(robots),
    min(time), max(time)
FROM crawler_log_lines
WHERE origin = ? AND {_DONE}
GROUP BY origin, agent, verification, day, path_prefix
"""

_VIOLATIONS: Final = f"""
INSERT INTO crawler_violations (
    line_id, origin, agent, operator, verification, day, path_prefix, time, method, target,
    image, status, rule, robots_fetch_id, file_sha256, line_number, raw, sentence
)
SELECT id, origin, agent, operator, verification, day, path_prefix, time, method, target,
    image, status, rule, robots_fetch_id, file_sha256, line_number, raw, ''
FROM crawler_log_lines
WHERE origin = ? AND judgement = 'disallowed' AND {_DONE}
"""

_LINE_COLUMNS: Final = (
    "agent, purpose, operator, verification, verified_by, time, client, method, target,"
    " status, size, user_agent, line_number, raw, judgement, rule, robots_fetch_id"
)


def _judged(row: dict[str, Any]) -> JudgedHit:
    """A stored line as the judge's types (the host is not kept: the site is the origin)."""
    line = LogLine(
        time=datetime.fromisoformat(row["time"]),
        client=row["client"],
        method=row["method"],
        target=row["target"],
        status=row["status"],
        size=row["size"],
        user_agent=row["user_agent"],
        host=None,
        number=row["line_number"],
        raw=row["raw"],
    )
    hit = AgentHit(
        line,
        row["agent"],
        row["purpose"] or "",
        cast(Verification, row["verification"]),
        row["verified_by"],
    )
    fetch = row["robots_fetch_id"]
    return JudgedHit(
        hit, cast(Judgement, row["judgement"]), row["rule"], None if fetch is None else str(fetch)
    )


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any]) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def _sentences(db: sqlite_utils.Database, origin: str) -> list[tuple[str, ...]]:
    """(sentence, origin, agent, verification, day, prefix) for each group of violations."""
    rows = _rows(
        db,
        f"SELECT {_LINE_COLUMNS} FROM crawler_log_lines"
        f" WHERE origin = ? AND judgement = 'disallowed' AND {_DONE} ORDER BY time, id",
        [origin],
    )
    return [
        (f.text, origin, f.agent, f.verification, f.day.isoformat(), f.prefix)
        for f in violation_findings(_judged(row) for row in rows)
    ]


def _behaviour(db: sqlite_utils.Database, origin: str) -> Iterator[dict[str, Any]]:
    """One row per agent and verification on the site, from its lines in time order."""
    rows = _rows(
        db,
        f"SELECT {_LINE_COLUMNS} FROM crawler_log_lines WHERE origin = ? AND {_DONE}"
        " ORDER BY agent, verification, time, id",
        [origin],
    )
    for (agent, verification), group in groupby(
        rows, key=lambda r: (r["agent"], r["verification"])
    ):
        accumulator = BehaviourAccumulator(site=origin)
        purpose = operator = None
        for row in group:
            purpose, operator = row["purpose"], row["operator"]
            accumulator.add(_judged(row))
        seen = accumulator.result()
        yield {
            "origin": origin,
            "agent": agent,
            "purpose": purpose,
            "operator": operator,
            "verification": verification,
            "hits": seen.hits,
            "first_seen": seen.first_seen.isoformat(),
            "last_seen": seen.last_seen.isoformat(),
            "robots_reads": seen.robots_reads,
            "robots_read_first": int(seen.robots_read_first),
            "requests_before_robots": seen.requests_before_robots,
            "robots_reads_per_day": round(seen.robots_reads_per_day, 3),
            "disallowed": seen.disallowed,
            "images_disallowed": seen.images_disallowed,
            "judgements": json.dumps(dict(seen.judgements), sort_keys=True),
            "refused_at": seen.refused_at.isoformat() if seen.refused_at else None,
            "refused_status": seen.refused_status,
            "hits_after_refusal": seen.hits_after_refusal,
            "statuses_after_refusal": json.dumps(
                [[status, n] for status, n in seen.statuses_after_refusal]
            ),
        }


def rebuild_sites(db: sqlite_utils.Database, origins: Iterable[str]) -> None:
    """Rebuild the hits, violations and behaviour of these sites from their stored lines,
    one transaction per site."""
    conn = db.conn
    for origin in origins:
        with conn:
            for table in ("crawler_hits", "crawler_violations", "crawler_behaviour"):
                conn.execute(f"DELETE FROM {table} WHERE origin = ?", [origin])
            conn.execute(_HITS, [origin])
            conn.execute(_VIOLATIONS, [origin])
            conn.executemany(
                "UPDATE crawler_violations SET sentence = ? WHERE origin = ? AND agent = ?"
                " AND verification = ? AND day = ? AND path_prefix = ?",
                _sentences(db, origin),
            )
            behaviour = list(_behaviour(db, origin))
            if behaviour:
                columns = list(behaviour[0])
                conn.executemany(
                    f"INSERT INTO crawler_behaviour ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' for _ in columns)})",
                    [[row[c] for c in columns] for row in behaviour],
                )
