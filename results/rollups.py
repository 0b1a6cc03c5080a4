"""Per-crawl rollups for the pages that sum over every site of a crawl.

The landing page, ``mechanisms_in_use``, ``adoption_over_time`` and ``change_feed`` used to
count a crawl's summaries, contributions, findings and changes on every request: at a million
sites each took up to a second alone, and 8 clients queued them to seconds. The audit now
counts once per crawl, after writing the crawl's rows (``results.schema.CRAWL_ROLLUPS``), into
the tables of migration m012 (``results.schema.SCHEMA_ROLLUPS``); the pages read a few rows.

Each statement takes ``:crawl`` and reads only that crawl's rows, so re-auditing a crawl (its
rows deleted first, ``results.derive.DERIVED``) rewrites exactly its rollups. The tests in
tests/datasette/test_rollups.py compare every rollup with the query it replaced.
"""

from __future__ import annotations

import sqlite3
from typing import Final

ROLLUP_TABLES: Final = (
    "verdict_counts",
    "mechanism_counts",
    "crawl_totals",
    "change_feed_entries",
)
"""The rollup tables (``results.schema.SCHEMA_ROLLUPS``), each keyed by ``crawl_id``."""

VERDICT_COUNTS: Final = """
INSERT INTO verdict_counts (crawl_id, kind, train, sites)
SELECT :crawl, kind, train, count(*) FROM site_summary
WHERE crawl_id = :crawl GROUP BY kind, train
"""
"""Sites per kind and training verdict: the landing page's shares and chart, and the sites
(and those reserving, fully or partly) of each crawl in ``adoption_over_time``."""

MECHANISM_COUNTS: Final = """
INSERT INTO mechanism_counts (crawl_id, use, mechanism, sites_reserved, sites_partial,
    sites_allowing, sites_opted_out)
SELECT :crawl, use, mechanism,
    count(DISTINCT CASE WHEN effect = 'reserved' THEN origin END),
    count(DISTINCT CASE WHEN effect = 'partial' THEN origin END),
    count(DISTINCT CASE WHEN effect = 'allowed' THEN origin END),
    count(DISTINCT CASE WHEN effect IN ('reserved', 'partial') THEN origin END)
FROM contributions WHERE crawl_id = :crawl GROUP BY use, mechanism
"""
"""Sites per use and mechanism by effect; ``sites_opted_out`` counts a site that one mechanism
both reserves and partly reserves for once (adoption per mechanism)."""

CRAWL_TOTALS: Final = """
INSERT INTO crawl_totals (crawl_id, error_findings, error_sites, conflict_sites, changes,
    changed_sites, probed, refusing, charging, challenging, edge_only, robots_only)
SELECT :crawl, e.findings, e.sites, k.sites, c.changes, c.sites,
    p.probed, p.refusing, p.charging, p.challenging, p.edge_only, p.robots_only
FROM (
    SELECT coalesce(sum(n), 0) AS findings, count(*) AS sites FROM (
        SELECT count(*) AS n FROM findings
        WHERE crawl_id = :crawl AND severity = 'error' GROUP BY origin)
) e, (
    SELECT count(*) AS sites FROM (
        SELECT 1 FROM site_verdicts WHERE crawl_id = :crawl AND conflict = 1 GROUP BY origin)
) k, (
    SELECT coalesce(sum(n), 0) AS changes, count(*) AS sites FROM (
        SELECT count(*) AS n FROM changes WHERE crawl_id = :crawl GROUP BY origin)
) c, (
    SELECT count(DISTINCT origin) AS probed,
        count(DISTINCT CASE WHEN enforced = 'refused' THEN origin END) AS refusing,
        count(DISTINCT CASE WHEN enforced = 'charged' THEN origin END) AS charging,
        count(DISTINCT CASE WHEN enforced = 'challenged' THEN origin END) AS challenging,
        count(DISTINCT CASE WHEN declared = 'allowed'
            AND enforced IN ('refused', 'charged', 'challenged') THEN origin END) AS edge_only,
        count(DISTINCT CASE WHEN declared = 'blocked' AND enforced = 'served' THEN origin END)
            AS robots_only
    FROM probe_agents WHERE crawl_id = :crawl
) p
"""
"""The landing page's headline counts: error findings and the sites with one, sites with
contradicting signals, changes and changed sites, and what the edge did to probed agents
(all zero for a crawl that did not probe)."""

