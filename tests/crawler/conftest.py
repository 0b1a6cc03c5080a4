"""The sample web on loopback, and a helper that runs the real ``optout crawl`` command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb, start_server
from tests.conftest import ROOT

OPTOUT = Path(sys.executable).parent / "optout"
SAMPLE_SEEDS = ROOT / "sampleweb" / "seeds.csv"
# Fast but bounded: no politeness delay against our own loopback server, short timeouts.
FAST = (
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=false",
    "-s",
    "DOWNLOAD_TIMEOUT=4",
    "-s",
    "OPTOUT_RETRY_BASE_DELAY=0.1",
    "-s",
    "CONCURRENT_REQUESTS=32",
)


@pytest.fixture(scope="session")
def sample_web() -> Iterator[SampleWeb]:
    with start_server() as web:
        yield web


def crawl_command(seeds: Path, db: Path, web: SampleWeb, *extra: str) -> list[str]:
    return [
        str(OPTOUT),
        "crawl",
        str(seeds),
        "--db",
        str(db),
        "--proxy",
        web.proxy_url,
        "--quiet",
        *FAST,
        *extra,
    ]


def run_crawl(
    seeds: Path, db: Path, web: SampleWeb, *extra: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``optout crawl`` in a subprocess against the sample web; fail on a non-zero exit."""
    result = subprocess.run(
        crawl_command(seeds, db, web, *extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


FIVE_HOSTS = (
    "artist-anna.example",
    "plain-sam.example",
    "photo-marta.example",
    "artist-vale.example",
    "arlo-codes.example",
)
"""Five quick sample sites, for crawls that are interrupted and resumed."""
