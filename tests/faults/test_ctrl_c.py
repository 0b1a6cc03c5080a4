"""Ctrl-C (or SIGTERM) during ``optout crawl`` stops it within seconds, not when the slowest
download in flight gives up: one line, no traceback, the run recorded as ``interrupted`` with
every record written so far, and ``--resume`` ends it exactly as an uninterrupted crawl.

The interrupted crawl runs with ``DOWNLOAD_TIMEOUT=60`` while the sample web holds
``bookbinder-dev.example``'s robots.txt for 60 s: a stop that waited for the downloads in
flight would take a minute.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, crawl_command, run_crawl
from tests.faults.conftest import SITES, Reference
from tests.faults.dbcheck import (
    by_origin,
    crawls,
    done_sites,
    has_table,
    integrity,
    read_only,
    records,
    start,
)

STOP_BOUND = 10.0
"""Seconds the stopped crawl may take to exit: generous for a stop that takes about one, and far
below the minute the hanging site would hold a graceful stop."""
START_BOUND = 120.0


def _records_written(db: Path) -> int:
    if not has_table(db, "fetches"):
        return 0
    with read_only(db) as conn:
        return int(conn.execute("SELECT count(*) FROM fetches").fetchone()[0])


def _wait_for_records(process: subprocess.Popen[str], db: Path) -> None:
    """Wait until the crawl has committed some fetch records (and is still running)."""
    deadline = time.monotonic() + START_BOUND
    while _records_written(db) == 0:
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the crawl wrote no record"
        time.sleep(0.05)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_crawl_ends_fast_and_cleanly_and_resumes_to_the_uninterrupted_result(
    tmp_path: Path, sample_web: SampleWeb, reference: Reference, signum: signal.Signals
) -> None:
    db = tmp_path / "stopped.db"
    command = crawl_command(SAMPLE_SEEDS, db, sample_web, "--allow-private", "--no-audit")
    process = start([*command, "-s", "DOWNLOAD_TIMEOUT=60"])
    try:
        _wait_for_records(process, db)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=STOP_BOUND)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Future exception" not in stderr, stderr[-3000:]
    assert crawls(db) == [(1, "interrupted")]
    assert integrity(db) == "ok"
    expected = by_origin(reference.records)
    stored = by_origin(records(db))
    assert stored, "the records written before the stop were lost"
    for origin in done_sites(db):
        assert stored[origin] == expected[origin], f"{origin} is done but its records differ"
    assert len(done_sites(db)) < SITES, "the crawl finished before it was stopped"

    run_crawl(SAMPLE_SEEDS, db, sample_web, "--allow-private", "--no-audit", "--resume")
    assert records(db) == reference.records
    assert crawls(db) == [(1, "finished")]
    assert len(done_sites(db)) == SITES
