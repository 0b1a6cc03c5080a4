"""Probes end to end, from the sample web to what a reader sees: the real ``optout crawl
--probe-agents`` over the sample web's edge hosts (a CDN refusing AI agents, pay per crawl
with ``crawler-price``, x402, a challenge for AI agents only, a decoy maze, an edge rule that
spares robots.txt) and an ordinary host, audited at the end of the crawl, then published:
Datasette's pages and canned query, the export and the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema  # type: ignore[import-untyped]
import pytest
from datasette.app import Datasette
from parsel import Selector

from audits.signals.probes import CODES as PROBE_CODES
from audits.site.audit import audit_site
from crawler.storage import iter_site_evidence, open_db
from results.export import open_export_db, write_json
from results.report_doc import write_report
from sampleweb.server import SampleWeb
from sampleweb.sites import SITES_DIR
from tests.conftest import ROOT
from tests.crawler.conftest import run_crawl
from tests.datasette.conftest import DB_NAME, get, make_datasette

HOSTS = {
    "collage-nell": "refused",  # 403 to AI agents, robots.txt too
    "comics-xavi": "charged",  # x402
    "etcher-dario": "mixed",  # a decoy maze on pages, images served
    "illustrator-cleo": "refused",  # a Cloudflare block page, robots.txt spared
    "lino-reza": "served",  # no edge rule at all
    "potter-vera": "challenged",  # a challenge for AI agents only
    "printmaker-paz": "charged",  # 402 with crawler-price
}
AGENTS = "GPTBot,OAI-SearchBot,ChatGPT-User"
SCHEMA = json.loads((ROOT / "schemas" / "export.schema.json").read_text(encoding="utf-8"))


def origin(host: str) -> str:
    return f"http://{host}.example"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Path:
    folder = tmp_path_factory.mktemp("probes-sampleweb")
    seeds = folder / "seeds.csv"
    seeds.write_text(
        "origin,kind\n" + "".join(f"{origin(h)},creator-site\n" for h in HOSTS), encoding="utf-8"
    )
    db = folder / f"{DB_NAME}.db"
    run_crawl(seeds, db, sample_web, "--allow-private", "--probe-agents", AGENTS)
    return db


@pytest.fixture(scope="module")
def served(crawled: Path) -> Iterator[Datasette]:
    yield make_datasette(crawled)


@pytest.fixture(scope="module")
def document(crawled: Path) -> dict[str, Any]:
    db, crawl_id = open_export_db(crawled, "latest")
    out = StringIO()
    try:
        write_json(out, db, crawl_id, tool_version="test")
    finally:
        db.close()
    exported: dict[str, Any] = json.loads(out.getvalue())
    return exported


def gptbot(site: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in site["probes"]["agents"] if a["agent"] == "GPTBot")


def test_the_export_is_valid_and_says_what_each_edge_did(document: dict[str, Any]) -> None:
    errors = jsonschema.Draft202012Validator(SCHEMA).iter_errors(document)
    assert [f"{e.json_path}: {e.message[:200]}" for e in errors] == []
    sites = {s["origin"]: s for s in document["sites"]}
    assert {host: gptbot(sites[origin(host)])["enforced"] for host in HOSTS} == HOSTS
    paz = [r for r in sites[origin("printmaker-paz")]["probes"]["results"] if r["price"]]
    assert {(r["price"], r["scheme"]) for r in paz} == {("USD 0.01", "crawler-price")}
    xavi = [r for r in sites[origin("comics-xavi")]["probes"]["results"] if r["scheme"]]
    assert {r["scheme"] for r in xavi} == {"x402"}
    dario = sites[origin("etcher-dario")]["probes"]["results"]
    outcomes = {(r["target"], r["outcome"]) for r in dario if r["agent"] == "GPTBot"}
    assert ("home", "degraded") in outcomes and ("image", "served") in outcomes
    assert document["summary"]["probes"]["sites_probed"] == len(HOSTS)
    assert document["methodology"]["settings"]["probe_agents"] == AGENTS


def test_the_site_page_shows_the_price_and_the_vendor(served: Datasette) -> None:
    html = Selector(get(served, f"/-/site?origin={quote(origin('printmaker-paz'))}").text)
    row = html.css('table.probes tr[data-agent="GPTBot"]')
    assert row.css('td[data-column="enforced"] span.outcome::text').get() == "charged"
    assert "USD 0.01 (crawler-price)" in " ".join(row.css("span.price::text").getall())
    robots = row.css('td[data-target="robots"] span.outcome::text').get()
    assert robots == "served"  # the edge rule spares robots.txt
    assert row.css("a.probe-link::attr(href)").get()


def test_the_disagreements_over_the_sample_web(served: Datasette) -> None:
    response = get(served, f"/{DB_NAME}/edge_and_robots_disagree.json?_shape=array")
    rows = {(r["origin"], r["agent"]): r["blocked_by"] for r in response.json()}
    # lino-reza blocks GPTBot in robots.txt and serves it; printmaker-paz allows it and charges.
    assert rows[(origin("lino-reza"), "GPTBot")] == "robots.txt, not edge"
    assert rows[(origin("printmaker-paz"), "GPTBot")] == "edge, not robots.txt"
    assert (origin("collage-nell"), "GPTBot") not in rows  # blocked in both


def test_the_landing_page_counts_the_sample_web_edges(served: Datasette) -> None:
    landing = Selector(get(served, "/").text)
    assert landing.css('[data-stat="probed"]::text').get() == str(len(HOSTS))
    assert landing.css('[data-stat="edge-charging"]::text').get() == "2"
    assert landing.css('[data-stat="edge-challenging"]::text').get() == "1"


def test_each_edge_host_yields_the_probe_findings_it_demonstrates(crawled: Path) -> None:
    db = open_db(crawled)
    produced = {
        evidence.origin: {f.finding.code for f in audit_site(evidence).findings}
        for evidence in iter_site_evidence(db, 1)
    }
    db.close()
    missing = {}
    for host in HOSTS:
        covers = json.loads((SITES_DIR / f"{host}.example" / "site.json").read_text())["covers"]
        lost = set(covers) & set(PROBE_CODES) - produced[origin(host)]
        if lost:
            missing[host] = sorted(lost)
    assert missing == {}
    covered = {
        c
        for h in HOSTS
        for c in json.loads((SITES_DIR / f"{h}.example" / "site.json").read_text())["covers"]
    }
    assert set(PROBE_CODES) <= covered


def test_the_report_has_the_edge_section(crawled: Path) -> None:
    db, crawl_id = open_export_db(crawled, "latest")
    out = StringIO()
    try:
        write_report(out, "html", db, crawl_id, tool_version="test")
    finally:
        db.close()
    section = Selector(out.getvalue()).css("section#edge")
    assert section.css('[data-stat="sites-probed"]::text').get() == str(len(HOSTS))
    assert section.css("#edge-agents tr[data-agent]::attr(data-agent)").getall() == [
        "ChatGPT-User",
        "GPTBot",
        "OAI-SearchBot",
    ]
