"""An exception inside the spider's reading of an answer is counted and logged, and the site
is still finished and audited with what it has; the other sites are not touched."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from results.crawl_outcome import crawl_totals
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT, SAMPLE_SEEDS
from tests.crawler.faulty_spider import HOME_FAILS, ROBOTS_FAILS

HEALTHY = "http://photo-marta.example"


def test_a_fault_while_reading_finishes_the_site(tmp_path: Path, sample_web: SampleWeb) -> None:
    header, *rows = SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines()
    chosen = [r for r in rows if r.split(",", 1)[0] in (HOME_FAILS, ROBOTS_FAILS, HEALTHY)]
    assert len(chosen) == 3
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("\n".join([header, *chosen]) + "\n", encoding="utf-8")
    db = tmp_path / "crawl.db"
    run = subprocess.run(
        [sys.executable, "-m", "tests.crawler.faulty_spider", str(seeds), str(db),
         sample_web.proxy_url],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "planted fault" in run.stderr  # logged with its traceback

    conn = sqlite3.connect(db)
    status, stats_text = conn.execute("SELECT status, stats FROM crawls").fetchone()
    assert status == "finished"
    done = {o for (o,) in conn.execute("SELECT origin FROM site_status WHERE status = 'done'")}
    assert done == {HOME_FAILS, ROBOTS_FAILS, HEALTHY}
    stats = json.loads(stats_text)
    assert stats["optout/internal_error/home"] == 1
    assert stats["optout/internal_error/robots"] == 1
    assert "planted fault" in stats["optout/internal_error"]

    def kinds(origin: str, skipped: bool) -> set[str]:
        query = "SELECT DISTINCT kind FROM fetches WHERE origin = ? AND (skipped IS NOT NULL) = ?"
        return {k for (k,) in conn.execute(query, [origin, skipped])}

    # robots.txt could not be read: nothing after it is fetched (as if it were unreachable)
    assert "home" not in kinds(ROBOTS_FAILS, skipped=False)
    # the healthy site went past its home page
    assert {"robots", "home"} <= kinds(HEALTHY, skipped=False)
    assert len(kinds(HEALTHY, skipped=False)) > 2
    conn.close()
    totals = crawl_totals(db, 1)
    assert totals is not None and totals.internal_errors == 2
    assert totals.first_internal_error and "planted fault" in totals.first_internal_error

    # the crawl can be audited
    audit = subprocess.run(
        [str(OPTOUT), "audit", "--db", str(db)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert audit.returncode == 0, audit.stderr[-3000:]
    conn = sqlite3.connect(db)
    audited = {o for (o,) in conn.execute("SELECT DISTINCT origin FROM site_verdicts")}
    assert {HOME_FAILS, ROBOTS_FAILS, HEALTHY} <= audited
    conn.close()
