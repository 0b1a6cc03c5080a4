"""``optout audit``: re-derive verdicts, findings and changes from stored fetch records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.storage import StorageError, is_write_failure, open_db, write_failure
from optout_cli.console import make_console
from optout_cli.words import counted
from results.derive import AuditError, AuditResult, audit_crawl, resolve_crawl


def run_audit(db_path: Path, crawl: str | None, *, quiet: bool = False) -> AuditResult:
    """Audit one crawl with a progress bar; raises ClickException on a bad database or id."""
    console = make_console(stderr=True)
    try:
        db = open_db(db_path)
        crawl_id = resolve_crawl(db, crawl)
    except (AuditError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    total = db.execute(  # the audit reads the sites the crawl marked done
        "SELECT COUNT(*) FROM site_status WHERE crawl_id = ? AND status = 'done'", [crawl_id]
    ).fetchone()[0]
    progress = Progress(
        TextColumn("[bold]auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sites"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    with progress:
        task = progress.add_task("audit", total=total)
        try:
            result = audit_crawl(db, crawl_id, on_site=lambda _: progress.advance(task))
        except AuditError as err:
            raise click.ClickException(str(err)) from err
        except sqlite3.Error as err:
            if not is_write_failure(err):
                raise
            # Disk full or the like: the audit's one transaction was rolled back.
            raise click.ClickException(str(write_failure(db_path, err))) from err
    if not quiet:
        console.print(
            f"audit of crawl {result.crawl_id}: {counted(result.sites, 'site')},"
            f" {counted(result.findings, 'finding')}, {counted(result.changes, 'change')}"
            f" since the previous crawl ({result.seconds:.1f} s)"
        )
    return result


@click.command()
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The SQLite file a crawl wrote.",
)
@click.option(
    "--crawl",
    default="latest",
    show_default=True,
    help="Which crawl to audit: its id, or 'latest' (the newest; it must have finished).",
)
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def audit(db_path: Path, crawl: str, quiet: bool) -> None:
    """Derive verdicts, findings and changes of a finished crawl from its stored fetch records.

    A crawl that has not finished (running, interrupted, failed) is refused: continue it with
    `optout crawl SEEDS --db FILE --resume`, which audits it when it finishes.

    Idempotent: running it again (after upgrading the tool or the agent registry) rewrites
    that crawl's derived tables and records the versions used.

    \b
    Example:
      optout audit --db crawl.db
      optout audit --db crawl.db --crawl 3
    """
    run_audit(db_path, crawl, quiet=quiet)
