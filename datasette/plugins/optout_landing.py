"""The landing page: headline numbers and charts of the latest audited crawl (a finished one:
a crawl still running or interrupted is never audited, and a line above the numbers says so).

``templates/index.html`` replaces Datasette's index template, and the route below serves it at
``/`` in place of Datasette's index view. That view checks the permissions of, and reads the
columns, keys and full-text index of, every table and view of every database on each request:
about 95 % of the page's time at a million sites, for a list of five table names at its foot.
The route renders the same template with the same context, and checks permissions only for
the tables the metadata guards. ``/.json`` is still Datasette's index. Every number here is
also a canned query in metadata.yml, linked from the page, so a reader can check it and take
the rows away.
"""

import importlib.util
import json
import sqlite3
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from datasette.utils import path_with_format
from datasette.utils.asgi import Response
from datasette.version import __version__

from datasette import hookimpl
from results.completeness import newest_crawl
from results.history import AdoptionPoint
from results.line_chart import percent_lines, render_line_chart
from results.rollups import ADOPTION_MECHANISMS_SQL, ADOPTION_SQL

TOP_AGENTS = 10
LEAST_AGENTS = 8
TOP_MECHANISMS = 5
ADOPTION_COLOURS = ("#1f6f43", "#3d5a80", "#d9822b", "#7b4fa0", "#b5474b", "#2a9d8f")


def _sibling(name: str) -> ModuleType:
    """A module next to this file: Datasette loads plugin files one by one, not as a package."""
    key = f"_optout_datasette_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


charts = _sibling("optout_charts")


async def evidence_database(datasette: Any, table: str = "site_summary") -> str | None:
    """The name of the first served database that has ``table`` (audit results by default)."""
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists(table):
            return str(name)
    return None


