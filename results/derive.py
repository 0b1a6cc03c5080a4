"""``optout audit``: derive every table of one crawl from its stored fetch records.

The rewrite of a crawl's derived rows happens in one transaction: a reader (Datasette) sees
the old results until the new ones are complete, and a killed audit leaves the old ones
intact. Rows go in with ``executemany`` on the raw connection because sqlite-utils' bulk
helpers commit on their own, which would split the transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from audits.core.agents import Registry, load_registry
from audits.core.evidence import SiteEvidence
from audits.site.audit import SiteAudit, audit_site
from crawler.storage import iter_site_evidence, now_iso
from results.changes import site_changes
from results.completeness import unfinished_reason
from results.derive_platforms import image_row, platform_rows, site_extras
from results.history import latest_audited_crawl as latest_audited_crawl  # moved: light to import
from results.probe_rows import probe_rows
from results.report import reserved_in_words_only, site_report
from results.report_types import StatementReport
from results.robots_rows import compact, stored_report
from results.rollups import ROLLUP_TABLES
from results.schema import CRAWL_ROLLUPS, DERIVED_TABLES, PROBE_TABLES, WORDS_TABLES

DERIVED = (*DERIVED_TABLES, *PROBE_TABLES, *WORDS_TABLES, *ROLLUP_TABLES)
_BATCH = 500


class AuditError(Exception):
    """The audit cannot run as asked (no such crawl, empty database)."""


@dataclass(frozen=True)
class AuditResult:
    crawl_id: int
    sites: int
    findings: int
    changes: int
    seconds: float


def resolve_crawl(db: sqlite_utils.Database, spec: str | int | None) -> int:
    """A crawl id from ``latest`` (the default) or a number, checked to exist and to have
    finished. ``latest`` is the newest crawl: when that one is unfinished it is refused by
    name, never silently replaced by an older one."""
    if spec in (None, "latest"):
        row = db.execute("SELECT MAX(id) FROM crawls").fetchone()
        if row is None or row[0] is None:
            raise AuditError("the database holds no crawl yet: run `optout crawl` first")
        crawl_id = int(row[0])
    else:
        try:
            crawl_id = int(spec)  # type: ignore[arg-type,unused-ignore]
        except ValueError as err:
            raise AuditError(f"--crawl takes a crawl id or 'latest', not {spec!r}") from err
        if db.execute("SELECT 1 FROM crawls WHERE id = ?", [crawl_id]).fetchone() is None:
            raise AuditError(f"there is no crawl {crawl_id} in this database")
    require_finished(db, crawl_id)
    return crawl_id


def require_finished(db: sqlite_utils.Database, crawl_id: int) -> None:
    """AuditError naming the crawl, its status and progress when it has not finished."""
    reason = unfinished_reason(db.conn, crawl_id)
    if reason is not None:
        raise AuditError(reason)


class _Rows:
    """Buffers rows per table and writes them in batches on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        columns = self.columns.setdefault(table, tuple(row))
        self.buffers.setdefault(table, []).append(tuple(row[c] for c in columns))
        self.counts[table] = self.counts.get(table, 0) + 1
        if len(self.buffers[table]) >= _BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.buffers):
            rows = self.buffers.get(name)
            if rows:
                columns = self.columns[name]
                marks = ", ".join("?" for _ in columns)
                self.conn.executemany(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows
                )
                rows.clear()


