"""The per-site page, ``/-/site?origin=…[&crawl=N]``: one site's verdict and its evidence.

Rendered from ``site_summary.report`` (the same JSON the export and ``optout check --json``
give), so the page cannot disagree with them. Everything from the crawled site is shown as
escaped text; URLs of the site are text, and evidence links point at stored fetch rows.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, Final, cast
from urllib.parse import quote, urlsplit

import sqlite_utils
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from audits.fixes import SiteFixes
from datasette import hookimpl
from results.history import AgentGroup, Change, TimelineEntry, site_timeline
from results.logs.publish import site_logs
from results.report import reserved_in_words_only
from results.report_types import EvidenceRefReport, SiteReport, StatementReport, VerdictReport
from results.robots_rows import full_report, load_report
from results.site_fixes import site_fixes
from results.site_lookup import UnknownSite, resolve_site
from results.taken import TakenReport, site_taken

USES = ("train", "ai-use", "search", "tdm")
USE_WORDS = {
    "train": "AI training",
    "ai-use": "Use in AI answers",
    "search": "Search indexing",
    "tdm": "Text and data mining",
}


async def evidence_database(datasette: Any) -> str | None:
    """The name of the first served database that holds audit results."""
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists("site_summary"):
            return str(name)
    return None


async def _resolve(db: Any, typed: str) -> tuple[str | None, str | None, list[str]]:
    """(stored origin, why none, close matches) for what was typed; see results/site_lookup."""
    try:
        return await db.execute_fn(lambda conn: resolve_site(conn, typed)), None, []
    except UnknownSite as err:
        return None, f"No site {err.origin} in this database", err.suggestions
    except ValueError as err:
        return None, f"{typed.strip()} cannot be read as a site: {err}", []


async def _find(db: Any, origin: str, crawl: str) -> dict[str, Any] | None:
    if crawl.isdigit():
        sql = "select * from site_summary where origin = ? and crawl_id = ?"
        params: list[Any] = [origin, int(crawl)]
    else:
        sql = "select * from site_summary where origin = ? order by crawl_id desc limit 1"
        params = [origin]
    row = (await db.execute(sql, params)).first()
    return None if row is None else dict(row)


def _path(url: str | None) -> str:
    """The path and query of a URL, for short link texts."""
    if not url:
        return ""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _fetch_href(datasette: Any, name: str, fetch_id: Any) -> str | None:
    if fetch_id is None or not str(fetch_id).isdigit():
        return None
    return str(datasette.urls.row(name, "fetches", str(fetch_id)))


def _evidence(datasette: Any, name: str, items: list[EvidenceRefReport]) -> list[dict[str, Any]]:
    return [
        {
            "href": _fetch_href(datasette, name, e.get("fetch_id")),
            "fetch_id": e.get("fetch_id"),
            "path": _path(e.get("url")),
            "url": e.get("url"),
            "line": e.get("line"),
        }
        for e in items
    ]


def _words_view(verdict: VerdictReport) -> dict[str, Any]:
    """The verdict had words counted, where that differs, and whether words alone reserve it;
    nothing for a report older than the words signal."""
    counting = verdict.get("state_counting_words")
    if counting is None or counting == verdict["state"]:
        return {"counting_words": None, "words_only": False}
    return {"counting_words": counting, "words_only": reserved_in_words_only(verdict)}


def _uses(datasette: Any, name: str, report: SiteReport) -> list[dict[str, Any]]:
    uses = []
    for use in USES:
        verdict = report["verdicts"].get(use)
        if verdict is None:
            continue
        uses.append(
            {
                "use": use,
                "words": USE_WORDS[use],
                "state": verdict["state"],
                "sentence": verdict["sentence"],
                "conflict": verdict["conflict"],
                "enforced": verdict.get("enforced"),
                "unknown_because": verdict["unknown_because"],
                "contributions": [
                    {**c, "evidence": _evidence(datasette, name, c["evidence"])}
                    for c in verdict["contributions"]
                ],
                **_words_view(verdict),
                "in_words": [
                    {**c, "evidence": _evidence(datasette, name, c["evidence"])}
                    for c in verdict.get("in_words") or ()
                ],
            }
        )
    return uses


_KIND_ORDER = ("reserved", "partial", "allows")


def _quoted(text: str, trigger: str) -> tuple[str, str, str]:
    """The sentence cut around its first ``trigger`` (before, trigger, after); the trigger is
    empty when the sentence does not hold it as written."""
    found = re.search(re.escape(trigger), text, re.IGNORECASE) if trigger else None
    if found is None:
        return text, "", ""
    return text[: found.start()], found.group(), text[found.end() :]


def _statement(datasette: Any, name: str, s: StatementReport) -> dict[str, Any]:
    before, trigger, after = _quoted(s["text"], s["trigger"])
    return {
        **s,
        "use_words": [USE_WORDS.get(u, u) for u in s["uses"]],
        "before": before,
        "marked": trigger,
        "after": after,
        "href": _fetch_href(datasette, name, s.get("fetch_id")),
        "path": _path(s["url"]),
    }


def _statements(datasette: Any, name: str, report: SiteReport) -> dict[str, Any] | None:
    """Sentences about mining or AI: those that say something first (reserved, partial,
    allows), then those that do not (``none``); None when the site wrote none, or its report
    was stored by an audit older than the words signal."""
    statements = report.get("statements") or []
    if not statements:
        return None
    shown = [_statement(datasette, name, s) for s in statements]
    saying = [s for s in shown if s["kind"] in _KIND_ORDER]
    return {
        "saying": sorted(saying, key=lambda s: _KIND_ORDER.index(s["kind"])),
        "none": [s for s in shown if s["kind"] not in _KIND_ORDER],
        "doc_href": datasette.urls.path("/-/findings") + "#natural-language-only",
    }


async def _agents(db: Any, report: SiteReport) -> dict[str, Any]:
    """Training agents blocked and open at / by robots.txt, from the report's verdicts."""
    rows = await db.execute(
        "select token from agents where purpose in ('train', 'control') and legacy = 0"
    )
    training = {row[0] for row in rows}
    robots = report["robots"]
    at_root = [v for v in robots["verdicts"] if v["path"] == "/" and v["agent"] in training]
    # Counted as the verdict sentence counts: open means listed in the training gaps (an agent
    # named by a token RFC 9309 readers cannot match still counts as blocked by the site).
    gaps = set(report["verdicts"]["train"]["gaps"])
    blocked = sorted(
        (v for v in at_root if v["agent"] not in gaps), key=lambda v: v["agent"].lower()
    )
    opened = sorted((v for v in at_root if v["agent"] in gaps), key=lambda v: v["agent"].lower())
    return {
        "state": robots["state"],
        "status": robots["status"],
        "authorship": robots["authorship"],
        "total": len(training),
        "blocked": blocked,
        "open": opened,
        "read": bool(at_root),
    }


