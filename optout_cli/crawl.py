"""``optout crawl``: run the Scrapy spider over a seed list into a SQLite file, with a
progress bar and a summary."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.items import FetchRecord, SiteDone
from crawler.network import stop_reason as network_stop_reason
from crawler.pipelines.store import STORAGE_ERROR_STAT
from crawler.seeds import SeedError, SeedReport, read_seeds
from crawler.storage import StorageError, open_db
from optout_cli.console import make_console
from optout_cli.crawl_outcome import (
    NOTHING_TO_RESUME_EXIT,
    crawl_totals,
    nothing_to_resume,
    print_outcome,
)
from optout_cli.lock import DbLock, DbLockedError
from optout_cli.options import network_options, parse_settings
from optout_cli.queue_cmd import queue_key_option, run_worker
from optout_cli.words import counted
from results.completeness import SITES_TOTAL_SETTING
from results.webhook import WebhookError, deliver, take_webhook_settings


def crawl_settings(**overrides: Any) -> Settings:
    """The project's settings with ``OPTOUT_*`` overrides (the same as ``scrapy crawl``)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def count_seeds(
    path: Path, limit: int, *, skip_bad: bool = False, report: SeedReport | None = None
) -> tuple[int, bool]:
    """How many seeds the crawl will visit, and whether any asks for rendering (streams the
    file once). Invalid rows among them are all listed in one SeedError, or with ``skip_bad``
    passed over (counted in ``report.bad``) just as the spider passes over them."""
    tally = SeedReport() if report is None else report
    total, render = 0, False
    for seed in read_seeds(path, report=tally, skip_bad=True):
        total += 1
        render = render or seed.render
        if limit and total >= limit:
            break
    if tally.bad and not skip_bad:
        raise SeedError(path, None, _bad_rows(tally))
    return total, render


def _bad_rows(report: SeedReport) -> str:
    shown = "".join(f"\n  {error}" for error in report.bad_examples)
    more = report.bad - len(report.bad_examples)
    return (
        f"{counted(report.bad, 'invalid row')}; fix them, or crawl the valid rows with"
        f" --skip-bad-seeds:{shown}" + (f"\n  … and {more} more" if more else "")
    )


class _Tally:
    """Counts what the spider yields, for the progress bar and the summary."""

    def __init__(self) -> None:
        self.sites = 0
        self.fetches = 0
        self.errors: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.crawl_id: int | None = None
        self.storage_error: str | None = None

    def item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, FetchRecord):
            self.fetches += 1
            self.crawl_id = item.crawl_id
            if item.error_class:
                self.errors[item.error_class] += 1
            if item.skipped:
                self.skipped[item.skipped] += 1
        elif isinstance(item, SiteDone):
            self.sites += 1


