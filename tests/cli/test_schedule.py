"""``optout schedule``: crawls on a timer, one at a time per database, stopped cleanly."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from crawler.db_lock import DbLock, DbLockedError, lock_path
from crawler.schedule_times import cron_trigger, parse_interval
from optout_cli.main import cli
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT, SAMPLE_SEEDS, sample_web  # noqa: F401

WAIT_SECONDS = 30
STOP_SECONDS = 60
UTC = ZoneInfo("UTC")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """Three sample-web sites: the header and first three rows of the sample seed list."""
    path = tmp_path / "seeds.csv"
    lines = SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:4]), encoding="utf-8")
    return path


class Schedule:
    """A running ``optout schedule`` whose output lines are collected as they come."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(OPTOUT), "schedule", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = WAIT_SECONDS) -> re.Match[str]:
        """The first output line matching ``pattern``, waiting for it at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if found := re.search(pattern, line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    pytest.fail(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")
                self._changed.wait(left)

    def finish(self, timeout: float = STOP_SECONDS) -> int:
        """Wait for the exit status (and all output)."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send a signal and wait for the exit status."""
        self.proc.send_signal(signum)
        return self.finish()

    def child_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"optout crawl in pid (\d+)", self.output)]


@contextmanager
def running_schedule(*args: str) -> Iterator[Schedule]:
    """Start ``optout schedule``; whatever the test did, nothing it started outlives it."""
    schedule = Schedule(*args)
    try:
        yield schedule
    finally:
        if schedule.proc.poll() is None:
            schedule.proc.kill()
            schedule.proc.wait(timeout=10)
        for pid in schedule.child_pids():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def sample_args(seeds: Path, db: Path, web: SampleWeb, *extra: str) -> list[str]:
    return [str(seeds), "--db", str(db), "--proxy", web.proxy_url, "--allow-private", *extra]


def lock_is_free(db: Path) -> bool:
    try:
        with DbLock(db, "test"):
            return True
    except DbLockedError:
        return False


def crawl_rows(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, status FROM crawls ORDER BY id").fetchall()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["schedule", *args])
    return result.exit_code, result.output


# --- schedules ---------------------------------------------------------------------------


def test_interval_units_add_up() -> None:
    assert parse_interval("1h30m") == timedelta(minutes=90)
    assert parse_interval("7d") == timedelta(days=7)


@pytest.mark.parametrize("every", ["5x", "7", "d", "0s", "1.5h", "-1h"])
def test_invalid_every_is_a_clear_usage_error(seeds: Path, tmp_path: Path, every: str) -> None:
    code, output = invoke(str(seeds), "--db", str(tmp_path / "x.db"), "--every", every)
    assert code == 2
    assert "--every" in output and repr(every) in output and "Traceback" not in output
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ("0 3 * *", "5 fields"),
        ("61 * * * *", "maximum value (59)"),
        ("0 3 * * 8", "weekday"),
        ("0 3 * * 5-1", "backwards"),
        ("0 25 * * *", "maximum value (23)"),
    ],
)
def test_invalid_cron_is_a_clear_usage_error(
    seeds: Path, tmp_path: Path, cron: str, says: str
) -> None:
    code, output = invoke(str(seeds), "--db", str(tmp_path / "x.db"), "--cron", cron)
    assert code == 2
    assert "--cron" in output and says in output and "Traceback" not in output