def _findings(datasette: Any, name: str, report: SiteReport) -> list[dict[str, Any]]:
    docs = datasette.urls.path("/-/findings")
    return [
        {
            **f,
            "doc_href": f"{docs}#{quote(f['code'], safe='')}",
            "href": _fetch_href(datasette, name, f.get("fetch_id")),
            "path": _path(f.get("url")),
        }
        for f in report["findings"]
    ]


def _images(datasette: Any, name: str, report: SiteReport) -> list[dict[str, Any]] | None:
    """The site's images with links to their fetches; None for a report without images."""
    images = report.get("images")
    if images is None:
        return None
    return [
        {
            **i,
            "href": _fetch_href(datasette, name, i.get("fetch_id")),
            "tail_href": _fetch_href(datasette, name, i.get("tail_fetch_id")),
            "path": _path(i.get("url")),
            "page_path": _path(i.get("page_url")),
            "original_path": _path(i.get("original_url")),
        }
        for i in images
    ]


_TARGET_ORDER = ("robots", "home", "page", "artwork", "profile", "image", "original")
"""The probe matrix's columns, as a crawl asks for them; any other target comes after."""


def _probes(datasette: Any, name: str, report: SiteReport) -> dict[str, Any] | None:
    """Declared against enforced per probed agent, and each agent's probes per target (the
    baseline's kind: robots, home, page, image, ...); None when the crawl did not probe."""
    probes = report.get("probes")
    if probes is None:
        return None
    found = dict.fromkeys(r["target"] for r in probes["results"])
    targets = sorted(found, key=lambda t: _TARGET_ORDER.index(t) if t in _TARGET_ORDER else 99)
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in probes["results"]:
        cells.setdefault((r["agent"], r["target"]), []).append(
            {
                **r,
                "href": _fetch_href(datasette, name, r["probe_fetch_id"]),
                "baseline_href": _fetch_href(datasette, name, r["baseline_fetch_id"]),
                "path": _path(r["url"]),
            }
        )
    agents: list[dict[str, Any]] = [dict(a) for a in probes["agents"]]
    listed = {a["agent"] for a in agents}
    for r in probes["results"]:  # an agent the matrix left out still shows its probes
        if r["agent"] not in listed:
            listed.add(r["agent"])
            agents.append({"agent": r["agent"], "purpose": None, "declared": None})
    return {
        "targets": targets,
        "agents": [
            {**a, "cells": [cells.get((a["agent"], t), []) for t in targets]} for a in agents
        ],
    }


