"""robots.txt verdicts stored compactly: one ``*`` row per path, plus the agents that differ.

A site's robots.txt decides most of the ~160 registry agents alike (by the ``*`` group, or by
no group at all), yet the audit has a verdict for every agent and sampled path: ~800 rows and
~150 KB of report JSON per site, so a million sites would need 800 million rows. So each path
keeps its most common outcome once, under the agent ``*`` (read: every registry agent without
a row of its own for this path), and only the agents whose outcome differs get rows of their
own. Nothing is lost: the view ``robots_verdicts`` (see ``results.schema``) and
:func:`report_verdicts` expand the rows again to one per agent and path.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from results.report_types import RobotsVerdictReport, SiteReport, StoredReport, StoredRobotsReport
from results.schema import ROBOTS_OUTCOME_COLUMNS

WILDCARD: Final = "*"
TABLE: Final = "robots_verdict_rows"
OUTCOME: Final = ROBOTS_OUTCOME_COLUMNS

_REPORT_KEYS: Final = ("agent", "path", *(c for c in OUTCOME if c != "fetch_id"))
_BOOLEANS: Final = frozenset({"allowed", "protego_allowed", "google_allowed"})


def _outcome(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column] for column in OUTCOME)


def compact(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One site's rows (every agent and path) as ``*`` rows per path plus the exceptions.

    The ``*`` rows come first, in path order, then the exceptions in the order given.
    """
    by_path: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    defaults: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    for group in by_path.values():
        # Counter keeps first-seen order among equal counts, so ties resolve the same each time.
        common = Counter(_outcome(r) for r in group).most_common(1)[0][0]
        defaults.append({**group[0], "agent": WILDCARD, **dict(zip(OUTCOME, common, strict=True))})
        exceptions.extend(dict(r) for r in group if _outcome(r) != common)
    return defaults + exceptions


def expand(rows: Iterable[Mapping[str, Any]], agents: Iterable[str]) -> list[dict[str, Any]]:
    """Compact rows of one site back to one row per agent and path, agent by agent.

    Rows written before compaction (no ``*`` rows) come back as they are.
    """
    rows = list(rows)
    defaults = {r["path"]: r for r in rows if r["agent"] == WILDCARD}
    own = {(r["agent"], r["path"]): r for r in rows if r["agent"] != WILDCARD}
    if not defaults:
        return [dict(r) for r in rows]
    out = []
    for agent in agents:
        for path, default in defaults.items():
            row = own.get((agent, path))
            out.append(dict(row) if row is not None else {**default, "agent": agent})
    return out


def report_verdicts(
    conn: sqlite3.Connection, crawl_id: int, origin: str
) -> list[RobotsVerdictReport]:
    """One site's verdicts as ``results.report`` lists them in ``robots.verdicts``."""
    columns = ", ".join(_REPORT_KEYS)
    cursor = conn.execute(
        f"SELECT {columns} FROM {TABLE} WHERE crawl_id = ? AND origin = ? ORDER BY rowid",
        [crawl_id, origin],
    )
    rows = [dict(zip(_REPORT_KEYS, r, strict=True)) for r in cursor]
    agents = [token for (token,) in conn.execute("SELECT token FROM agents ORDER BY rowid")]
    # The columns read are the report's keys (_REPORT_KEYS), their values made JSON's below.
    return [cast(RobotsVerdictReport, _report_row(r)) for r in expand(rows, agents)]


def _report_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as a report verdict: 0/1 as booleans, ``group_lines`` as a list of lines.

    The table keeps ``group_lines`` as JSON text (``"[3, 4]"``; ``"[]"`` when no group
    applied); a report holds the list itself.
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is not None and key in _BOOLEANS:
            value = bool(value)
        elif value is not None and key == "group_lines":
            value = json.loads(value)
        out[key] = value
    return out


def stored_report(report: SiteReport) -> StoredReport:
    """The report as ``site_summary.report`` keeps it: robots verdicts live in their table.

    An empty list (no robots.txt table to read) is kept; a non-empty one is left out and
    put back by :func:`full_report`.
    """
    robots = report["robots"]
    kept: StoredRobotsReport = {**robots}
    if robots.get("verdicts"):
        del kept["verdicts"]
    return {**report, "robots": kept}


def load_report(text: str) -> StoredReport:
    """A ``site_summary.report`` value as the report it is."""
    # The one place stored JSON becomes a typed report: derive wrote it from stored_report.
    return cast(StoredReport, json.loads(text))


def full_report(conn: sqlite3.Connection, crawl_id: int, report: StoredReport) -> SiteReport:
    """A stored report with its robots verdicts read back from the table.

    A report stored before the verdicts moved to their table holds them inline, but without
    the deciding group (``group_lines``, ``group_text``); the table always kept it, so such
    verdicts are read from the table too.
    """
    robots = report["robots"]
    inline = robots.get("verdicts")
    if inline is not None and (not inline or "group_lines" in inline[0]):
        verdicts = inline
    else:
        verdicts = report_verdicts(conn, crawl_id, report["origin"])
    return {**report, "robots": {**robots, "verdicts": verdicts}}
