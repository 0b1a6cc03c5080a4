"""Probes in the results: what the edge did to each probed AI agent (issue 15), as the site
report carries it, as the ``probes`` and ``probe_agents`` tables store it, and summed for the
export and the report.

A crawl probes only when asked (``--probe-agents``), so everything here is absent, never
empty, for a site that was not probed: its report, its rows and its export stay exactly what
they were before probes existed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, get_args

from audits.signals.probes import Enforced
from audits.site.audit import SiteAudit
from results.report_types import ProbesReport

ENFORCED: Final = get_args(Enforced)
"""Every value of an agent's ``enforced``, in the order the summaries list them."""
EDGE_BLOCKS: Final = ("refused", "charged", "challenged")
"""What counts as blocked at the edge: the agent does not get the content (refused outright,
asked to pay, or stopped by a challenge it cannot pass). ``degraded`` (a decoy served) and
``mixed`` (the agent's probes differ) are reported, but are not a block."""
RESULT_COLUMNS: Final = (
    "agent",
    "url",
    "target",
    "outcome",
    "status",
    "vendor",
    "price",
    "scheme",
    "detail",
    "baseline_fetch_id",
    "probe_fetch_id",
    "declared",
    "decoy_links",
)


def probes_object(audit: SiteAudit) -> ProbesReport | None:
    """The report's ``probes``: the per-agent matrix and every probe, in the audit's order;
    None when nothing was probed."""
    reading = audit.probes
    if not reading.results and not reading.agents:
        return None
    return {
        "agents": [
            {
                "agent": a.agent,
                "purpose": a.purpose,
                "declared": a.declared,
                "enforced": a.enforced,
                "unenforceable": a.unenforceable,
                "vendor": a.vendor,
                "exemption": a.exemption,
            }
            for a in reading.agents
        ],
        "results": [
            {
                "agent": r.agent,
                "url": r.url,
                "target": r.target,
                "outcome": r.outcome,
                "status": r.status,
                "vendor": r.vendor,
                "price": r.price,
                "scheme": r.scheme,
                "detail": r.detail,
                "baseline_fetch_id": r.baseline_fetch_id,
                "probe_fetch_id": r.probe_fetch_id,
                "declared": r.declared,
                "decoy_links": r.decoy_links,
            }
            for r in reading.results
        ],
    }


def _fetch_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def probe_rows(
    base: Mapping[str, Any], probes: ProbesReport
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``probes`` rows (one per probe) and the ``probe_agents`` rows (one per agent)."""
    results = [
        {
            **base,
            **{key: r[key] for key in RESULT_COLUMNS if not key.endswith("fetch_id")},
            "baseline_fetch_id": _fetch_id(r["baseline_fetch_id"]),
            "probe_fetch_id": _fetch_id(r["probe_fetch_id"]),
        }
        for r in probes["results"]
    ]
    agents = [
        {
            **base,
            "agent": a["agent"],
            "purpose": a["purpose"],
            "declared": a["declared"],
            "enforced": a["enforced"],
            "unenforceable": int(a["unenforceable"]),
            "vendor": a["vendor"],
            "exemption": a["exemption"],
        }
        for a in probes["agents"]
    ]
    return results, agents


_Query = Callable[[str], list[tuple[Any, ...]]]
_BLOCKS_SQL: Final = ", ".join(f"'{e}'" for e in EDGE_BLOCKS)


def probe_summary(rows: _Query) -> dict[str, Any] | None:
    """The export summary's ``probes`` over the chosen sites (``rows`` runs a query whose
    ``{chosen}`` selects them); None when none of them was probed."""
    probed = rows("SELECT COUNT(DISTINCT origin) FROM probe_agents WHERE {chosen}")[0][0]
    if not probed:
        return None
    by_enforced = dict.fromkeys(ENFORCED, 0)
    query = "SELECT enforced, COUNT(DISTINCT origin) FROM probe_agents WHERE {chosen} GROUP BY 1"
    for enforced, count in rows(query):
        by_enforced[enforced] = count

    def sites(condition: str) -> int:
        sql = f"SELECT COUNT(DISTINCT origin) FROM probe_agents WHERE {{chosen}} AND {condition}"
        return int(rows(sql)[0][0])

    agents = []
    for agent, purpose, n, declared_blocked, *counts in rows(
        "SELECT agent, purpose, COUNT(*), SUM(declared = 'blocked'), "
        + ", ".join(f"SUM(enforced = '{e}')" for e in ENFORCED)
        + " FROM probe_agents WHERE {chosen} GROUP BY agent, purpose"
    ):
        agents.append(
            {
                "agent": agent,
                "purpose": purpose,
                "sites": n,
                "declared_blocked": declared_blocked,
                **dict(zip(ENFORCED, counts, strict=True)),
            }
        )
    agents.sort(key=lambda a: (a["agent"].casefold(), a["agent"], a["purpose"]))
    return {
        "sites_probed": probed,
        "sites_by_enforced": by_enforced,
        "sites_blocking_at_edge": sites(f"enforced IN ({_BLOCKS_SQL})"),
        "edge_not_robots": sites(f"declared = 'allowed' AND enforced IN ({_BLOCKS_SQL})"),
        "robots_not_edge": sites("declared = 'blocked' AND enforced = 'served'"),
        "agents": agents,
    }