def _probe_agents(report: SiteReport) -> dict[str, str]:
    """The agent each probe fetch was sent as, by fetch id (for the list of fetches)."""
    probes = report.get("probes")
    if probes is None:
        return {}
    return {r["probe_fetch_id"]: r["agent"] for r in probes["results"] if r["probe_fetch_id"]}


def _logs(datasette: Any, name: str, section: dict[str, Any] | None) -> dict[str, Any] | None:
    """The access-log section, with links to the stored lines each finding cites and to the
    robots.txt fetch in force; None when no log holds a line of this site."""
    if section is None:
        return None
    findings = [
        {
            **f,
            "lines": [
                {**c, "href": datasette.urls.row(name, "crawler_log_lines", str(c["line_id"]))}
                for c in f["lines"]
            ],
            "more": f["hits"] - len(f["lines"]),
            "robots_href": _fetch_href(datasette, name, f["robots_fetch_id"]),
        }
        for f in section["violations"]
    ]
    return {
        **section,
        "first_day": section["first_time"][:10],
        "last_day": section["last_time"][:10],
        "violations": [f for f in findings if f["verification"] != "impersonator"],
        "impersonations": [f for f in findings if f["verification"] == "impersonator"],
    }


def _taken(
    datasette: Any, name: str, origin: str, taken: TakenReport | None
) -> dict[str, Any] | None:
    """The "Already taken?" section: Common Crawl captures per crawl and the site's matches in
    training-set URL lists (results/taken.py), with links to the stored rows; None when
    neither command stored anything about the site, so the page is as it was without them."""
    if taken is None:
        return None
    quoted = quote(origin, safe="")
    captures = taken["captures"]
    return {
        "captures": None
        if captures is None
        else {
            **captures,
            "first_block_day": (captures["first_block"] or "")[:10] or None,
            "total": sum(c["captures"] for c in captures["crawls"]),
            "errors": sum(1 for c in captures["crawls"] if c["status"] == "error"),
        },
        "datasets": [
            {
                **d,
                "more": max(0, d["url_matches"] + d["origin_matches"] - len(d["examples"])),
                "href": datasette.urls.table(name, "dataset_matches")
                + f"?origin={quoted}&check_id={d['check_id']}&shard={quote(d['shard'], safe='')}",
            }
            for d in taken["datasets"]
        ],
        "captures_href": datasette.urls.table(name, "captures") + f"?origin={quoted}",
        "queries_href": datasette.urls.table(name, "capture_queries") + f"?origin={quoted}",
    }


