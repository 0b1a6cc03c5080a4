"""Two crawls of the sample web with sites changed in between (the 'next-week' variant):
the audit's changes table records what a weekly crawl would find."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT, run_crawl
from tests.datasette.conftest import make_datasette
from tests.webhook_receiver import Receiver, webhook_receiver

CHANGED = ("artist-anna.example", "plain-sam.example", "photo-marta.example")
UNCHANGED = ("artist-vale.example", "arlo-codes.example")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def two_crawls(
    tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb, receiver: Receiver
) -> Path:
    folder = tmp_path_factory.mktemp("weekly")
    seeds = folder / "seeds.csv"
    rows = [f"http://{host},creator-site" for host in (*CHANGED, *UNCHANGED)]
    seeds.write_text("origin,kind\n" + "\n".join(rows) + "\n")
    db = folder / "weekly.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    sample_web.use_variant("next-week")
    try:
        run_crawl(seeds, db, sample_web, "--allow-private", "--webhook", receiver.url)
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


def test_the_webhook_receives_the_changes_of_the_second_crawl(
    two_crawls: Path, receiver: Receiver
) -> None:
    (post,) = receiver.posts
    assert post.document["crawl"]["id"] == 2
    subjects = {(c["origin"], c["subject"]) for c in post.document["changes"]}
    assert ("http://plain-sam.example", "verdict:train") in subjects


def test_the_feed_filtered_to_one_site_lists_its_changes(two_crawls: Path) -> None:
    ds = make_datasette(two_crawls)
    path = f"/{two_crawls.stem}/change_feed.atom?site=http://plain-sam.example"
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title") or ""
        for e in ElementTree.fromstring(response.content).iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert any("plain-sam" in t for t in titles)
    assert not any("artist-anna" in t for t in titles)


def test_the_site_timeline_shows_both_crawls(two_crawls: Path) -> None:
    ds = make_datasette(two_crawls)
    page = asyncio.run(ds.client.get("/-/site?origin=http://plain-sam.example")).text
    history = page[page.index('id="history"') : page.index("</table>", page.index('id="history"'))]
    assert 'data-crawl="1"' in history and 'data-crawl="2"' in history
    assert "verdict:train" in history


def test_the_report_counts_the_change(two_crawls: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    subprocess.run(
        [str(OPTOUT), "report", "--db", str(two_crawls), "-o", str(out)],
        check=True,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    text = out.read_text()
    assert "plain-sam.example" in text
    assert "first crawl" not in text.lower()
