"""Two crawls of the sample web with sites changed in between (the 'next-week' variant):
the audit's changes table records what a weekly crawl would find."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl

CHANGED = ("artist-anna.example", "plain-sam.example", "photo-marta.example")
UNCHANGED = ("artist-vale.example", "arlo-codes.example")


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Path:
    folder = tmp_path_factory.mktemp("weekly")
    seeds = folder / "seeds.csv"
    rows = [f"http://{host},creator-site" for host in (*CHANGED, *UNCHANGED)]
    seeds.write_text("origin,kind\n" + "\n".join(rows) + "\n")
    db = folder / "weekly.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    sample_web.use_variant("next-week")
    try:
        run_crawl(seeds, db, sample_web, "--allow-private")
    finally:
        sample_web.use_variant(None)
    return db


def _changes(db: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select origin, subject, change from changes where crawl_id = 2")
        return {
            (origin.removeprefix("http://"), subject, change) for origin, subject, change in rows
        }


def test_a_fixed_token_typo_shows_as_the_agent_newly_blocked(two_crawls: Path) -> None:
    assert ("artist-anna.example", "agent:GPTBot", "appeared") in _changes(two_crawls)
    assert ("artist-anna.example", "agent:meta-externalagent", "appeared") in _changes(two_crawls)


def test_cloudflare_managed_block_appearing_is_an_opt_out_appearing(two_crawls: Path) -> None:
    changes = _changes(two_crawls)
    assert ("plain-sam.example", "verdict:train", "appeared") in changes
    assert ("plain-sam.example", "mechanism:train:Content-Signal", "appeared") in changes


def test_a_dropped_block_shows_as_disappeared(two_crawls: Path) -> None:
    changes = _changes(two_crawls)
    # photo-marta blocked GPTBot, CCBot… on /images/ only: a partial opt-out that is now gone.
    assert ("photo-marta.example", "verdict:train", "disappeared") in changes
    assert ("photo-marta.example", "mechanism:train:robots.txt", "disappeared") in changes


def test_unchanged_sites_have_no_changes(two_crawls: Path) -> None:
    assert not {c for c in _changes(two_crawls) if c[0] in UNCHANGED}
