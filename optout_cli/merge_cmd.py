"""``optout merge``: add workers' shard files to the main database (one writer owns it)."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.db_lock import DbLock, DbLockedError
from crawler.merge import MergeError, merge_shards
from crawler.storage import StorageError, refuse_foreign_db
from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.options import db_option, quiet_option


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@db_option("The main database to merge into (created if missing).")
@click.option("--crawl", "crawl_id", type=int, help="Refuse shards of any other crawl id.")
@click.option("--audit", "then_audit", is_flag=True, help="Run `optout audit` on the crawl after.")
@quiet_option("No summary or progress bar.")
def merge(
    shards: tuple[Path, ...], db_path: Path, crawl_id: int | None, then_audit: bool, quiet: bool
) -> None:
    """Merge the SHARDS that `optout crawl --redis` workers wrote into --db.

    Fetch records, bodies (stored once per SHA-256), sites, site statuses and the crawl's
    stats are combined; each shard goes in one transaction, and merging a shard again adds
    only what is new. A shard of another crawl, or written by another schema version, is
    refused with the reason.

    \b
    Example:
      optout merge shard-1.db shard-2.db --db main.db --audit
    """
    console = make_console(stderr=True)
    try:  # the main database has one writer: not while a crawl or another merge writes it
        refuse_foreign_db(db_path)  # before a lock file is made beside someone else's file
        click.get_current_context().with_resource(DbLock(db_path, "optout merge"))
    except (DbLockedError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    try:
        results = merge_shards(db_path, list(shards), crawl_id)
    except (MergeError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    if not quiet:
        for result in results:
            console.print(
                f"{result.shard} ({result.worker}): {counted(result.sites_done, 'site')} done,"
                f" {counted(result.fetches, 'new fetch record')},"
                f" {counted(result.bodies, 'new body', 'new bodies')}",
                markup=False,
            )
    if then_audit and results:
        from optout_cli.audit_cmd import run_audit

        run_audit(db_path, str(results[0].crawl_id), quiet=quiet)
