"""``optout seeds``: check a seed list before crawling it."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.seeds import ERROR_LIMIT, SeedReport, validate_seeds
from crawler.words import counted


@click.group()
def seeds() -> None:
    """Work with seed lists (CSV or YAML: origin, name, kind, platform, country, tags…)."""


@seeds.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Validate every row of a seed FILE; list the problems with their line numbers.

    Exits with status 1 when a row is invalid, so it can guard a scheduled crawl.
    """
    report = SeedReport()
    errors = validate_seeds(file, report=report)
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(
        f"{file}: {counted(report.seeds, 'seed')},"
        f" {counted(report.duplicates, 'duplicate origin')} skipped,"
        f" {counted(len(errors), 'problem')}"
        + (f" (only the first {ERROR_LIMIT} are listed)" if len(errors) >= ERROR_LIMIT else "")
    )
    if errors:
        raise SystemExit(1)
