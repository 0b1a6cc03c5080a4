"""``optout export``: one audited crawl as JSON, CSV or NDJSON for report writers."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.words import counted
from optout_cli.options import audited_crawl_options, output_option
from optout_cli.output import describe, is_stdout, open_output, write_errors_reported
from results.export import (
    FORMATS,
    ExportError,
    Selection,
    check_selection,
    open_export_db,
    write_export,
)


@click.command("export")
@audited_crawl_options()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json (methodology, summary and sites), csv (one row per site) or ndjson.",
)
@output_option("export")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only sites of this kind.")
@click.option(
    "--country", "countries", multiple=True, metavar="CC", help="Only sites of this country."
)
@click.option("--site", "sites", multiple=True, metavar="ORIGIN", help="Only this site.")
@click.option("--pretty", is_flag=True, help="Indent the JSON by two spaces.")
def export(
    db_path: Path,
    crawl: str,
    fmt: str,
    output: Path | None,
    kinds: tuple[str, ...],
    countries: tuple[str, ...],
    sites: tuple[str, ...],
    pretty: bool,
) -> None:
    """Export the audited results of a crawl: every verdict with its evidence.

    Filters repeat (any of the values) and combine (all of the options); they narrow the
    sites and the summary numbers alike. Two exports of the same audit are byte-identical.
    The format is described in docs/export.md and schemas/export.schema.json.

    \b
    Examples:
      optout export --db crawl.db -o results.json
      optout export --db crawl.db --format csv --country FR --country BE -o fr-be.csv
      optout export --db crawl.db --format ndjson --kind platform | jq -r .summary
    """
    selection = Selection(kinds, countries, sites)
    try:
        db, crawl_id = open_export_db(db_path, crawl)
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    try:
        check_selection(db, crawl_id, selection)
        with write_errors_reported(output):
            with open_output(output) as stream:
                count = write_export(stream, fmt, db, crawl_id, selection, pretty=pretty)
            if not is_stdout(output):
                done = f"exported {counted(count, 'site')} of crawl {crawl_id}"
                click.echo(f"{done} to {describe(output)}", err=True)
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    finally:
        db.close()
