"""Probes in Datasette (issue 15): the per-site section (agent × target, with the probe and
baseline fetches), the canned query where robots.txt and the edge disagree, the landing
page's edge numbers and the probe tables, over a real audited database with probes
(``tests/results/probe_db.py``). The sample web's session crawl probes nothing: its pages
show no probe section and no edge numbers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, get, sql_value
from tests.results.probe_db import EDGE, PLAIN, QUIET


def page(ds: Datasette, path: str) -> Selector:
    response = get(ds, path)
    assert response.status_code == 200, response.text[:500]
    return Selector(response.text)


def site_page(ds: Datasette, origin: str, crawl: int | None = None) -> Selector:
    suffix = "" if crawl is None else f"&crawl={crawl}"
    return page(ds, f"/-/site?origin={quote(origin, safe='')}{suffix}")


# --- The per-site page ------------------------------------------------------------------


def test_the_site_page_shows_each_probed_agent_against_each_target(probed_ds: Datasette) -> None:
    html = site_page(probed_ds, EDGE, 1)
    table = html.css("table.probes")
    assert table, "no probes section"
    assert html.css("h2#probes")
    targets = table.css("thead th::text").getall()[3:]
    assert targets == ["robots", "home", "page"]  # as a crawl asks for them
    agents = table.css("tr.probe-agent::attr(data-agent)").getall()
    assert sorted(agents) == ["ClaudeBot", "GPTBot", "OAI-SearchBot"]
    gptbot = table.css('tr[data-agent="GPTBot"]')
    assert (gptbot.css('td[data-column="declared"]::text').get() or "").strip() == "allowed"
    assert gptbot.css('td[data-column="enforced"] span.outcome::text').get() == "refused"
    cell = gptbot.css('td[data-target="robots"]')
    assert cell.css("span.outcome::text").get() == "refused"
    assert "403" in "".join(cell.css("::text").getall())
    assert cell.css("span.vendor::text").get() == "cloudflare"
    claude = table.css('tr[data-agent="ClaudeBot"] td[data-target="page"]')
    assert claude.css("span.outcome::text").get() == "charged"
    assert "USD 0.01 (crawler-price)" in (claude.css("span.price::text").get() or "")


def test_probe_and_baseline_links_open_the_right_fetches(
    probed_ds: Datasette, probed_db: Path
) -> None:
    cell = site_page(probed_ds, EDGE, 1).css('tr[data-agent="GPTBot"] td[data-target="page"]')
    probe = cell.css("a.probe-link::attr(href)").get()
    baseline = cell.css("a.baseline-link::attr(href)").get()
    assert probe and baseline
    assert probe.startswith(f"/{DB_NAME}/fetches/") and baseline.startswith(f"/{DB_NAME}/fetches/")
    probe_id, baseline_id = probe.rsplit("/", 1)[1], baseline.rsplit("/", 1)[1]
    assert sql_value(probed_db, "select agent from fetches where id = ?", (probe_id,)) == "GPTBot"
    assert sql_value(probed_db, "select kind from fetches where id = ?", (probe_id,)) == "probe"
    assert sql_value(probed_db, "select kind from fetches where id = ?", (baseline_id,)) == "page"
    assert get(probed_ds, probe).status_code == 200
    assert get(probed_ds, baseline).status_code == 200


def test_the_uses_say_what_the_edge_enforced(probed_ds: Datasette) -> None:
    html = site_page(probed_ds, PLAIN, 1)
    train = html.css('table.uses tr[data-use="train"] .enforced::attr(data-enforced)').get()
    assert train == "served"
    assert not html.css('table.uses tr[data-use="tdm"] .enforced')


def test_the_fetch_list_names_the_agent_of_each_probe(probed_ds: Datasette) -> None:
    html = site_page(probed_ds, PLAIN, 1)
    agents = html.css("table.fetches code.probe-agent::text").getall()
    assert agents == ["GPTBot", "GPTBot", "GPTBot"]


def test_the_section_links_every_probe_and_the_disagreement_query(probed_ds: Datasette) -> None:
    html = site_page(probed_ds, EDGE, 1)
    hrefs = html.css("h2#probes ~ p.hint a::attr(href)").getall()
    table = next(h for h in hrefs if f"/{DB_NAME}/probes?" in h)
    rows = get(probed_ds, table.replace("/probes?", "/probes.json?") + "&_shape=array").json()
    assert len(rows) == 9 and {r["origin"] for r in rows} == {EDGE}
    assert any(f"/{DB_NAME}/edge_and_robots_disagree?" in h for h in hrefs)


def test_a_site_not_probed_has_no_probe_section(probed_ds: Datasette, ds: Datasette) -> None:
    assert not site_page(probed_ds, QUIET, 1).css("table.probes, h2#probes")
    assert site_page(probed_ds, QUIET, 2).css("table.probes")
    sample = site_page(ds, "http://artist-anna.example")
    assert not sample.css("table.probes, h2#probes, .enforced, code.probe-agent")


def test_the_site_page_lists_the_edge_change(probed_ds: Datasette) -> None:
    changes = site_page(probed_ds, PLAIN).css("ul.changes li")
    text = [" ".join(li.css("::text").getall()) for li in changes]
    assert any("edge:GPTBot" in t and "appeared" in t and "refused" in t for t in text)


# --- The canned query -------------------------------------------------------------------


def disagree(ds: Datasette, **params: str) -> list[dict[str, object]]:
    query = "&".join(f"{k}={v}" for k, v in {**params, "_shape": "array"}.items())
    response = get(ds, f"/{DB_NAME}/edge_and_robots_disagree.json?{query}")
    assert response.status_code == 200, response.text[:500]
    rows: list[dict[str, object]] = response.json()
    return rows


def test_edge_blocks_robots_does_not_and_the_reverse(probed_ds: Datasette) -> None:
    rows = disagree(probed_ds, crawl="1")
    found = {(r["origin"], r["agent"], r["blocked_by"]) for r in rows}
    assert found == {
        (EDGE, "ClaudeBot", "edge, not robots.txt"),
        (EDGE, "GPTBot", "edge, not robots.txt"),
        (PLAIN, "GPTBot", "robots.txt, not edge"),
    }
    gptbot = next(r for r in rows if r["origin"] == EDGE and r["agent"] == "GPTBot")
    assert (gptbot["robots_txt"], gptbot["edge"], gptbot["vendor"]) == (
        "allowed",
        "refused",
        "cloudflare",
    )
    claude = next(r for r in rows if r["agent"] == "ClaudeBot")
    assert claude["price"] == "USD 0.01"


def test_the_query_takes_one_direction(probed_ds: Datasette) -> None:
    edge_only = {(r["origin"], r["agent"]) for r in disagree(probed_ds, crawl="1", which="edge")}
    assert edge_only == {(EDGE, "ClaudeBot"), (EDGE, "GPTBot")}
    robots_only = disagree(probed_ds, crawl="1", which="robots")
    assert [(r["origin"], r["agent"]) for r in robots_only] == [(PLAIN, "GPTBot")]


def test_the_query_links_the_probe_it_rests_on(probed_ds: Datasette, probed_db: Path) -> None:
    row = next(r for r in disagree(probed_ds, crawl="1") if r["origin"] == PLAIN)
    fetch = row["probe_fetch_id"]
    assert sql_value(probed_db, "select agent from fetches where id = ?", (fetch,)) == "GPTBot"
    html = page(probed_ds, f"/{DB_NAME}/edge_and_robots_disagree?crawl=1&which=robots")
    assert html.css(f'td.col-probe_fetch_id a[href="/{DB_NAME}/fetches/{fetch}"]')


def test_the_latest_crawl_disagrees_elsewhere(probed_ds: Datasette) -> None:
    # Crawl 2: edge.example serves GPTBot now (still charging ClaudeBot), plain.example's
    # edge refuses GPTBot as its robots.txt asks: no disagreement left there.
    found = {(r["origin"], r["agent"], r["crawl_id"]) for r in disagree(probed_ds)}
    assert found == {(EDGE, "ClaudeBot", 2)}


# --- The landing page --------------------------------------------------------------------


def test_the_landing_page_counts_the_edge(probed_ds: Datasette) -> None:
    landing = page(probed_ds, "/")
    numbers = {
        stat: landing.css(f'[data-stat="{stat}"]::text').get()
        for stat in ("probed", "edge-refusing", "edge-charging", "edge-only", "robots-only")
    }
    # Crawl 2: three sites probed; plain.example refuses GPTBot, edge.example charges ClaudeBot.
    assert numbers == {
        "probed": "3",
        "edge-refusing": "1",
        "edge-charging": "1",
        "edge-only": "1",
        "robots-only": "0",
    }
    hrefs = landing.css("h2#edge ~ div.edge a::attr(href)").getall()
    assert hrefs and all(get(probed_ds, h).status_code == 200 for h in hrefs)


def test_the_landing_page_shows_no_edge_numbers_without_probes(ds: Datasette) -> None:
    landing = page(ds, "/")
    assert not landing.css("h2#edge, div.edge, [data-stat='probed']")


# --- The tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "facet"),
    [("probes", "outcome"), ("probes", "agent"), ("probe_agents", "enforced")],
)
def test_the_probe_tables_facet_and_link(probed_ds: Datasette, table: str, facet: str) -> None:
    html = page(probed_ds, f"/{DB_NAME}/{table}?_size=5")
    assert html.css(".metadata-description").get()
    assert html.css(f'.facet-info[data-column="{facet}"]').get()
    assert (html.css("td.col-origin a::attr(href)").get() or "").startswith("/-/site?origin=http")


def test_probe_fetch_ids_link_to_their_fetches(probed_ds: Datasette) -> None:
    html = page(probed_ds, f"/{DB_NAME}/probes?_size=3")
    for column in ("probe_fetch_id", "baseline_fetch_id"):
        href = html.css(f"td.col-{column} a::attr(href)").get()
        assert href is not None and href.startswith(f"/{DB_NAME}/fetches/")


# --- The change feed ------------------------------------------------------------------------


def test_the_feed_says_what_the_edge_now_does(probed_ds: Datasette) -> None:
    response = get(probed_ds, f"/{DB_NAME}/change_feed.json?_shape=array&use=train")
    assert response.status_code == 200, response.text[:300]
    titles = [r["atom_title"] for r in response.json()]
    assert "Plain: the edge now refused GPTBot (was served)" in titles
    assert "Edge: the edge now served GPTBot (was refused)" in titles
    search = get(probed_ds, f"/{DB_NAME}/change_feed.json?_shape=array&use=search").json()
    assert not [r for r in search if "the edge now" in r["atom_title"]]