def _fixes(fixes: SiteFixes | None) -> dict[str, Any] | None:
    """The "Fixes to paste" section (audits/fixes/): each block with its diff when it is a
    robots.txt patch; None when the site has no stored fetch to build them from."""
    if fixes is None:
        return None
    diffs = {f"robots-{f.variant}": f.diff for f in (fixes.robots, fixes.robots_block_all)}
    return {
        "status": fixes.status,
        "summary": fixes.summary,
        "robots_mode": fixes.robots.mode,
        "blocks": [{**asdict(b), "diff": diffs.get(b.key, "")} for b in fixes.blocks],
        "builders": [asdict(s) for s in fixes.builders],
        "registry_version": fixes.registry_version,
    }


_AGENTS_SHOWN = 8


def _history_change(item: Change | AgentGroup) -> dict[str, Any]:
    if isinstance(item, AgentGroup):
        names = ", ".join(item.agents[:_AGENTS_SHOWN])
        more = ", …" if len(item.agents) > _AGENTS_SHOWN else ""
        return {
            "subject": f"{len(item.agents)} training agents",
            "detail": names + more,
            "change": item.change,
            "before": item.before,
            "after": item.after,
        }
    return {
        "subject": item.subject,
        "detail": None,
        "change": item.change,
        "before": item.before,
        "after": item.after,
    }


