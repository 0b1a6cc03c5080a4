"""A crawl keeps at most OPTOUT_SITES_IN_FLIGHT sites open, and still finishes every seed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl

QUIET_SITES = 8


def test_sites_in_flight_are_bounded_and_every_seed_is_done(
    tmp_path: Path, sample_web: SampleWeb
) -> None:
    rows = SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines()
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("\n".join(rows[: QUIET_SITES + 1]) + "\n", encoding="utf-8")
    db = tmp_path / "crawl.db"
    run_crawl(
        seeds, db, sample_web, "--allow-private", "--no-audit", "-s", "OPTOUT_SITES_IN_FLIGHT=2"
    )
    conn = sqlite3.connect(db)
    done = conn.execute("select count(*) from site_status where status = 'done'").fetchone()[0]
    stats = json.loads(conn.execute("select stats from crawls").fetchone()[0])
    assert done == QUIET_SITES
    assert stats["optout/sites/most_in_flight"] == 2
