"""``optout datasets``: is a site's work listed in an image-text training set's URL lists
(LAION, Re-LAION, COYO, DataComp)? (docs/datasets.md)"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from optout_cli.console import make_console
from optout_cli.jsonout import dumps
from optout_cli.options import crawl_option, db_option, json_option, quiet_option
from results.datasets.check import DEFAULT_CAP, CheckProgress, CheckReport, ShardReport
from results.datasets.check import check_dataset as run_check
from results.datasets.site_urls import DatasetError

ERRORS_SHOWN = 3
"""Files named in the closing error line; all are in the progress lines and in --json."""


@click.group()
def datasets() -> None:
    """Training-set membership: which of the audited sites' pages and images an image-text
    dataset's published URL lists hold (docs/datasets.md)."""


@datasets.command("check")
@db_option("The audited evidence database; the check is recorded in it.", must_exist=True)
@click.option(
    "--urls",
    "urls",
    multiple=True,
    required=True,
    metavar="FILE",
    help="A shard of the dataset's URL list: Parquet or CSV (also .csv.gz), a folder of them,"
    " or a glob in quotes. Repeat for more shards.",
)
@click.option(
    "--column",
    metavar="NAME",
    help="The column holding the URLs. Default: the first of url, URL, image_url, page_url.",
)
@click.option(
    "--name",
    metavar="NAME",
    help="The dataset's name in the results. Default: the shards' common file stem.",
)
@crawl_option("The audited crawl whose sites are looked for: its id, or 'latest'.")
@click.option(
    "--cap",
    type=click.IntRange(min=0),
    default=DEFAULT_CAP,
    show_default=True,
    help="Matching rows stored per site (the rest are counted, not stored).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=256),
    help="DuckDB threads. Default: one per CPU.",
)
@json_option("Print the result as JSON.")
@quiet_option("No progress lines.")
def check_cmd(
    db_path: Path,
    urls: tuple[str, ...],
    column: str | None,
    name: str | None,
    crawl: str,
    cap: int,
    threads: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Look for the audited sites' page and image URLs, and their origins, in a dataset's URL
    list shards.

    \b
    Matched are (docs/datasets.md, "What is matched"):
      URL     the dataset URL is one the crawl fetched for the site (page or
              image, as requested or after redirects); host case, default
              ports and http/https do not matter, path and query must be equal
      origin  any other URL on the site's host (either scheme)

    A listing is strong evidence that the work was used for training the models built on
    that dataset; a crawler's capture alone is not. Shards that cannot be read are named
    and the others scanned (exit status 1).

    \b
    Examples:
      optout datasets check --db crawl.db --urls laion2B-en-part-00000.parquet
      optout datasets check --db crawl.db --urls 'relaion/*.parquet' --name re-laion-2b-en
      optout datasets check --db crawl.db --urls coyo.csv --column image_url --json
    """
    console = make_console(stderr=True, markup=False, highlight=False)
    check = functools.partial(
        run_check, db_path, urls, name=name, column=column, crawl=crawl, cap=cap, threads=threads
    )
    try:
        report = _run(check, console, quiet)
    except DatasetError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(dumps(_as_dict(report)))
    else:
        out = make_console(highlight=False, markup=False)
        for line in summary(report):
            out.print(line)
    if report.errors:
        shown = "; ".join(f"{f.path}: {f.error}" for f in report.errors[:ERRORS_SHOWN])
        more = len(report.errors) - ERRORS_SHOWN
        raise click.ClickException(
            shown
            + (f"; and {more:,} more files not scanned" if more > 0 else "")
            + (" (the other files were scanned)" if len(report.errors) < len(report.files) else "")
        )


def _as_dict(report: CheckReport) -> dict[str, object]:
    return {
        "check_id": report.check_id,
        "dataset": report.name,
        "crawl_id": report.crawl_id,
        "sites_checked": report.sites_checked,
        "site_urls": report.site_urls,
        "cap": report.cap,
        "rows_scanned": report.rows,
        "seconds": round(report.seconds, 3),
        "files": report.files,
        "sites": report.sites,
    }


def _file_line(f: ShardReport) -> str:
    where = f"[{f.index}] {f.shard}"
    if f.error:
        return f"{where}: not scanned: {f.error}"
    return (
        f"{where}: {f.rows:,} rows, {f.url_matches:,} URL matches,"
        f" {f.origin_matches:,} origin matches ({f.seconds:.1f} s)"
    )


def _run(check: Callable[..., CheckReport], console: Console, quiet: bool) -> CheckReport:
    """The check with a progress bar over the files, and a line per file scanned."""
    progress = Progress(
        TextColumn("[bold]scanning"),
        TextColumn("{task.fields[shard]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )
    task = progress.add_task("files", total=None, shard="")

    def show(at: CheckProgress) -> None:
        if at.shard is None:
            if at.index == 1:
                progress.start()
            progress.update(task, total=at.total, completed=at.index - 1, shard=at.name)
            return
        progress.update(task, completed=at.index)
        if at.total > 1 or at.shard.error:
            progress.console.print(f"{_file_line(at.shard)}", markup=False, highlight=False)

    try:
        return check(progress=show)
    finally:
        progress.stop()


def summary(report: CheckReport) -> list[str | Table]:
    """The table of sites with matches, then the totals."""
    out: list[str | Table] = []
    if report.sites:
        table = Table("site", "URL matches", "origin matches", "stored", box=None)
        for site in report.sites:
            table.add_row(
                site.origin, f"{site.url_matches:,}", f"{site.origin_matches:,}", f"{site.stored:,}"
            )
        out.append(table)
    silent = report.sites_checked - len(report.sites)
    found = f"{len(report.sites):,} of {report.sites_checked:,} sites found"
    out.append(f"{report.name}: {found}" + (f"; no match for {silent:,}" if silent else ""))
    url_total = sum(s.url_matches for s in report.sites)
    origin_total = sum(s.origin_matches for s in report.sites)
    out.append(
        f"URL matches: {url_total:,}; origin matches (other URLs on the sites): {origin_total:,}"
    )
    scanned = len(report.files) - len(report.errors)
    rate = report.rows / report.seconds if report.seconds else 0.0
    out.append(
        f"rows scanned: {report.rows:,} in {scanned:,} of {len(report.files):,} files,"
        f" {report.seconds:.1f} s ({rate:,.0f} rows/s); crawl {report.crawl_id},"
        f" {report.site_urls:,} site URLs; check {report.check_id}"
    )
    if any(s.url_matches + s.origin_matches > s.stored for s in report.sites):
        out.append(f"stored: at most {report.cap:,} matching rows per site; the rest counted")
    return out