async def _rows(db: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = await db.execute(sql, params)
    return [dict(row) for row in result.rows]


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


# agent_counts holds the audit's per-agent sums (robots_verdicts is a view over compact rows,
# too slow to sum at a million sites).
_AGENTS_SQL = """
select c.agent, c.sites_blocking as blocking, c.sites_known as known,
  round(100.0 * c.sites_blocking / nullif(c.sites_known, 0), 1) as percent
from agent_counts c join agents a on a.token = c.agent
where c.crawl_id = ? and a.purpose in ('train', 'control') and a.legacy = 0
order by percent desc, lower(c.agent)
"""

# The newest audited crawl that finished. Only finished crawls are audited; the join keeps
# that true for a database an earlier version audited and no migration has touched yet.
_SHOWN_SQL = """
select max(a.crawl_id) from audits a join crawls c on c.id = a.crawl_id
where c.status = 'finished'
"""

# Every count below is a per-crawl rollup the audit wrote (results/rollups.py): summing a
# crawl's rows on each request took up to a second at a million sites.
_MECHANISMS_SQL = """
select mechanism, sites_reserved, sites_partial, sites_allowing
from mechanism_counts where crawl_id = ? and use = 'train'
"""

# Per crawl: sites probed, and those whose edge refuses, charges or challenges some probed AI
# agent (its verdict over all its probes), or blocks one that robots.txt allows. Probing is
# opt-in: a crawl without probes counts none, and the page shows none of these numbers.
_PROBES = ("probed", "refusing", "charging", "challenging", "edge_only", "robots_only")


async def landing_numbers(datasette: Any) -> dict[str, Any] | None:
    """Everything the landing page shows, or None when no audited crawl is served."""
    name = await evidence_database(datasette)
    if name is None:
        return None
    db = datasette.get_database(name)
    crawl = (await db.execute(_SHOWN_SQL)).first()[0]
    if crawl is None:
        return None
    one = [crawl]
    info = (await _rows(db, "select * from crawls where id = ?", one) or [{}])[0]
    audit = (await _rows(db, "select * from audits where crawl_id = ?", one))[0]
    by_state: dict[str, int] = {}
    by_kind: dict[str, dict[str, int]] = {}
    for row in await _rows(
        db,
        "select kind, train, sites from verdict_counts where crawl_id = ? order by kind, train",
        one,
    ):
        by_state[row["train"]] = by_state.get(row["train"], 0) + row["sites"]
        counts = by_kind.setdefault("unknown kind" if row["kind"] is None else row["kind"], {})
        counts[row["train"]] = counts.get(row["train"], 0) + row["sites"]
    sites = sum(by_state.values())
    mechanisms = {
        row["mechanism"]: {
            "reserved": row["sites_reserved"],
            "partial": row["sites_partial"],
            "allowed": row["sites_allowing"],
        }
        for row in await _rows(db, _MECHANISMS_SQL, one)
    }
    agents = await _rows(db, _AGENTS_SQL, one)
    totals = (await _rows(db, "select * from crawl_totals where crawl_id = ?", one) or [{}])[0]
    probes = {k: totals.get(k, 0) for k in _PROBES} if totals.get("probed") else None
    queries = await datasette.get_canned_queries(name, None)
    opted_out = by_state.get("reserved", 0) + by_state.get("partial", 0)
    return {
        "database": name,
        "crawl": crawl,
        "crawl_info": info,
        "audit": audit,
        "sites": sites,
        "states": [
            {
                "state": state,
                "sites": by_state.get(state, 0),
                "percent": _percent(by_state.get(state, 0), sites),
                "colour": charts.STATE_COLOURS[state],
            }
            for state in charts.STATE_ORDER
        ],
        "opted_out": opted_out,
        "opted_out_percent": _percent(opted_out, sites),
        "error_findings": totals.get("error_findings", 0),
        "error_sites": totals.get("error_sites", 0),
        "conflict_sites": totals.get("conflict_sites", 0),
        "changes": totals.get("changes", 0),
        "changed_sites": totals.get("changed_sites", 0),
        "probes": probes,
        "most_blocked": agents[:TOP_AGENTS],
        "least_blocked": list(reversed(agents[-LEAST_AGENTS:])),
        "mechanisms": _mechanism_rows(mechanisms),
        "charts": _charts(datasette, name, by_state, by_kind, mechanisms, agents),
        "adoption": _adoption_chart(datasette, name, await db.execute_fn(adoption_points)),
        "queries": [
            {
                "name": q,
                "title": queries[q].get("title") or q,
                "href": datasette.urls.query(name, q),
            }
            for q in queries
        ],
    }


def adoption_points(conn: sqlite3.Connection, limit: int = 60) -> list[AdoptionPoint]:
    """Per audited crawl (the ``limit`` newest, oldest first): sites reserving AI training,
    fully or partly, overall and per mechanism; ``results.history.adoption_over_time`` read
    from the audit's rollups."""
    rows = conn.execute(ADOPTION_SQL, {"limit": limit}).fetchall()
    crawls = json.dumps([int(r[0]) for r in rows])
    mechanisms: dict[int, dict[str, int]] = {}
    for crawl_id, mechanism, sites in conn.execute(ADOPTION_MECHANISMS_SQL, {"crawls": crawls}):
        mechanisms.setdefault(int(crawl_id), {})[str(mechanism)] = int(sites)
    return [
        AdoptionPoint(int(c), started, int(sites), int(opted), mechanisms.get(int(c), {}))
        for c, started, sites, opted in reversed(rows)
    ]


def _mechanism_rows(mechanisms: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    rows = [
        {
            "mechanism": mechanism,
            "reserved": counts.get("reserved", 0),
            "partial": counts.get("partial", 0),
            "allowed": counts.get("allowed", 0),
        }
        for mechanism, counts in mechanisms.items()
    ]
    return sorted(rows, key=lambda r: (-(r["reserved"] + r["partial"]), r["mechanism"].lower()))


def _charts(
    datasette: Any,
    name: str,
    by_state: dict[str, int],
    by_kind: dict[str, dict[str, int]],
    mechanisms: dict[str, dict[str, int]],
    agents: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    def query(q: str, **params: str) -> str:
        url = str(datasette.urls.query(name, q))
        return url + ("?" + urlencode(params) if params else "")

    latest = datasette.urls.table(name, "latest_sites")
    kind_rows = [("All sites", by_state, None)] + [
        (kind, counts, f"{latest}?{urlencode({'kind': kind})}")
        for kind, counts in sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    verdicts = charts.stacked_chart(
        "chart-verdict-by-kind",
        "AI training: verdict by kind of site",
        "Share of sites per verdict; n is the number of sites of that kind.",
        kind_rows,
        charts.STATE_ORDER,
        charts.STATE_COLOURS,
        as_share=True,
        data_href=latest,
    )
    mechanism_rows = [
        (
            row["mechanism"],
            {effect: row[effect] for effect in ("reserved", "partial", "allowed")},
            query("opted_out", mechanism=row["mechanism"]),
        )
        for row in _mechanism_rows(mechanisms)
    ]
    used = charts.stacked_chart(
        "chart-mechanisms",
        "How sites reserve AI training: mechanisms in use",
        "Sites per mechanism: reserving for the whole site, for part of it, or allowing.",
        mechanism_rows,
        ("reserved", "partial", "allowed"),
        charts.EFFECT_COLOURS,
        as_share=False,
        data_href=query("mechanisms_in_use"),
    )
    blocked = charts.percent_chart(
        "chart-agents",
        f"The {TOP_AGENTS} most-blocked AI training agents",
        "Share of sites whose robots.txt blocks the agent at / (sites with a readable"
        " or missing robots.txt).",
        [(a["agent"], a["percent"] or 0.0, None) for a in agents[:TOP_AGENTS]],
        data_href=query("most_blocked_agents"),
    )
    return [charts.as_template_data(c) for c in (verdicts, used, blocked)]


def _adoption_chart(
    datasette: Any, name: str, points: list[AdoptionPoint]
) -> dict[str, Any] | None:
    """The share of sites reserving AI training per audited crawl, overall and by mechanism."""
    if not points:
        return None
    latest = points[-1]
    names = {m for p in points for m in p.by_mechanism}
    ranked = sorted(
        names,
        key=lambda m: (
            -latest.by_mechanism.get(m, 0),
            -max(p.by_mechanism.get(m, 0) for p in points),
            m.lower(),
        ),
    )[:TOP_MECHANISMS]
    series = [("any mechanism", ADOPTION_COLOURS[0], [p.share(p.opted_out) for p in points])]
    series += [
        (m, ADOPTION_COLOURS[i + 1], [p.share(p.by_mechanism.get(m, 0)) for p in points])
        for i, m in enumerate(ranked)
    ]
    first = " (one so far: the lines grow with each crawl)" if len(points) == 1 else ""
    chart = percent_lines(
        "chart-adoption",
        "Opting out of AI training over time",
        "Share of each crawl's sites that reserve AI training, fully or partly: by any mechanism"
        f" (thick line) and by the {len(ranked)} most-used mechanisms;"
        f" {len(points)} audited crawls{first}.",
        [(f"crawl {p.crawl_id}", (p.started_at or "")[:10]) for p in points],
        series,
        data_href=str(datasette.urls.query(name, "adoption_over_time")),
    )
    return {
        "id": chart.id,
        "title": chart.title,
        "caption": chart.caption,
        "svg": render_line_chart(chart),
        "legend": chart.legend,
        "data_href": chart.data_href,
        "crawls": len(points),
    }


async def crawl_progress(datasette: Any, shown: int | None) -> dict[str, Any] | None:
    """The newest crawl when the page does not show its numbers (it is running, was
    interrupted, or is not audited yet), with how many of its sites are done."""
    name = await evidence_database(datasette, "crawls")
    if name is None:
        return None
    db = datasette.get_database(name)
    # The page shows the newest crawl (the usual case): no need to count its done sites, which
    # reads a million site_status rows at a million sites.
    if shown is not None and (await db.execute("select max(id) from crawls")).first()[0] == shown:
        return None
    state = await db.execute_fn(newest_crawl)
    if state is None:
        return {"database": name, "crawl": None}
    if state.crawl_id == shown:
        return None
    started = await db.execute("select started_at from crawls where id = ?", [state.crawl_id])
    return {
        "database": name,
        "crawl": {"id": state.crawl_id, "status": state.status, "started_at": started.first()[0]},
        "done": state.sites_done,
        "total": state.sites_total,
        "finished": state.finished,
    }


INDEX_TABLES = 5
"""Tables and views named per database at the foot of the page (Datasette's index shows 5)."""
INDEX_COUNT_BYTES = 100 * 1024 * 1024
"""Datasette's index counts the rows of a mutable database's tables only below this size."""


async def index_databases(datasette: Any, actor: Any) -> list[dict[str, Any]]:
    """The databases the actor may see, each with the tables and views Datasette's index view
    would name first: by incoming and outgoing foreign keys when rows are not counted, else by
    rows, then by name (both descending). Visibility is checked only for the few it names."""
    out = []
    for name, db in datasette.databases.items():
        visible, private = await datasette.check_visibility(actor, "view-database", name)
        if not visible:
            continue
        hidden = set(await db.hidden_table_names())
        counts: dict[str, int | None] = {}
        if not db.is_mutable or db.size < INDEX_COUNT_BYTES:
            counts = await db.table_counts(10)
            if any(v is None for v in counts.values()):
                counts = {}
        relations: dict[str, int] = {}
        if not counts:
            for table, keys in (await db.get_all_foreign_keys()).items():
                relations[table] = len(keys["incoming"] + keys["outgoing"])
        ranked = sorted(
            (t for t in await db.table_names() if t not in hidden),
            key=lambda t: (relations.get(t, 0), counts.get(t) or 0, t),
            reverse=True,
        )
        # One more than shown, to know whether to link the rest.
        guarded = _guarded_tables(datasette, name)
        named: list[dict[str, Any]] = []
        for table in [*ranked, *await db.view_names()]:
            if len(named) > INDEX_TABLES:
                break
            seen, table_private = True, False
            if table.lower() in guarded:
                seen, table_private = await datasette.check_visibility(
                    actor, "view-table", (name, table)
                )
            if seen:
                named.append({"name": table, "count": counts.get(table), "private": table_private})
        out.append(
            {
                "name": name,
                "path": datasette.urls.database(name),
                "private": private,
                "tables_and_views_truncated": named[:INDEX_TABLES],
                "tables_and_views_more": len(named) > INDEX_TABLES,
            }
        )
    return out


def _guarded_tables(datasette: Any, database: str) -> set[str]:
    """Tables and views of ``database`` that the metadata gives an ``allow`` block, lower case.

    Only those can be hidden from an actor (no installed plugin decides permissions), and
    Datasette's check of any other one copies the whole metadata (the canned queries too)
    twice: 7 ms a table at a million sites, more than the rest of the page."""
    tables = datasette.metadata("tables", database=database) or {}
    return {
        str(table).lower()
        for table, config in tables.items()
        if isinstance(config, dict) and config.get("allow") is not None
    }


async def landing_page(datasette: Any, request: Any) -> Any:
    """``/``: Datasette's index template and context, with the landing numbers."""
    if request.method not in ("GET", "HEAD"):
        return Response.text("Method not allowed", status=405)
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    numbers = await landing_numbers(datasette)
    json_url = datasette.absolute_url(
        request, datasette.urls.path(path_with_format(request=request, format="json"))
    )
    context = {
        "databases": await index_databases(datasette, request.actor),
        "metadata": datasette.metadata(),
        "datasette_version": __version__,
        "private": not await datasette.permission_allowed(None, "view-instance", default=True),
        "select_templates": ["*index.html"],
        "alternate_url_json": json_url,
        "optout": numbers,
        "optout_progress": await crawl_progress(datasette, numbers["crawl"] if numbers else None),
    }
    html = await datasette.render_template(
        "index.html", context, request=request, view_name="index"
    )
    link = f'{json_url}; rel="alternate"; type="application/json+datasette"'
    return Response.html(html, headers={"Link": link})


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """``/`` (plugin routes come before Datasette's own, so this one answers it)."""
    return [(r"^/$", landing_page)]
