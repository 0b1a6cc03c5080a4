"""What the access logs show, read for publishing: the per-site section of Datasette, the
export's ``crawler_logs`` keys and the report's section.

Every reader returns None for a database that never had a log ingested (the tables are not
there), so that pages, exports and reports of such a database are exactly as before. Logs are
not per crawl: a site's section shows everything its logs held, each hit judged against the
robots.txt in force when it was made.

Impersonators (a claimed crawler from outside its operator's published ranges) are counted
apart everywhere and never counted against the operator whose name they borrowed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from results.logs.store import has_logs

CITED_LINES: Final = 5
"""Stored lines cited per violation finding."""
LISTED_FINDINGS: Final = 10
"""Violation findings the report lists."""


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _ordered_agents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda a: (-a["violations"], -a["hits"], a["agent"].casefold()))


_AGENTS: Final = """
SELECT agent, max(operator) AS operator, max(purpose) AS purpose, sum(hits) AS hits,
    sum(CASE WHEN verification = 'verified' THEN hits ELSE 0 END) AS verified,
    sum(CASE WHEN verification = 'impersonator' THEN hits ELSE 0 END) AS impersonators,
    sum(CASE WHEN verification = 'unverifiable' THEN hits ELSE 0 END) AS unverifiable,
    sum(CASE WHEN verification != 'impersonator' THEN disallowed ELSE 0 END) AS violations,
    sum(CASE WHEN verification = 'impersonator' THEN disallowed ELSE 0 END)
        AS impersonator_violations,
    sum(CASE WHEN verification != 'impersonator' THEN within_cache_allowance ELSE 0 END)
        AS within_cache_allowance,
    sum(CASE WHEN verification != 'impersonator' THEN changed_between ELSE 0 END)
        AS changed_between,
    sum(CASE WHEN verification != 'impersonator' THEN unknown ELSE 0 END) AS unknown,
    sum(CASE WHEN verification != 'impersonator' THEN images ELSE 0 END) AS images,
    sum(CASE WHEN verification != 'impersonator' THEN robots_reads ELSE 0 END) AS robots_reads,
    min(first_time) AS first_time, max(last_time) AS last_time
FROM crawler_hits WHERE origin = ? GROUP BY agent
"""

# How the claimed agent (verified or not, never an impersonator) behaved: one row per agent,
# the verified row when there is one.
_BEHAVIOUR: Final = """
SELECT agent, robots_read_first, requests_before_robots, hits_after_refusal, refused_status,
    verification
FROM crawler_behaviour WHERE origin = ? AND verification != 'impersonator'
ORDER BY agent, verification = 'verified' DESC
"""

_FINDINGS: Final = """
SELECT agent, max(operator) AS operator, verification, day, path_prefix, count(*) AS hits,
    sum(image) AS images, min(sentence) AS sentence, min(rule) AS rule,
    min(robots_fetch_id) AS robots_fetch_id
FROM crawler_violations WHERE origin = ?
GROUP BY agent, verification, day, path_prefix
ORDER BY verification = 'impersonator', day, agent, path_prefix
"""

_CITED: Final = """
SELECT line_id, file_sha256, line_number, time, target FROM crawler_violations
WHERE origin = ? AND agent = ? AND verification = ? AND day = ? AND path_prefix = ?
ORDER BY time, line_id LIMIT ?
"""


def site_logs(conn: sqlite3.Connection, origin: str) -> dict[str, Any] | None:
    """One site's section: per agent (who came, verified or not, violations, behaviour) and
    the violation findings with the lines they cite. None when the site has no stored line
    (or no log was ever ingested)."""
    if not has_logs(conn):
        return None
    agents = _dicts(conn.execute(_AGENTS, [origin]))
    if not agents:
        return None
    behaviour: dict[str, dict[str, Any]] = {}
    for row in _dicts(conn.execute(_BEHAVIOUR, [origin])):
        behaviour.setdefault(row["agent"], row)
    for agent in agents:
        seen = behaviour.get(agent["agent"])
        agent["read_robots_first"] = None if seen is None else bool(seen["robots_read_first"])
        agent["kept_coming_after_refusal"] = (
            None
            if seen is None or seen["refused_status"] is None
            else seen["hits_after_refusal"] > 0
        )
    findings = []
    for finding in _dicts(conn.execute(_FINDINGS, [origin])):
        key = [finding[k] for k in ("agent", "verification", "day", "path_prefix")]
        cited = _dicts(conn.execute(_CITED, [origin, *key, CITED_LINES]))
        finding["lines"] = [
            {
                "line_id": c["line_id"],
                "file_sha256": c["file_sha256"],
                "line": c["line_number"],
                "time": c["time"],
                "target": c["target"],
            }
            for c in cited
        ]
        findings.append(finding)
    return {
        "first_time": min(a["first_time"] for a in agents),
        "last_time": max(a["last_time"] for a in agents),
        "agents": _ordered_agents(agents),
        "violations": findings,
    }


def export_site_logs(section: dict[str, Any]) -> dict[str, Any]:
    """The export's ``crawler_logs`` of a site: the section without database row ids."""
    agents = [
        {
            key: a[key]
            for key in (
                "agent",
                "operator",
                "purpose",
                "hits",
                "verified",
                "impersonators",
                "unverifiable",
                "violations",
                "impersonator_violations",
                "within_cache_allowance",
                "changed_between",
                "unknown",
                "images",
                "robots_reads",
                "read_robots_first",
                "kept_coming_after_refusal",
            )
        }
        for a in section["agents"]
    ]
    violations = [
        {
            "agent": f["agent"],
            "operator": f["operator"],
            "verification": f["verification"],
            "day": f["day"],
            "path_prefix": f["path_prefix"],
            "hits": f["hits"],
            "images": f["images"],
            "rule": f["rule"],
            "robots_fetch_id": None if f["robots_fetch_id"] is None else str(f["robots_fetch_id"]),
            "sentence": f["sentence"],
            "lines": [{"file_sha256": c["file_sha256"], "line": c["line"]} for c in f["lines"]],
        }
        for f in section["violations"]
    ]
    return {
        "first_time": section["first_time"],
        "last_time": section["last_time"],
        "agents": agents,
        "violations": violations,
    }


