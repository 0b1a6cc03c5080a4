"""``--probe-agents`` on ``optout crawl`` and ``optout check``: explained in --help, an unknown
agent refused in one line with exit status 2 before anything is written, and the bare flag
probing the registry's default set."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from audits.core.agents import DEFAULT_PROBE_AGENTS, load_registry
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT
from tests.crawler.ua_web import UaWeb, ua_web

REFUSED = "cannot probe: not in the agent registry: 'NoSuchBot'"


def optout(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text("origin\nhttp://alike.example\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["crawl", "check"])
def test_help_says_what_a_probe_is(command: str) -> None:
    result = optout(command, "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--probe-agents [LIST]" in text
    assert "with the published User-Agent string of each AI agent in LIST" in text
    assert "the bare flag: the default set" in text


def refused_in_one_line(result: subprocess.CompletedProcess[str], source: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {source}: {REFUSED}"), line
    return line


def test_crawl_refuses_an_unknown_agent_before_writing_anything(
    seeds: Path, tmp_path: Path
) -> None:
    db = tmp_path / "crawl.db"
    line = refused_in_one_line(
        optout("crawl", seeds, "--db", db, "--probe-agents", "GPTBot,NoSuchBot"), "--probe-agents"
    )
    assert "Agents that can be probed: " in line and "GPTBot" in line
    assert not db.exists()


def test_crawl_refuses_an_unknown_agent_given_as_a_setting(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    result = optout("crawl", seeds, "--db", db, "-s", "OPTOUT_PROBE_AGENTS=NoSuchBot")
    refused_in_one_line(result, "-s OPTOUT_PROBE_AGENTS")
    assert not db.exists()


def test_check_refuses_an_unknown_agent(tmp_path: Path) -> None:
    db = tmp_path / "check.db"
    result = optout("check", "alike.example", "--db", db, "--probe-agents", "NoSuchBot")
    refused_in_one_line(result, "--probe-agents")
    assert not db.exists()


def test_a_bare_flag_before_the_url_is_explained() -> None:
    result = optout("check", "--probe-agents", "alike.example")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.endswith(
        "(--probe-agents took 'alike.example' as its LIST: put the bare flag last,"
        " or write --probe-agents=default)"
    )


@pytest.fixture(scope="module")
def web() -> Iterator[UaWeb]:
    with ua_web() as server:
        yield server


def test_check_with_the_bare_flag_probes_the_default_set(web: UaWeb, tmp_path: Path) -> None:
    db = tmp_path / "check.db"
    before = len(web.seen())
    result = optout(
        "check",
        "http://alike.example/",
        "--proxy",
        web.proxy_url,
        "--db",
        db,
        *FAST,
        "--probe-agents",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    conn = sqlite3.connect(db)
    try:
        agents = conn.execute(
            "SELECT agent, count(*) FROM fetches WHERE kind = 'probe' GROUP BY agent"
        ).fetchall()
    finally:
        conn.close()
    assert dict(agents) == {token: 4 for token in DEFAULT_PROBE_AGENTS}
    registry = load_registry()
    sent = {hit.user_agent for hit in web.seen()[before:] if not hit.ours}
    expected = set()
    for token in DEFAULT_PROBE_AGENTS:
        agent = registry.get(token)
        assert agent is not None and agent.user_agent
        expected.add(agent.user_agent)
    assert sent == expected
