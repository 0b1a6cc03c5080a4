"""No network is not a broken site: ``optout check`` and ``optout crawl`` say the network is
down, record the fetches as ``network`` errors and exit non-zero, instead of publishing a
verdict that blames the site. Everything stays on 127.0.0.1: "down" is a proxy or a site on a
loopback port that refuses connections, with the control probe at another such port.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT

DOWN = "the network seems to be down: every request failed — check your connection or proxy"


@pytest.fixture
def refused() -> Iterator[int]:
    """A loopback port that refuses connections (bound but not listening, so no one else
    takes it while the test runs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def control_refused() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def control_open() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes them; nothing is read)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def _optout(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), *args, *FAST],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "40"},  # narrow: the line must still come out whole
    )


def _fetches(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select kind, error_class from fetches order by id").fetchall()


def _crawl_status(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("select status from crawls").fetchone()[0])


def test_check_through_a_dead_proxy_says_the_network_is_down(
    tmp_path: Path, refused: int, control_refused: int
) -> None:
    db = tmp_path / "check.db"
    result = _optout(
        "check",
        "http://creator.example",
        "--proxy",
        f"http://127.0.0.1:{refused}",
        "--allow-private",
        "--db",
        str(db),
        "-s",
        f"OPTOUT_NETWORK_CONTROL=127.0.0.1:{control_refused}",
    )
    assert result.returncode != 0
    assert result.stderr.strip() == f"Error: {DOWN}"
    assert result.stdout == ""
    fetches = _fetches(db)
    assert fetches and {error for _, error in fetches} == {"network"}
    assert _crawl_status(db) == "interrupted"


def _check_refused_site(db: Path, refused: int, control: int) -> subprocess.CompletedProcess[str]:
    return _optout(
        "check",
        f"http://127.0.0.1:{refused}",
        "--allow-private",
        "--db",
        str(db),
        "-s",
        f"OPTOUT_NETWORK_CONTROL=127.0.0.1:{control}",
    )


def test_check_says_the_network_is_down_when_site_and_control_refuse(
    tmp_path: Path, refused: int, control_refused: int
) -> None:
    db = tmp_path / "check.db"
    result = _check_refused_site(db, refused, control_refused)
    assert result.returncode != 0
    assert result.stderr.strip() == f"Error: {DOWN}"
    assert "robots.txt" not in result.stdout + result.stderr
    assert {error for _, error in _fetches(db)} == {"network"}


def test_check_still_blames_the_site_when_the_control_answers(
    tmp_path: Path, refused: int, control_open: int
) -> None:
    db = tmp_path / "check.db"
    result = _check_refused_site(db, refused, control_open)
    assert result.returncode == 0, result.stderr[-2000:]
    out = " ".join(result.stdout.split())
    assert "Could not tell whether this site opts out of AI training." in out
    assert "robots.txt could not be fetched (connect)" in out
    assert "network" not in {error for _, error in _fetches(db)}
    assert _crawl_status(db) == "finished"


def test_crawl_stops_unaudited_when_every_site_and_the_control_fail(
    tmp_path: Path, refused: int, control_refused: int
) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "origin,kind\nhttp://one.example,creator-site\nhttp://two.example,creator-site\n"
    )
    db = tmp_path / "crawl.db"
    result = _optout(
        "crawl",
        str(seeds),
        "--db",
        str(db),
        "--quiet",
        "--proxy",
        f"http://127.0.0.1:{refused}",
        "--allow-private",
        "-s",
        f"OPTOUT_NETWORK_CONTROL=127.0.0.1:{control_refused}",
    )
    assert result.returncode != 0
    assert DOWN in result.stderr.splitlines()
    assert _crawl_status(db) == "interrupted"
    assert {error for _, error in _fetches(db)} == {"network"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from site_verdicts").fetchone()[0] == 0