def _history(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    """Each audited crawl of the site, newest first: the four states and the changes."""
    return [
        {
            "crawl": e.crawl_id,
            "date": (e.started_at or "")[:10],
            "states": [(use, USE_WORDS[use], e.states.get(use)) for use in USES],
            "mechanisms": e.train_mechanisms,
            "changes": [_history_change(c) for c in e.changes],
        }
        for e in entries
    ]


async def site_page(datasette: Any, request: Any) -> Response:
    """GET /-/site?origin=…: one site's verdict, mechanisms, findings, agents and fetches."""
    origin = request.args.get("origin", "").strip()
    crawl = request.args.get("crawl", "").strip()
    name = await evidence_database(datasette)
    context: dict[str, Any] = {"origin": origin, "database": name, "site": None}
    if name is None or not origin:
        status = 404 if name is None else 200
        html = await datasette.render_template("site.html", context, request=request)
        return cast(Response, Response.html(html, status=status))
    db = datasette.get_database(name)
    stored, lookup_error, suggestions = await _resolve(db, origin)
    row = None if stored is None else await _find(db, stored, crawl)
    if row is None:
        missing = {"not_found": True, "lookup_error": lookup_error, "suggestions": suggestions}
        html = await datasette.render_template("site.html", {**context, **missing}, request=request)
        return cast(Response, Response.html(html, status=404))
    saved = load_report(row["report"])
    report = await db.execute_fn(lambda conn: full_report(conn, row["crawl_id"], saved))
    crawls = [
        r[0]
        for r in await db.execute(
            "select crawl_id from site_summary where origin = ? order by crawl_id desc",
            [row["origin"]],
        )
    ]
    changes = [
        dict(r)
        for r in await db.execute(
            "select subject, change, before, after, previous_crawl_id from changes"
            " where crawl_id = ? and origin = ? order by subject",
            [row["crawl_id"], row["origin"]],
        )
    ]
    audit = (await db.execute("select * from audits where crawl_id = ?", [row["crawl_id"]])).first()
    timeline = await db.execute_fn(lambda conn: site_timeline(conn, row["origin"]))
    probe_agents = _probe_agents(report)
    logs = await db.execute_fn(lambda conn: site_logs(conn, row["origin"]))
    taken = await db.execute_fn(lambda conn: site_taken(sqlite_utils.Database(conn), row["origin"]))
    fixes = await db.execute_fn(lambda conn: site_fixes(conn, row["crawl_id"], row["origin"]))
    quoted = quote(row["origin"], safe="")
    row_path = tilde_encode(str(row["crawl_id"])) + "," + tilde_encode(row["origin"])
    context.update(
        site=report,
        summary_row=row,
        crawl=row["crawl_id"],
        crawls=crawls,
        audit=dict(audit) if audit else {},
        uses=_uses(datasette, name, report),
        statements=_statements(datasette, name, report),
        findings=_findings(datasette, name, report),
        images=_images(datasette, name, report),
        agents=await _agents(db, report),
        probes=_probes(datasette, name, report),
        logs=_logs(datasette, name, logs),
        taken=_taken(datasette, name, row["origin"], taken),
        fixes=_fixes(fixes),
        log_lines_href=datasette.urls.table(name, "crawler_log_lines") + f"?origin={quoted}",
        log_violations_href=datasette.urls.table(name, "crawler_violations") + f"?origin={quoted}",
        log_behaviour_href=datasette.urls.table(name, "crawler_behaviour") + f"?origin={quoted}",
        log_operators_href=datasette.urls.query(name, "violations_by_operator") + f"?site={quoted}",
        fetches=[
            {
                **e,
                "href": _fetch_href(datasette, name, e["fetch_id"]),
                "path": _path(e["url"]),
                "agent": probe_agents.get(e["fetch_id"] or ""),
            }
            for e in report["evidence"]
        ],
        changes=changes,
        history=_history(timeline),
        disagree_href=datasette.urls.query(name, "edge_and_robots_disagree")
        + f"?crawl={row['crawl_id']}",
        probes_table_href=datasette.urls.table(name, "probes")
        + "?origin="
        + quote(row["origin"], safe="")
        + f"&crawl_id={row['crawl_id']}",
        platform_history_href=datasette.urls.query(name, "platforms_over_time")
        + "?site="
        + quote(row["origin"], safe=""),
        report_json_href=datasette.urls.row(name, "site_summary", row_path, format="json")
        + "?_shape=array&_json=report",
        agents_query_href=datasette.urls.query(name, "site_agents")
        + "?"
        + "origin="
        + quote(row["origin"], safe="")
        + f"&crawl={row['crawl_id']}",
    )
    html = await datasette.render_template("site.html", context, request=request)
    return cast(Response, Response.html(html))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The per-site page."""
    return [(r"^/-/site$", site_page)]


DATASET_QUERIES: Final = {
    "in_datasets": (
        "origin",
        "name",
        "dataset",
        "url_matches",
        "origin_matches",
        "shards",
        "check_id",
        "checked_at",
    ),
}
"""Canned queries of metadata.yml over the dataset-check tables, with their columns."""
NO_DATASETS: Final = (
    " No dataset has been checked against this database yet: see `optout datasets check`"
    " (docs/datasets.md)."
)


@hookimpl
def canned_queries(
    datasette: Any, database: str, actor: Any
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Where ``optout datasets check`` never ran (its tables come with the first check), the
    dataset queries are replaced by ones with the same title and columns that return no row,
    instead of failing with "no such table"."""

    async def queries() -> dict[str, Any]:
        if database.startswith("_"):
            return {}
        db = datasette.get_database(database)
        if await db.table_exists("dataset_site_counts"):
            return {}
        defined = datasette.metadata("queries", database=database, fallback=False) or {}
        out = {}
        for query, columns in DATASET_QUERIES.items():
            spec = defined.get(query)
            if isinstance(spec, dict):
                nulls = ", ".join(f"null as {c}" for c in columns)
                out[query] = {
                    **spec,
                    "sql": f"select {nulls} where 0",
                    "description": (spec.get("description") or "") + NO_DATASETS,
                }
        return out

    return queries
