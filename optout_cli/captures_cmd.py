"""``optout captures``: which pages of a site Common Crawl captured, and whether before or after
the site blocked CCBot (docs/captures.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from audits.captures import CLASSES, CaptureClass, SiteCaptures
from crawler.storage import StorageError
from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.jsonout import jsonable
from optout_cli.options import json_option, quiet_option
from results.captures.index import DEFAULT_INDEX_URL, INDEX_URL_ENV, MAX_CRAWLS, IndexSettings
from results.captures.run import CaptureRun, CaptureRunError, SiteRun, Step, ask_captures

CLASS_WORDS: Final[dict[CaptureClass, str]] = {
    "before-block": "before the block (already in released crawls)",
    "after-block": "after the block",
    "no-block": "while the site did not block CCBot",
    "unknown": "before any audit of the site (unknown)",
}
NOT_TAKEN_WORDS: Final = "stored no content (a redirect, an error or a revisit: not taken)"


@click.command("captures")
@click.argument("origin", required=False, metavar="[ORIGIN]")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The evidence database: its sites (every site of the newest audited crawl, or ORIGIN)"
    " and their robots.txt history; the captures are stored in it. Without it, ORIGIN is"
    " asked and nothing is kept.",
)
@click.option(
    "--crawls",
    type=click.IntRange(1, MAX_CRAWLS),
    default=6,
    show_default=True,
    help="How many of the newest monthly crawls to ask.",
)
@click.option(
    "--index-url",
    envvar=INDEX_URL_ENV,
    default=DEFAULT_INDEX_URL,
    show_default=True,
    metavar="URL",
    help=f"The CDX index server (Common Crawl's, or a pywb-style one); also ${INDEX_URL_ENV}.",
)
@click.option(
    "--refresh", is_flag=True, help="Ask again for (site, crawl) pairs answered in earlier runs."
)
@click.option(
    "--delay",
    type=click.FloatRange(0, 60),
    default=1.0,
    show_default=True,
    help="Seconds between two requests to the index server.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(1, 1000),
    default=5,
    show_default=True,
    help="Index pages read per site and crawl (a Common Crawl page holds up to 15,000"
    " captures); more are counted as truncated.",
)
@click.option(
    "--max-captures",
    type=click.IntRange(1, 1_000_000),
    default=10_000,
    show_default=True,
    help="Captures kept per site and crawl; more are counted as truncated.",
)
@json_option("Print the result as JSON (every capture with its class) instead of text.")
@quiet_option("No progress bar.")
def captures(
    origin: str | None,
    db_path: Path | None,
    crawls: int,
    index_url: str,
    refresh: bool,
    delay: float,
    max_pages: int,
    max_captures: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Which pages of your site Common Crawl captured, crawl by crawl, and whether each was
    captured before or after your robots.txt blocked CCBot.

    \b
    Each capture is one of:
      before-block  captured before the first audited crawl that saw robots.txt
                    disallow CCBot: it is in a released crawl; blocking now
                    does not take it back
      after-block   captured after such a crawl (a finding, with the
                    explanation when one fits: a misspelt CCBot token, an
                    unreadable robots.txt, within 24 hours of the block)
      no-block      the site never blocked CCBot in any audited crawl
      unknown       no audited crawl of the site at or before that time

    Only a capture that stored the page (a 2xx answer, not a revisit) is taken; redirects,
    errors and revisits are listed and counted apart as "stored no content".

    A site is asked under its host and its www. twin (www.your.site for your.site and the
    reverse), unless --db has the twin as a site of its own; an index that keys both alike
    (Common Crawl's) answers both at once, and the twin is then no longer asked.

    A capture shows the page was fetched and published, not that anyone trained on it.
    Answers are kept in --db: a (site, crawl) answered once is not asked again unless
    --refresh. The index server is asked one request at a time, --delay apart.

    \b
    Examples:
      optout captures --db crawl.db
      optout captures https://anna.example --crawls 3
    """
    console = make_console(stderr=True, markup=False, highlight=False)
    settings = IndexSettings(
        index_url=index_url.rstrip("/"),
        delay=delay,
        max_pages=max_pages,
        max_captures=max_captures,
    )
    progress = _progress(console, disabled=quiet)
    try:
        run = ask_captures(
            db_path, origin, settings, crawls=crawls, refresh=refresh, progress=progress.start
        )
    except (CaptureRunError, StorageError) as err:
        raise click.ClickException(str(err)) from err
    finally:
        progress.stop()
    if as_json:
        click.echo(json.dumps(run_json(run), indent=2, ensure_ascii=False, sort_keys=True))
    else:
        out = make_console(markup=False, highlight=False)
        for line in summary_lines(run, kept=db_path is not None):
            out.print(line)
    failure = failure_line(run)
    if failure:
        raise click.ClickException(failure)


