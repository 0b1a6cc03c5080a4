"""``optout schedule``: run ``optout crawl`` again and again on a schedule, in the foreground.

APScheduler times the runs. Each run is ``optout crawl`` in a child process of this same
Python, because Scrapy's reactor cannot start twice in one process. The schedule holds the
database's lock (``<db>.lock``) for as long as it runs and hands it to each crawl child, so no
other crawl or schedule can write into the same database meanwhile.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Final

import click
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from tzlocal import get_localzone

from crawler.seeds import SeedError
from crawler.storage import StorageError, open_db
from optout_cli.crawl import count_seeds
from optout_cli.lock import DbLock, DbLockedError
from optout_cli.options import network_options, parse_settings
from optout_cli.words import counted
from results.completeness import RESUMABLE

log = logging.getLogger("optout.schedule")

JOB_ID: Final = "crawl"
STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE_SECONDS: Final = 60
"""How long a crawl may take to stop after SIGTERM before it is killed (under systemd's 90)."""
_RUN_CLI: Final = "from optout_cli.main import cli; cli(prog_name='optout')"
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_INTERVAL: Final = re.compile(r"(?:\d+[smhdw])+")
_CRON_DAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


# --- when to run -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A trigger and how to say it in the log."""

    trigger: BaseTrigger
    says: str


def parse_interval(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s``, ``2w`` or a sum like ``1h30m``; ValueError otherwise."""
    text = text.strip().lower()
    if not _INTERVAL.fullmatch(text):
        raise ValueError("expected a number and a unit (s, m, h, d or w), e.g. 7d, 12h, 30m")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in re.findall(r"(\d+)([smhdw])", text))
    if seconds < 1:
        raise ValueError("the interval must be at least 1s")
    return timedelta(seconds=seconds)


def _cron_day(token: str) -> int:
    token = token.strip().lower()
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    if token.isdigit() and int(token) <= 7:
        return int(token)
    raise ValueError(f"{token!r} is not a weekday (0-7 with 0 and 7 Sunday, or sun-sat)")


def cron_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler 3 day names (cron's 0 is Sunday, APScheduler's
    is Monday: its own ``from_crontab`` keeps that mismatch, so we translate by hand)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        spec, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"{item!r} has no valid step after '/'")
        step = int(step_text) if slash else 1
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            first, last = (_cron_day(part) for part in spec.split("-", 1))
        else:
            first = _cron_day(spec)
            last = 6 if slash else first
        if first > last:
            raise ValueError(f"the weekday range {spec!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def cron_trigger(expr: str) -> BaseTrigger:
    """A trigger for a 5-field crontab line, in the local time zone, with cron's meaning."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"a crontab line has 5 fields (minute hour day month weekday), not {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    days = cron_weekdays(weekday)
    zone = get_localzone()
    if day.startswith("*") or weekday.startswith("*"):
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=days, timezone=zone
        )
    # crontab(5): when both day fields are restricted, a time matching either one runs.
    return OrTrigger(
        [
            CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
            CronTrigger(minute=minute, hour=hour, month=month, day_of_week=days, timezone=zone),
        ]
    )


class IntervalParam(click.ParamType):
    """``--every``: an interval such as 7d, 12h or 30m."""

    name = "interval"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Plan:
        if isinstance(value, Plan):
            return value
        try:
            interval = parse_interval(str(value))
        except ValueError as err:
            self.fail(f"{value!r}: {err}", param, ctx)
        trigger = IntervalTrigger(seconds=int(interval.total_seconds()), timezone=get_localzone())
        return Plan(trigger, f"every {value}")


class CronParam(click.ParamType):
    """``--cron``: a standard crontab time, such as '0 3 * * 1' (Mondays at 03:00)."""

    name = "crontab"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Plan:
        if isinstance(value, Plan):
            return value
        try:
            trigger = cron_trigger(str(value))
        except ValueError as err:
            self.fail(f"{value!r} is not a crontab time: {err}", param, ctx)
        return Plan(trigger, f"on cron '{value}' ({get_localzone()})")


# --- running crawls ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What one run did, read back from the database after its child exited."""

    crawl_id: int | None
    status: str | None
    sites_done: int = 0
    fetches: int = 0
    errors: int = 0
    audited: bool = False
    changes: int = 0

    def says(self) -> str:
        """The result as a log phrase."""
        if self.crawl_id is None:
            return "no crawl was recorded"
        audit = f"audited, {counted(self.changes, 'change')}" if self.audited else "not audited"
        return (
            f"crawl {self.crawl_id} {self.status}: {counted(self.sites_done, 'site')} done, "
            f"{counted(self.fetches, 'fetch', 'fetches')} ({self.errors} with errors), {audit}"
        )


def resumable_crawl(db_path: Path, seeds: Path) -> int | None:
    """The crawl ``optout crawl --resume`` would continue, when it was one of these seeds."""
    db = open_db(db_path)
    try:
        marks = ", ".join("?" for _ in RESUMABLE)
        row = db.execute(
            f"SELECT id, seeds_source FROM crawls WHERE status IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            list(RESUMABLE),
        ).fetchone()
        last = db.execute("SELECT MAX(id) FROM crawls").fetchone()[0]
    finally:
        db.close()
    if row is None or row[0] != last or not row[1]:
        return None
    return int(row[0]) if Path(row[1]).resolve() == seeds.resolve() else None


def latest_crawl_id(db_path: Path) -> int:
    """The highest crawl id in the database (0 when there is none)."""
    db = open_db(db_path)
    try:
        return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM crawls").fetchone()[0])
    finally:
        db.close()


def run_result(db_path: Path, crawl_id: int | None) -> RunResult:
    """The status and counts of one crawl, for the log."""
    if crawl_id is None:
        return RunResult(None, None)
    db = open_db(db_path)
    try:
        row = db.execute(
            """SELECT status,
                (SELECT COUNT(*) FROM site_status WHERE crawl_id = c.id AND status = 'done'),
                (SELECT COUNT(*) FROM fetches WHERE crawl_id = c.id),
                (SELECT COUNT(*) FROM fetches WHERE crawl_id = c.id AND error_class IS NOT NULL),
                (SELECT COUNT(*) FROM audits WHERE crawl_id = c.id),
                (SELECT COUNT(*) FROM changes WHERE crawl_id = c.id)
            FROM crawls AS c WHERE c.id = ?""",
            [crawl_id],
        ).fetchone()
    finally:
        db.close()
    if row is None:
        return RunResult(None, None)
    return RunResult(crawl_id, row[0], row[1], row[2], row[3], bool(row[4]), row[5])


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


# --- the command -------------------------------------------------------------------------


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


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name, level in (("optout.schedule", logging.INFO), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def crawl_arguments(proxy: str | None, allow_private: bool, extra: tuple[str, ...]) -> list[str]:
    """The options passed on to every ``optout crawl`` run; bad ``-s`` pairs are refused."""
    args = ["--proxy", proxy] if proxy else []
    if allow_private:
        args.append("--allow-private")
    parse_settings(extra)  # refuses a malformed pair before any crawl starts
    for pair in extra:
        args += ["-s", pair]
    return args


@click.command()
@click.argument("seeds", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file every run crawls into (created if missing).",
)
@click.option(
    "--every", type=IntervalParam(), help="Crawl at this interval: 7d, 12h, 30m, 90s, 1h30m."
)
@click.option(
    "--cron",
    type=CronParam(),
    metavar="'M H DOM MON DOW'",
    help="Crawl at these crontab times (local time), e.g. '0 3 * * 1'.",
)
@network_options("Any Scrapy or OPTOUT_* setting, passed on to every crawl.")
@click.option("--run-now", is_flag=True, help="Run the first crawl at once.")
@click.option("--max-runs", type=click.IntRange(min=1), help="Stop after N runs.")
def schedule(
    seeds: Path,
    db_path: Path,
    every: Plan | None,
    cron: Plan | None,
    proxy: str | None,
    allow_private: bool,
    extra: tuple[str, ...],
    run_now: bool,
    max_runs: int | None,
) -> None:
    """Crawl the sites of SEEDS into --db on a schedule, in the foreground, until stopped.

    Each run is `optout crawl SEEDS --db FILE` (audited at the end if it finished); a crawl
    that was interrupted is not audited, and the next run resumes it. Only one crawl at a time
    writes to --db: the schedule holds its lock file (FILE.lock) while it runs. SIGTERM or
    Ctrl-C stops it cleanly, interrupting a running crawl so the next schedule can resume it.

    \b
    Examples:
      optout schedule seeds/creator-platforms.csv --db crawl.db --every 7d
      optout schedule seeds/creator-platforms.csv --db crawl.db --cron '0 3 * * 1'
    """
    plan = every or cron
    if plan is None or (every and cron):
        raise click.UsageError("give exactly one of --every and --cron")
    crawl_args = crawl_arguments(proxy, allow_private, extra)
    try:
        count_seeds(seeds, 0)
        open_db(db_path).close()
    except (SeedError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    lock = DbLock(db_path, "optout schedule")
    try:
        lock.acquire()
    except DbLockedError as err:
        raise click.ClickException(str(err)) from err
    try:
        _configure_logging()
        _run_schedule(plan, CrawlRunner(seeds, db_path, crawl_args, lock), run_now, max_runs)
    finally:
        lock.release()
        log.info("lock released; schedule stopped")


def _run_schedule(plan: Plan, runner: CrawlRunner, run_now: bool, max_runs: int | None) -> None:
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
