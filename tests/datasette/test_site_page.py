"""The per-site page explains one site's verdict with evidence links that resolve."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, get, sql_value

RESERVED = "http://comic-oscar.example"
BROKEN = EDITED_ORIGIN
UNKNOWN = "http://glass-victor.example"
SITES = {"reserved": RESERVED, "broken": BROKEN, "unknown": UNKNOWN}


def _page(ds: Datasette, origin: str, extra: str = "") -> Selector:
    response = get(ds, f"/-/site?origin={quote(origin, safe='')}{extra}")
    assert response.status_code == 200, response.text[:300]
    return Selector(response.text)


def test_the_three_sites_have_the_states_they_stand_for(audited_db: Path) -> None:
    def train(origin: str) -> str:
        return sql_value(
            audited_db,
            "select train from site_summary where crawl_id = 2 and origin = ?",
            (origin,),
        )

    errors = sql_value(
        audited_db, "select errors from site_summary where crawl_id = 2 and origin = ?", (BROKEN,)
    )
    assert (train(RESERVED), train(UNKNOWN), errors > 0) == ("reserved", "unknown", True)


@pytest.mark.parametrize("case", sorted(SITES))
def test_site_page_shows_the_verdict_sentence(ds: Datasette, audited_db: Path, case: str) -> None:
    origin = SITES[case]
    summary = sql_value(
        audited_db, "select summary from site_summary where crawl_id = 2 and origin = ?", (origin,)
    )
    page = _page(ds, origin)
    assert page.css(".verdict .summary::text").get() == summary


@pytest.mark.parametrize("case", ["reserved", "broken"])
def test_site_page_evidence_links_resolve(ds: Datasette, case: str) -> None:
    hrefs = _page(ds, SITES[case]).css("a.evidence-link::attr(href)").getall()
    assert hrefs
    for href in sorted(set(hrefs)):
        assert href.startswith(f"/{DB_NAME}/fetches/")
        assert get(ds, href).status_code == 200, href


def test_site_page_evidence_names_the_robots_line(ds: Datasette) -> None:
    texts = _page(ds, BROKEN).css("table.findings a.evidence-link::text").getall()
    assert "/robots.txt line 10" in texts  # the meta-external-agent typo


@pytest.mark.parametrize("case", sorted(SITES))
def test_site_page_lists_every_finding(ds: Datasette, audited_db: Path, case: str) -> None:
    origin = SITES[case]
    expected = sql_value(
        audited_db, "select count(*) from findings where crawl_id = 2 and origin = ?", (origin,)
    )
    page = _page(ds, origin)
    assert len(page.css("table.findings tbody tr")) == expected


def test_broken_site_findings_show_severity_code_and_message(ds: Datasette) -> None:
    row = _page(ds, BROKEN).css("table.findings tbody tr.finding-error")[0]
    assert row.css("span.severity::text").get() == "error"
    assert row.css("a::attr(href)").get().startswith("/-/findings#")
    assert row.css("td:nth-child(3)::text").get().strip()


def test_site_page_counts_the_blocked_training_agents(ds: Datasette, audited_db: Path) -> None:
    blocked = sql_value(
        audited_db,
        "select training_agents_blocked from site_summary where crawl_id = 2 and origin = ?",
        (RESERVED,),
    )
    page = _page(ds, RESERVED)
    assert page.css('[data-stat="agents-blocked"]::text').get() == str(blocked)
    assert len(page.css("ul.agents-blocked li")) == blocked


def test_unknown_site_says_robots_txt_could_not_be_read(ds: Datasette) -> None:
    text = " ".join(_page(ds, UNKNOWN).css("p::text").getall())
    assert "robots.txt could not be read" in text


@pytest.mark.parametrize("case", sorted(SITES))
def test_site_page_lists_every_fetch(ds: Datasette, audited_db: Path, case: str) -> None:
    origin = SITES[case]
    expected = sql_value(
        audited_db, "select count(*) from fetches where crawl_id = 2 and origin = ?", (origin,)
    )
    assert len(_page(ds, origin).css("table.fetches tbody tr")) == expected


def test_site_page_defaults_to_the_latest_crawl_and_offers_older_ones(ds: Datasette) -> None:
    page = _page(ds, BROKEN)
    assert "crawl 2" in page.css(".site-facts").get()
    older = page.css(".site-facts a::attr(href)").get()
    assert older is not None and older.endswith("crawl=1")
    codes = _page(ds, BROKEN, "&crawl=1").css("table.findings code::text").getall()
    assert codes.count("robots-token-typo") == 2  # GPT-Bot was still misspelt in crawl 1


def test_site_page_shows_what_changed(ds: Datasette) -> None:
    changes = _page(ds, BROKEN).css("ul.changes li code::text").getall()
    assert "agent:GPTBot" in changes


def test_site_page_finds_an_origin_typed_without_scheme(ds: Datasette) -> None:
    page = _page(ds, "artist-anna.example")
    assert page.css("code.site-origin::text").get() == BROKEN


def test_unknown_origin_is_a_404_with_the_lookup_form(ds: Datasette) -> None:
    response = get(ds, "/-/site?origin=http://nowhere.example")
    assert response.status_code == 404
    assert Selector(response.text).css("form.site-lookup").get()


def test_site_page_json_link_resolves(ds: Datasette) -> None:
    href = _page(ds, RESERVED).css(".methodology a::attr(href)").get()
    response = get(ds, href)
    assert response.status_code == 200
    [row] = response.json()
    assert row["origin"] == RESERVED
    assert row["report"]["verdicts"]["train"]["state"] == "reserved"
