"""``optout report``: one audited crawl as a self-contained HTML or Markdown report."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.words import counted
from optout_cli.options import audited_crawl_options, output_option
from optout_cli.output import describe, is_stdout, open_output, write_errors_reported
from results.export import ExportError, open_export_db
from results.report_doc import FORMATS, ReportError, format_for, write_report

_NAMES = {"html": "HTML", "markdown": "Markdown"}


@click.command("report")
@audited_crawl_options()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="html or markdown. Default: from the -o suffix (.md, .markdown), else html.",
)
@output_option("report")
@click.option("--title", help="The report's title. Default: 'AI training opt-outs: crawl N'.")
def report(
    db_path: Path, crawl: str, fmt: str | None, output: Path | None, title: str | None
) -> None:
    """Write a report of an audited crawl for people: numbers, charts, methodology, sites.

    The HTML is one file that needs nothing else (no script, fonts or images from anywhere),
    so it opens offline, can be mailed and prints well. The Markdown holds the same numbers,
    with tables in place of charts. Every number is the one `optout export` gives for the same
    crawl, and two reports of the same audit are byte-identical. See docs/report.md.

    \b
    Examples:
      optout report --db crawl.db -o report.html
      optout report --db crawl.db --crawl 3 -o report.md
      optout report --db crawl.db --format markdown --title "Illustrators, May 2026"
    """
    chosen = format_for(None if is_stdout(output) else str(output), fmt)
    try:
        db, crawl_id = open_export_db(db_path, crawl)
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    try:
        with write_errors_reported(output):
            with open_output(output) as stream:
                count = write_report(stream, chosen, db, crawl_id, title=title)
            if not is_stdout(output):
                sites = counted(count, "site")
                done = f"wrote the {_NAMES[chosen]} report of {sites} of crawl {crawl_id}"
                click.echo(f"{done} to {describe(output)}", err=True)
    except (ExportError, ReportError) as err:
        raise click.ClickException(str(err)) from err
    finally:
        db.close()
