"""``optout check URL…``: crawl and audit sites now, and tell their owners what they say: one
site's report, or for several (URLs or ``--file``) a summary and then each site's report. The
work is in ``optout_cli.check_run``, imported when the command runs."""

from __future__ import annotations

from pathlib import Path

import click

from optout_cli.language import lang_option
from optout_cli.options import db_option, json_option, network_options, probe_agents_option
from results.batch_check import MAX_SITES


@click.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option(
    "--file",
    "url_file",
    metavar="PATH",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="Also check the sites listed in PATH ('-': standard input), one URL or host name a"
    " line. Blank lines and '#' comments are skipped; a line that is no URL is reported with"
    f" its number and skipped. At most {MAX_SITES:,} sites (beyond that: `optout crawl` with"
    " a seed list).",
)
@json_option(
    "Print the export's object for the site as JSON; with several URLs or --file, a JSON array"
    " of the sites' objects, in the order given."
)
@click.option("--render", is_flag=True, help="Also render pages in Chromium (for JS-set tags).")
@network_options("Any Scrapy or OPTOUT_* setting for the crawl, e.g. -s DOWNLOAD_TIMEOUT=10.")
@probe_agents_option()
@db_option(
    "Keep the evidence in this SQLite file (default: a temporary file, deleted after).",
    required=False,
)
@lang_option()
def check(
    urls: tuple[str, ...],
    url_file: Path | None,
    as_json: bool,
    render: bool,
    proxy: str | None,
    allow_private: bool,
    db_path: Path | None,
    extra: tuple[str, ...],
    probe_agents: str | None,
    lang: str,
) -> None:
    """Check sites now: does each opt out of AI training, how, and what is broken?

    URL may be any address on the site, or just its host name: the whole site (its origin)
    is checked. Several URLs, or a list in --file, are crawled together in one crawl (polite
    per host, as `optout crawl` is); two addresses on one site are checked once. Several sites
    get a summary first (site, training verdict, mechanisms, worst finding), then each site's
    report. A site that did not answer is shown as unknown, with the reason.

    \b
    Exit codes:
      0  every site was checked, whatever its verdict
      1  no verdict could be made (the network seems to be down, or the
         check was stopped)
      2  a usage error (a URL argument that is no URL, over 1,000 sites)
      3  several sites (URLs or --file) and some could not be reached (no
         request answered, or only with server errors): shown as unknown

    \b
    Examples:
      optout check https://example.com
      optout check example.com --json
      optout check example.com --db checks.db     # keep the evidence
      optout check example.com --probe-agents     # also ask as AI crawlers would
      optout check anna.example ben.example https://cai.example/shop
      optout check --file urls.txt --json > sites.json
      sort -u mine.txt | optout check --file -
      optout check example.com --lang fr          # the report in French
    """
    from optout_cli.check_run import run_check

    run_check(
        urls, url_file, as_json, render, proxy, allow_private, db_path, extra, probe_agents, lang
    )
