"""One uninterrupted crawl of the sample web (and its audit), for every fault test to compare
against and to start from."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401
from tests.faults.dbcheck import copy_db, optout, records

SITES = len(SAMPLE_SEEDS.read_text().splitlines()) - 1


@dataclass(frozen=True)
class Reference:
    crawled: Path
    """Crawl 1 of the whole sample web, not audited."""
    audited: Path
    """The same crawl, audited."""
    seconds: float
    """How long the uninterrupted ``optout crawl --no-audit`` ran, start to exit."""
    records: list[tuple[str, str, str, int, int | None, str | None]]


@pytest.fixture(scope="session")
def reference(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Reference:
    folder = tmp_path_factory.mktemp("reference")
    crawled = folder / "crawled.db"
    started = time.monotonic()
    run_crawl(SAMPLE_SEEDS, crawled, sample_web, "--allow-private", "--no-audit")
    seconds = time.monotonic() - started
    audited = copy_db(crawled, folder / "audited.db")
    result = optout("audit", "--db", str(audited), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return Reference(crawled, audited, seconds, records(crawled))