class _progress:
    """A bar over the (site, crawl) pairs, shown only on a terminal and for more than one."""

    def __init__(self, console: Console, *, disabled: bool) -> None:
        self._bar = Progress(
            TextColumn("[bold]asking the index"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[origin]} {task.fields[crawl]}"),
            TimeElapsedColumn(),
            console=console,
            disable=disabled or not console.is_terminal,
            transient=True,
        )
        self._started = False

    def start(self, sites: int) -> Callable[[Step], None] | None:
        if self._bar.disable or sites < 2:
            return None
        self._bar.start()
        self._started = True
        task = self._bar.add_task("captures", total=None, origin="", crawl="")

        def step(at: Step) -> None:
            self._bar.update(task, completed=at.done, total=at.total, origin=at.origin,
                             crawl=at.crawl)  # fmt: skip

        return step

    def stop(self) -> None:
        if self._started:
            self._bar.stop()


def _counts(report: SiteCaptures, *, taken: bool = True) -> dict[str, int]:
    return {c: report.count(c, taken=taken) for c in CLASSES}


def _site_json(site: SiteRun) -> dict[str, Any]:
    report = site.report
    return {
        "origin": site.origin,
        "first_block": report.first_block.isoformat() if report.first_block else None,
        "queries": jsonable(site.queries),
        "per_crawl": [
            {
                "crawl": c.crawl,
                "captures": c.captures,
                **{k: c.count(k) for k in CLASSES},
                "not_taken": c.not_taken,
            }
            for c in report.per_crawl
        ],
        "counts": _counts(report),
        "not_taken": _counts(report, taken=False),
        "findings": jsonable(report.findings),
        "captures": [
            {
                "crawl": v.capture.crawl,
                "captured_at": v.capture.captured_at.isoformat(),
                "url": v.capture.url,
                "host": v.capture.host,
                "status": v.capture.status,
                "mime": v.capture.mime,
                "taken": v.taken,
                "verdict": v.verdict,
                "explanation": v.explanation,
                "in_force_crawl_id": v.in_force,
            }
            for v in report.verdicts
        ],
    }


def run_json(run: CaptureRun) -> dict[str, Any]:
    """The machine-readable result: the run, then per site its queries, counts, findings and
    every capture with its class."""
    return {
        "index_url": run.index_url,
        "crawls": list(run.crawls),
        "list_error": run.list_error,
        "requests": run.requests,
        "sites": [_site_json(s) for s in run.sites],
    }


def _crawl_line(site: SiteRun, crawl: str) -> str:
    query = next((q for q in site.queries if q.crawl == crawl), None)
    count = next((c for c in site.report.per_crawl if c.crawl == crawl), None)
    if query is None:
        return f"  {crawl}: not asked"
    if query.status == "error":
        kept = f" ({counted(query.captures, 'capture')} from before kept)" if query.captures else ""
        return f"  {crawl}: not answered: {query.error}{kept}"
    total = count.captures if count else 0
    parts = [f"{count.count(k)} {CLASS_WORDS[k]}" for k in CLASSES if count and count.count(k)]
    if count and count.not_taken:
        parts.append(f"{count.not_taken} {NOT_TAKEN_WORDS}")
    line = f"  {crawl}: {counted(total, 'capture')}" + (f": {', '.join(parts)}" if parts else "")
    if query.truncated:
        line += f" (truncated at the caps: {counted(query.pages, 'page')} read)"
    if query.cached:
        line += f" [asked {query.queried_at[:10]}]"
    return line


def summary_lines(run: CaptureRun, *, kept: bool = True) -> list[str]:
    """The text printed after a run: per site, its crawls, counts and findings."""
    out: list[str] = []
    for site in run.sites:
        report = site.report
        if report.first_block is not None:
            since = report.first_block.strftime("%Y-%m-%d %H:%M UTC")
            head = f"{site.origin}: CCBot blocked since {since} (first audit that saw it)"
        elif not report.audited_crawls:
            head = f"{site.origin}: no audited crawl of the site, so no capture can be placed"
        else:
            head = f"{site.origin}: CCBot never blocked in an audited crawl"
        hosts = next((q.hosts for q in site.queries if len(q.hosts) > 1), ())
        out.append(head + (f"; asked as {' and '.join(hosts)}" if hosts else ""))
        out += [_crawl_line(site, crawl) for crawl in run.crawls]
        before, after = report.count("before-block"), report.count("after-block")
        if report.first_block is not None:
            out.append(
                f"  taken before the block: {before:,}; taken after the block: {after:,}"
                f"; stored no content: {report.not_taken:,}"
            )
        out += [f"  {f.severity} {f.code}: {f.message}" for f in report.findings]
    total = sum(len(s.report.verdicts) for s in run.sites)
    asked = sum(1 for s in run.sites for q in s.queries if not q.cached)
    cached = sum(1 for s in run.sites for q in s.queries if q.cached)
    out.append(
        f"{counted(len(run.sites), 'site')}, {counted(total, 'capture')} in"
        f" {', '.join(run.crawls)}; asked now: {asked}, from earlier runs: {cached},"
        f" requests: {run.requests}" + ("" if kept else " (nothing kept: give --db to keep them)")
    )
    return out


def failure_line(run: CaptureRun) -> str | None:
    """One line for a run with failed queries (None when every query was answered)."""
    errors = run.errors
    if not errors:
        return None
    pairs = sum(len(s.queries) for s in run.sites)
    origin, first = errors[0]
    return (
        f"{len(errors)} of {pairs} index queries failed (first: {origin} {first.crawl}:"
        f" {first.error}); the answers of the others are stored: run again to ask the failed"
        " ones"
    )
