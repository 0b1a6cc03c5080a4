"""``optout crawl`` killed with SIGKILL at random moments and resumed each time ends exactly as
an uninterrupted crawl: every fetch record once, every site done, the same audit results.

The kill moments are drawn (seeded) within the measured duration of the uninterrupted crawl,
so they land anywhere: during start-up, migrations, the first batches, the slow tail.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, crawl_command, run_crawl
from tests.faults.conftest import SITES, Reference
from tests.faults.dbcheck import (
    by_origin,
    crawls,
    derived_differences,
    done_sites,
    has_table,
    integrity,
    optout,
    read_only,
    records,
    start,
)

SEED = 7_2026
ROUNDS = 5


def _check_after_kill(db: Path, reference: Reference) -> None:
    """What a SIGKILL may leave: a sound file, no record twice, no site done but incomplete."""
    if not db.exists():
        return  # killed before the database was created
    assert integrity(db) == "ok"
    if not has_table(db, "site_status"):
        return  # killed while the schema was being created
    stored = records(db)
    assert len(stored) == len(set(stored)), "a fetch record was written twice"
    expected = by_origin(reference.records)
    got = by_origin(stored)
    for origin in done_sites(db):
        assert got.get(origin) == expected[origin], f"{origin} is done but its records differ"


@pytest.mark.timeout(900)
def test_crawl_killed_at_random_moments_resumes_to_the_uninterrupted_result(
    tmp_path: Path, sample_web: SampleWeb, reference: Reference
) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "killed.db"
    command = crawl_command(SAMPLE_SEEDS, db, sample_web, "--allow-private", "--no-audit")
    kills, finished = [], False
    for _ in range(ROUNDS):
        delay = rng.uniform(0, reference.seconds)
        # --resume continues the killed crawl; before any crawl was recorded it has nothing to
        # resume (and says so), so the first start, or one after a kill that early, is plain.
        started = has_table(db, "crawls") and bool(crawls(db))
        process = start([*command, "--resume"] if started else command)
        try:
            _, stderr = process.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            process.kill()  # SIGKILL
            process.communicate()
            kills.append(round(delay, 2))
            _check_after_kill(db, reference)
            if has_table(db, "crawls") and crawls(db)[-1:] == [(1, "finished")]:
                finished = True  # killed while exiting: --resume has nothing left to resume
                break
        else:
            assert process.returncode == 0, stderr[-3000:]
            finished = True  # the crawl ended before its kill: nothing left to resume
            break
    assert kills, "no kill landed before the crawl finished"
    if not finished:
        resume = ["--resume"] if has_table(db, "crawls") and crawls(db) else []
        run_crawl(SAMPLE_SEEDS, db, sample_web, "--allow-private", "--no-audit", *resume)

    stored = records(db)
    assert len(stored) == len(set(stored)), "a fetch record was written twice"
    assert stored == reference.records, f"records differ after kills at {kills} s"
    assert crawls(db) == [(1, "finished")]
    assert len(done_sites(db)) == SITES
    assert integrity(db) == "ok"
    with read_only(db) as conn:
        (resumed,) = conn.execute("SELECT resumed_count FROM crawls").fetchone()
    assert resumed <= len(kills)

    result = optout("audit", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert integrity(db) == "ok"
    assert not derived_differences(db, reference.audited)
