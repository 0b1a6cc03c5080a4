"""``optout crawl``: run the Scrapy spider over a seed list into a SQLite file, with a
progress bar and a summary."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from crawler.db_lock import DbLock, DbLockedError
from crawler.network import stop_reason as network_stop_reason
from crawler.redis_queue import QueueError
from crawler.run import count_seeds, crawl_settings
from crawler.seeds import SeedError, SeedReport
from crawler.storage import StorageError, open_db
from crawler.words import counted
from crawler.worker import WORKER_SPIDER, ShardError, prepare_worker
from optout_cli.console import make_console
from optout_cli.crawl_outcome import NOTHING_TO_RESUME_EXIT, print_outcome
from optout_cli.crawl_progress import crawl_with_progress
from optout_cli.options import (
    db_option,
    network_options,
    parse_settings,
    probe_agents_option,
    probe_overrides,
    queue_key_option,
    quiet_option,
)
from results.completeness import SITES_TOTAL_SETTING
from results.crawl_outcome import crawl_totals, nothing_to_resume
from results.webhook import WebhookError, deliver, take_webhook_settings


def run_worker(
    db_path: Path,
    redis_url: str,
    key: str,
    worker: str | None,
    overrides: dict[str, Any],
    console: Console,
    show_progress: bool,
) -> None:
    """``optout crawl --redis``: take sites from the queue until it is empty, into a shard."""
    try:
        plan = prepare_worker(db_path, redis_url, key, worker, overrides)
    except (QueueError, ShardError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    tally = crawl_with_progress(
        plan.settings,
        total=plan.pending,
        console=console,
        show_progress=show_progress,
        spider=WORKER_SPIDER,
    )
    state = plan.queue_status()
    console.print(
        f"worker {plan.name}: {counted(tally.sites, 'site')} of crawl {plan.crawl.id} done,"
        f" {counted(tally.fetches, 'fetch record')} in {db_path};"
        f" queue {key!r}: {state.pending} pending, {state.done} done"
    )
    if tally.storage_error:
        raise click.ClickException(tally.storage_error)
    if not plan.ran(tally):
        raise click.ClickException(f"the worker did not run: see the log ({db_path})")


@click.command()
@click.argument(
    "seeds", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@db_option("SQLite file to write fetch records into (created if missing).")
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
@probe_agents_option()
@click.option("--no-audit", is_flag=True, help="Do not run `optout audit` after the crawl.")
@click.option(
    "--webhook",
    metavar="URL",
    envvar="OPTOUT_WEBHOOK",
    help="After the audit, POST its counts and changes as JSON to this http(s) URL of yours"
    " (also OPTOUT_WEBHOOK). A failed delivery is logged and recorded, never fatal.",
)
@quiet_option("No progress bar.")
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
    probe_agents: str | None,
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
      optout crawl seeds.csv --db crawl.db --probe-agents GPTBot,PerplexityBot

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
    settings = parse_settings(extra)
    probe_overrides(probe_agents, settings)  # an unknown agent: refused before anything is written
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
    overrides.update(settings)
    try:
        hook = take_webhook_settings(webhook, overrides)
    except WebhookError as err:
        raise click.BadParameter(str(err), param_hint="--webhook") from err
    if not verbose:
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    if redis_url:
        run_worker(db_path, redis_url, key, worker, overrides, console, show_progress=not quiet)
        return
    tally = crawl_with_progress(
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
