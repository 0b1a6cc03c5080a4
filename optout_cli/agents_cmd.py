"""``optout agents``: the IP ranges AI crawler operators publish, kept as a dated snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from audits.logs.ranges import bundled_folder
from crawler.ranges_update import (
    BASE_URL_ENV,
    DEFAULT_TIMEOUT,
    UpdateError,
    update_snapshot,
)
from crawler.words import counted


@click.group()
def agents() -> None:
    """The AI agents the project knows, and the IP ranges their operators publish."""


@agents.command("update-ranges")
@click.option(
    "--source-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="The snapshot folder to refresh: manifest.json and one file per list"
    " (default: the one bundled with the package, audits/data/ip_ranges).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="S",
    help="Seconds allowed for each list, connecting and reading together.",
)
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    metavar="URL",
    help="Fetch every list from a mirror instead: https://HOST/PATH is read at URL/HOST/PATH."
    " https only, or plain http on 127.0.0.1, [::1] or localhost (a local mirror, tests)."
    f" Also read from {BASE_URL_ENV}.",
)
def update_ranges(source_dir: Path | None, timeout: float, base_url: str | None) -> None:
    """Fetch each published IP range list from its operator's URL and refresh the snapshot.

    Every answer is parsed before it replaces the kept copy; the manifest gets the new date
    and sha256. A list that cannot be fetched, or whose answer is not a valid list, keeps its
    old copy and is reported. Exits with status 1 only when no list could be fetched and
    accepted.

    \b
    Example:
      optout agents update-ranges --timeout 30
    """
    folder = source_dir if source_dir is not None else Path(str(bundled_folder()))
    try:
        report = update_snapshot(folder, timeout=timeout, base_url=base_url)
    except UpdateError as err:
        raise click.ClickException(str(err)) from err
    for outcome in report.outcomes:
        click.echo(f"{outcome.name}: {outcome.status} ({outcome.detail})")
    click.echo(
        f"{counted(len(report.outcomes), 'list')}: {report.count('updated')} updated,"
        f" {report.count('unchanged')} unchanged, {report.count('unreachable')} unreachable,"
        f" {report.count('rejected')} rejected"
    )
    if not report.succeeded:
        raise SystemExit(1)
