"""``optout schedule``: run ``optout crawl`` again and again on a schedule, in the foreground.

The options are parsed here; the runs, the lock handed to each crawl child and the stopping on
a signal are ``crawler.scheduled_runs``, the times ``crawler.schedule_times``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.db_lock import DbLock, DbLockedError
from crawler.run import count_seeds
from crawler.schedule_times import Plan, cron_plan, interval_plan
from crawler.scheduled_runs import CrawlRunner, log, run_schedule
from crawler.seeds import SeedError
from crawler.storage import StorageError, open_db
from optout_cli.options import db_option, network_options, parse_settings

if TYPE_CHECKING:
    _PlanParam = click.ParamType[Plan]
else:  # ParamType is generic only from Click 8.4; pyproject allows 8.1
    _PlanParam = click.ParamType


class IntervalParam(_PlanParam):
    """``--every``: an interval such as 7d, 12h or 30m."""

    name = "interval"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Plan:
        if isinstance(value, Plan):
            return value
        try:
            return interval_plan(str(value))
        except ValueError as err:
            self.fail(f"{value!r}: {err}", param, ctx)


class CronParam(_PlanParam):
    """``--cron``: a standard crontab time, such as '0 3 * * 1' (Mondays at 03:00)."""

    name = "crontab"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Plan:
        if isinstance(value, Plan):
            return value
        try:
            return cron_plan(str(value))
        except ValueError as err:
            self.fail(f"{value!r} is not a crontab time: {err}", param, ctx)


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name, level in (("optout.schedule", logging.INFO), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


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
@db_option("SQLite file every run crawls into (created if missing).")
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
        run_schedule(plan, CrawlRunner(seeds, db_path, crawl_args, lock), run_now, max_runs)
    finally:
        lock.release()
        log.info("lock released; schedule stopped")