def audit_crawl(
    db: sqlite_utils.Database,
    crawl_id: int,
    *,
    registry: Registry | None = None,
    on_site: Callable[[str], None] | None = None,
) -> AuditResult:
    """Re-derive every table of one finished crawl; idempotent (its old rows are replaced).

    Only the sites the crawl marked done are audited: a site whose records stop midway (a
    crawl finished by hand, an old database) is "not checked this time", never an opt-out
    that disappeared.
    """
    require_finished(db, crawl_id)
    _refuse_pruned(db, crawl_id)
    registry = registry or load_registry()
    started = time.monotonic()
    conn = db.conn
    sites = 0
    with conn:
        for table in DERIVED:
            conn.execute(f"DELETE FROM {table} WHERE crawl_id = ?", [crawl_id])
        _write_agents(conn, registry)
        rows = _Rows(conn)
        populations = _populations(db, crawl_id)
        not_done = not_done_origins(db, crawl_id)
        for evidence in iter_site_evidence(db, crawl_id):
            if evidence.origin in not_done:
                continue
            audit = audit_site(evidence, registry)
            population = populations.get(evidence.origin)
            _write_site(db, rows, crawl_id, evidence, audit, registry, population)
            sites += 1
            if on_site is not None:
                on_site(evidence.origin)
        rows.flush()
        for change in site_changes(conn, crawl_id):
            rows.add("changes", change)
        rows.flush()
        for statement in CRAWL_ROLLUPS:
            conn.execute(statement, {"crawl": crawl_id})
        seconds = time.monotonic() - started
        conn.execute(
            "INSERT OR REPLACE INTO audits VALUES (?, ?, ?, ?, ?, ?)",
            [crawl_id, now_iso(), audit_version(), registry.version, sites, round(seconds, 3)],
        )
    return AuditResult(
        crawl_id, sites, rows.counts.get("findings", 0), rows.counts.get("changes", 0), seconds
    )


def not_done_origins(db: sqlite_utils.Database, crawl_id: int) -> set[str]:
    """Origins with fetch records in the crawl but not marked done in it (none, normally: the
    set stays small where the done sites may be a million)."""
    rows = db.execute(
        "SELECT DISTINCT f.origin FROM fetches f LEFT JOIN site_status s"
        " ON s.crawl_id = f.crawl_id AND s.origin = f.origin AND s.status = 'done'"
        " WHERE f.crawl_id = ? AND s.origin IS NULL",
        [crawl_id],
    )
    return {origin for (origin,) in rows}


def _refuse_pruned(db: sqlite_utils.Database, crawl_id: int) -> None:
    """AuditError when ``optout prune`` removed bodies this crawl's fetches point at."""
    missing, first = db.execute(
        "SELECT count(*), min(f.id) FROM fetches f LEFT JOIN bodies b ON b.sha256 = f.body_sha256"
        " WHERE f.crawl_id = ? AND f.body_sha256 IS NOT NULL AND b.sha256 IS NULL",
        [crawl_id],
    ).fetchone()
    if missing:
        raise AuditError(
            f"crawl {crawl_id} cannot be audited again: `optout prune` removed the bodies of"
            f" {missing} of its fetches (first: fetch {first}), so its evidence is gone;"
            " its derived results are kept as they were last audited"
        )


def audit_version() -> str:
    from audits import INTERPRETER_VERSION

    return INTERPRETER_VERSION


_AGENT_COLUMNS = (
    "token",
    "operator",
    "purpose",
    "legacy",
    "respects_robots",
    "category",
    "rfc9309_valid",
    "matchable_as",
    "docs_url",
    "registry_version",
    "user_agent",
    "robots_exemption",
    "robots_exemption_source",
)


def _write_agents(conn: sqlite3.Connection, registry: Registry) -> None:
    conn.execute("DELETE FROM agents")
    marks = ", ".join("?" for _ in _AGENT_COLUMNS)
    conn.executemany(
        f"INSERT INTO agents ({', '.join(_AGENT_COLUMNS)}) VALUES ({marks})",
        [
            (
                a.token,
                a.operator,
                a.purpose,
                int(a.legacy),
                a.respects_robots,
                a.category,
                int(a.rfc9309_valid),
                a.matchable_as,
                a.docs_url,
                registry.version,
                a.user_agent,
                a.robots_exemption,
                a.robots_exemption_source,
            )
            for a in registry.agents
        ],
    )


def _site_facts(db: sqlite_utils.Database, origin: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT name, kind, platform, country, tags FROM sites WHERE origin = ?", [origin]
    ).fetchone()
    if row is None:
        return {}
    name, kind, platform, country, tags = row
    return {
        "name": name,
        "kind": kind,
        "platform": platform,
        "country": country,
        "tags": json.loads(tags) if tags else [],
    }


def _populations(db: sqlite_utils.Database, crawl_id: int) -> dict[str, int]:
    """How many profiles the crawler found on each platform, where it recorded the count."""
    if "profile_candidates" not in db.table("site_status").columns_dict:
        return {}
    rows = db.execute(
        "SELECT origin, profile_candidates FROM site_status"
        " WHERE crawl_id = ? AND profile_candidates IS NOT NULL",
        [crawl_id],
    )
    return {origin: int(n) for origin, n in rows}


