"""History across crawls: the changes found by each audit, per-site timelines, adoption over time.

Everything is read with SQL from the derived tables (``changes``, ``site_summary``,
``contributions``, ``audits``) and the evidence tables (``crawls``, ``sites``, ``fetches``),
on a plain ``sqlite3`` connection, so the CLI, the webhook and the Datasette plugins share it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from audits.core.uses import USES
from results.site_lookup import site_candidates

USE_OF_SUBJECT: Final = """CASE
    WHEN subject LIKE 'agent:%' THEN 'train'
    WHEN subject LIKE 'verdict:%' THEN substr(subject, 9)
    WHEN subject LIKE 'mechanism:%'
      THEN substr(subject, 11, instr(substr(subject, 11), ':') - 1)
    WHEN subject LIKE 'edge:%' THEN (
      SELECT CASE WHEN a.purpose IN ('train', 'control') THEN 'train'
                  WHEN a.purpose IN ('search', 'user') THEN 'ai-use' END
      FROM agents a WHERE a.token = substr(subject, 6))
  END"""
"""The use a change subject is about; agent changes concern the training agents, so train; an
edge change the use its agent's purpose serves (training, or AI search and user fetches)."""

_CHANGES_SQL: Final = f"""
SELECT * FROM (
  SELECT c.crawl_id, cr.started_at AS crawl_started_at, c.previous_crawl_id,
    pr.started_at AS previous_started_at, c.origin, coalesce(s.name, si.name) AS name,
    coalesce(s.kind, si.kind) AS site_kind, coalesce(s.platform, si.platform) AS platform,
    c.subject, {USE_OF_SUBJECT.replace("subject", "c.subject")} AS use,
    c.change, c.before, c.after
  FROM changes c
    LEFT JOIN crawls cr ON cr.id = c.crawl_id
    LEFT JOIN crawls pr ON pr.id = c.previous_crawl_id
    LEFT JOIN site_summary s ON s.crawl_id = c.crawl_id AND s.origin = c.origin
    LEFT JOIN sites si ON si.origin = c.origin
  WHERE c.crawl_id IN (SELECT value FROM json_each(:crawls)){{origins}}
)
WHERE (:sites = '[]' OR lower(origin) IN (SELECT value FROM json_each(:sites)))
  AND (:kinds = '[]' OR lower(site_kind) IN (SELECT value FROM json_each(:kinds)))
  AND (:platforms = '[]' OR lower(platform) IN (SELECT value FROM json_each(:platforms)))
  AND (:uses = '[]' OR use IN (SELECT value FROM json_each(:uses)))
ORDER BY crawl_id, origin,
  CASE WHEN subject LIKE 'verdict:%' THEN 0 WHEN subject LIKE 'mechanism:%' THEN 1 ELSE 2 END,
  subject, change
"""

_SITES_ONLY: Final = "\n    AND c.origin IN (SELECT value FROM json_each(:sites))"

_CITED_SQL: Final = """
SELECT CAST(json_extract(e.value, '$.fetch_id') AS INTEGER)
FROM contributions k, json_each(k.evidence) e
WHERE k.crawl_id = :crawl AND k.origin = :origin AND k.use = :use
  AND (:mechanism IS NULL OR k.mechanism = :mechanism)
  AND json_extract(e.value, '$.fetch_id') IS NOT NULL
ORDER BY k.rowid, CAST(e.key AS INTEGER)
LIMIT 1
"""

# The counterpart of a fetch in another crawl: the same URL fetched the same way, else the
# first fetch of the same kind (a content page sampled differently still shows the change).
_COUNTERPART_SQL: Final = """
SELECT o.id, o.requested_url, o.kind
FROM fetches f JOIN fetches o
  ON o.crawl_id = :crawl AND o.origin = f.origin AND o.kind = f.kind AND o.rendered = f.rendered
WHERE f.id = :fetch
ORDER BY o.requested_url = f.requested_url DESC, o.id
LIMIT 1
"""

