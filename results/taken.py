"""Is the work already taken? One site's Common Crawl captures (``optout captures``) and its
matches in training-set URL lists (``optout datasets check``), as the export and the per-site
page show them (issue 17; docs/captures.md, docs/datasets.md).

``crawl_taken`` sums both up over one audited crawl's sites for the report's "Already
taken?" section. Both come from tables of their own migration sets, which a database has only
once the command ran; a site with nothing in either has no object at all, so an export of a database
where neither ran is as it was before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypedDict

import sqlite_utils

from audits.captures import CLASSES
from results.captures.run import UNLISTED, site_run
from results.captures.store import stored_queries

EXAMPLES: Final = 5
"""Dataset matches quoted per dataset and shard."""


class CapturesReport(TypedDict):
    crawls: list[dict[str, Any]]
    """Per Common Crawl crawl asked: every capture, the taken ones by class, the ones that
    stored no content (``not_taken``), and the query's status."""
    first_block: str | None
    by_class: dict[str, int]
    """Taken captures (a 2xx answer stored, not a revisit) by class."""
    not_taken: dict[str, int]
    """Captures that stored no content (a redirect, an error, a revisit) by class."""
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
                "not_taken": c.not_taken,
                "status": by_query[c.crawl]["status"] if c.crawl in by_query else None,
                "error": by_query[c.crawl]["error"] if c.crawl in by_query else None,
                "truncated": bool(by_query[c.crawl]["truncated"]) if c.crawl in by_query else False,
                "queried_at": by_query[c.crawl]["queried_at"] if c.crawl in by_query else None,
            }
            for c in site.per_crawl
        ],
        "first_block": site.first_block.isoformat() if site.first_block else None,
        "by_class": {verdict: site.count(verdict) for verdict in CLASSES},
        "not_taken": {verdict: site.count(verdict, taken=False) for verdict in CLASSES},
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


# --- the report's "Already taken?" section: the numbers over one audited crawl's sites ---

EXPLANATION_WORDS: Final[dict[str | None, str]] = {
    "ccbot-typo": "a misspelt CCBot token in robots.txt (a broken opt-out)",
    "robots-unreadable": "a robots.txt the audit could not read (a broken opt-out)",
    "cache-allowance": "within 24 hours of the block (the caching allowance RFC 9309 gives)",
    "block-lifted": "the site had lifted its block again",
    None: "nothing the audit saw explains them",
}
"""Why captures were made after the block, in the report's order (robots.txt itself, never a
breach, is left out)."""
BROKEN: Final = frozenset({"ccbot-typo", "robots-unreadable"})


@dataclass(frozen=True)
class AfterBlock:
    """Sites and taken captures after the block, for one explanation."""

    explanation: str | None
    words: str
    sites: int
    captures: int


@dataclass(frozen=True)
class DatasetSites:
    """One dataset's newest check: the crawl's sites it lists."""

    dataset: str
    sites: int
    """Sites with a URL or an origin match."""
    url_sites: int
    """Sites with at least one of their crawled URLs listed."""
    url_matches: int


@dataclass(frozen=True)
class CrawlTaken:
    """Captures and dataset matches over the sites of one audited crawl."""

    sites_asked: int
    """Sites Common Crawl's index was asked about."""
    sites_after: int
    """Sites with captures that stored a page after their CCBot block (robots.txt aside)."""
    captures_after: int
    sites_broken: int
    """Of ``sites_after``: those where a broken opt-out explains some of them."""
    sites_cache: int
    """Of ``sites_after``: those where the 24-hour caching allowance explains some of them."""
    after: tuple[AfterBlock, ...]
    sites_before: int
    captures_before: int
    not_taken: int
    """Captures that stored no content (redirects, errors, revisits), over every site."""
    datasets_checked: int
    datasets: tuple[DatasetSites, ...]


def _rows_in(db: sqlite_utils.Database, table: str) -> bool:
    return _has(db, table) and db.execute(f"SELECT 1 FROM [{table}] LIMIT 1").fetchone() is not None


def crawl_taken(db: sqlite_utils.Database, crawl_id: int) -> CrawlTaken | None:
    """The section's numbers over the crawl's sites; None when neither ``optout captures`` nor
    ``optout datasets check`` wrote anything in the database."""
    asked, checked = _rows_in(db, "capture_queries"), _rows_in(db, "dataset_checks")
    if not asked and not checked:
        return None
    origins = (
        [
            str(o)
            for (o,) in db.execute(
                "SELECT DISTINCT q.origin FROM capture_queries q JOIN site_summary s"
                " ON s.origin = q.origin AND s.crawl_id = ? WHERE q.crawl != ? ORDER BY 1",
                [crawl_id, UNLISTED],
            )
        ]
        if asked
        else []
    )
    sites: dict[str | None, set[str]] = {e: set() for e in EXPLANATION_WORDS}
    captures: dict[str | None, int] = dict.fromkeys(EXPLANATION_WORDS, 0)
    before_sites = before = not_taken = 0
    for origin in origins:
        names = sorted({str(q["crawl"]) for q in stored_queries(db, origin)} - {UNLISTED})
        report = site_run(db, origin, names).report
        not_taken += report.not_taken
        taken_before = report.count("before-block")
        before += taken_before
        before_sites += bool(taken_before)
        for v in report.verdicts:
            if v.verdict == "after-block" and v.taken and v.explanation != "robots-txt":
                sites[v.explanation].add(origin)
                captures[v.explanation] += 1
    after_sites = set().union(*sites.values())
    return CrawlTaken(
        sites_asked=len(origins),
        sites_after=len(after_sites),
        captures_after=sum(captures.values()),
        sites_broken=len(set().union(*(sites[e] for e in BROKEN))),
        sites_cache=len(sites["cache-allowance"]),
        after=tuple(
            AfterBlock(e, words, len(sites[e]), captures[e])
            for e, words in EXPLANATION_WORDS.items()
        ),
        sites_before=before_sites,
        captures_before=before,
        not_taken=not_taken,
        datasets_checked=_checked(db) if checked else 0,
        datasets=_dataset_sites(db, crawl_id) if checked else (),
    )


def _checked(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COUNT(DISTINCT name) FROM dataset_checks").fetchone()[0])


def _dataset_sites(db: sqlite_utils.Database, crawl_id: int) -> tuple[DatasetSites, ...]:
    """Per dataset, its newest check's matches among the crawl's sites."""
    rows = db.execute(
        "SELECT c.dataset, COUNT(DISTINCT c.origin), COUNT(DISTINCT CASE WHEN c.url_matches > 0"
        " THEN c.origin END), SUM(c.url_matches)"
        " FROM dataset_site_counts c JOIN site_summary s ON s.origin = c.origin AND s.crawl_id = ?"
        " WHERE c.url_matches + c.origin_matches > 0"
        " AND c.check_id = (SELECT MAX(k.id) FROM dataset_checks k WHERE k.name = c.dataset)"
        " GROUP BY c.dataset ORDER BY c.dataset",
        [crawl_id],
    ).fetchall()
    return tuple(DatasetSites(str(d), int(n), int(u), int(m or 0)) for d, n, u, m in rows)
