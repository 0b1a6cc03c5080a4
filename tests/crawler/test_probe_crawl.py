"""Probes end to end: the real ``optout crawl`` against a server on 127.0.0.1 that answers by
User-Agent (``tests/crawler/ua_web.py``), which keeps every request it was sent.

Off, no request with another agent's User-Agent string leaves the crawler. On, each probed
agent asks once for each baseline URL that was answered (robots.txt, the home page, one
content page, one image), with its published string, nothing more; excluded sites and sites
tagged ``no-probe`` are not probed; every probe is a stored ``probe`` fetch naming its agent.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from audits.core.agents import load_registry
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT
from tests.crawler.ua_web import EDGE, HOSTS, Hit, UaWeb, ua_web

AGENTS = ("GPTBot", "CCBot")
PROBED_PATHS = {"/robots.txt", "/", "/portfolio/1", "/img/a.png"}
"""What each agent asks for on a probed site: robots.txt, the home page, the first served
portfolio page (which redirects, for everyone, to /portfolio/one) and the first image."""


@pytest.fixture(scope="module")
def web() -> Iterator[UaWeb]:
    with ua_web() as server:
        yield server


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeds") / "seeds.csv"
    rows = [f"http://{host},creator-site,portfolio" for host in HOSTS]
    rows[2] = "http://quiet.example,creator-site,portfolio;no-probe"
    path.write_text("origin,kind,tags\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def crawl(web: UaWeb, seeds: Path, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(OPTOUT), "crawl", str(seeds), "--db", str(db), "--proxy", web.proxy_url]
        + ["--quiet", "--no-audit", *FAST, *extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def user_agent(token: str) -> str:
    agent = load_registry().get(token)
    assert agent is not None and agent.user_agent
    return agent.user_agent


@dataclass(frozen=True)
class Crawl:
    db: Path
    hits: list[Hit]
    """What the server was sent during the crawl."""


def crawl_seen(web: UaWeb, seeds: Path, db: Path, *extra: str) -> Crawl:
    """A crawl, and the requests the server received while it ran (one crawl at a time)."""
    before = len(web.seen())
    crawl(web, seeds, db, *extra)
    return Crawl(db, web.seen()[before:])


@pytest.fixture(scope="module")
def run(web: UaWeb, seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of the four sites with probes as GPTBot and CCBot, one site excluded."""
    db = tmp_path_factory.mktemp("probed") / "crawl.db"
    return crawl_seen(
        web,
        seeds,
        db,
        "--probe-agents",
        ",".join(AGENTS),
        "-s",
        "OPTOUT_PROBE_EXCLUDE=excluded.example",
    )


@pytest.fixture
def probed(run: Crawl) -> Path:
    return run.db


def test_with_probes_off_the_server_sees_no_other_agent(
    web: UaWeb, seeds: Path, tmp_path: Path
) -> None:
    db = tmp_path / "off.db"
    seen = crawl_seen(web, seeds, db).hits
    assert {hit.host for hit in seen} == set(HOSTS)
    assert all(hit.ours for hit in seen), {hit.user_agent for hit in seen if not hit.ours}
    assert rows(db, "SELECT count(*) FROM fetches WHERE kind = 'probe' OR agent IS NOT NULL") == [
        (0,)
    ]
    assert rows(db, "SELECT status FROM crawls") == [("finished",)]


def test_each_agent_asks_once_for_each_answered_baseline_url(probed: Path) -> None:
    found = rows(
        probed,
        "SELECT origin, agent, requested_url FROM fetches WHERE kind = 'probe'"
        " ORDER BY origin, agent, requested_url",
    )
    expected = sorted(
        (f"http://{host}", agent, f"http://{host}{path}")
        for host in ("alike.example", EDGE)
        for agent in AGENTS
        for path in PROBED_PATHS
    )
    assert found == expected