# An agent's probe in one crawl, one with the outcome the change names first.
_PROBE_SQL: Final = """
SELECT f.id, f.requested_url, f.kind
FROM probes p JOIN fetches f ON f.id = p.probe_fetch_id
WHERE p.crawl_id = ? AND p.origin = ? AND p.agent = ?
ORDER BY p.outcome IS ? DESC, p.rowid LIMIT 1
"""

_ROBOTS_SQL: Final = """
SELECT id, requested_url, kind FROM fetches
WHERE crawl_id = ? AND origin = ? AND kind = 'robots' AND rendered = 0
ORDER BY id LIMIT 1
"""


@dataclass(frozen=True)
class ChangeFilter:
    """Which changes to keep: any of the sites, kinds, platforms and uses given (empty: all)."""

    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()

    def params(self) -> dict[str, str]:
        """The filter as the JSON-list parameters of the changes query."""
        origins = sorted({o for site in self.sites for o in site_candidates(site)})
        return {
            "sites": json.dumps(origins),
            "kinds": json.dumps(sorted({k.strip().lower() for k in self.kinds})),
            "platforms": json.dumps(sorted({p.strip().lower() for p in self.platforms})),
            "uses": json.dumps(sorted({u.strip().lower() for u in self.uses})),
        }


@dataclass(frozen=True)
class FetchRef:
    """One stored fetch a change can be checked against."""

    fetch_id: int
    url: str
    kind: str

    def as_json(self) -> dict[str, Any]:
        return {"fetch_id": self.fetch_id, "url": self.url, "kind": self.kind}


@dataclass(frozen=True)
class Change:
    """One change of one site between its previous audited crawl and this one."""

    crawl_id: int
    crawl_started_at: str | None
    previous_crawl_id: int
    previous_started_at: str | None
    origin: str
    name: str | None
    site_kind: str | None
    platform: str | None
    subject: str
    use: str | None
    change: str
    before: str | None
    after: str | None
    evidence_before: FetchRef | None = None
    evidence_after: FetchRef | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON object of ``optout changes --json`` and of the webhook."""

        def ref(value: FetchRef | None) -> dict[str, Any] | None:
            return value.as_json() if value else None

        return {
            "origin": self.origin,
            "name": self.name,
            "site_kind": self.site_kind,
            "platform": self.platform,
            "subject": self.subject,
            "use": self.use,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "crawl": {"id": self.crawl_id, "started_at": self.crawl_started_at},
            "previous_crawl": {
                "id": self.previous_crawl_id,
                "started_at": self.previous_started_at,
            },
            "evidence": {"before": ref(self.evidence_before), "after": ref(self.evidence_after)},
        }


def is_audited(conn: sqlite3.Connection, crawl_id: int) -> bool:
    """Whether ``optout audit`` has derived this crawl's tables."""
    sql = "SELECT 1 FROM audits WHERE crawl_id = ?"
    return conn.execute(sql, [crawl_id]).fetchone() is not None


def latest_audited_crawl(conn: sqlite3.Connection) -> int | None:
    """The id of the newest audited crawl, or None when nothing is audited."""
    row = conn.execute("SELECT MAX(crawl_id) FROM audits").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def audited_crawls_since(conn: sqlite3.Connection, day: date) -> list[int]:
    """Audited crawls started on ``day`` or later (UTC dates), oldest first."""
    rows = conn.execute(
        "SELECT a.crawl_id FROM audits a JOIN crawls c ON c.id = a.crawl_id"
        " WHERE substr(c.started_at, 1, 10) >= ? ORDER BY a.crawl_id",
        [day.isoformat()],
    )
    return [int(crawl_id) for (crawl_id,) in rows]


def list_changes(
    conn: sqlite3.Connection,
    crawl_ids: Sequence[int],
    selection: ChangeFilter = ChangeFilter(),
    *,
    with_evidence: bool = True,
) -> list[Change]:
    """The changes found by the audits of ``crawl_ids``, sorted by crawl, site and subject."""
    params = {"crawls": json.dumps(list(crawl_ids)), **selection.params()}
    # Stored origins are lower case (crawler/seeds.py), so asking for the sites' origins as
    # they are lets SQLite read them through changes_origin instead of every change of the
    # crawls (a site's page at a million sites); the lower() filter outside stays exact.
    origins = "" if selection.sites == () else _SITES_ONLY
    cursor = conn.execute(_CHANGES_SQL.replace("{origins}", origins), params)
    columns = [d[0] for d in cursor.description]
    changes = [Change(**dict(zip(columns, row, strict=True))) for row in cursor]
    if not with_evidence:
        return changes
    robots: dict[tuple[int, str], FetchRef | None] = {}
    return [_with_evidence(conn, c, robots) for c in changes]


