"""``optout audit`` killed with SIGKILL in the middle of its transaction leaves the derived
tables as they were (absent for a never-audited crawl, the previous audit's rows otherwise),
and running it again gives the results of an audit never killed.

"In the middle" is made certain, whatever the machine's speed: the test waits until the audit
holds the database's write lock (its transaction has begun), then follows its progress by the
bytes it has read since (``rchar`` in ``/proc/PID/io``: the audit reads the evidence site by
site inside its transaction), stops it with SIGSTOP at a seeded random fraction of what an
unkilled audit of the same database reads, checks it still holds the write lock, and only
then sends SIGKILL. (Time is no measure on a shared machine, and the write-ahead log is none
either: SQLite keeps the transaction's pages in its cache and writes them at commit.)
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from results.derive import DERIVED
from tests.crawler.conftest import OPTOUT
from tests.faults.conftest import Reference
from tests.faults.dbcheck import (
    copy_db,
    derived,
    derived_differences,
    integrity,
    optout,
    read_only,
    start,
)

SEED = 2026_7
NEVER_AUDITED_KILLS = 3
RE_AUDIT_KILLS = 2
WAIT = 120.0


def write_locked(probe: sqlite3.Connection) -> bool:
    """Whether another connection holds the write lock (has a write transaction open)."""
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        if "locked" in str(err) or "busy" in str(err):
            return True
        raise
    probe.execute("ROLLBACK")
    return False


def _wait(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert process.poll() is None, f"the audit ended before {what}"
        assert time.monotonic() < deadline, f"the audit never got to {what}"
        time.sleep(0.002)


def _read_bytes(pid: int) -> int | None:
    """Bytes the process has read so far (None once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return None


def run_audit(db: Path, kill_after: int | None = None) -> int:
    """Run ``optout audit`` on ``db``; return the bytes it read inside its transaction.

    With ``kill_after``, SIGKILL it once it has read that many bytes inside its transaction
    (checked still open). The probe connection stays open throughout so that closing it is
    never the last close of the file, which would checkpoint the log: the next run meets the
    file as the kill left it.
    """
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    process = start([str(OPTOUT), "audit", "--db", str(db), "--quiet"])
    try:
        _wait(lambda: write_locked(probe), process, "it began writing")
        first = read = _read_bytes(process.pid) or 0
        if kill_after is None:
            while (now := _read_bytes(process.pid)) is not None and process.poll() is None:
                read = now
                time.sleep(0.002)
            _, stderr = process.communicate()
            assert process.returncode == 0, stderr[-3000:]
            return read - first
        target = first + kill_after
        _wait(lambda: (_read_bytes(process.pid) or 0) >= target, process, f"{target} bytes")
        os.kill(process.pid, signal.SIGSTOP)
        assert write_locked(probe), "the audit was stopped after its transaction ended"
        read = _read_bytes(process.pid) or 0
    finally:
        probe.close()
        if process.returncode is None:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGKILL
    return read - first


def _derived_counts(db: Path, crawl_id: int = 1) -> dict[str, int]:
    with read_only(db) as conn:
        return {
            table: conn.execute(
                f"SELECT count(*) FROM {table} WHERE crawl_id = ?", [crawl_id]
            ).fetchone()[0]
            for table in (*DERIVED, "audits")
        }


def _audit_row(db: Path) -> list[tuple[object, ...]]:
    with read_only(db) as conn:
        return conn.execute("SELECT * FROM audits ORDER BY crawl_id").fetchall()


def _audit(db: Path) -> None:
    result = optout("audit", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.timeout(600)
def test_audit_killed_midway_leaves_no_derived_rows_and_reruns_cleanly(
    tmp_path: Path, reference: Reference
) -> None:
    rng = random.Random(SEED)
    unkilled = copy_db(reference.crawled, tmp_path / "unkilled.db")
    reads = run_audit(unkilled)
    assert not derived_differences(unkilled, reference.audited)
    for n in range(NEVER_AUDITED_KILLS):
        db = copy_db(reference.crawled, tmp_path / f"never-audited-{n}.db")
        run_audit(db, kill_after=int(reads * rng.uniform(0.05, 0.75)))
        assert integrity(db) == "ok"
        assert set(_derived_counts(db).values()) == {0}, "a killed audit left derived rows"
    _audit(db)
    assert integrity(db) == "ok"
    assert not derived_differences(db, reference.audited)


@pytest.mark.timeout(600)
def test_re_audit_killed_midway_keeps_the_previous_results(
    tmp_path: Path, reference: Reference
) -> None:
    rng = random.Random(SEED + 1)
    reads = run_audit(copy_db(reference.audited, tmp_path / "unkilled.db"))
    db = copy_db(reference.audited, tmp_path / "audited.db")
    before, counts, audits = derived(db), _derived_counts(db), _audit_row(db)
    for _ in range(RE_AUDIT_KILLS):
        run_audit(db, kill_after=int(reads * rng.uniform(0.05, 0.75)))
        assert integrity(db) == "ok"
        assert _derived_counts(db) == counts
        assert derived(db) == before
        assert _audit_row(db) == audits, "the killed audit replaced the audits row"
    _audit(db)
    assert integrity(db) == "ok"
    assert derived(db) == before
    assert _audit_row(db) != audits, "the re-run audit was not recorded"
