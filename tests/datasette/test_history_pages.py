"""History in Datasette: watch-list feeds, the per-site timeline, platforms over time and the
adoption-over-time chart on the landing page."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from datasette.app import Datasette
from parsel import Selector

from crawler.storage import open_db
from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, get, make_datasette, sql_value
from tests.results.history_db import ANNA, FOLIO, build_history

ATOM = "{http://www.w3.org/2005/Atom}"
PLATFORM = "http://folio-platform.example"


@pytest.fixture(scope="module")
def history_ds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Datasette]:
    """Datasette over three crawls: anna changes in crawl 2, folio (a platform) in crawl 3."""
    path = tmp_path_factory.mktemp("history-ds") / "watch.db"
    db = open_db(path)
    build_history(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    yield make_datasette(path)


def _entries(ds: Datasette, database: str, **params: str) -> list[ElementTree.Element]:
    response = get(ds, f"/{database}/change_feed.atom?{urlencode(params)}")
    assert response.status_code == 200, response.text[:300]
    return ElementTree.fromstring(response.content).findall(f"{ATOM}entry")


def _change_entries(ds: Datasette, database: str, **params: str) -> list[str]:
    """The content of every change entry (the audit entry left out)."""
    return [
        e.findtext(f"{ATOM}content") or ""
        for e in _entries(ds, database, **params)
        if not (e.findtext(f"{ATOM}id") or "").endswith(":audit")
    ]


# Feeds per watch list ---------------------------------------------------------------------------


def test_feed_without_filters_has_every_change_of_the_latest_crawl(history_ds: Datasette) -> None:
    assert len(_change_entries(history_ds, "watch")) == 4


def test_feed_filtered_by_kind_platform(history_ds: Datasette) -> None:
    entries = _change_entries(history_ds, "watch", kind="platform", crawl="3")
    assert len(entries) == 4 and all(FOLIO in e for e in entries)
    assert _change_entries(history_ds, "watch", kind="platform", crawl="2") == []


def test_feed_filtered_by_platform(history_ds: Datasette) -> None:
    assert len(_change_entries(history_ds, "watch", platform="folio")) == 4
    assert _change_entries(history_ds, "watch", platform="Elsewhere") == []


def test_feed_filtered_by_site_takes_a_host(history_ds: Datasette) -> None:
    entries = _change_entries(history_ds, "watch", site="anna.example", crawl="2")
    assert entries and all(ANNA in e for e in entries)
    assert _change_entries(history_ds, "watch", site="anna.example") == []


def test_feed_filtered_by_use(history_ds: Datasette) -> None:
    search = _change_entries(history_ds, "watch", use="search", crawl="2")
    assert search and all("search" in e for e in search)
    train = _change_entries(history_ds, "watch", use="train", crawl="2")
    assert any("agent:GPTBot" in e for e in train)  # agent changes count as train
    assert _change_entries(history_ds, "watch", use="tdm", crawl="2") == []


def test_feed_filters_combine(history_ds: Datasette) -> None:
    assert _change_entries(history_ds, "watch", kind="platform", use="search") == []
    assert len(_change_entries(history_ds, "watch", kind="platform", use="ai-use")) == 2


def test_filtered_feed_keeps_the_audit_entry_and_says_it_is_filtered(
    history_ds: Datasette,
) -> None:
    titles = [e.findtext(f"{ATOM}title") for e in _entries(history_ds, "watch", kind="blog")]
    assert titles == ["Crawl 3 audited: 3 sites, 0 changes matching this feed"]


def test_sample_feed_for_creator_sites_and_training(ds: Datasette) -> None:
    titles = [
        e.findtext(f"{ATOM}title") for e in _entries(ds, DB_NAME, kind="creator-site", use="train")
    ]
    assert "Anna Example: GPTBot disallowed" in titles


# The per-site timeline --------------------------------------------------------------------------


def _site(ds: Datasette, origin: str) -> Selector:
    response = get(ds, f"/-/site?origin={quote(origin, safe='')}")
    assert response.status_code == 200, response.text[:300]
    return Selector(response.text)


def test_site_history_lists_each_crawl_newest_first(ds: Datasette) -> None:
    rows = _site(ds, EDITED_ORIGIN).css("table.history tbody tr")
    assert [r.attrib["data-crawl"] for r in rows] == ["2", "1"]


@pytest.mark.parametrize("use", ["train", "ai-use", "search", "tdm"])
def test_site_history_shows_the_state_of_each_use(
    ds: Datasette, audited_db: Path, use: str
) -> None:
    column = use.replace("-", "_")
    for crawl in (1, 2):
        expected = sql_value(
            audited_db,
            f"select {column} from site_summary where crawl_id = ? and origin = ?",
            (crawl, EDITED_ORIGIN),
        )
        cell = _site(ds, EDITED_ORIGIN).css(
            f'table.history tr[data-crawl="{crawl}"] td[data-use="{use}"] .state::text'
        )
        assert cell.get() == expected


def test_site_history_lists_the_changes_of_a_crawl(ds: Datasette) -> None:
    row = _site(ds, EDITED_ORIGIN).css('table.history tr[data-crawl="2"]')
    assert "agent:GPTBot" in row.css(".history-changes code::text").getall()


def test_site_history_links_each_crawl_and_they_resolve(ds: Datasette) -> None:
    hrefs = _site(ds, EDITED_ORIGIN).css("table.history a::attr(href)").getall()
    assert len(hrefs) == 2
    assert all(get(ds, href).status_code == 200 for href in hrefs)


def test_many_agent_changes_fold_into_one_line_on_the_site_page(history_ds: Datasette) -> None:
    row = _site(history_ds, ANNA).css('table.history tr[data-crawl="2"]')
    assert "63 training agents" in row.css(".history-changes code::text").getall()


def test_platform_site_page_links_its_history_table(ds: Datasette) -> None:
    href = _site(ds, PLATFORM).css('p.hint a[href*="platforms_over_time"]::attr(href)').get()
    assert href and get(ds, href).status_code == 200


# Platforms over time ----------------------------------------------------------------------------


def _rows(ds: Datasette, query: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = get(ds, f"/{DB_NAME}/{query}.json?{urlencode({**params, '_shape': 'array'})}")
    assert response.status_code == 200, response.text[:300]
    return response.json()  # type: ignore[no-any-return]


def test_platforms_over_time_has_a_row_per_platform_and_crawl(
    ds: Datasette, audited_db: Path
) -> None:
    rows = _rows(ds, "platforms_over_time")
    platforms = sql_value(audited_db, "select count(*) from sites where kind = 'platform'")
    assert len(rows) == 2 * platforms
    assert [r["crawl_id"] for r in rows if r["origin"] == PLATFORM] == [2, 1]


def test_platforms_over_time_follows_one_site(ds: Datasette) -> None:
    rows = _rows(ds, "platforms_over_time", site="folio-platform.example")
    assert {r["origin"] for r in rows} == {PLATFORM}


# Adoption over time -----------------------------------------------------------------------------


def _percent(audited_db: Path, crawl: int) -> float:
    conn = sqlite3.connect(audited_db)
    try:
        sites, opted = conn.execute(
            "select count(*), sum(train in ('reserved', 'partial')) from site_summary"
            " where crawl_id = ?",
            [crawl],
        ).fetchone()
    finally:
        conn.close()
    return round(100.0 * opted / sites, 1)


def test_adoption_query_gives_the_share_per_crawl(ds: Datasette, audited_db: Path) -> None:
    rows = [r for r in _rows(ds, "adoption_over_time") if r["mechanism"] == "any mechanism"]
    assert [(r["crawl_id"], r["percent_opted_out"]) for r in rows] == [
        (2, _percent(audited_db, 2)),
        (1, _percent(audited_db, 1)),
    ]


@pytest.fixture(scope="module")
def adoption_chart(ds: Datasette) -> Selector:
    response = get(ds, "/")
    assert response.status_code == 200
    chart = Selector(response.text).css("figure#chart-adoption")
    assert chart, "no adoption chart on the landing page"
    return chart[0]


def test_adoption_chart_has_a_point_per_crawl_on_each_line(adoption_chart: Selector) -> None:
    lines = adoption_chart.css("g.chart-line")
    assert lines[0].attrib["data-series"] == "any mechanism"
    assert len(lines) > 1
    assert all(len(line.css("circle")) == 2 for line in lines)


def test_adoption_chart_points_carry_the_share(adoption_chart: Selector, audited_db: Path) -> None:
    titles = adoption_chart.css('g.chart-line[data-series="any mechanism"] circle title::text')
    assert titles.getall() == [
        f"any mechanism, crawl 1: {_percent(audited_db, 1):g}%",
        f"any mechanism, crawl 2: {_percent(audited_db, 2):g}%",
    ]


def test_adoption_chart_is_drawn_without_script(adoption_chart: Selector) -> None:
    assert adoption_chart.css("svg polyline")
    assert not adoption_chart.css("script")
