"""The landing page shows the latest crawl's headline numbers, charts and every question."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, canned_queries, get, sql_value

LATEST = "(select max(crawl_id) from audits)"
HEADLINES = {
    "sites": f"select count(*) from site_summary where crawl_id = {LATEST}",
    "opted-out": f"select count(*) from site_summary where crawl_id = {LATEST}"
    " and train in ('reserved', 'partial')",
    "error-findings": f"select count(*) from findings where crawl_id = {LATEST}"
    " and severity = 'error'",
    "error-sites": f"select count(distinct origin) from findings where crawl_id = {LATEST}"
    " and severity = 'error'",
    "conflict-sites": f"select count(distinct origin) from site_verdicts"
    f" where crawl_id = {LATEST} and conflict = 1",
    "changes": f"select count(*) from changes where crawl_id = {LATEST}",
}


@pytest.fixture(scope="module")
def landing(ds: Datasette) -> Selector:
    response = get(ds, "/")
    assert response.status_code == 200
    return Selector(response.text)


@pytest.mark.parametrize("stat", sorted(HEADLINES))
def test_headline_number_matches_the_database(
    landing: Selector, audited_db: Path, stat: str
) -> None:
    shown = landing.css(f'[data-stat="{stat}"]::text').get()
    assert shown == str(sql_value(audited_db, HEADLINES[stat]))


@pytest.mark.parametrize("state", ["reserved", "partial", "allowed", "unstated", "unknown"])
def test_verdict_share_per_state_matches_the_database(
    landing: Selector, audited_db: Path, state: str
) -> None:
    shown = landing.css(f'[data-stat="state-{state}"]::text').get()
    expected = sql_value(
        audited_db,
        f"select count(*) from site_summary where crawl_id = {LATEST} and train = ?",
        (state,),
    )
    assert shown == str(expected)


def test_the_sample_has_changes_to_show(landing: Selector) -> None:
    assert int(landing.css('[data-stat="changes"]::text').get() or 0) > 0


def test_landing_has_three_charts_with_bars(landing: Selector) -> None:
    charts = landing.css("figure.chart")
    assert len(charts) == 3
    for chart in charts:
        assert len(chart.css("svg rect")) > 0


def test_kind_chart_has_a_bar_per_kind(landing: Selector, audited_db: Path) -> None:
    kinds = sql_value(
        audited_db, f"select count(distinct kind) from site_summary where crawl_id = {LATEST}"
    )
    rows = landing.css("#chart-verdict-by-kind g.chart-row")
    assert len(rows) == kinds + 1  # plus "All sites"


def test_most_blocked_agent_comes_first(landing: Selector, audited_db: Path) -> None:
    top = sql_value(
        audited_db,
        "select r.agent from robots_verdicts r join agents a on a.token = r.agent"
        f" where r.crawl_id = {LATEST} and r.path = '/' and a.purpose in ('train', 'control')"
        " and a.legacy = 0 group by r.agent"
        " order by 1.0 * sum(r.allowed = 0) / count(r.allowed) desc, lower(r.agent) limit 1",
    )
    assert landing.css('[data-list="most-blocked"] li code::text').get() == top


def test_landing_links_every_canned_query(landing: Selector) -> None:
    hrefs = set(landing.css("ul.queries a::attr(href)").getall())
    assert {f"/{DB_NAME}/{name}" for name in canned_queries()} <= hrefs


def test_landing_links_resolve(ds: Datasette, landing: Selector) -> None:
    hrefs = {h for h in landing.css("a::attr(href)").getall() if h.startswith("/")}
    broken = [h for h in sorted(hrefs) if get(ds, h).status_code != 200]
    assert broken == []
