"""``optout export``: one audited crawl as JSON, NDJSON, CSV or Parquet for report writers."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from audits.core.uses import USES
from crawler.words import counted
from optout_cli.options import audited_crawl_options, output_option
from optout_cli.output import describe, is_stdout, open_output, write_errors_reported
from results.export import (
    DETAILS,
    FORMATS,
    STATES,
    Detail,
    ExportError,
    Selection,
    check_selection,
    open_export_db,
    write_export,
)
from results.export_parquet import write_parquet


@click.command("export")
@audited_crawl_options()
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "parquet")),
    default="json",
    show_default=True,
    help="json (methodology, summary and sites), ndjson (one site a line), csv (one row per"
    " site) or parquet (one row per site and use, for pandas, DuckDB or R; needs -o FILE).",
)
@click.option(
    "--detail",
    type=click.Choice(DETAILS),
    default=None,
    help="Site objects of json and ndjson: compact (the default: what a report needs, about"
    " 20 KB a site at most) or full (adds every robots.txt verdict per agent and path, every"
    " fetch record and every image).",
)
@output_option("export")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only sites of this kind.")
@click.option(
    "--platform", "platforms", multiple=True, metavar="ORIGIN", help="Only sites on this platform."
)
@click.option(
    "--country", "countries", multiple=True, metavar="CC", help="Only sites of this country."
)
@click.option(
    "--use",
    "uses",
    multiple=True,
    type=click.Choice(USES),
    help="The use whose verdict --verdict reads (default: train).",
)
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    type=click.Choice(STATES),
    help="Only sites whose verdict (on training, or on --use) is this.",
)
@click.option("--site", "sites", multiple=True, metavar="ORIGIN", help="Only this site.")
@click.option(
    "--fixes",
    is_flag=True,
    help="Give each site (json and ndjson) the fixes to paste that would make its intended"
    " opt-out work (docs/fixes.md). Each site is audited again from its stored fetches: a few"
    " milliseconds a site, about a second for one with a huge robots.txt.",
)
@click.option("--pretty", is_flag=True, help="Indent the JSON by two spaces.")
def export(
    db_path: Path,
    crawl: str,
    fmt: str,
    detail: str | None,
    output: Path | None,
    kinds: tuple[str, ...],
    platforms: tuple[str, ...],
    countries: tuple[str, ...],
    uses: tuple[str, ...],
    verdicts: tuple[str, ...],
    sites: tuple[str, ...],
    fixes: bool,
    pretty: bool,
) -> None:
    """Export the audited results of a crawl: every verdict with its evidence.

    Filters repeat (any of the values) and combine (all of the options); they narrow the
    sites and the summary numbers alike. Two exports of the same audit are byte-identical.
    The format is described in docs/export.md and schemas/export.schema.json.

    \b
    Examples:
      optout export --db crawl.db -o results.json
      optout export --db crawl.db --detail full -o everything.json
      optout export --db crawl.db --format csv --country FR --country BE -o fr-be.csv
      optout export --db crawl.db --format ndjson --kind platform | jq -r .summary
      optout export --db crawl.db --use train --verdict reserved --verdict partial
      optout export --db crawl.db --format parquet -o sites.parquet
      optout export --db crawl.db --fixes --verdict partial -o to-fix.json
    """
    if detail == "full" and fmt not in ("json", "ndjson"):
        raise click.UsageError(f"--detail applies to json and ndjson, not to {fmt}")
    if fmt == "parquet" and is_stdout(output):
        raise click.UsageError("--format parquet writes a file: give -o FILE")
    if fixes and fmt not in ("json", "ndjson"):
        raise click.UsageError(f"--fixes applies to json and ndjson, not to {fmt}")
    if uses and not verdicts:
        raise click.UsageError("--use names the verdict --verdict reads: give --verdict too")
    selection = Selection(kinds, countries, sites, platforms, uses, verdicts)
    try:
        db, crawl_id = open_export_db(db_path, crawl)
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    try:
        check_selection(db, crawl_id, selection)
        with write_errors_reported(output):
            if fmt == "parquet":
                count = write_parquet(cast(Path, output), db, crawl_id, selection)
            else:
                with open_output(output) as stream:
                    level = cast(Detail, detail or "compact")
                    count = write_export(
                        stream,
                        fmt,
                        db,
                        crawl_id,
                        selection,
                        pretty=pretty,
                        detail=level,
                        fixes=fixes,
                    )
            if not is_stdout(output):
                done = f"exported {counted(count, 'site')} of crawl {crawl_id}"
                click.echo(f"{done} to {describe(output)}", err=True)
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    finally:
        db.close()
