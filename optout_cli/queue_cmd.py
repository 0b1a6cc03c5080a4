"""``optout queue``: fill and inspect the Redis queue that distributed workers
(``optout crawl --redis URL``) take sites from; and the worker run itself."""

from __future__ import annotations

import secrets
import socket
from itertools import islice
from pathlib import Path
from typing import Any

import click
from rich.console import Console

import audits
from audits.agents import load_registry
from crawler.merge import crawl_token
from crawler.redis_queue import DEFAULT_KEY, QueueCrawl, QueueError, SeedQueue
from crawler.seeds import SeedError, read_seeds
from crawler.settings import TOOL_VERSION
from crawler.storage import StorageError, open_db, start_crawl
from optout_cli.console import make_console
from optout_cli.words import counted

REDIS_HELP = "Redis server of the queue, e.g. redis://127.0.0.1:6379/0."
KEY_HELP = "Name of the queue in Redis (several crawls can share one server)."


def redis_option(required: bool) -> Any:
    return click.option("--redis", "redis_url", required=required, metavar="URL", help=REDIS_HELP)


queue_key_option = click.option(
    "--queue-key", "key", default=DEFAULT_KEY, show_default=True, metavar="NAME", help=KEY_HELP
)


def _queue(redis_url: str, key: str) -> SeedQueue:
    try:
        queue = SeedQueue.from_url(redis_url, key)
        queue.crawl()  # reaches the server now, for a clear error
    except (QueueError, ValueError) as err:
        raise click.ClickException(f"queue {redis_url}: {err}") from err
    return queue


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
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The main database: the crawl is created here, and shards are merged into it.",
)
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
        crawl = tasks.crawl() or _new_crawl(tasks, db_path, seeds, key)
        _check_main(db_path, crawl, key)
        chosen = islice(read_seeds(seeds), limit) if limit else read_seeds(seeds)
        queued, repeated = tasks.push(chosen)
    except (SeedError, StorageError, QueueError) as err:
        raise click.ClickException(str(err)) from err
    console.print(
        f"crawl {crawl.id}: {counted(queued, 'site')} queued in {key!r}"
        + (f", {repeated} pushed before and skipped" if repeated else "")
    )


def _new_crawl(tasks: SeedQueue, db_path: Path, seeds: Path, key: str) -> QueueCrawl:
    token = secrets.token_hex(8)
    db = open_db(db_path)
    try:
        crawl_id = start_crawl(
            db,
            seeds_source=str(seeds),
            settings={"OPTOUT_CRAWL_TOKEN": token, "OPTOUT_REDIS_KEY": key},
            tool_version=TOOL_VERSION,
            interpreter_version=audits.INTERPRETER_VERSION,
            registry_version=load_registry().version,
        )
        crawl = QueueCrawl(crawl_id, token)
        if not tasks.tie(crawl):  # another push won the race
            db.execute("DELETE FROM crawls WHERE id = ?", [crawl_id])
            return tasks.require_crawl()
        return crawl
    finally:
        db.close()


def _check_main(db_path: Path, crawl: QueueCrawl, key: str) -> None:
    db = open_db(db_path)
    try:
        if crawl_token(db, crawl.id) != crawl.token:
            raise QueueError(
                f"queue {key!r} feeds crawl {crawl.id} of another database than {db_path}:"
                " use that database, another --queue-key, or `optout queue clear`"
            )
    finally:
        db.close()


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


def _check_shard(db_path: Path, crawl: QueueCrawl) -> None:
    """A shard holds one crawl: refuse one left by another crawl before Scrapy starts."""
    try:
        db = open_db(db_path)
    except StorageError as err:
        raise click.ClickException(str(err)) from err
    try:
        ids = [row["id"] for row in db.query("SELECT id FROM crawls")]
        if any(i != crawl.id for i in ids) or (ids and crawl_token(db, crawl.id) != crawl.token):
            raise click.ClickException(
                f"{db_path} holds another crawl than the queue's crawl {crawl.id}:"
                " give each worker and crawl a shard file of its own"
            )
    finally:
        db.close()


def default_worker(db_path: Path) -> str:
    """A worker name that stays the same when the worker restarts on the same shard."""
    return f"{socket.gethostname()}:{db_path.resolve()}"


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
    from optout_cli.crawl import crawl_settings, run_crawl

    tasks = _queue(redis_url, key)
    try:
        crawl = tasks.require_crawl()
        pending = tasks.status().pending
    except QueueError as err:
        raise click.ClickException(str(err)) from err
    _check_shard(db_path, crawl)
    name = worker or default_worker(db_path)
    overrides = {
        **overrides,
        "REDIS_URL": redis_url,
        "OPTOUT_REDIS_KEY": key,
        "OPTOUT_WORKER": name,
        "OPTOUT_CRAWL_TOKEN": crawl.token,
    }
    tally = run_crawl(
        crawl_settings(**overrides),
        total=pending,
        console=console,
        show_progress=show_progress,
        spider="optout-redis",
    )
    state = tasks.status()
    console.print(
        f"worker {name}: {counted(tally.sites, 'site')} of crawl {crawl.id} done,"
        f" {counted(tally.fetches, 'fetch record')} in {db_path};"
        f" queue {key!r}: {state.pending} pending, {state.done} done"
    )
    if tally.storage_error:
        raise click.ClickException(tally.storage_error)
    if tally.crawl_id is None or tally.crawl_id != crawl.id:
        raise click.ClickException(f"the worker did not run: see the log ({db_path})")