def test_every_or_cron_is_required_but_not_both(seeds: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert invoke(str(seeds), "--db", db)[0] == 2
    code, output = invoke(str(seeds), "--db", db, "--every", "1h", "--cron", "0 3 * * 1")
    assert code == 2 and "exactly one of --every and --cron" in output


def test_setting_without_equals_sign_is_refused(seeds: Path, tmp_path: Path) -> None:
    code, output = invoke(str(seeds), "--db", str(tmp_path / "x.db"), "--every", "1h", "-s", "X")
    assert code == 2 and "NAME=VALUE" in output


@pytest.mark.parametrize(("weekday", "day"), [("1", "Monday"), ("0", "Sunday"), ("7", "Sunday")])
def test_cron_weekday_numbers_count_from_sunday_as_in_crontab(weekday: str, day: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    fire = cron_trigger(f"0 3 * * {weekday}").get_next_fire_time(None, start)
    assert fire is not None and fire.strftime("%A") == day and fire.hour == 3


def test_cron_with_both_day_fields_runs_on_either_as_in_crontab() -> None:
    trigger = cron_trigger("0 0 1 * 1")  # the 1st of the month, and every Monday
    moment = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    fires = []
    for _ in range(3):
        next_fire = trigger.get_next_fire_time(moment, moment)
        assert next_fire is not None
        fires.append(next_fire.date().isoformat())
        moment = next_fire + timedelta(seconds=1)
    assert fires == ["2026-01-05", "2026-01-12", "2026-01-19"]
    first = trigger.get_next_fire_time(None, datetime(2026, 1, 27, tzinfo=UTC))
    assert first is not None and first.date().isoformat() == "2026-02-01"  # a Sunday


# --- the lock ----------------------------------------------------------------------------


def test_lock_names_its_holder(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with DbLock(db, "optout schedule"), pytest.raises(DbLockedError) as raised:
        DbLock(db, "optout crawl").acquire()
    assert raised.value.holder.pid == os.getpid()
    assert raised.value.holder.command == "optout schedule"
    assert f"pid {os.getpid()} (optout schedule) since " in str(raised.value)


def test_lock_of_a_killed_holder_frees_itself(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from crawler.db_lock import DbLock;"
            "DbLock(Path(sys.argv[1]), 'holder').acquire(); print('held', flush=True);"
            "time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert not lock_is_free(db)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert lock_path(db).read_text()  # the dead holder's details are still in the file
    assert lock_is_free(db)


def test_crawl_refuses_a_database_another_crawl_holds(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with DbLock(db, "optout schedule"):
        result = subprocess.run(
            [str(OPTOUT), "crawl", str(seeds), "--db", str(db), "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
    assert result.returncode == 1
    assert f"another crawl holds the lock on this database: pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr
    assert crawl_rows(db) == []


# --- running ---------------------------------------------------------------------------


def test_two_runs_crawl_and_audit_twice(
    seeds: Path,
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    args = sample_args(seeds, db, sample_web, "--every", "1s", "--run-now", "--max-runs", "2")
    with running_schedule(*args, *FAST) as schedule:
        assert schedule.finish(timeout=120) == 0, schedule.output[-3000:]
    assert crawl_rows(db) == [(1, "finished"), (2, "finished")]
    with sqlite3.connect(db) as conn:
        audited = [row[0] for row in conn.execute("SELECT crawl_id FROM audits ORDER BY 1")]
        summaries = conn.execute("SELECT COUNT(*) FROM site_summary WHERE crawl_id = 2")
        assert (audited, summaries.fetchone()[0]) == ([1, 2], 3)
    assert re.search(
        r"run 2 ended .*crawl 2 finished: 3 sites done, .*audited, \d+ changes?", schedule.output
    )
    assert lock_is_free(db)


def test_second_schedule_on_the_same_database_exits_with_the_lock_message(
    seeds: Path, tmp_path: Path
) -> None:
    db = tmp_path / "crawl.db"
    with running_schedule(str(seeds), "--db", str(db), "--every", "1h") as first:
        first.wait_for(r"next run at ")
        second = subprocess.run(
            [str(OPTOUT), "schedule", str(seeds), "--db", str(db), "--every", "1h"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
        assert second.returncode == 1
        assert f"pid {first.proc.pid} (optout schedule) since 20" in second.stderr
        assert first.stop(signal.SIGINT) == 0
    assert "SIGINT received: stopping" in first.output
    assert lock_is_free(db)


def test_sigterm_during_a_run_interrupts_the_crawl_and_frees_the_lock(
    seeds: Path,
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    # A politeness delay makes the crawl last long enough to be stopped midway.
    slow = (
        "-s",
        "DOWNLOAD_DELAY=1",
        "-s",
        "AUTOTHROTTLE_ENABLED=false",
        "-s",
        "DOWNLOAD_TIMEOUT=4",
    )
    args = sample_args(seeds, db, sample_web, "--every", "1h", "--run-now", *slow)
    with running_schedule(*args) as schedule:
        child = int(schedule.wait_for(r"optout crawl in pid (\d+)")[1])
        deadline = time.monotonic() + WAIT_SECONDS
        while not (db.exists() and crawl_rows(db)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert crawl_rows(db) == [(1, "running")]
        assert schedule.stop(signal.SIGTERM) == 0, schedule.output[-3000:]
    assert f"stopping the crawl in pid {child} (SIGTERM)" in schedule.output
    assert crawl_rows(db) == [(1, "interrupted")]
    assert not alive(child)
    assert lock_is_free(db)


def test_cron_schedule_logs_when_the_next_run_is_due(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    started = datetime.now(UTC)
    with running_schedule(str(seeds), "--db", str(db), "--cron", "*/1 * * * *") as schedule:
        due = datetime.fromisoformat(schedule.wait_for(r"next run at (\S+)")[1])
        seen = datetime.now(UTC)
        assert schedule.stop(signal.SIGTERM) == 0, schedule.output
    assert due.second == 0
    assert started < due <= seen + timedelta(seconds=60)
    assert "on cron '*/1 * * * *'" in schedule.output