def logs_summary(
    conn: sqlite3.Connection, chosen: tuple[str, Sequence[Any]] | None = None
) -> dict[str, Any] | None:
    """Headline numbers of the logs by operator, over the sites ``chosen`` selects (a
    condition on ``origin`` and its parameters; None: every site); None when no log was ever
    ingested."""
    if not has_logs(conn):
        return None
    where, params = chosen or ("1", [])
    files, lines, malformed = conn.execute(
        "SELECT count(*), coalesce(sum(lines), 0), coalesce(sum(malformed), 0) FROM log_files"
        " WHERE status = 'done'"
    ).fetchone()
    totals = conn.execute(
        "SELECT count(DISTINCT origin), coalesce(sum(hits), 0),"
        " coalesce(sum(CASE WHEN verification = 'verified' THEN hits END), 0),"
        " coalesce(sum(CASE WHEN verification = 'impersonator' THEN hits END), 0),"
        " coalesce(sum(CASE WHEN verification = 'unverifiable' THEN hits END), 0),"
        " coalesce(sum(CASE WHEN verification != 'impersonator' THEN disallowed END), 0),"
        " coalesce(sum(CASE WHEN verification = 'impersonator' THEN disallowed END), 0),"
        " count(DISTINCT CASE WHEN verification != 'impersonator' AND disallowed > 0"
        " THEN origin END)"
        f" FROM crawler_hits WHERE {where}",
        params,
    ).fetchone()
    operators = _dicts(
        conn.execute(
            "SELECT coalesce(operator, '') AS operator, group_concat(DISTINCT agent) AS agents,"
            " sum(CASE WHEN verification = 'verified' THEN hits ELSE 0 END) AS verified,"
            " sum(CASE WHEN verification = 'unverifiable' THEN hits ELSE 0 END) AS unverifiable,"
            " sum(CASE WHEN verification = 'impersonator' THEN hits ELSE 0 END) AS impersonators,"
            " sum(CASE WHEN verification != 'impersonator' THEN disallowed ELSE 0 END)"
            " AS violations,"
            " count(DISTINCT CASE WHEN verification != 'impersonator' AND disallowed > 0"
            " THEN origin END) AS sites_with_violations"
            f" FROM crawler_hits WHERE {where} GROUP BY coalesce(operator, '')",
            params,
        )
    )
    for entry in operators:
        entry["operator"] = entry["operator"] or None
        entry["agents"] = sorted(set((entry["agents"] or "").split(",")) - {""}, key=str.casefold)
    operators.sort(
        key=lambda o: (-o["violations"], -o["verified"], (o["operator"] or "").casefold())
    )
    return {
        "files": files,
        "lines": lines,
        "malformed": malformed,
        "sites": totals[0],
        "agent_hits": totals[1],
        "verified": totals[2],
        "impersonators": totals[3],
        "unverifiable": totals[4],
        "violations": totals[5],
        "impersonator_violations": totals[6],
        "sites_with_violations": totals[7],
        "by_operator": operators,
    }


def top_findings(conn: sqlite3.Connection, limit: int = LISTED_FINDINGS) -> list[dict[str, Any]]:
    """The largest violation findings over every site (never impersonators'): the site, the
    sentence, how many hits, and the first line to cite (file SHA-256 and line number)."""
    if not has_logs(conn):
        return []
    return _dicts(
        conn.execute(
            "SELECT v.origin, v.agent, max(v.operator) AS operator, v.verification, v.day,"
            " v.path_prefix, count(*) AS hits, min(v.sentence) AS sentence,"
            " (SELECT x.file_sha256 FROM crawler_violations x WHERE x.origin = v.origin"
            "   AND x.agent = v.agent AND x.verification = v.verification AND x.day = v.day"
            "   AND x.path_prefix = v.path_prefix ORDER BY x.time, x.line_id LIMIT 1)"
            "   AS file_sha256,"
            " (SELECT x.line_number FROM crawler_violations x WHERE x.origin = v.origin"
            "   AND x.agent = v.agent AND x.verification = v.verification AND x.day = v.day"
            "   AND x.path_prefix = v.path_prefix ORDER BY x.time, x.line_id LIMIT 1) AS line"
            " FROM crawler_violations v WHERE v.verification != 'impersonator'"
            " GROUP BY v.origin, v.agent, v.verification, v.day, v.path_prefix"
            " ORDER BY hits DESC, v.day, v.origin, v.agent, v.path_prefix LIMIT ?",
            [limit],
        )
    )
