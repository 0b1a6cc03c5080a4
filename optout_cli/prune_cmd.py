"""``optout prune``: keep the raw bodies of the newest crawls only; every row stays."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from crawler.db_lock import DbLock, DbLockedError
from crawler.storage import StorageError, open_db, refuse_foreign_db
from optout_cli.options import db_option
from results.retention import RetentionError, prune_bodies


def _count(n: int, word: str) -> str:
    plural = "bodies" if word == "body" else f"{word}s"
    return f"{n} {word if n == 1 else plural}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value, unit = float(n), "bytes"
    for unit in ("KiB", "MiB", "GiB"):  # noqa: B007 (the unit reached is the one printed)
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"


@click.command("prune")
@db_option("The SQLite file crawls were stored in.", must_exist=True)
@click.option(
    "--keep",
    required=True,
    type=click.IntRange(min=1),
    metavar="N",
    help="Keep the raw bodies of the N newest crawls (at least 1).",
)
@click.option("--vacuum", is_flag=True, help="Then VACUUM, to give the space back to the disk.")
def prune(db_path: Path, keep: int, vacuum: bool) -> None:
    """Delete the raw response bodies of all but the newest --keep crawls.

    Every fetch row (URL, status, headers, hash, times) and every derived row (verdicts,
    findings, changes, summaries) is kept, so old crawls stay browsable and exportable. A body
    that a kept crawl also fetched is shared and kept. Crawls still running or interrupted are
    always kept. An old crawl whose bodies are gone can no longer be audited again.

    \b
    Example:
      optout prune --db crawl.db --keep 4 --vacuum
    """
    try:
        refuse_foreign_db(db_path)  # before a lock file is made beside someone else's file
        with DbLock(db_path, "optout prune"):
            db = open_db(db_path)
            try:
                result = prune_bodies(db, keep, vacuum=vacuum)
            finally:
                db.close()
    except (DbLockedError, StorageError, RetentionError) as err:
        raise click.ClickException(str(err)) from err
    except sqlite3.Error as err:
        raise click.ClickException(f"{db_path}: cannot prune ({err})") from err
    kept = ", ".join(map(str, result.kept)) or "none"
    click.echo(
        f"kept the bodies of crawls {kept}; deleted {_count(result.bodies_deleted, 'body')}"
        f" ({_size(result.bytes_deleted)}) that no kept crawl uses. Every fetch and derived row"
        f" of the {_count(len(result.pruned), 'older crawl')} is kept."
    )
    if result.bodies_deleted and not vacuum:
        click.echo("run again with --vacuum to shrink the file")