def _ref(row: Sequence[Any] | None) -> FetchRef | None:
    return FetchRef(int(row[0]), str(row[1]), str(row[2])) if row else None


def _robots(
    conn: sqlite3.Connection, crawl_id: int, origin: str, cache: dict[tuple[int, str], Any]
) -> FetchRef | None:
    key = (crawl_id, origin)
    if key not in cache:
        cache[key] = _ref(conn.execute(_ROBOTS_SQL, key).fetchone())
    return cache[key]  # type: ignore[no-any-return]


def _cited(
    conn: sqlite3.Connection, crawl_id: int, origin: str, use: str, mechanism: str | None
) -> FetchRef | None:
    params = {"crawl": crawl_id, "origin": origin, "use": use, "mechanism": mechanism}
    row = conn.execute(_CITED_SQL, params).fetchone()
    if row is None or row[0] is None:
        return None
    return _ref(
        conn.execute("SELECT id, requested_url, kind FROM fetches WHERE id = ?", row).fetchone()
    )


def _counterpart(conn: sqlite3.Connection, ref: FetchRef, crawl_id: int) -> FetchRef | None:
    return _ref(
        conn.execute(_COUNTERPART_SQL, {"crawl": crawl_id, "fetch": ref.fetch_id}).fetchone()
    )


def _probe(
    conn: sqlite3.Connection, crawl_id: int, origin: str, agent: str, outcome: str | None
) -> FetchRef | None:
    return _ref(conn.execute(_PROBE_SQL, [crawl_id, origin, agent, outcome]).fetchone())


def _with_evidence(
    conn: sqlite3.Connection, change: Change, robots: dict[tuple[int, str], Any]
) -> Change:
    """The change with the fetch it rests on in both crawls.

    A mechanism or verdict change points at the fetch the audit cites for it (in the crawl
    where the mechanism contributes) and at the same URL in the other crawl; an edge change at
    a probe of the agent in each crawl that got the answer named (refused before, served
    after, …); an agent change, or one nothing cites, at robots.txt.
    """
    new, old = change.crawl_id, change.previous_crawl_id
    before = after = None
    if change.subject.startswith("edge:"):
        agent = change.subject.removeprefix("edge:")
        before = _probe(conn, old, change.origin, agent, change.before)
        after = _probe(conn, new, change.origin, agent, change.after)
    elif change.use is not None and not change.subject.startswith("agent:"):
        parts = change.subject.split(":", 2)
        mechanism = parts[2] if parts[0] == "mechanism" and len(parts) == 3 else None
        after = _cited(conn, new, change.origin, change.use, mechanism)
        if after is not None:
            before = _counterpart(conn, after, old)
        else:
            before = _cited(conn, old, change.origin, change.use, mechanism)
            after = _counterpart(conn, before, new) if before is not None else None
    if before is None and after is None:
        before = _robots(conn, old, change.origin, robots)
        after = _robots(conn, new, change.origin, robots)
    return replace(change, evidence_before=before, evidence_after=after)


@dataclass(frozen=True)
class AgentGroup:
    """Training-agent changes of one site and crawl folded into one line for people to read."""

    crawl_id: int
    origin: str
    change: str
    before: str | None
    after: str | None
    agents: tuple[str, ...]
    first: Change


