"""Every table page renders, with the descriptions, facets and links metadata.yml promises."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, get

TABLES = (
    "statements",
    "latest_sites",
    "site_summary",
    "sites",
    "site_verdicts",
    "contributions",
    "robots_verdicts",
    "robots_verdict_rows",
    "agent_counts",
    "finding_counts",
    "verdict_counts",
    "mechanism_counts",
    "crawl_totals",
    "change_feed_entries",
    "findings",
    "pages",
    "fetches",
    "agents",
    "crawls",
    "audits",
    "changes",
    "site_status",
    "bodies",
    "images",
    "profiles",
    "platform_summary",
    "probes",
    "probe_agents",
)
HIDDEN = ("bodies", "_sqlite_migrations", "sqlite_sequence", "webhook_deliveries")


def test_the_list_covers_every_table_and_view(audited_db: Path) -> None:
    conn = sqlite3.connect(audited_db)
    names = {
        row[0]
        for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")
    }
    conn.close()
    assert names - set(HIDDEN) - set(TABLES) == set()


@pytest.mark.parametrize("table", TABLES)
def test_table_page_renders(ds: Datasette, table: str) -> None:
    response = get(ds, f"/{DB_NAME}/{table}?_size=5")
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("table", [t for t in TABLES if t not in HIDDEN])
def test_table_page_shows_its_description(ds: Datasette, table: str) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/{table}?_size=1").text)
    assert page.css(".metadata-description").get(), f"{table} has no description"


@pytest.mark.parametrize(
    ("table", "facet"),
    [
        ("latest_sites", "train"),
        ("latest_sites", "kind"),
        ("findings", "severity"),
        ("findings", "code"),
        ("fetches", "kind"),
        ("agents", "purpose"),
        ("site_verdicts", "state"),
        ("contributions", "mechanism"),
        ("pages", "noai"),
        ("changes", "change"),
        ("images", "data_mining_code"),
        ("profiles", "opted_out_train"),
        ("platform_summary", "offers_per_profile"),
        ("statements", "kind"),
        ("latest_sites", "words_only"),
    ],
)
def test_table_page_shows_its_default_facets(ds: Datasette, table: str, facet: str) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/{table}?_size=1").text)
    assert page.css(f'.facet-info[data-column="{facet}"]').get(), f"{table}: no {facet} facet"


def test_column_descriptions_are_shown(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/latest_sites?_size=1").text)
    terms = page.css("dl.column-descriptions dt::text").getall()
    assert {"train", "train_mechanisms", "summary"} <= set(terms)


def test_database_page_hides_internal_tables(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}").text)
    visible = set(page.css(".content a::text").getall())
    assert "latest_sites" in visible
    assert not visible & set(HIDDEN)


def test_origin_cells_link_to_the_site_page(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/findings?_size=3").text)
    hrefs = page.css("td.col-origin a::attr(href)").getall()
    assert hrefs and all(h.startswith("/-/site?origin=http") for h in hrefs)


def test_fetch_id_cells_link_to_the_fetch_row(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/findings?_size=3").text)
    href = page.css("td.col-fetch_id a::attr(href)").get()
    assert href is not None and href.startswith(f"/{DB_NAME}/fetches/")
    assert get(ds, href).status_code == 200


def test_finding_code_cells_link_to_their_explanation(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/findings?_size=3").text)
    href = page.css("td.col-code a::attr(href)").get()
    assert href is not None and href.startswith("/-/findings#")


def test_report_cells_are_a_link_not_the_json(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/site_summary?_size=2").text)
    cell = page.css("td.col-report").get()
    assert cell is not None and "site page" in cell and '"verdicts"' not in cell