def _fetch_meta(db: sqlite_utils.Database, evidence: SiteEvidence) -> dict[str, dict[str, Any]]:
    ids = [int(f.fetch_id) for f in evidence.fetches if f.fetch_id and f.fetch_id.isdigit()]
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        f"SELECT id, fetched_at, body_sha256 FROM fetches WHERE id IN ({marks})", ids
    ).fetchall()
    return {str(i): {"fetched_at": at, "body_sha256": sha} for i, at, sha in rows}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _write_site(
    db: sqlite_utils.Database,
    rows: _Rows,
    crawl_id: int,
    evidence: SiteEvidence,
    audit: SiteAudit,
    registry: Registry,
    population: int | None = None,
) -> None:
    origin = evidence.origin
    facts = _site_facts(db, origin)
    extras = site_extras(evidence, audit, registry=registry, population=population)
    audit = extras.audit
    report = site_report(audit, evidence, facts, _fetch_meta(db, evidence))
    report["images"] = extras.report_keys["images"]
    report["builder"] = extras.report_keys["builder"]
    base = {"crawl_id": crawl_id, "origin": origin}
    for image in extras.report_keys["images"]:
        rows.add("images", image_row(base, image))
    if extras.platform is not None:
        platform, profiles = platform_rows(base, extras.platform, facts.get("name"))
        rows.add("platform_summary", platform)
        for profile in profiles:
            rows.add("profiles", profile)
    for use, verdict in report["verdicts"].items():
        rows.add(
            "site_verdicts",
            {
                **base,
                "use": use,
                "state": verdict["state"],
                "sentence": verdict["sentence"],
                "mechanisms": _json(verdict["mechanisms"]),
                "conflict": int(verdict["conflict"]),
                "gaps": _json(verdict["gaps"]),
                "gap_count": len(verdict["gaps"]),
                "unknown_because": _json(verdict["unknown_because"]),
                "enforced": verdict.get("enforced"),
                "state_counting_words": verdict.get("state_counting_words"),
            },
        )
        for c in verdict["contributions"]:
            rows.add(
                "contributions",
                {
                    **base,
                    "use": use,
                    "mechanism": c["mechanism"],
                    "effect": c["effect"],
                    "detail": c["detail"],
                    "evidence": _json(c["evidence"]),
                },
            )
    for f in report["findings"]:
        rows.add(
            "findings",
            {
                **base,
                "code": f["code"],
                "severity": f["severity"],
                "message": f["message"],
                "line": f["line"],
                "evidence": f["evidence"],
                "agent": f["agent"],
                "url": f["url"],
                "fetch_id": _int(f["fetch_id"]),
            },
        )
    probes = report.get("probes")
    if probes is not None:
        results, agents = probe_rows(base, probes)
        for row in results:
            rows.add("probes", row)
        for row in agents:
            rows.add("probe_agents", row)
    for statement in report.get("statements") or ():
        rows.add("statements", statement_row(base, statement))
    _write_robots(rows, base, audit, evidence, registry)
    _write_pages(rows, base, audit)
    blocked, total = _training_blocked(audit, registry)
    states = {use: v["state"] for use, v in report["verdicts"].items()}
    words_only = [use for use, v in report["verdicts"].items() if reserved_in_words_only(v)]
    severities = [f["severity"] for f in report["findings"]]
    rows.add(
        "site_summary",
        {
            **base,
            "name": facts.get("name"),
            "kind": facts.get("kind"),
            "platform": facts.get("platform"),
            "country": facts.get("country"),
            "train": states["train"],
            "ai_use": states["ai-use"],
            "search": states["search"],
            "tdm": states["tdm"],
            "train_mechanisms": ", ".join(report["verdicts"]["train"]["mechanisms"]),
            "robots_state": report["robots"]["state"],
            "authorship": report["robots"]["authorship"],
            "training_agents_blocked": blocked,
            "training_agents_total": total,
            "errors": severities.count("error"),
            "warnings": severities.count("warning"),
            "conflicts": sum(v["conflict"] for v in report["verdicts"].values()),
            "summary": report["summary"],
            "train_counting_words": report["verdicts"]["train"].get("state_counting_words"),
            "words_only": ", ".join(words_only) or None,
            **extras.summary_columns,
            "report": _json(stored_report(report)),
        },
    )