_USE_OF_SUBJECT: Final = """CASE
        WHEN c.subject LIKE 'agent:%' THEN 'train'
        WHEN c.subject LIKE 'verdict:%' THEN substr(c.subject, 9)
        WHEN c.subject LIKE 'mechanism:%'
            THEN substr(c.subject, 11, instr(substr(c.subject, 11), ':') - 1)
        WHEN c.subject LIKE 'edge:%' THEN (
            SELECT CASE WHEN a.purpose IN ('train', 'control') THEN 'train'
                        WHEN a.purpose IN ('search', 'user') THEN 'ai-use' END
            FROM agents a WHERE a.token = substr(c.subject, 6))
    END"""
"""The use a change is about, as ``results.history.USE_OF_SUBJECT`` reads it."""

CHANGE_FEED_ENTRIES: Final = f"""
INSERT INTO change_feed_entries (crawl_id, origin, site_kind, site_platform, use, atom_id,
    atom_title, atom_updated, atom_content, atom_link)
SELECT c.crawl_id, c.origin, coalesce(s.kind, si.kind), coalesce(s.platform, si.platform),
    {_USE_OF_SUBJECT},
    'urn:optout-audit:crawl:' || c.crawl_id || ':' || c.origin || ':' || c.subject,
    coalesce(coalesce(s.name, si.name), c.origin) || ': ' || CASE
        WHEN c.subject LIKE 'verdict:%' THEN 'verdict on ' || substr(c.subject, 9)
            || ' ' || c.change || ' (' || coalesce(c.before, '-') || ' → '
            || coalesce(c.after, '-') || ')'
        WHEN c.subject LIKE 'mechanism:%' THEN 'mechanism '
            || substr(c.subject, 11) || ' ' || c.change
        WHEN c.subject LIKE 'edge:%' THEN 'the edge now ' || coalesce(c.after, '-')
            || ' ' || substr(c.subject, 6) || ' (was ' || coalesce(c.before, '-') || ')'
        ELSE substr(c.subject, 7) || ' ' || coalesce(c.after, c.change)
    END,
    c.detected_at,
    c.origin || ' — ' || c.subject || ': ' || c.change || ' (before: '
        || coalesce(c.before, 'none') || ', after: ' || coalesce(c.after, 'none')
        || ', crawl ' || c.previous_crawl_id || ' → ' || c.crawl_id || '). Now: '
        || coalesce(s.summary, ''),
    '/-/site?origin=' || c.origin
FROM changes c
    LEFT JOIN site_summary s ON s.crawl_id = c.crawl_id AND s.origin = c.origin
    LEFT JOIN sites si ON si.origin = c.origin
WHERE c.crawl_id = :crawl
"""
"""One Atom entry per change of the crawl, as the ``change_feed`` query shows it, with the
site's kind, platform and the change's use kept for the feed's watch-list filters. An edge
change's use is read from the agent registry of the audit that wrote the entry."""

PAGE_ROLLUPS: Final = (VERDICT_COUNTS, MECHANISM_COUNTS, CRAWL_TOTALS, CHANGE_FEED_ENTRIES)
"""The rollups of migration m012, in the order the audit writes them (each takes ``:crawl``)."""


def rewrite_rollups(conn: sqlite3.Connection, crawl_id: int) -> None:
    """Sum one crawl's rollups again from its rows, in the caller's transaction: for a crawl
    whose derived rows were changed after its audit (the audit itself writes them in its own
    transaction, through ``results.schema.CRAWL_ROLLUPS``)."""
    for table in ROLLUP_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE crawl_id = ?", [crawl_id])
    for statement in PAGE_ROLLUPS:
        conn.execute(statement, {"crawl": crawl_id})


ADOPTION_SQL: Final = """
SELECT a.crawl_id, c.started_at,
    coalesce((SELECT sum(v.sites) FROM verdict_counts v WHERE v.crawl_id = a.crawl_id), 0),
    coalesce((SELECT sum(v.sites) FROM verdict_counts v WHERE v.crawl_id = a.crawl_id
        AND v.train IN ('reserved', 'partial')), 0)
FROM audits a LEFT JOIN crawls c ON c.id = a.crawl_id
ORDER BY a.crawl_id DESC LIMIT :limit
"""
"""Per audited crawl (the ``:limit`` newest, newest first): its start, sites and sites
reserving AI training fully or partly (``results.history.adoption_over_time``'s first query)."""

ADOPTION_MECHANISMS_SQL: Final = """
SELECT crawl_id, mechanism, sites_opted_out FROM mechanism_counts
WHERE use = 'train' AND sites_opted_out > 0
    AND crawl_id IN (SELECT value FROM json_each(:crawls))
"""
"""Per crawl (``:crawls``, a JSON list) and mechanism: the sites it reserves AI training for."""
