"""The real spider, run as ``optout crawl`` in a subprocess, over the whole sample web.

The stored fetch records must show every kind of site: redirect chains, error classes,
skipped pages, bot walls, rendered meta, image bytes; and auditing them must produce every
finding code each sample site says it demonstrates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from audits.site.audit import audit_site
from crawler.browser import find_chromium
from crawler.storage import iter_site_evidence, open_db
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl

SITES = ROOT / "sampleweb" / "sites"


@pytest.fixture(scope="module")
def crawl_db(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Path:
    db = tmp_path_factory.mktemp("e2e") / "crawl.db"
    run_crawl(SAMPLE_SEEDS, db, sample_web, "--allow-private", timeout=600)
    return db


@pytest.fixture(scope="module")
def conn(crawl_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(crawl_db)
    yield connection
    connection.close()


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> tuple:  # type: ignore[type-arg]
    row = conn.execute(sql, args).fetchone()
    assert row is not None, sql
    return row


def _site(host: str) -> str:
    return f"http://{host}"


def test_every_seed_is_done_and_the_crawl_finished(conn: sqlite3.Connection) -> None:
    seeds = len(SAMPLE_SEEDS.read_text().splitlines()) - 1
    assert _one(conn, "select count(*) from site_status")[0] == seeds
    assert _one(conn, "select status from crawls where id = 1")[0] == "finished"
    policy = conn.execute(
        "select count(distinct origin) from fetches where kind = 'robots'"
    ).fetchone()[0]
    assert policy == seeds


def test_redirect_chain_is_kept_and_applies_to_the_original_origin(
    conn: sqlite3.Connection,
) -> None:
    rows = conn.execute(
        "select origin, final_url, redirect_chain from fetches where kind = 'robots' "
        "and status = 200 and json_array_length(redirect_chain) >= 2"
    ).fetchall()
    assert rows, "a robots.txt reached through a redirect chain"
    origin, final_url, chain = rows[0]
    assert json.loads(chain)[0] == origin + "/robots.txt"
    assert final_url != origin + "/robots.txt"


def test_network_failures_are_recorded_with_their_class(conn: sqlite3.Connection) -> None:
    classes = {r[0] for r in conn.execute("select distinct error_class from fetches")}
    assert {"too-many-redirects", "timeout", "connection"} <= classes
    assert "other" not in classes


def test_pages_our_robots_txt_disallows_are_recorded_not_fetched(
    conn: sqlite3.Connection,
) -> None:
    skipped = conn.execute(
        "select kind, status, body_sha256 from fetches where skipped = 'robots-disallowed'"
    ).fetchall()
    assert skipped and all(status is None and sha is None for _, status, sha in skipped)
    unreachable = conn.execute(
        "select count(*) from fetches where skipped = 'robots-unreachable'"
    ).fetchone()[0]
    assert unreachable > 0


def test_bot_walls_are_recorded_as_such(conn: sqlite3.Connection) -> None:
    walls = {
        r[0]
        for r in conn.execute("select distinct bot_wall from fetches where bot_wall is not null")
    }
    assert any(w.startswith("cloudflare:") for w in walls)
    assert any(w.startswith("akamai:") for w in walls)


def test_images_are_fetched_with_a_range_request_and_bounded(conn: sqlite3.Connection) -> None:
    rows = conn.execute("select status, stored_length from fetches where kind = 'image'").fetchall()
    assert rows and {status for status, _ in rows} & {206}
    assert max(length or 0 for _, length in rows) <= 256 * 1024


def test_oversized_bodies_are_kept_truncated(conn: sqlite3.Connection) -> None:
    truncated = conn.execute(
        "select kind, stored_length, body_length from fetches where truncated = 1"
    ).fetchall()
    assert truncated
    assert all(stored <= 2 * 1024 * 1024 + 1 for _, stored, _ in truncated)


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium: `make setup` installs it as root")
def test_rendered_pages_are_stored_beside_the_raw_html(conn: sqlite3.Connection) -> None:
    rendered = conn.execute(
        "select f.origin, b.body from fetches f join bodies b on b.sha256 = f.body_sha256 "
        "where f.rendered = 1 and f.status = 200"
    ).fetchall()
    assert rendered
    assert any(b'content="noai' in body for _, body in rendered)


def test_crawling_the_sample_web_yields_every_finding_each_site_demonstrates(
    crawl_db: Path,
) -> None:
    produced: dict[str, set[str]] = {}
    db = open_db(crawl_db)
    for evidence in iter_site_evidence(db, 1):
        produced[evidence.origin] = {f.finding.code for f in audit_site(evidence).findings}
    missing = {}
    for folder in sorted(SITES.iterdir()):
        covers = json.loads((folder / "site.json").read_text()).get("covers", [])
        # Probe findings need a crawl with --probe-agents: tests/datasette/test_probes_sampleweb.py.
        wanted = {c for c in covers if "-" in c and c in _all_codes()} - _probe_codes()
        if find_chromium() is None:
            wanted.discard("site-noai-rendered-only")
        lost = wanted - produced.get(_site(folder.name), set())
        if lost:
            missing[folder.name] = sorted(lost)
    assert missing == {}


def _probe_codes() -> set[str]:
    from audits.signals.probes import CODES

    return set(CODES)


def _all_codes() -> set[str]:
    from audits.site.catalogue import all_codes

    return set(all_codes())


def test_politeness_crawl_delay_and_backoff_are_applied(conn: sqlite3.Connection) -> None:
    stats = json.loads(_one(conn, "select stats from crawls where id = 1")[0])
    assert stats.get("optout/politeness/crawl_delay_applied", 0) >= 1
    assert stats.get("optout/retry/status_429", 0) >= 1  # retried with backoff, then recorded
    assert stats["optout/sites/done"] == len(SAMPLE_SEEDS.read_text().splitlines()) - 1


def test_user_agent_names_the_project_and_a_contact_url(
    crawl_db: Path, sample_web: SampleWeb
) -> None:
    agents = set(sample_web.user_agents)
    assert any(ua.startswith("optout-audit/") and "(+https://" in ua for ua in agents)


# Sample sites on site builders: (builder, its AI setting on?, who wrote the robots.txt block).
_BUILDER_SITES = {
    "ceramics-lola.example": ("squarespace", True, "builder-toggle"),
    "prints-omar.example": ("squarespace", False, None),
    "journal-pell.example": ("wordpress-com", True, "builder-toggle"),
    "weaver-kai.example": ("wix", None, None),
    "motion-bea.example": ("cargo", None, None),
    "drawings-ruth.example": (None, None, "by-hand"),
}


def test_builder_sites_say_who_set_their_opt_out(crawl_db: Path) -> None:
    from audits.signals.builders import builder_row, summarise_builders

    seen: dict[str, tuple[str | None, bool | None, str | None]] = {}
    rows = []
    for evidence in iter_site_evidence(open_db(crawl_db), 1):
        audit = audit_site(evidence)
        rows.append(builder_row(audit.builder, audit.verdict("train")))
        host = evidence.origin.removeprefix("http://")
        if host in _BUILDER_SITES:
            robots = [a.author for a in audit.opt_out_authors if a.mechanism == "robots.txt"]
            found = audit.builder
            seen[host] = (
                found.builder if found else None,
                found.toggle_on if found else None,
                robots[0] if robots else None,
            )
    assert seen == _BUILDER_SITES
    squarespace = next(s for s in summarise_builders(rows) if s.builder == "squarespace")
    assert (squarespace.sites, squarespace.toggle_known, squarespace.toggle_on) == (2, 2, 1)
