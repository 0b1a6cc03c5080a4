"""One crawl of the hostile web plus two ordinary sites, audited, shared by the chaos tests.

The crawl is the real ``optout crawl`` in a subprocess through the sample-web proxy, with the
private-address guard on (no ``--allow-private``), a wall-clock bound and its peak memory
measured (``os.wait4`` gives the child's own maximum RSS). A second crawl of the two ordinary
sites alone is the baseline their results must equal. ``CHAOS_LONG=1`` runs the long
variants: a download timeout long enough for the whole one-byte-a-second drip, the 30-second
delay, the million-line robots.txt over a slow link to arrive and the 60-second hangs to end.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb, start_server
from sampleweb.sites import HOSTILE_DIR, SITES_DIR
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT, SAMPLE_SEEDS, crawl_command

HOSTILE_SEEDS = HOSTILE_DIR / "seeds.csv"
NORMAL = ("http://artist-anna.example", "http://photo-marta.example")
LONG = os.environ.get("CHAOS_LONG") == "1"
DOWNLOAD_TIMEOUT = 90 if LONG else 4
CRAWL_SECONDS = 600 if LONG else 150
"""The bound on the whole hostile crawl (under a minute on a 2-core machine)."""
AUDIT_SECONDS = 120
PEAK_RSS_MIB = 512
"""The bound on the crawler's peak memory: bombs, floods and huge bodies must not raise it
much over an ordinary crawl's (about 200 MiB)."""
DB_NAME = "audit"
TEST_TIMEOUT = 2 * CRAWL_SECONDS + 2 * AUDIT_SECONDS + 120
"""pytest-timeout's bound for a chaos test: the first one also waits for both crawls."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))


@dataclass(frozen=True)
class Run:
    """A finished command: how long it took, its peak memory and its output."""

    seconds: float
    peak_rss_mib: float
    returncode: int
    stderr: str


def run_bounded(command: list[str], seconds: float) -> Run:
    """Run ``command``; kill its process group after ``seconds``. Peak RSS from ``wait4``."""
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    killer = threading.Timer(seconds, os.killpg, (process.pid, signal.SIGKILL))
    killer.start()
    assert process.stderr is not None
    stderr = process.stderr.read()  # until the child closes it, i.e. exits
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        time.monotonic() - started, usage.ru_maxrss / 1024, process.returncode, stderr[-5000:]
    )


def write_seeds(path: Path, *sources: tuple[Path, tuple[str, ...] | None]) -> Path:
    """A seeds CSV of the rows of each source file (all of them, or the listed origins)."""
    rows = []
    fields: list[str] = []
    for source, origins in sources:
        with source.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = fields or list(reader.fieldnames or [])
            rows += [row for row in reader if origins is None or row["origin"] in origins]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def crawl_and_audit(seeds: Path, db: Path, web: SampleWeb) -> tuple[Run, Run]:
    crawl = run_bounded(
        crawl_command(seeds, db, web, "--no-audit", "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}"),
        CRAWL_SECONDS,
    )
    assert crawl.returncode == 0, crawl.stderr
    audit = run_bounded([str(OPTOUT), "audit", "--db", str(db), "--quiet"], AUDIT_SECONDS)
    assert audit.returncode == 0, audit.stderr
    return crawl, audit


@dataclass(frozen=True)
class Chaos:
    db: Path
    crawl: Run
    audit: Run
    baseline_db: Path


@pytest.fixture(scope="session")
def hostile_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleWeb]:
    """The hostile sites and the two ordinary ones (linked in, so that a site another change
    is adding to the sample web cannot break this crawl)."""
    normal = tmp_path_factory.mktemp("normal-sites")
    for origin in NORMAL:
        host = origin.split("://", 1)[1]
        (normal / host).symlink_to(SITES_DIR / host, target_is_directory=True)
    with start_server([HOSTILE_DIR, normal]) as web:
        yield web


@pytest.fixture(scope="session")
def chaos(tmp_path_factory: pytest.TempPathFactory, hostile_web: SampleWeb) -> Chaos:
    folder = tmp_path_factory.mktemp("chaos")
    seeds = write_seeds(folder / "seeds.csv", (HOSTILE_SEEDS, None), (SAMPLE_SEEDS, NORMAL))
    db = folder / f"{DB_NAME}.db"
    crawl, audit = crawl_and_audit(seeds, db, hostile_web)
    baseline_db = folder / "baseline.db"
    crawl_and_audit(
        write_seeds(folder / "baseline.csv", (SAMPLE_SEEDS, NORMAL)), baseline_db, hostile_web
    )
    return Chaos(db, crawl, audit, baseline_db)


PLANTED = "http://planted-script.example"


def datasette_pages(db: Path) -> list[str]:
    """Every page of the instance worth visiting: landing, database, each table and view
    (whole and filtered to the planted site), row pages of the planted site, every canned
    query (with the planted site as its parameter), per-site pages of every crawled site and
    the Atom feed."""
    from urllib.parse import quote

    from datasette.utils import tilde_encode

    from tests.datasette.conftest import canned_queries

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "select name from sqlite_master where type in ('table', 'view')"
                " and name not like 'sqlite_%' order by name"
            )
        ]
        origins = [o for (o,) in conn.execute("select origin from sites order by origin")]
        fetch_ids = [
            i for (i,) in conn.execute("select id from fetches where origin = ?", (PLANTED,))
        ]
    finally:
        conn.close()
    planted = quote(PLANTED, safe="")
    pages = ["/", f"/{DB_NAME}", f"/{DB_NAME}/change_feed.atom"]
    for table in tables:
        pages.append(f"/{DB_NAME}/{table}")
        if table not in ("_sqlite_migrations", "agents", "bodies", "crawls", "audits"):
            pages.append(f"/{DB_NAME}/{table}?origin={planted}")
    pages.append(f"/{DB_NAME}/sites/{tilde_encode(PLANTED)}")
    pages += [f"/{DB_NAME}/fetches/{i}" for i in fetch_ids]
    pages += [f"/{DB_NAME}/{name}?origin={planted}" for name in sorted(canned_queries())]
    pages += [f"/-/site?origin={quote(origin, safe='')}" for origin in origins]
    return pages
