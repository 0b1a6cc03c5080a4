"""The landing page: headline numbers and charts of the latest audited crawl (a finished one:
a crawl still running or interrupted is never audited, and a line above the numbers says so).

``templates/index.html`` replaces Datasette's index; this hook gives it its numbers. Every
number here is also a canned query in metadata.yml, linked from the page, so a reader can check
it and take the rows away.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from results.completeness import newest_crawl
from results.history import AdoptionPoint, adoption_over_time
from results.line_chart import percent_lines, render_line_chart

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

# Per crawl: sites probed, and those whose edge refuses, charges or challenges some probed AI
# agent (its verdict over all its probes), or blocks one that robots.txt allows. Probing is
# opt-in: a crawl without probes has no rows, and the page shows none of these numbers.
_PROBES_SQL = """
select count(distinct origin) as probed,
  count(distinct case when enforced = 'refused' then origin end) as refusing,
  count(distinct case when enforced = 'charged' then origin end) as charging,
  count(distinct case when enforced = 'challenged' then origin end) as challenging,
  count(distinct case when declared = 'allowed'
    and enforced in ('refused', 'charged', 'challenged') then origin end) as edge_only,
  count(distinct case when declared = 'blocked' and enforced = 'served' then origin end)
    as robots_only
from probe_agents where crawl_id = ?
"""

_MECHANISMS_SQL = """
select mechanism, effect, count(distinct origin) as sites
from contributions where crawl_id = ? and use = 'train'
group by mechanism, effect
"""


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
    by_state = {
        row["train"]: row["n"]
        for row in await _rows(
            db, "select train, count(*) as n from site_summary where crawl_id = ? group by 1", one
        )
    }
    sites = sum(by_state.values())
    by_kind: dict[str, dict[str, int]] = {}
    for row in await _rows(
        db,
        # Grouped by the plain columns so the index (crawl_id, kind, train) gives the order.
        "select kind, train, count(*) as n from site_summary where crawl_id = ?"
        " group by kind, train",
        one,
    ):
        counts = by_kind.setdefault("unknown kind" if row["kind"] is None else row["kind"], {})
        counts[row["train"]] = counts.get(row["train"], 0) + row["n"]
    mechanisms: dict[str, dict[str, int]] = {}
    for row in await _rows(db, _MECHANISMS_SQL, one):
        mechanisms.setdefault(row["mechanism"], {})[row["effect"]] = row["sites"]
    agents = await _rows(db, _AGENTS_SQL, one)
    errors = (
        await db.execute(
            "select coalesce(sum(n), 0), count(*) from (select count(*) as n from findings"
            " where crawl_id = ? and severity = 'error' group by origin)",
            one,
        )
    ).first()
    conflicts = (
        await db.execute(
            "select count(*) from (select 1 from site_verdicts"
            " where crawl_id = ? and conflict = 1 group by origin)",
            one,
        )
    ).first()[0]
    changes = (
        await db.execute(
            "select coalesce(sum(n), 0), count(*) from (select count(*) as n from changes"
            " where crawl_id = ? group by origin)",
            one,
        )
    ).first()
    probes = await _probe_numbers(db, crawl)
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
        "error_findings": errors[0],
        "error_sites": errors[1],
        "conflict_sites": conflicts,
        "changes": changes[0],
        "changed_sites": changes[1],
        "probes": probes,
        "most_blocked": agents[:TOP_AGENTS],
        "least_blocked": list(reversed(agents[-LEAST_AGENTS:])),
        "mechanisms": _mechanism_rows(mechanisms),
        "charts": _charts(datasette, name, by_state, by_kind, mechanisms, agents),
        "adoption": _adoption_chart(datasette, name, await db.execute_fn(adoption_over_time)),
        "queries": [
            {
                "name": q,
                "title": queries[q].get("title") or q,
                "href": datasette.urls.query(name, q),
            }
            for q in queries
        ],
    }


async def _probe_numbers(db: Any, crawl: int) -> dict[str, Any] | None:
    """The edge numbers of one crawl, or None when it probed no site (or the database has no
    probe table: audited before probes existed)."""
    if not await db.table_exists("probe_agents"):
        return None
    numbers = (await _rows(db, _PROBES_SQL, [crawl]))[0]
    return numbers if numbers["probed"] else None


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


@hookimpl
def extra_template_vars(template: str, datasette: Any) -> Any:
    """The landing numbers, for the index page only."""
    if template != "index.html":
        return {}

    async def inner() -> dict[str, Any]:
        numbers = await landing_numbers(datasette)
        progress = await crawl_progress(datasette, numbers["crawl"] if numbers else None)
        return {"optout": numbers, "optout_progress": progress}

    return inner
