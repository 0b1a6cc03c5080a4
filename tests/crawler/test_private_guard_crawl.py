"""With the private-address guard on (the default), a seed list cannot point the crawler at
an internal network, also not through a redirect."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl


def test_guard_refuses_internal_addresses_and_redirects_into_them(
    tmp_path: Path, sample_web: SampleWeb
) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "origin,kind\nhttp://inward-redirect.example,other\nhttp://169.254.169.254,other\n"
    )
    db = tmp_path / "guard.db"
    run_crawl(seeds, db, sample_web)  # no --allow-private: the guard is on
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select origin, kind, requested_url, status, error_class, redirect_chain "
            "from fetches order by origin, kind"
        ).fetchall()
    by_key = {
        (origin, kind): (status, error, json.loads(chain))
        for origin, kind, _, status, error, chain in rows
    }
    status, error, chain = by_key[("http://inward-redirect.example", "aitxt")]
    assert (status, error) == (None, "private-address")
    assert chain == ["http://inward-redirect.example/ai.txt"]
    assert by_key[("http://inward-redirect.example", "home")][1] == "private-address"
    assert by_key[("http://inward-redirect.example", "robots")][:2] == (200, None)
    metadata = [row for row in rows if row[0] == "http://169.254.169.254"]
    assert metadata and all(row[4] == "private-address" for row in metadata if row[1] != "home")
