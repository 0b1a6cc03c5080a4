"""Every origin cell Datasette renders opens the per-site page, in tables, views and queries.

The tables and views are read from the database itself and the canned queries from
metadata.yml, so a new table or query with an ``origin`` column is checked without a list here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from datasette.app import Datasette
from datasette.utils import tilde_encode
from parsel import Selector

from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, canned_queries, get

HIDDEN = frozenset({"bodies", "webhook_deliveries"})
QUERY_PARAMS = {"site_agents": {"origin": EDITED_ORIGIN}}


def _with_origin(db_path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "select name from sqlite_master where type in ('table', 'view') order by name"
            )
        ]
        return [
            name
            for name in names
            if name not in HIDDEN
            and any(c[1] == "origin" for c in conn.execute(f"pragma table_info([{name}])"))
        ]
    finally:
        conn.close()


def _origin_links(html: str) -> list[tuple[str, str]]:
    """(text, href) of the first link in every origin cell of the page's result table."""
    cells = Selector(html).css("table.rows-and-columns td.col-origin")
    assert cells, "no origin cells"
    return [
        (cell.css("a::text").get() or "", cell.css("a::attr(href)").get() or "") for cell in cells
    ]


def _opens_site_page(text: str, href: str) -> bool:
    parts = urlsplit(href)
    return parts.path == "/-/site" and parse_qs(parts.query).get("origin") == [text]


def _assert_site_links(html: str) -> None:
    for text, href in _origin_links(html):
        assert _opens_site_page(text, href), (text, href)


def test_tables_and_views_with_an_origin_column_are_found(audited_db: Path) -> None:
    assert {"latest_sites", "sites", "site_summary", "findings"} <= set(_with_origin(audited_db))


def _has_rows(db_path: Path, table: str) -> bool:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(f"select 1 from [{table}] limit 1").fetchone() is not None
    finally:
        conn.close()


def test_origin_cells_of_every_table_and_view_open_the_site_page(
    ds: Datasette, audited_db: Path, probed_ds: Datasette, probed_db: Path
) -> None:
    wrong = {}
    for table in _with_origin(audited_db):
        # The sample web's crawl probes nothing: the probe tables are read where there are probes.
        served = ds if _has_rows(audited_db, table) else probed_ds
        assert served is ds or _has_rows(probed_db, table), f"{table} has no rows to check"
        response = get(served, f"/{DB_NAME}/{table}?_size=5")
        assert response.status_code == 200, (table, response.text[:300])
        links = _origin_links(response.text)
        bad = [link for link in links if not _opens_site_page(*link)]
        if bad:
            wrong[table] = bad[0]
    assert wrong == {}


def _queries_with_origin(ds: Datasette) -> list[str]:
    names = []
    for name in sorted(canned_queries()):
        params = urlencode(QUERY_PARAMS.get(name, {}))
        response = get(ds, f"/{DB_NAME}/{name}.json?_shape=objects&{params}")
        rows = response.json().get("rows") or []
        if rows and "origin" in rows[0]:
            names.append(name)
    return names


def test_origin_cells_of_every_canned_query_open_the_site_page(
    ds: Datasette, probed_ds: Datasette
) -> None:
    names = _queries_with_origin(ds)
    assert {"opted_out", "broken_opt_outs", "changes_since_last_crawl"} <= set(names)
    # Queries over probes have rows only where the crawl probed.
    probed = [n for n in _queries_with_origin(probed_ds) if n not in names]
    assert "edge_and_robots_disagree" in probed
    for served, name in [*((ds, n) for n in names), *((probed_ds, n) for n in probed)]:
        params = urlencode(QUERY_PARAMS.get(name, {}))
        response = get(served, f"/{DB_NAME}/{name}?{params}")
        assert response.status_code == 200, name
        _assert_site_links(response.text)


def test_the_row_page_of_a_site_links_its_origin_to_the_site_page(ds: Datasette) -> None:
    response = get(ds, f"/{DB_NAME}/site_summary/2,{tilde_encode(EDITED_ORIGIN)}")
    assert response.status_code == 200, response.text[:300]
    _assert_site_links(response.text)