def test_a_probe_asks_only_for_urls_the_baseline_fetched(probed: Path) -> None:
    baseline = set(rows(probed, "SELECT origin, requested_url FROM fetches WHERE kind != 'probe'"))
    probes = set(rows(probed, "SELECT origin, requested_url FROM fetches WHERE kind = 'probe'"))
    assert probes and probes <= baseline


def test_the_server_saw_each_agents_string_only_on_paths_we_fetched(run: Crawl) -> None:
    paths: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for hit in run.hits:
        paths[hit.host, hit.user_agent].add(hit.path)
        counts[hit.host, hit.user_agent] += 1
    ours: dict[str, set[str]] = defaultdict(set)
    for hit in run.hits:
        if hit.ours:
            ours[hit.host].add(hit.path)
    for (host, ua), asked in paths.items():
        assert asked <= ours[host], (host, ua, asked - ours[host])
    alike = "alike.example"
    for token in AGENTS:
        # The portfolio page's redirect is followed as ours was: to /portfolio/one.
        assert paths[alike, user_agent(token)] == PROBED_PATHS | {"/portfolio/one"}
        assert counts[alike, user_agent(token)] == len(PROBED_PATHS) + 1
        # The edge sends GPTBot's home page elsewhere: recorded, never followed.
        assert "/blocked" not in paths[EDGE, user_agent(token)]
    unprobed = ("quiet.example", "excluded.example")
    assert all(hit.ours for hit in run.hits if hit.host in unprobed)
    assert {hit.host for hit in run.hits} == set(HOSTS)


def test_probes_are_recorded_as_the_edge_answered(probed: Path) -> None:
    found = rows(
        probed,
        "SELECT agent, requested_url, status, final_url, headers, bot_wall, redirect_chain"
        f" FROM fetches WHERE kind = 'probe' AND origin = 'http://{EDGE}'",
    )
    by_key = {(agent, url.removeprefix(f"http://{EDGE}")): rest for agent, url, *rest in found}
    status, final, headers, _, _ = by_key["GPTBot", "/"]
    assert (status, final) == (302, f"http://{EDGE}/")
    assert ["Location", "/blocked"] in json.loads(headers)
    status, _, headers, _, _ = by_key["CCBot", "/"]
    assert status == 402
    assert ["Crawler-Price", "USD 0.01"] in json.loads(headers)
    for key in [("GPTBot", "/robots.txt"), ("CCBot", "/img/a.png")]:
        status, _, _, bot_wall, _ = by_key[key]
        assert status == 403 and str(bot_wall).startswith("cloudflare:")
    alike = rows(
        probed,
        "SELECT status, final_url, redirect_chain FROM fetches WHERE kind = 'probe'"
        " AND requested_url = 'http://alike.example/portfolio/1'",
    )
    assert (
        alike
        == [(200, "http://alike.example/portfolio/one", '["http://alike.example/portfolio/1"]')] * 2
    )


def test_excluded_and_no_probe_sites_are_crawled_but_not_probed(probed: Path) -> None:
    per_site = dict(
        rows(
            probed,
            "SELECT origin, sum(kind = 'probe') FROM fetches GROUP BY origin",
        )
    )
    assert per_site == {
        "http://alike.example": 8,
        f"http://{EDGE}": 8,
        "http://quiet.example": 0,
        "http://excluded.example": 0,
    }


def test_a_site_is_done_with_its_probes_counted(probed: Path) -> None:
    done = dict(rows(probed, "SELECT origin, fetches FROM site_status WHERE status = 'done'"))
    made = dict(
        rows(probed, "SELECT origin, count(*) FROM fetches WHERE skipped IS NULL GROUP BY origin")
    )
    assert done == made and len(done) == len(HOSTS)
    assert rows(probed, "SELECT status FROM crawls") == [("finished",)]
    [(settings,)] = rows(probed, "SELECT settings FROM crawls")
    assert json.loads(str(settings))["OPTOUT_PROBE_AGENTS"] == "GPTBot,CCBot"
