"""Probes in the results (issue 15): the ``probes`` and ``probe_agents`` rows, ``enforced`` per
verdict, the export's fields and summary, the report's section and the edge changes, all
derived from hand-built evidence with probe fetches in a real database
(``tests/results/probe_db.py``). A site that was not probed keeps exactly its old shape."""

from __future__ import annotations

import json
import sqlite3
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from parsel import Selector

from crawler.storage import open_db
from results.changes import site_changes
from results.derive import audit_crawl
from results.export import SCHEMA_VERSION, Selection, open_export_db, write_json, write_ndjson
from results.history import ChangeFilter, list_changes
from results.report_doc import write_report
from tests.conftest import ROOT
from tests.results.evidence_db import store_crawl as store_case_crawl
from tests.results.probe_db import CRAWL_1, EDGE, PLAIN, QUIET, build_probed_db

SCHEMA = json.loads((ROOT / "schemas" / "export.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Crawl 1 and crawl 2 of tests/results/probe_db.py, both audited."""
    return build_probed_db(tmp_path_factory.mktemp("probes") / "probed.db")


@pytest.fixture(scope="module")
def first_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Crawl 1 alone: nothing to compare with yet."""
    return build_probed_db(tmp_path_factory.mktemp("probes-1") / "first.db", [CRAWL_1])


def rows(db: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def export(db: Path, *sites: str, crawl: str = "latest") -> dict[str, Any]:
    handle, crawl_id = open_export_db(db, crawl)
    out = StringIO()
    try:
        write_json(out, handle, crawl_id, Selection(sites=sites), tool_version="test")
    finally:
        handle.close()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def site_of(document: dict[str, Any], origin: str) -> dict[str, Any]:
    return next(s for s in document["sites"] if s["origin"] == origin)


# --- Derived rows ----------------------------------------------------------------------


def test_every_probe_is_a_row_pointing_at_its_probe_and_its_baseline(probed: Path) -> None:
    found = rows(
        probed,
        "select p.*, f.kind as probe_kind, f.agent as probe_agent, f.requested_url as probe_url,"
        " b.kind as baseline_kind, b.agent as baseline_agent, b.requested_url as baseline_url"
        " from probes p join fetches f on f.id = p.probe_fetch_id"
        " join fetches b on b.id = p.baseline_fetch_id"
        " where p.crawl_id = 1 and p.origin = ? order by p.agent, p.probe_fetch_id",
        EDGE,
    )
    assert [(r["agent"], r["target"], r["outcome"]) for r in found] == [
        ("ClaudeBot", "robots", "charged"),
        ("ClaudeBot", "home", "charged"),
        ("ClaudeBot", "page", "charged"),
        ("GPTBot", "robots", "refused"),
        ("GPTBot", "home", "refused"),
        ("GPTBot", "page", "refused"),
        ("OAI-SearchBot", "robots", "served"),
        ("OAI-SearchBot", "home", "served"),
        ("OAI-SearchBot", "page", "served"),
    ]
    for r in found:
        assert r["probe_kind"] == "probe" and r["probe_agent"] == r["agent"]
        assert r["baseline_kind"] == r["target"] and r["baseline_agent"] is None
        assert r["url"] == r["probe_url"] == r["baseline_url"]
    charged = found[0]
    assert (charged["status"], charged["vendor"], charged["price"], charged["scheme"]) == (
        402,
        "cloudflare",
        "USD 0.01",
        "crawler-price",
    )
    refused = found[3]
    assert (refused["status"], refused["vendor"], refused["price"]) == (403, "cloudflare", None)
    assert refused["detail"]


def test_the_agent_matrix_holds_declared_against_enforced(probed: Path) -> None:
    matrix = {
        (r["crawl_id"], r["origin"], r["agent"]): (r["declared"], r["enforced"])
        for r in rows(probed, "select * from probe_agents")
    }
    assert matrix[(1, EDGE, "GPTBot")] == ("allowed", "refused")
    assert matrix[(1, EDGE, "ClaudeBot")] == ("allowed", "charged")
    assert matrix[(1, EDGE, "OAI-SearchBot")] == ("allowed", "served")
    assert matrix[(1, PLAIN, "GPTBot")] == ("blocked", "served")
    assert not [key for key in matrix if key[1] == QUIET and key[0] == 1]


def test_verdicts_say_what_the_edge_enforced_and_nothing_without_probes(probed: Path) -> None:
    enforced = {
        (r["origin"], r["use"]): r["enforced"]
        for r in rows(probed, "select origin, use, enforced from site_verdicts where crawl_id = 1")
    }
    assert enforced[(PLAIN, "train")] == "served"
    assert enforced[(EDGE, "train")] is not None
    assert {enforced[(QUIET, use)] for use in ("train", "ai-use", "search", "tdm")} == {None}


def test_an_audit_again_replaces_the_probe_rows(probed: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.db"
    copy.write_bytes(probed.read_bytes())
    before = rows(copy, "select * from probes order by rowid")
    db = open_db(copy)
    try:
        audit_crawl(db, 1)
    finally:
        db.close()
    after = rows(copy, "select * from probes order by crawl_id, origin, agent, probe_fetch_id")
    before.sort(key=lambda r: (r["crawl_id"], r["origin"], r["agent"], r["probe_fetch_id"]))
    assert after == before


def test_the_agents_table_keeps_the_probe_facts_of_the_registry(probed: Path) -> None:
    agent = rows(probed, "select * from agents where token = 'GPTBot'")[0]
    assert agent["user_agent"] and "GPTBot" in agent["user_agent"]
    assert "robots_exemption" in agent


# --- Changes ---------------------------------------------------------------------------


def test_an_edge_block_appearing_or_disappearing_is_a_change(probed: Path) -> None:
    edge = {
        (r["origin"], r["subject"]): (r["change"], r["before"], r["after"])
        for r in rows(probed, "select * from changes where crawl_id = 2 and subject like 'edge:%'")
    }
    assert edge == {
        (EDGE, "edge:GPTBot"): ("disappeared", "refused", "served"),
        (PLAIN, "edge:GPTBot"): ("appeared", "served", "refused"),
    }


def test_a_site_probed_in_one_crawl_only_has_no_edge_change(probed: Path) -> None:
    # quiet.example was first probed in crawl 2: crawl 1 did not check its edge at all.
    assert not rows(
        probed, "select * from changes where origin = ? and subject like 'edge:%'", QUIET
    )


def test_an_unchanged_edge_is_no_change(probed: Path) -> None:
    subjects = {
        r["subject"] for r in rows(probed, "select subject from changes where origin = ?", EDGE)
    }
    assert "edge:ClaudeBot" not in subjects and "edge:OAI-SearchBot" not in subjects


def test_edge_changes_are_computed_again_the_same(probed: Path) -> None:
    conn = sqlite3.connect(probed)
    try:
        again = {(c["origin"], c["subject"], c["change"]) for c in site_changes(conn, 2)}
    finally:
        conn.close()
    assert (EDGE, "edge:GPTBot", "disappeared") in again
    assert (PLAIN, "edge:GPTBot", "appeared") in again


def test_edge_changes_are_listed_with_their_use_and_probe_evidence(probed: Path) -> None:
    conn = sqlite3.connect(probed)
    try:
        changes = [c for c in list_changes(conn, [2]) if c.subject.startswith("edge:")]
        train_only = list_changes(conn, [2], ChangeFilter(uses=("train",)), with_evidence=False)
    finally:
        conn.close()
    change = next(c for c in changes if c.origin == PLAIN)
    assert change.use == "train"  # GPTBot is a training agent
    assert change.evidence_before is not None and change.evidence_after is not None
    assert change.evidence_before.kind == change.evidence_after.kind == "probe"
    probe = rows(probed, "select agent from fetches where id = ?", change.evidence_after.fetch_id)
    assert probe == [{"agent": "GPTBot"}]
    for ref, outcome in ((change.evidence_before, "served"), (change.evidence_after, "refused")):
        found = rows(probed, "select outcome from probes where probe_fetch_id = ?", ref.fetch_id)
        assert found == [{"outcome": outcome}]
    assert {c.subject for c in train_only if c.subject.startswith("edge:")} == {"edge:GPTBot"}


# --- Export ----------------------------------------------------------------------------


def test_the_export_validates_and_carries_the_probes_of_probed_sites(probed: Path) -> None:
    document = export(probed, crawl="1")
    assert document["schema_version"] == SCHEMA_VERSION == "2.0"
    assert [f"{e.json_path}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document)] == []
    edge = site_of(document, EDGE)
    agents = {a["agent"]: a for a in edge["probes"]["agents"]}
    assert agents["GPTBot"] == {
        "agent": "GPTBot",
        "purpose": "train",
        "declared": "allowed",
        "enforced": "refused",
        "unenforceable": False,
        "vendor": "cloudflare",
        "exemption": None,
    }
    charged = [r for r in edge["probes"]["results"] if r["outcome"] == "charged"]
    assert {(r["agent"], r["price"], r["scheme"]) for r in charged} == {
        ("ClaudeBot", "USD 0.01", "crawler-price")
    }
    probe_ids = {e["fetch_id"] for e in edge["evidence"] if e["kind"] == "probe"}
    assert {r["probe_fetch_id"] for r in edge["probes"]["results"]} == probe_ids
    assert edge["verdicts"]["train"]["enforced"] in ("refused", "charged", "mixed")
    assert edge["verdicts"]["train"]["unenforceable"] == []
    assert site_of(document, PLAIN)["verdicts"]["train"]["enforced"] == "served"
    assert document["methodology"]["settings"]["probe_agents"] == "default"


def test_a_site_that_was_not_probed_exports_without_any_probe_key(probed: Path) -> None:
    quiet = site_of(export(probed, crawl="1"), QUIET)
    assert "probes" not in quiet
    assert all("enforced" not in v and "unenforceable" not in v for v in quiet["verdicts"].values())
    assert all("vendor" not in a for a in (quiet["builder"] or {}).get("attribution", []))


def test_the_summary_counts_the_edge(probed: Path) -> None:
    probes = export(probed, crawl="1")["summary"]["probes"]
    assert probes["sites_probed"] == 2
    assert probes["sites_by_enforced"]["refused"] == 1
    assert probes["sites_by_enforced"]["charged"] == 1
    assert probes["sites_by_enforced"]["served"] == 2
    assert probes["sites_blocking_at_edge"] == 1
    assert probes["edge_not_robots"] == 1  # edge.example: GPTBot and ClaudeBot
    assert probes["robots_not_edge"] == 1  # plain.example: GPTBot
    by_agent = {a["agent"]: a for a in probes["agents"]}
    assert [a["agent"] for a in probes["agents"]] == ["ClaudeBot", "GPTBot", "OAI-SearchBot"]
    assert by_agent["GPTBot"]["sites"] == 2
    assert by_agent["GPTBot"]["declared_blocked"] == 1
    assert (by_agent["GPTBot"]["refused"], by_agent["GPTBot"]["served"]) == (1, 1)


def test_an_export_of_unprobed_sites_has_no_probe_summary(probed: Path) -> None:
    document = export(probed, QUIET, crawl="1")
    assert [s["origin"] for s in document["sites"]] == [QUIET]
    assert "probes" not in document["summary"]
    assert VALIDATOR.is_valid(document)


def test_ndjson_lines_carry_the_same_probes(probed: Path) -> None:
    handle, crawl_id = open_export_db(probed, "1")
    out = StringIO()
    try:
        write_ndjson(out, handle, crawl_id)
    finally:
        handle.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == export(probed, crawl="1")["sites"]


# --- Report ----------------------------------------------------------------------------


def report_text(db: Path, fmt: str) -> str:
    handle, crawl_id = open_export_db(db, "latest")
    out = StringIO()
    try:
        write_report(out, fmt, handle, crawl_id, tool_version="test")
    finally:
        handle.close()
    return out.getvalue()


def test_the_html_report_has_an_edge_section_when_sites_were_probed(probed: Path) -> None:
    page = Selector(report_text(probed, "html"))
    section = page.css("section#edge")
    assert section, "no edge section"
    assert section.css('[data-stat="sites-probed"]::text').get() == "3"
    assert section.css('[data-stat="edge-appeared"]::text').get() == "1"
    assert section.css('[data-stat="edge-disappeared"]::text').get() == "1"
    agents = section.css("#edge-agents tr[data-agent]::attr(data-agent)").getall()
    assert agents == ["ClaudeBot", "GPTBot", "OAI-SearchBot"]


def test_the_markdown_report_has_the_same_section(probed: Path) -> None:
    text = report_text(probed, "markdown")
    assert "## What the edge does to AI agents" in text
    assert "| GPTBot | train | 3 | 1 |" in text


def test_a_report_without_probes_has_no_edge_section(first_only: Path, tmp_path: Path) -> None:
    db = open_db(tmp_path / "plain.db")
    try:
        audit_crawl(db, store_case_crawl(db, [("http://anna.example", "blanket_block")]))
    finally:
        db.close()
    html = report_text(tmp_path / "plain.db", "html")
    assert 'id="edge"' not in html and "What the edge does" not in html
    assert "What the edge does" not in report_text(tmp_path / "plain.db", "markdown")
    # One probed crawl and no earlier one: the section, but no change line.
    first = Selector(report_text(first_only, "html"))
    assert first.css("section#edge") and not first.css('[data-stat="edge-appeared"]')
