"""``optout seeds``: check a seed list before crawling it."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.seeds import SeedReport, validate_seeds


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
        f"{file}: {report.seeds} seeds, {report.duplicates} duplicate origins skipped, "
        f"{len(errors)} problems"
        + (" (only the first 100 are listed)" if len(errors) >= 100 else "")
    )
    if errors:
        raise SystemExit(1)
