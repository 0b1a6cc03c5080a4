"""Compact robots.txt rows change nothing readers see, on the crawled sample web.

The audit stores a `*` row per site and path plus the agents that differ from it
(results/robots_rows.py). Here the audit of crawl 1 is run again in memory, straight from the
stored evidence, and its full verdict list (one per registry agent and path) is compared with
what the view, the per-site page and the export give back from the compact rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from parsel import Selector

from audits.core.agents import load_registry
from audits.site.audit import audit_site
from crawler.storage import iter_site_evidence, open_db
from results.export import iter_sites
from results.report import site_report
from results.robots_rows import TABLE, WILDCARD
from tests.datasette.conftest import get

_VIEW_COLUMNS = "agent, path, allowed, matched, rule_line, rule_text, protego_allowed"


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


@pytest.fixture(scope="module")
def expected(audited_db: Path) -> dict[str, list[dict]]:
    """Every site's robots verdicts of crawl 1 as the audit makes them, before storage."""
    registry = load_registry()
    db = open_db(audited_db)
    try:
        return {
            evidence.origin: site_report(audit_site(evidence, registry), evidence)["robots"][
                "verdicts"
            ]
            for evidence in iter_site_evidence(db, 1)
        }
    finally:
        db.close()


def test_the_table_is_compact_and_the_view_gives_every_agent_back(
    audited_db: Path, expected: dict[str, list[dict]]
) -> None:
    db = open_db(audited_db)
    try:
        stored = db.execute(f"select count(*) from {TABLE} where crawl_id = 1").fetchone()[0]
        full = sum(len(v) for v in expected.values())
        assert stored * 5 < full  # the sample web decides most agents alike
        checked = 0
        for origin, verdicts in expected.items():
            if not verdicts:
                continue
            rows = db.execute(
                f"select {_VIEW_COLUMNS} from robots_verdicts"
                " where crawl_id = 1 and origin = ? order by agent, path",
                [origin],
            ).fetchall()
            want = sorted(
                (
                    v["agent"],
                    v["path"],
                    int(v["allowed"]),
                    v["matched"],
                    v["rule_line"],
                    v["rule_text"],
                    _bool(v["protego_allowed"]),
                )
                for v in verdicts
            )
            assert sorted(tuple(r) for r in rows) == want, origin
            checked += 1
        assert checked > 20
        assert db.execute(f"select count(*) from {TABLE} where agent = ?", [WILDCARD]).fetchone()[0]
    finally:
        db.close()


def test_export_gives_the_full_verdict_list(
    audited_db: Path, expected: dict[str, list[dict]]
) -> None:
    db = open_db(audited_db)
    try:
        exported = {s["origin"]: s["robots"]["verdicts"] for s in iter_sites(db, 1)}
    finally:
        db.close()
    assert exported.keys() == expected.keys()
    for origin, verdicts in expected.items():
        assert json.dumps(exported[origin], sort_keys=True) == json.dumps(
            verdicts, sort_keys=True
        ), origin


def test_site_page_lists_every_training_agent_as_blocked_or_open(
    ds: Datasette, audited_db: Path, expected: dict[str, list[dict]]
) -> None:
    training = {a.token for a in load_registry().training_agents()}
    db = open_db(audited_db)
    try:
        gaps = {
            origin: set(json.loads(g or "[]"))
            for origin, g in db.execute(
                "select origin, gaps from site_verdicts where crawl_id = 1 and use = 'train'"
            )
        }
    finally:
        db.close()
    checked = 0
    for origin, verdicts in expected.items():
        at_root = {v["agent"] for v in verdicts if v["path"] == "/" and v["agent"] in training}
        if not at_root:
            continue
        response = get(ds, f"/-/site?origin={quote(origin, safe='')}&crawl=1")
        page = Selector(response.text)
        blocked = set(page.css("ul.agents-blocked li code:first-child::text").getall())
        opened = set(page.css("p.agents-open code::text").getall())
        assert blocked | opened == at_root, origin
        assert opened == at_root & gaps[origin], origin
        checked += 1
    assert checked > 20
