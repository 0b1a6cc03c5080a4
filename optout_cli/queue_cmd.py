"""``optout queue``: fill and inspect the Redis queue that distributed workers
(``optout crawl --redis URL``) take sites from."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.queue_push import push_seeds
from crawler.redis_queue import QueueError, SeedQueue
from crawler.seeds import SeedError
from crawler.storage import StorageError
from crawler.words import counted
from crawler.worker import open_queue
from optout_cli.console import make_console
from optout_cli.options import db_option, queue_key_option, redis_option


def _queue(redis_url: str, key: str) -> SeedQueue:
    try:
        return open_queue(redis_url, key)
    except QueueError as err:
        raise click.ClickException(str(err)) from err


@click.group()
def queue() -> None:
    """The shared queue of sites for crawls spread over several workers (docs/scaling.md).

    \b
    1. optout queue push seeds.csv --redis redis://HOST:6379/0 --db main.db
    2. on each machine: optout crawl --redis redis://HOST:6379/0 --db shard-1.db
    3. optout merge shard-*.db --db main.db --audit
    """


@queue.command()
@click.argument("seeds", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@redis_option(required=True)
@db_option("The main database: the crawl is created here, and shards are merged into it.")
@queue_key_option
@click.option("--limit", type=click.IntRange(min=1), help="Queue only the first N seeds.")
def push(seeds: Path, redis_url: str, db_path: Path, key: str, limit: int | None) -> None:
    """Queue the sites of a SEEDS file (CSV or YAML) for workers.

    The first push creates the crawl in --db and ties the queue to it; later pushes add
    sites to the same crawl. A site already pushed to this queue is not queued again.
    """
    console = make_console(stderr=True)
    tasks = _queue(redis_url, key)
    try:
        pushed = push_seeds(tasks, db_path, seeds, key, limit)
    except (SeedError, StorageError, QueueError) as err:
        raise click.ClickException(str(err)) from err
    console.print(
        f"crawl {pushed.crawl.id}: {counted(pushed.queued, 'site')} queued in {key!r}"
        + (f", {pushed.repeated} pushed before and skipped" if pushed.repeated else "")
    )


@queue.command()
@redis_option(required=True)
@queue_key_option
def status(redis_url: str, key: str) -> None:
    """How many sites wait, are in work (per worker) and are done."""
    try:
        state = _queue(redis_url, key).status()
    except QueueError as err:
        raise click.ClickException(str(err)) from err
    crawl = f"crawl {state.crawl.id}" if state.crawl else "no crawl"
    click.echo(f"{key}: {crawl}, {state.pending} pending, {state.done} done")
    for worker, count in state.working.items():
        alive = "alive" if worker in state.alive else "silent"
        click.echo(f"  {worker}: {count} in work ({alive})")


@queue.command()
@redis_option(required=True)
@queue_key_option
@click.option("--yes", is_flag=True, help="Do not ask.")
def clear(redis_url: str, key: str, yes: bool) -> None:
    """Delete the queue (pending sites, done set, crawl tie) from Redis."""
    if not yes:
        click.confirm(f"delete queue {key!r} from {redis_url}?", abort=True)
    try:
        deleted = _queue(redis_url, key).clear()
    except QueueError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{key}: {counted(deleted, 'key')} deleted")
