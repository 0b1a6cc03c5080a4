"""What ``optout check`` does once its options are read (``optout_cli.check_cmd``): the crawl
and audit (``results.site_check``), then the reports, the summary or the JSON. Kept apart from
the command so that ``optout check --help`` does not load Scrapy."""

from __future__ import annotations

import json
import logging
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from itertools import chain
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console
from rich.text import Text
from scrapy.settings import Settings

from audits.core.agents import load_registry
from audits.fixes import SiteFixes
from crawler.run import CrawlTally
from crawler.storage import StorageError
from optout_cli.check_report import render_fixes, render_report
from optout_cli.check_summary import render_summary
from optout_cli.console import make_console
from optout_cli.crawl_progress import crawl_with_progress
from optout_cli.options import (
    parse_settings,
    probe_overrides,
)
from results.batch_check import (
    BadEntry,
    Entry,
    SitePlan,
    SummaryRow,
    TooManySites,
    missing_row,
    plan_sites,
    read_url_list,
    summary_row,
)
from results.export import site_object
from results.i18n import Translator, translator
from results.report_types import SiteReport
from results.site_check import CheckError, SitesChecked, Stage, check_sites
from results.site_fixes import fixes_object
from results.site_lookup import typed_origin

TEMP_PREFIX = "optout-check-"
SOME_UNREACHABLE_EXIT: Final = 3
UNREACHABLE_NAMED: Final = 5


def _check(
    origin: str,
    db_path: Path,
    work_dir: Path,
    overrides: Mapping[str, Any],
    console: Console,
    tr: Translator,
) -> SitesChecked:
    """``check_sites`` of one site with a spinner on ``console`` while it crawls and while it
    audits."""
    _ = tr.gettext
    words = {"crawl": _("Checking {origin} …").format(origin=origin), "audit": _("Auditing …")}

    def stage(name: Stage) -> AbstractContextManager[object]:
        return console.status(words[name])

    logging.getLogger("scrapy").setLevel(logging.ERROR)
    try:
        return check_sites([origin], db_path, work_dir, overrides, stage=stage)
    except (CheckError, StorageError) as err:
        raise click.ClickException(str(err)) from err


def check_object(report: SiteReport, fixes: SiteFixes | None) -> dict[str, Any]:
    """The export's object for one site, as ``--json`` prints it (one site, or each of
    several): the export's default (compact) level, with the site's fixes to paste as
    ``optout export --fixes`` gives them."""
    out = site_object(report, "compact")
    if fixes is not None:
        out["fixes"] = fixes_object(fixes)
    return out


def _print_fixes(out: Console, fixes: SiteFixes | None, tr: Translator) -> None:
    shown = render_fixes(fixes, tr) if fixes is not None else None
    if shown is not None:
        out.print(shown)


