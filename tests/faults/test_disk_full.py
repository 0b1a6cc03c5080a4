"""The evidence database on a disk that fills up: ``optout crawl`` and ``optout audit`` stop
with one clear line naming the problem (no traceback), and the database stays sound.

Two ways to fill a disk, both run where they can:

- ``tmpfs``: a small tmpfs mounted over a temporary folder (needs root with CAP_SYS_ADMIN,
  as on a CI runner; skipped, saying why, where ``mount`` is refused). Writes fail with
  ENOSPC, which SQLite reports as SQLITE_FULL, "database or disk is full".
- ``rlimit``: RLIMIT_FSIZE set in the child (SIGXFSZ ignored, so writes past the limit fail
  with EFBIG instead of killing it). Works anywhere; SQLite reports it as a disk I/O error.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, crawl_command
from tests.faults.conftest import Reference
from tests.faults.dbcheck import (
    by_origin,
    copy_db,
    crawls,
    derived_differences,
    done_sites,
    integrity,
    optout,
    read_only,
    records,
)

MiB = 1024 * 1024
SMALL_BATCHES = ("-s", "OPTOUT_DB_BATCH_SIZE=20")


@dataclass
class SmallDisk:
    """A folder that holds ``size`` bytes at most, one way or the other."""

    kind: str
    folder: Path
    size: int
    expected: str
    """What the error line says about the cause."""

    def preexec(self) -> Callable[[], None] | None:
        if self.kind != "rlimit":
            return None
        size = self.size

        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

        return limit

    def grow(self) -> None:
        """Free space: a bigger tmpfs, or no limit for the next child."""
        if self.kind == "tmpfs":
            _run("mount", "-o", f"remount,size={64 * MiB}", str(self.folder))
        else:
            self.size = resource.RLIM_INFINITY


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )


def _mount_tmpfs(folder: Path, size: int) -> str | None:
    """Mount a tmpfs of ``size`` bytes on ``folder``; the reason when that is not possible."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return "mounting a tmpfs needs root and mount(8)"
    result = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    if result.returncode:
        return f"mount -t tmpfs was refused here: {result.stderr.strip()}"
    return None


MakeDisk = Callable[[int, int], SmallDisk]


@pytest.fixture(params=["tmpfs", "rlimit"])
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeDisk]:
    """``make(disk_size, file_limit)``: a tmpfs of ``disk_size``, or each file (the database,
    its log) limited to ``file_limit``."""
    mounted: list[Path] = []

    def make(size: int, file_limit: int) -> SmallDisk:
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        if request.param == "tmpfs":
            why_not = _mount_tmpfs(folder, size)
            if why_not:
                pytest.skip(why_not + " (the rlimit variant covers the same code)")
            mounted.append(folder)
            return SmallDisk("tmpfs", folder, size, "the disk is full")
        return SmallDisk(
            "rlimit", folder, file_limit, "a write failed (disk full, a file size limit"
        )

    yield make
    for folder in mounted:
        if _run("umount", str(folder)).returncode:
            _run("umount", "-l", str(folder))


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], disk: SmallDisk) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), result.stderr[-3000:]
    assert "could not write the evidence database" in last
    assert disk.expected in last
    return last


@pytest.mark.timeout(300)
def test_crawl_onto_a_full_disk_stops_with_one_line_and_a_sound_database(
    small_disk: MakeDisk, sample_web: SampleWeb, reference: Reference
) -> None:
    disk = small_disk(3 * MiB, 2 * MiB)
    db = disk.folder / "crawl.db"
    result = subprocess.run(
        # Small batches, so that some are stored before the disk fills.
        crawl_command(SAMPLE_SEEDS, db, sample_web, "--allow-private", *SMALL_BATCHES),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        preexec_fn=disk.preexec(),
    )
    last = _assert_one_clear_line(result, disk)
    assert "--resume" in last

    assert integrity(db) == "ok"
    stored = records(db)
    assert stored, "nothing was stored before the disk filled"
    assert len(stored) < len(reference.records)
    expected, got = by_origin(reference.records), by_origin(stored)
    for origin in done_sites(db):
        assert got[origin] == expected[origin], f"{origin} is done but its records differ"
    ((crawl_id, status),) = crawls(db)
    assert status in {"interrupted", "running"}  # 'running' if even that update had no room
    with read_only(db) as conn:
        assert conn.execute("SELECT count(*) FROM audits").fetchone()[0] == 0


@pytest.mark.timeout(300)
def test_audit_onto_a_full_disk_stops_with_one_line_and_changes_nothing(
    small_disk: MakeDisk, reference: Reference
) -> None:
    # Room for the crawl and a little more; or a log no bigger than half a MiB.
    disk = small_disk(reference.crawled.stat().st_size + MiB // 4, MiB // 2)
    db = disk.folder / "crawl.db"
    copy_db(reference.crawled, db)

    result = optout("audit", "--db", str(db), "--quiet", preexec_fn=disk.preexec())
    _assert_one_clear_line(result, disk)
    assert integrity(db) == "ok"
    assert records(db) == reference.records
    with read_only(db) as conn:
        assert conn.execute("SELECT count(*) FROM audits").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM site_summary").fetchone()[0] == 0

    disk.grow()
    result = optout("audit", "--db", str(db), "--quiet", preexec_fn=disk.preexec())
    assert result.returncode == 0, result.stderr[-3000:]
    assert integrity(db) == "ok"
    assert not derived_differences(db, reference.audited)
