"""Crawling again and again on a schedule, in the foreground (``optout schedule``).

APScheduler times the runs. Each run is ``optout crawl`` in a child process of this same
Python, because Scrapy's reactor cannot start twice in one process. The schedule holds the
database's lock (``<db>.lock``) for as long as it runs and hands it to each crawl child, so no
other crawl or schedule can write into the same database meanwhile. What happens is logged to
the ``optout.schedule`` logger.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, Final

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from tzlocal import get_localzone

from crawler.db_lock import DbLock
from crawler.schedule_times import Plan
from results.completeness import RESUMABLE
from results.crawl_outcome import latest_crawl_id, resumable_crawl, run_result

log = logging.getLogger("optout.schedule")

JOB_ID: Final = "crawl"
STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE_SECONDS: Final = 60
"""How long a crawl may take to stop after SIGTERM before it is killed (under systemd's 90)."""
_RUN_CLI: Final = "from optout_cli.main import cli; cli(prog_name='optout')"


class CrawlRunner:
    """Runs ``optout crawl`` as a child process, one run at a time, and stops it on request."""

    def __init__(self, seeds: Path, db_path: Path, crawl_args: list[str], lock: DbLock) -> None:
        self.seeds = seeds
        self.db_path = db_path
        self.crawl_args = crawl_args
        self.lock = lock
        self.runs = 0
        self.max_runs: int | None = None
        self.on_last_run: Callable[[], None] | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.idle = threading.Event()
        self.idle.set()
        self._guard = threading.Lock()

    def command(self, resume: bool) -> list[str]:
        """The ``optout crawl`` command line of one run."""
        command = [sys.executable, "-c", _RUN_CLI, "crawl", str(self.seeds)]
        command += ["--db", str(self.db_path), "--quiet", *self.crawl_args]
        return command + ["--resume"] if resume else command

    def run(self) -> None:
        """One scheduled run: crawl (resuming an interrupted crawl of these seeds), then log."""
        with self._guard:
            if self.stopping or (self.max_runs and self.runs >= self.max_runs):
                return
            self.runs += 1
            number = self.runs
            self.idle.clear()
        try:
            self._crawl(number)
        finally:
            self.idle.set()
        if self.max_runs and number >= self.max_runs and not self.stopping:
            log.info("stopping: --max-runs reached after run %d", number)
            if self.on_last_run is not None:
                self.on_last_run()

    def _crawl(self, number: int) -> None:
        resume = resumable_crawl(self.db_path, self.seeds)
        before = latest_crawl_id(self.db_path)
        started = time.monotonic()
        with self._guard:
            if self.stopping:
                return
            # Its own process group: a terminal's Ctrl-C reaches only us, and we pass on exactly
            # one SIGTERM (a second one would make Scrapy stop without closing the crawl).
            child = subprocess.Popen(
                self.command(resume is not None),
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.lock.child_env()},
                pass_fds=(self.lock.fd,) if self.lock.fd is not None else (),
                process_group=0,
            )
            self.child = child
        resuming = f", resuming crawl {resume}" if resume else ""
        log.info("run %d started: optout crawl in pid %d%s", number, child.pid, resuming)
        try:
            code = child.wait()
        finally:
            with self._guard:
                self.child = None
        last = latest_crawl_id(self.db_path)
        result = run_result(self.db_path, resume or (last if last > before else None))
        seconds = time.monotonic() - started
        if code == 0:
            log.info("run %d ended after %.1f s: %s", number, seconds, result.says())
        elif result.status in RESUMABLE:  # `optout crawl` exits 1 and audits nothing
            log.warning(
                "run %d stopped after %.1f s before its crawl finished: %s; the next run"
                " resumes it",
                number,
                seconds,
                result.says(),
            )
        else:
            log.error(
                "run %d failed after %.1f s: optout crawl exited with status %d; %s",
                number,
                seconds,
                code,
                result.says(),
            )

    def refuse_runs(self) -> None:
        """Start no more runs."""
        with self._guard:
            self.stopping = True

    def stop(self, grace: float) -> None:
        """Start no more runs; stop a running crawl (SIGTERM, then SIGKILL after grace s)."""
        with self._guard:
            self.stopping = True
            child = self.child
        if child is not None:
            log.info("stopping the crawl in pid %d (SIGTERM)", child.pid)
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log.warning("pid %d did not stop within %.0f s: killing it", child.pid, grace)
                child.kill()
                child.wait()
        if not self.idle.wait(timeout=grace):
            log.warning("the run did not finish within %.0f s", grace)


class SignalWatch:
    """Calls ``on_stop`` (in a thread of its own) at the first SIGTERM or SIGINT.

    The handler only writes the signal's number to a pipe: it runs in the main thread wherever
    the scheduler happens to be, so it must neither take a lock the scheduler may hold nor
    raise (APScheduler swallows exceptions in places). A watcher thread reads the pipe.
    """

    def __init__(self, on_stop: Callable[[str], None]) -> None:
        self.on_stop = on_stop
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._previous: dict[int, Any] = {}
        self._thread = threading.Thread(target=self._watch, name="signal-watch", daemon=True)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        with suppress(OSError):
            os.write(self._write_fd, bytes([signum]))

    def _watch(self) -> None:
        first = os.read(self._read_fd, 1)
        if not first:
            return
        self.on_stop(signal.Signals(first[0]).name)
        while later := os.read(self._read_fd, 1):
            log.info("%s received again: already stopping", signal.Signals(later[0]).name)

    def __enter__(self) -> SignalWatch:
        self._thread.start()
        self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        os.close(self._write_fd)  # the watcher reads end-of-file and ends
        self._thread.join(timeout=5)
        os.close(self._read_fd)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def run_schedule(plan: Plan, runner: CrawlRunner, run_now: bool, max_runs: int | None) -> None:
    """Run ``runner`` on ``plan`` until SIGTERM or SIGINT, or ``max_runs`` runs."""
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1)},
        # One crawl at a time; ticks missed meanwhile are skipped, a late one still runs once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=get_localzone(),
    )

    def stop_scheduler() -> None:
        with suppress(JobLookupError, SchedulerNotRunningError):  # a signal was first
            scheduler.remove_job(JOB_ID)
            scheduler.shutdown(wait=False)

    def stop_on_signal(name: str) -> None:
        log.info("%s received: stopping", name)
        runner.refuse_runs()
        with suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=False)

    def log_next_run(_event: object) -> None:
        job = scheduler.get_job(JOB_ID)
        if job is not None and not runner.stopping:
            log.info("next run at %s", _when(job.next_run_time))

    runner.max_runs, runner.on_last_run = max_runs, stop_scheduler
    scheduler.add_listener(
        log_next_run, EVENT_SCHEDULER_STARTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
    )
    extra = {"next_run_time": datetime.now(get_localzone())} if run_now else {}
    scheduler.add_job(runner.run, plan.trigger, id=JOB_ID, name="optout crawl", **extra)
    log.info("schedule: optout crawl %s into %s, %s", runner.seeds, runner.db_path, plan.says)
    log.info("holding %s (pid %d)", runner.lock.path, os.getpid())
    with SignalWatch(stop_on_signal):
        try:
            scheduler.start()  # returns once stop_scheduler or stop_on_signal shut it down
        finally:
            with suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=False)
            runner.stop(STOP_GRACE_SECONDS)
