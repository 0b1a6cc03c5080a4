"""``scrapy crawl optout -a seeds=FILE`` runs the same spider with the same settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS


def test_scrapy_crawl_writes_the_same_records(tmp_path: Path, sample_web: SampleWeb) -> None:
    db = tmp_path / "scrapy.db"
    scrapy = Path(sys.executable).parent / "scrapy"
    result = subprocess.run(
        [
            str(scrapy),
            "crawl",
            "optout",
            "-a",
            f"seeds={SAMPLE_SEEDS}",
            "-a",
            "limit=3",
            "-s",
            f"OPTOUT_DB={db}",
            "-s",
            f"OPTOUT_PROXY={sample_web.proxy_url}",
            "-s",
            "OPTOUT_ALLOW_PRIVATE=1",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        origins = conn.execute("select count(distinct origin) from fetches").fetchone()[0]
        status = conn.execute("select status from crawls").fetchone()[0]
    assert (origins, status) == (3, "finished")