def run_crawl(
    settings: Settings,
    *,
    total: int,
    console: Console,
    show_progress: bool,
    spider: str = "optout",
) -> _Tally:
    """Run one crawl in this process; returns what it did."""
    tally = _Tally()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    crawler.signals.connect(tally.item_scraped, signal=signals.item_scraped)
    progress = Progress(
        TextColumn("[bold]crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sites · {task.fields[fetches]} fetches · {task.fields[errors]} errors"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=False,
    )
    with progress:
        task = progress.add_task("crawl", total=total, fetches=0, errors=0)

        def refresh(**_: Any) -> None:
            progress.update(
                task,
                completed=tally.sites,
                fetches=tally.fetches,
                errors=sum(tally.errors.values()),
            )

        crawler.signals.connect(refresh, signal=signals.item_scraped)
        process.crawl(crawler)
        process.start()
        refresh()
    tally.crawl_id = getattr(crawler.spider, "crawl_id", tally.crawl_id)
    if crawler.stats is not None:
        tally.storage_error = crawler.stats.get_value(STORAGE_ERROR_STAT)
    return tally


@click.command()
@click.argument(
    "seeds", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to write fetch records into (created if missing).",
)
@click.option("--render", is_flag=True, help="Also render every page in Chromium.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the last interrupted crawl in --db instead of starting a new one.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Visit only the first N seeds.")
@click.option(
    "--skip-bad-seeds",
    is_flag=True,
    help="Crawl the valid rows of SEEDS and skip the invalid ones (counted). Without it, a"
    " SEEDS file with an invalid row is refused, every invalid row listed.",
)
@network_options("Any Scrapy or OPTOUT_* setting, e.g. -s OPTOUT_PAGE_SAMPLE=8.")
@click.option("--no-audit", is_flag=True, help="Do not run `optout audit` after the crawl.")
@click.option(
    "--webhook",
    metavar="URL",
    envvar="OPTOUT_WEBHOOK",
    help="After the audit, POST its counts and changes as JSON to this http(s) URL of yours"
    " (also OPTOUT_WEBHOOK). A failed delivery is logged and recorded, never fatal.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Work as one of several workers instead of reading SEEDS: take sites from the Redis"
    " queue at URL (filled by `optout queue push`) until it is empty, writing them to --db as"
    " this worker's shard, which `optout merge` adds to the main database (docs/scaling.md).",
)
@queue_key_option
@click.option(
    "--worker",
    metavar="NAME",
    help="With --redis: this worker's name in the queue (default: host and shard path; a"
    " worker restarted under the same name takes back the sites it had not finished).",
)
def crawl(
    seeds: Path | None,
    db_path: Path,
    render: bool,
    resume: bool,
    limit: int | None,
    skip_bad_seeds: bool,
    proxy: str | None,
    allow_private: bool,
    extra: tuple[str, ...],
    no_audit: bool,
    webhook: str | None,
    quiet: bool,
    verbose: bool,
    redis_url: str | None,
    key: str,
    worker: str | None,
) -> None:
    """Crawl the sites of a SEEDS file (CSV or YAML) and store every fetch in --db.

    \b
    Examples:
      optout crawl seeds/creator-platforms.csv --db crawl.db
      optout crawl seeds/creator-platforms.csv --db crawl.db --resume
      optout crawl sampleweb/seeds.csv --db demo.db --proxy http://127.0.0.1:8899 --allow-private

    The crawl is audited at the end (see `optout audit`) unless --no-audit is given.

    \b
    As one of several workers (docs/scaling.md):
      optout crawl --redis redis://127.0.0.1:6379/0 --db shard-1.db
    """
    console = make_console(stderr=True)
    if redis_url and (seeds or resume or limit):
        raise click.UsageError("--redis takes sites from the queue: no SEEDS, --resume or --limit")
    if not redis_url and seeds is None:
        raise click.UsageError("missing SEEDS (or --redis URL to take sites from a queue)")
    try:
        seed_report = SeedReport()
        total, any_render = (
            count_seeds(seeds, limit or 0, skip_bad=skip_bad_seeds, report=seed_report)
            if seeds
            else (0, None)
        )
        open_db(db_path).close()
    except (SeedError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    if seed_report.bad:
        skipped = counted(seed_report.bad, "invalid row")
        console.print(f"{seeds}: skipped {skipped} (`optout seeds check` lists them)", markup=False)
    try:  # one crawl at a time per database; freed when the command ends
        click.get_current_context().with_resource(DbLock(db_path, "optout crawl"))
    except DbLockedError as err:
        raise click.ClickException(str(err)) from err
    if resume and (nothing := nothing_to_resume(db_path)) is not None:
        console.print(nothing, markup=False)
        click.get_current_context().exit(NOTHING_TO_RESUME_EXIT)
    overrides: dict[str, Any] = {
        "OPTOUT_SEEDS": str(seeds or ""),
        "OPTOUT_DB": str(db_path),
        "OPTOUT_RENDER": render or None,
        "OPTOUT_RENDER_SEEDS": any_render,
        "OPTOUT_RESUME": resume,
        "OPTOUT_LIMIT": limit or 0,
        "OPTOUT_SKIP_BAD_SEEDS": skip_bad_seeds,
        "OPTOUT_PROXY": proxy,
        "OPTOUT_ALLOW_PRIVATE": allow_private or None,
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        SITES_TOTAL_SETTING: total if seeds else None,  # recorded with the crawl: "X of Y"
    }
    overrides.update(parse_settings(extra))
    try:
        hook = take_webhook_settings(webhook, overrides)
    except WebhookError as err:
        raise click.BadParameter(str(err), param_hint="--webhook") from err
    if not verbose:
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    if redis_url:
        run_worker(db_path, redis_url, key, worker, overrides, console, show_progress=not quiet)
        return
    tally = run_crawl(
        crawl_settings(**overrides), total=total, console=console, show_progress=not quiet
    )
    try:
        totals = crawl_totals(db_path, tally.crawl_id) if tally.crawl_id else None
    except StorageError as err:  # a full disk may refuse even to open the file again
        raise click.ClickException(tally.storage_error or str(err)) from err
    if totals is not None:
        print_outcome(console, totals, total, db_path)
    if down := network_stop_reason(db_path, tally.crawl_id):  # crawler/network.py
        console.print(down, markup=False)
    if tally.storage_error:
        raise click.ClickException(tally.storage_error)
    if totals is None:
        raise click.ClickException(f"no crawl was recorded in {db_path}")
    if not totals.state.finished:  # never audited, never announced (docs/history.md)
        click.get_current_context().exit(1)
    if not no_audit:
        from optout_cli.audit_cmd import run_audit

        result = run_audit(db_path, str(tally.crawl_id), quiet=quiet)
        if hook is not None:
            delivery = deliver(db_path, result.crawl_id, hook.url, hook.policy)
            console.print(delivery.describe(), markup=False)
