"""A crawl killed with SIGKILL and resumed with --resume ends with every site's full set of
fetch records, none twice, exactly as an uninterrupted crawl of the same seeds."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, crawl_command, run_crawl

SITES = len(SAMPLE_SEEDS.read_text().splitlines()) - 1
SLOW = ("-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS=4")


def _records(db: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select origin, kind, requested_url, rendered from fetches order by 1, 2, 3, 4"
        ).fetchall()


def _done_sites(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("select count(*) from site_status").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.timeout(600)
def test_killed_crawl_resumes_without_loss_or_duplicates(
    tmp_path: Path, sample_web: SampleWeb
) -> None:
    seeds = SAMPLE_SEEDS
    reference = tmp_path / "reference.db"
    run_crawl(seeds, reference, sample_web, "--allow-private")

    db = tmp_path / "killed.db"
    process = subprocess.Popen(
        crawl_command(seeds, db, sample_web, "--allow-private", *SLOW),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _done_sites(db) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the crawl finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = _done_sites(db)
    assert 0 < killed_at < SITES

    run_crawl(seeds, db, sample_web, "--allow-private", "--resume")

    records = _records(db)
    assert len(records) == len(set(records)), "a fetch record was written twice"
    assert records == _records(reference)
    with sqlite3.connect(db) as conn:
        crawls = conn.execute("select id, status, resumed_count from crawls").fetchall()
        done = conn.execute("select count(*) from site_status").fetchone()[0]
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
    assert crawls == [(1, "finished", 1)]
    assert done == SITES
    assert integrity == "ok"
