"""``optout audit``: re-derive verdicts, findings and changes from stored fetch records."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.storage import StorageError
from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.options import crawl_option, db_option, quiet_option
from results.audit_run import prepare_audit
from results.derive import AuditError, AuditResult


def run_audit(db_path: Path, crawl: str | None, *, quiet: bool = False) -> AuditResult:
    """Audit one crawl with a progress bar and a summary; ClickException on a bad database or
    id, or a write the disk refused."""
    console = make_console(stderr=True)
    try:
        pending = prepare_audit(db_path, crawl)
    except (AuditError, StorageError) as err:
        raise click.ClickException(str(err)) from err
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
        task = progress.add_task("audit", total=pending.sites)
        try:
            result = pending.run(on_site=lambda _: progress.advance(task))
        except (AuditError, StorageError) as err:  # StorageError: disk full, rolled back
            raise click.ClickException(str(err)) from err
    if not quiet:
        console.print(
            f"audit of crawl {result.crawl_id}: {counted(result.sites, 'site')},"
            f" {counted(result.findings, 'finding')}, {counted(result.changes, 'change')}"
            f" since the previous crawl ({result.seconds:.1f} s)"
        )
    return result


@click.command()
@db_option("The SQLite file a crawl wrote.", must_exist=True)
@crawl_option("Which crawl to audit: its id, or 'latest' (the newest; it must have finished).")
@quiet_option("No progress bar or summary.")
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