def _fetched(count: int, db_path: Path | None, tr: Translator) -> Text:
    """The last line: how many fetches were made, and where they are kept."""
    if db_path:
        line = tr.ngettext(
            "{count} fetch; the evidence is in {path}.",
            "{count} fetches; the evidence is in {path}.",
            count,
        )
    else:
        line = tr.ngettext("{count} fetch.", "{count} fetches.", count)
    return Text(line.format(count=count, path=db_path), style="dim")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _plan(urls: Sequence[str], url_file: Path | None, err: Console, tr: Translator) -> SitePlan:
    """The sites to check: every URL argument must name one; a list's bad lines are skipped."""
    for url in urls:
        _typed_origin(url)
    entries: list[Entry | BadEntry] = [Entry(url) for url in urls]
    source = tr.gettext("standard input") if str(url_file) == "-" else str(url_file)
    try:
        if url_file is None:
            plan = plan_sites(entries)
        else:
            with click.open_file(str(url_file), encoding="utf-8", errors="replace") as stream:
                plan = plan_sites(chain(entries, read_url_list(stream)))
    except TooManySites as error:
        raise click.UsageError(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{source}: {error.strerror or error}") from None
    for bad in plan.bad:
        err.print(bad.describe(source), markup=False, highlight=False)
    for duplicate in plan.duplicates:
        err.print(duplicate.describe(), markup=False, highlight=False)
    if not plan.origins:
        raise click.UsageError(
            tr.gettext("no site to check: {source} lists no URL").format(source=source)
        )
    return plan


def _check_many(
    origins: Sequence[str],
    db_path: Path,
    work_dir: Path,
    overrides: Mapping[str, Any],
    console: Console,
    tr: Translator,
) -> SitesChecked:
    """``check_sites`` with a progress bar on ``console`` while it crawls, a spinner after."""

    def stage(name: Stage) -> AbstractContextManager[object]:
        return console.status(tr.gettext("Auditing …")) if name == "audit" else nullcontext()

    def crawl(settings: Settings) -> CrawlTally:
        return crawl_with_progress(
            settings, total=len(origins), console=console, show_progress=True
        )

    count = len(origins)
    starting = tr.ngettext(
        "Checking {count} site in one crawl …", "Checking {count} sites in one crawl …", count
    )
    console.print(starting.format(count=count), markup=False)
    logging.getLogger("scrapy").setLevel(logging.ERROR)
    try:
        return check_sites(origins, db_path, work_dir, overrides, stage=stage, crawl=crawl)
    except (CheckError, StorageError) as error:
        raise click.ClickException(str(error)) from error


def _rows(checked: SitesChecked, tr: Translator) -> list[SummaryRow]:
    missing = tr.gettext("the audit produced no result")
    with closing(checked.reports()) as reports:
        return [
            summary_row(report) if report else missing_row(origin, missing)
            for origin, report in reports
        ]


def _print_sites(
    checked: SitesChecked,
    rows: Sequence[SummaryRow],
    db_path: Path | None,
    allow_private: bool,
    tr: Translator,
) -> None:
    """The summary, then each site's report, read one at a time."""
    out = make_console()
    out.print(render_summary(rows, out.width, tr))
    registry = load_registry()
    fetched = 0
    with closing(checked.reports()) as reports:
        for _, report in reports:
            if report is not None:
                out.print()
                out.print(render_report(report, registry, allow_private=allow_private, tr=tr))
                _print_fixes(out, checked.fixes(report["origin"]), tr)
                fetched += len(report["evidence"])
    out.print(_fetched(fetched, db_path, tr))


def _echo_json_array(checked: SitesChecked) -> None:
    """``_json`` of the list of the sites' objects, written one site at a time."""
    count = 0
    with closing(checked.reports()) as reports:
        for _, report in reports:
            if report is not None:
                fixes = checked.fixes(report["origin"])
                text = textwrap.indent(_json(check_object(report, fixes)), "  ")
                click.echo(("[\n" if count == 0 else ",\n") + text, nl=False)
                count += 1
    click.echo("\n]" if count else "[]")


def _unreachable_exit(rows: Sequence[SummaryRow], err: Console, tr: Translator) -> None:
    unreachable = [row.origin for row in rows if row.unreachable]
    if not unreachable:
        return
    shown = ", ".join(unreachable[:UNREACHABLE_NAMED])
    more = len(unreachable) - UNREACHABLE_NAMED
    if more > 0:
        shown += tr.ngettext(", … ({count} more)", ", … ({count} more)", more).format(count=more)
    line = tr.ngettext(
        "{count} of {total} site could not be reached (shown as unknown): {sites}",
        "{count} of {total} sites could not be reached (shown as unknown): {sites}",
        len(rows),
    )
    err.print(
        line.format(count=len(unreachable), total=len(rows), sites=shown),
        markup=False,
        highlight=False,
    )
    click.get_current_context().exit(SOME_UNREACHABLE_EXIT)


def _typed_origin(url: str) -> str:
    try:
        return typed_origin(url)  # any address on the site: its origin is checked
    except ValueError as err:
        raise click.BadParameter(f"{url!r} {err}", param_hint="URL") from None


def _check_one(
    origin: str,
    db_path: Path | None,
    overrides: Mapping[str, Any],
    console: Console,
    as_json: bool,
    allow_private: bool,
    tr: Translator,
) -> None:
    """One URL: the site's report alone (or its export object)."""
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        work_dir = Path(tmp)
        db = db_path or work_dir / "check.db"
        checked = _check(origin, db, work_dir, overrides, console, tr)
        with closing(checked.reports()) as reports:
            report = next((r for _, r in reports if r is not None), None)
        if report is None:
            missing = tr.gettext("the audit of {origin} produced no result")
            raise click.ClickException(missing.format(origin=origin))
        fixes = checked.fixes(origin)
    if as_json:
        click.echo(_json(check_object(report, fixes)))
        return
    out = make_console()
    out.print(render_report(report, load_registry(), allow_private=allow_private, tr=tr))
    _print_fixes(out, fixes, tr)
    out.print(_fetched(len(report["evidence"]), db_path, tr))


def _check_batch(
    origins: Sequence[str],
    db_path: Path | None,
    overrides: Mapping[str, Any],
    console: Console,
    as_json: bool,
    allow_private: bool,
    tr: Translator,
) -> None:
    """Several sites: the summary, then each site's report (or a JSON array of their objects);
    exits SOME_UNREACHABLE_EXIT when some site could not be reached."""
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        work_dir = Path(tmp)
        db = db_path or work_dir / "check.db"
        checked = _check_many(origins, db, work_dir, overrides, console, tr)
        rows = _rows(checked, tr)
        if as_json:
            _echo_json_array(checked)
        else:
            _print_sites(checked, rows, db_path, allow_private, tr)
    _unreachable_exit(rows, console, tr)


def run_check(
    urls: tuple[str, ...],
    url_file: Path | None,
    as_json: bool,
    render: bool,
    proxy: str | None,
    allow_private: bool,
    db_path: Path | None,
    extra: tuple[str, ...],
    probe_agents: str | None,
    lang: str = "en",
) -> None:
    """``optout check`` with its options read (see its help); ``lang``: the language of the
    text (``--json`` is the same in every language)."""
    tr = translator(lang)
    if not urls and url_file is None:
        raise click.UsageError(tr.gettext("missing URL (or --file PATH with one URL a line)"))
    console = make_console(stderr=True)
    batch = url_file is not None or len(urls) > 1
    plan = _plan(urls, url_file, console, tr) if batch else None
    origin = "" if plan is not None else _typed_origin(urls[0])
    overrides: dict[str, Any] = {
        "OPTOUT_RENDER": render or None,
        "OPTOUT_PROXY": proxy,
        "OPTOUT_ALLOW_PRIVATE": allow_private or None,
        **parse_settings(extra),
    }
    probe_overrides(probe_agents, overrides)
    if plan is not None:
        _check_batch(plan.origins, db_path, overrides, console, as_json, allow_private, tr)
    else:
        _check_one(origin, db_path, overrides, console, as_json, allow_private, tr)
