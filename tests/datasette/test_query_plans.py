"""The SQL behind the busy pages uses indexes: no full scan of a big table.

A database of 2,000 generated sites (the benchmark's generator) is served in-process; every
statement each page runs is captured from SQLite itself (a trace callback on Datasette's
connections, so the plugins' own queries count too) and its plan is checked with EXPLAIN
QUERY PLAN. Timings are the benchmark's business (benchmarks/datasette_load.py), not a test's.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import types
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode

from benchmarks.generate_db import generate
from datasette import hookimpl
from datasette.plugins import pm
from results.finding_meanings import register_sql_functions as register_meaning_functions
from results.site_lookup import register_sql_functions
from tests.datasette.conftest import make_datasette

SITES = 2_000
BIG_TABLES = frozenset(
    {
        "sites",
        "site_status",
        "bodies",
        "fetches",
        "site_verdicts",
        "contributions",
        "robots_verdict_rows",
        "findings",
        "pages",
        "site_summary",
        "latest_sites",
        "statements",
        "changes",
        "change_feed_entries",
        "images",
        "profiles",
        "platform_summary",
        "probes",
        "probe_agents",
    }
)
# Datasette's own count of every table's rows: it runs once per immutable database (the counts
# are cached) and under its time limit, and shows "many rows" when that runs out.
DATASETTE_TABLE_COUNT = re.compile(r"^select count\(\*\) from \[\w+\]$")
SKIPPED = re.compile(r"sqlite_master|sqlite_schema|^pragma|pragma_table|\bdatabases\b", re.I)
# latest_sites has one row per site: counting it and faceting it read a whole index (the facet
# columns are indexed), and listing it walks its primary key in order until the page's LIMIT.
ALLOWED_SCANS = {
    ("latest_sites", re.compile(r"^SCAN latest_sites USING COVERING INDEX latest_sites_\w+$")),
    (
        "latest_sites",
        re.compile(r"^SCAN latest_sites USING INDEX sqlite_autoindex_latest_sites_1$"),
    ),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    generate(SITES, path)
    return path


@pytest.fixture(scope="module")
def captured() -> Iterator[list[str]]:
    """Every statement Datasette's connections run, as SQLite expanded it."""
    statements: list[str] = []
    plugin = types.ModuleType("optout_test_capture_sql")

    def prepare_connection(conn: sqlite3.Connection) -> None:
        conn.set_trace_callback(statements.append)

    plugin.prepare_connection = hookimpl(prepare_connection)  # type: ignore[attr-defined]
    pm.register(plugin, name="optout-test-capture-sql")
    try:
        yield statements
    finally:
        pm.unregister(name="optout-test-capture-sql")


@pytest.fixture(scope="module")
def ds(generated: Path, captured: list[str]) -> Datasette:
    # As `optout serve` runs it: no suggested facets (see optout_cli/serve_cmd.py).
    return make_datasette(generated, suggest_facets=False)


def _pages(ds: Datasette, db: Path) -> list[str]:
    name = db.stem
    with sqlite3.connect(db) as conn:
        origin = conn.execute(
            "select origin from site_summary where crawl_id = 2 order by origin limit 1 offset 99"
        ).fetchone()[0]
    queries = ds.metadata("queries", database=name) or {}
    return [
        "/",
        f"/-/site?origin={quote(origin, safe='')}",
        f"/-/site?origin={quote(origin, safe='')}&crawl=2",
        f"/{name}/latest_sites",
        f"/{name}/site_summary?crawl_id=2&_facet=train&_facet=kind&_facet=country",
        f"/{name}/site_summary.json?crawl_id=2&_shape=array",
        f"/{name}/latest_sites.json?_shape=objects",
        ds.urls.row(name, "site_summary", f"2,{tilde_encode(origin)}", format="json"),
        *[f"/{name}/{q}" for q in queries],
        f"/{name}/site_agents?origin={quote(origin, safe='')}",
        f"/{name}/opted_out?mechanism=robots.txt",
        f"/{name}/platforms_over_time?site={quote(origin, safe='')}",
        f"/{name}/change_feed?site={quote(origin.upper() + '/x', safe='')}",
    ]


def _ctes(sql: str) -> set[str]:
    """The names a statement's WITH clause defines."""
    return set(re.findall(r"(?:\bwith|,)\s*(\w+)\s+as\s*\(", sql, re.I))


def _scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan lines that read the whole of a big table (aliases read from views too)."""
    views = " ".join(r[0] for r in conn.execute("select sql from sqlite_master where type='view'"))
    bad = []
    for *_, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
        match = re.match(r"SCAN (\w+)", detail)
        if not match:
            continue
        name = match.group(1)
        candidates = {
            m.group(1)
            for m in re.finditer(
                rf"\b(?:from|join)\s+(\w+)\s+(?:as\s+)?{name}\b(?!\s*\.)",
                f"{sql} {views}",
                re.I,
            )
        }
        if candidates & _ctes(sql):
            # The alias also names a WITH table (a materialised CTE is scanned by design);
            # its own reads of big tables are checked on their own plan lines.
            continue
        table = name if name in BIG_TABLES else next(iter(sorted(candidates)), name)
        allowed = any(t == table and plan.match(detail) for t, plan in ALLOWED_SCANS)
        if table in BIG_TABLES and not allowed:
            bad.append(detail)
    return bad


def test_pages_read_big_tables_through_indexes(
    ds: Datasette, generated: Path, captured: list[str]
) -> None:
    problems: dict[str, list[tuple[str, list[str]]]] = {}
    checked = 0
    conn = sqlite3.connect(generated)
    register_sql_functions(conn)  # the SQL functions our plugins give Datasette's connections
    register_meaning_functions(conn)
    try:
        for page in _pages(ds, generated):
            captured.clear()
            response = asyncio.run(ds.client.get(page))
            assert response.status_code == 200, page
            for sql in dict.fromkeys(s.strip() for s in captured):
                if not re.match(r"(?is)^(select|with)\b", sql) or SKIPPED.search(sql):
                    continue
                if DATASETTE_TABLE_COUNT.match(sql):
                    continue
                checked += 1
                scans = _scans(conn, sql)
                if scans:
                    problems.setdefault(page, []).append((sql[:300], scans))
    finally:
        conn.close()
    assert checked > 50
    assert not problems, "\n".join(
        f"{page}: {scans} in {sql!r}" for page, found in problems.items() for sql, scans in found
    )