def fold_agent_changes(changes: Sequence[Change], threshold: int = 5) -> list[Change | AgentGroup]:
    """The changes, with a site's agent changes of one kind folded when there are more than
    ``threshold`` of them."""
    agents: dict[tuple[int, str, str], list[Change]] = {}
    for c in changes:
        if c.subject.startswith("agent:"):
            agents.setdefault((c.crawl_id, c.origin, c.change), []).append(c)
    out: list[Change | AgentGroup] = []
    emitted: set[tuple[int, str, str]] = set()
    for c in changes:
        key = (c.crawl_id, c.origin, c.change)
        group = agents.get(key) if c.subject.startswith("agent:") else None
        if group is None or len(group) <= threshold:
            out.append(c)
        elif key not in emitted:
            emitted.add(key)
            names = tuple(g.subject.removeprefix("agent:") for g in group)
            out.append(AgentGroup(c.crawl_id, c.origin, c.change, c.before, c.after, names, c))
    return out


@dataclass(frozen=True)
class TimelineEntry:
    """One audited crawl of one site: its four states and what changed since its previous crawl."""

    crawl_id: int
    started_at: str | None
    states: dict[str, str]
    train_mechanisms: str | None
    changes: tuple[Change | AgentGroup, ...] = field(default=())


def site_timeline(conn: sqlite3.Connection, origin: str, limit: int = 100) -> list[TimelineEntry]:
    """Each audited crawl of one site, newest first (at most ``limit``), with its changes."""
    rows = conn.execute(
        "SELECT s.crawl_id, c.started_at, s.train, s.ai_use, s.search, s.tdm, s.train_mechanisms"
        " FROM site_summary s LEFT JOIN crawls c ON c.id = s.crawl_id"
        " WHERE s.origin = ? ORDER BY s.crawl_id DESC LIMIT ?",
        [origin, limit],
    ).fetchall()
    crawl_ids = [int(r[0]) for r in rows]
    changes = list_changes(conn, crawl_ids, ChangeFilter(sites=(origin,)), with_evidence=False)
    by_crawl: dict[int, list[Change]] = {}
    for c in changes:
        if c.origin == origin:
            by_crawl.setdefault(c.crawl_id, []).append(c)
    return [
        TimelineEntry(
            crawl_id=int(crawl_id),
            started_at=started,
            states=dict(zip(USES, (train, ai_use, search, tdm), strict=True)),
            train_mechanisms=mechanisms or None,
            changes=tuple(fold_agent_changes(by_crawl.get(int(crawl_id), []))),
        )
        for crawl_id, started, train, ai_use, search, tdm, mechanisms in rows
    ]


@dataclass(frozen=True)
class AdoptionPoint:
    """One audited crawl: how many sites reserve AI training, overall and per mechanism."""

    crawl_id: int
    started_at: str | None
    sites: int
    opted_out: int
    by_mechanism: dict[str, int]

    def share(self, count: int) -> float:
        """``count`` as a percentage of this crawl's sites."""
        return round(100.0 * count / self.sites, 1) if self.sites else 0.0


def adoption_over_time(conn: sqlite3.Connection, limit: int = 60) -> list[AdoptionPoint]:
    """Per audited crawl (the ``limit`` newest, oldest first): sites reserving AI training,
    fully or partly, overall and per mechanism."""
    rows = conn.execute(
        "SELECT a.crawl_id, c.started_at, count(s.origin),"
        " coalesce(sum(s.train IN ('reserved', 'partial')), 0)"
        " FROM audits a LEFT JOIN crawls c ON c.id = a.crawl_id"
        " LEFT JOIN site_summary s ON s.crawl_id = a.crawl_id"
        " GROUP BY a.crawl_id ORDER BY a.crawl_id DESC LIMIT ?",
        [limit],
    ).fetchall()
    crawl_ids = [int(r[0]) for r in rows]
    mechanisms: dict[int, dict[str, int]] = {}
    for crawl_id, mechanism, sites in conn.execute(
        "SELECT crawl_id, mechanism, count(DISTINCT origin) FROM contributions"
        " WHERE use = 'train' AND effect IN ('reserved', 'partial')"
        " AND crawl_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2",
        [json.dumps(crawl_ids)],
    ):
        mechanisms.setdefault(int(crawl_id), {})[str(mechanism)] = int(sites)
    return [
        AdoptionPoint(int(c), started, int(sites), int(opted), mechanisms.get(int(c), {}))
        for c, started, sites, opted in reversed(rows)
    ]