def statement_row(base: Mapping[str, Any], statement: StatementReport) -> dict[str, Any]:
    """One ``statements`` row: a sentence about mining or AI read on the site."""
    return {
        **base,
        "url": statement["url"],
        "fetch_id": _int(statement["fetch_id"]),
        "place": statement["place"],
        "line": statement["line"],
        "repeats": statement["repeats"],
        "kind": statement["kind"],
        "uses": _json(statement["uses"]),
        "lang": statement["lang"],
        "statutes": _json(statement["statutes"]),
        "trigger": statement["trigger"],
        "reason": statement["reason"],
        "text": statement["text"],
    }


def _training_blocked(audit: SiteAudit, registry: Registry) -> tuple[int | None, int]:
    """Training agents robots.txt blocks, counted as the verdict sentence counts them."""
    agents = registry.training_agents()
    if audit.robots_verdicts is None:
        no_file = audit.robots_access is not None and audit.robots_access.audit_state == "no-file"
        return (0 if no_file else None), len(agents)
    return len(agents) - len(audit.verdict("train").gaps), len(agents)


def _write_robots(
    rows: _Rows,
    base: dict[str, Any],
    audit: SiteAudit,
    evidence: SiteEvidence,
    registry: Registry,
) -> None:
    robots_fetch = evidence.first("robots")
    fetch_id = _int(robots_fetch.fetch_id) if robots_fetch else None
    table = audit.robots_verdicts
    if table is None:
        access = audit.robots_access
        known_empty = access is not None and access.audit_state == "no-file"
        verdicts = [
            {
                **base,
                "agent": agent.token,
                "path": "/",
                "allowed": 1 if known_empty else None,
                "matched": "no-file" if known_empty else "unknown",
                "group_lines": None,
                "group_text": None,
                "rule_line": None,
                "rule_text": None,
                "protego_allowed": None,
                "google_allowed": None,
                "fetch_id": fetch_id,
            }
            for agent in registry.agents
        ]
    else:
        # Most agents share a few group sets: their line lists are encoded once each.
        lines: dict[tuple[int, ...], str] = {}
        verdicts = [
            {
                **base,
                "agent": v.agent,
                "path": v.path,
                "allowed": int(v.allowed),
                "matched": v.matched,
                "group_lines": lines.get(v.group_lines)
                or lines.setdefault(v.group_lines, _json(list(v.group_lines))),
                "group_text": v.group_text,
                "rule_line": v.rule_line,
                "rule_text": v.rule_text,
                "protego_allowed": _bool(v.protego_allowed),
                "google_allowed": _bool(v.google_allowed),
                "fetch_id": fetch_id,
            }
            for v in table
        ]
    # Stored compactly (results.robots_rows); the view robots_verdicts shows every agent.
    for row in compact(verdicts):
        rows.add("robots_verdict_rows", row)


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _write_pages(rows: _Rows, base: dict[str, Any], audit: SiteAudit) -> None:
    seen: set[tuple[str, str]] = set()
    for page in audit.pages:
        key = (page.fetch.url, page.fetch.kind)
        if key in seen:
            continue
        seen.add(key)
        ai = page.ai()
        tdm = (
            page.tdm_meta.reservation
            if page.tdm_meta and page.tdm_meta.reservation is not None
            else page.tdm_header.reservation
        )
        usage = page.content_usage.categories.get("train-ai") if page.content_usage else None
        rows.add(
            "pages",
            {
                **base,
                "url": page.fetch.url,
                "kind": page.fetch.kind,
                "fetch_id": _int(page.fetch.fetch_id),
                "readable": int(page.readable),
                "bot_wall": f"{page.wall.vendor}:{page.wall.kind}" if page.wall else None,
                "noai": int(ai.all_ai),
                "noimageai": int(ai.images),
                "noai_rendered_only": int(page.rendered_only_noai),
                "tdm_reservation": tdm,
                "content_usage_train": usage,
                "directives": _json(sorted(page.directives())),
            },
        )


def audited(db: sqlite_utils.Database, crawl_id: int) -> bool:
    return db.execute("SELECT 1 FROM audits WHERE crawl_id = ?", [crawl_id]).fetchone() is not None


__all__: Sequence[str] = (
    "AuditError",
    "AuditResult",
    "audit_crawl",
    "require_finished",
    "resolve_crawl",
)
