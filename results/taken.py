"""Is the work already taken? One site's Common Crawl captures (``optout captures``) and its
matches in training-set URL lists (``optout datasets check``), as the export and the per-site
page show them (issue 17; docs/captures.md, docs/datasets.md).

Both come from tables of their own migration sets, which a database has only once the
command ran; a site with nothing in either has no object at all, so an export of a database
where neither ran is as it was before.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

import sqlite_utils

from audits.captures import CLASSES
from results.captures.run import UNLISTED, site_run
from results.captures.store import stored_queries

EXAMPLES: Final = 5
"""Dataset matches quoted per dataset and shard."""


class CapturesReport(TypedDict):
    crawls: list[dict[str, Any]]
    """Per Common Crawl crawl asked: captures by class, and the query's status."""
    first_block: str | None
    by_class: dict[str, int]
    findings: list[dict[str, Any]]


class DatasetReport(TypedDict):
    check_id: int
    dataset: str
    shard: str
    url_matches: int
    origin_matches: int
    examples: list[dict[str, Any]]


class TakenReport(TypedDict):
    captures: CapturesReport | None
    datasets: list[DatasetReport]


def _has(db: sqlite_utils.Database, table: str) -> bool:
    return db.table(table).exists()


def site_captures(db: sqlite_utils.Database, origin: str) -> CapturesReport | None:
    """The site's captures, classified against its audited CCBot history; None when Common
    Crawl's index was never asked about it."""
    if not _has(db, "capture_queries"):
        return None
    queries = [q for q in stored_queries(db, origin) if q["crawl"] != UNLISTED]
    if not queries:
        return None
    names = sorted({str(q["crawl"]) for q in queries}, reverse=True)
    site = site_run(db, origin, names).report
    by_query = {str(q["crawl"]): q for q in queries}
    return {
        "crawls": [
            {
                "crawl": c.crawl,
                "captures": c.captures,
                **{verdict: c.count(verdict) for verdict in CLASSES},
                "status": by_query[c.crawl]["status"] if c.crawl in by_query else None,
                "error": by_query[c.crawl]["error"] if c.crawl in by_query else None,
                "truncated": bool(by_query[c.crawl]["truncated"]) if c.crawl in by_query else False,
                "queried_at": by_query[c.crawl]["queried_at"] if c.crawl in by_query else None,
            }
            for c in site.per_crawl
        ],
        "first_block": site.first_block.isoformat() if site.first_block else None,
        "by_class": {verdict: site.count(verdict) for verdict in CLASSES},
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "evidence": f.evidence,
            }
            for f in site.findings
        ],
    }


def site_datasets(db: sqlite_utils.Database, origin: str) -> list[DatasetReport]:
    """Per dataset and shard of the newest check of each dataset: the site's matches, with a
    few quoted; empty when no dataset was checked or none lists the site."""
    if not _has(db, "dataset_site_counts"):
        return []
    rows = db.execute(
        "SELECT c.check_id, c.dataset, c.shard, c.url_matches, c.origin_matches"
        " FROM dataset_site_counts c"
        " WHERE c.origin = ? AND c.url_matches + c.origin_matches > 0"
        " AND c.check_id = (SELECT MAX(k.id) FROM dataset_checks k WHERE k.name = c.dataset)"
        " ORDER BY c.dataset, c.shard",
        [origin],
    ).fetchall()
    out: list[DatasetReport] = []
    for check_id, dataset, shard, url_matches, origin_matches in rows:
        examples = db.execute(
            "SELECT dataset_url, matched_url, match_kind, caption FROM dataset_matches"
            " WHERE check_id = ? AND origin = ? AND shard = ?"
            " ORDER BY match_kind DESC, id LIMIT ?",
            [check_id, origin, shard, EXAMPLES],
        ).fetchall()
        out.append(
            {
                "check_id": check_id,
                "dataset": dataset,
                "shard": shard,
                "url_matches": url_matches,
                "origin_matches": origin_matches,
                "examples": [
                    {"dataset_url": u, "matched_url": m, "match_kind": k, "caption": c}
                    for u, m, k, c in examples
                ],
            }
        )
    return out


def site_taken(db: sqlite_utils.Database, origin: str) -> TakenReport | None:
    """Captures and dataset matches of one site; None when there is neither."""
    captures = site_captures(db, origin)
    datasets = site_datasets(db, origin)
    if captures is None and not datasets:
        return None
    return {"captures": captures, "datasets": datasets}
