"""``optout logs``: a site's own access logs, read for which AI crawlers came, whether they
were who they claimed to be, and whether they took what the opt-out in force forbade."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.options import db_option, quiet_option
from results.logs.ingest import FileReport, IngestError, IngestProgress, IngestReport, ingest

SAMPLE_CHARS = 160
"""How much of a malformed line the summary quotes."""
OTHER_HOSTS_SHOWN = 3


@click.group()
def logs() -> None:
    """Your site's access logs: which AI crawlers came, were they who they claimed to be,
    and did they respect your opt-out (docs/logs.md)."""


def _since(_: click.Context, __: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: give it as 2026-11-02 or 2026-11-02T14:00+00:00"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@logs.command("ingest")
@click.argument("files", nargs=-1, required=True, metavar="FILE…")
@db_option(
    "The evidence database to add the logs to (a new file only with --site, --robots and --since)."
)
@click.option(
    "--site",
    metavar="ORIGIN",
    help="The site every line is for (any address on it). Without it, each line's Host says,"
    " and lines for hosts that are not sites of the database are counted, not stored.",
)
@click.option(
    "--format",
    "fmt",
    metavar="SPEC",
    help="The log format: combined, common, vhost_combined, vhost_common, nginx-json, caddy,"
    ' cloudflare, json:FIELD=KEY,… or regex:PATTERN (docs/logs.md, "Formats").'
    " Default: detected from the first lines of each file.",
)
@click.option(
    "--robots",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The site's robots.txt, in force from --since on: judges hits where the crawl"
    " history does not know (needs --site and --since).",
)
@click.option(
    "--since",
    callback=_since,
    metavar="DATE",
    help="When --robots FILE came into force (2026-11-02, or with a time; UTC unless given).",
)
@click.option(
    "--verify-dns",
    is_flag=True,
    help="Also check claimed crawlers outside the published IP ranges with forward-confirmed"
    " reverse DNS, for the operators that document it (network lookups, with a timeout).",
)
@quiet_option("No progress bar or summary.")
def ingest_cmd(
    files: tuple[str, ...],
    db_path: Path,
    site: str | None,
    fmt: str | None,
    robots: Path | None,
    since: datetime | None,
    verify_dns: bool,
    quiet: bool,
) -> None:
    """Read access logs (FILE…: files, globs, or - for standard input; plain, gzip, bzip2 or
    zstd) and judge every AI crawler hit against the robots.txt in force at that moment.

    \b
    What is stored, and what is not (privacy):
      Logs hold your visitors' addresses. Only the lines of identified AI
      crawlers (and of impersonators of them) are stored in --db: the raw
      line, the file's SHA-256 and the line number, as evidence. Every other
      line (people, search engines, everyone else) is counted and never
      stored. Malformed lines are counted; a few are shown here, not stored.

    Formats: Apache/nginx common and combined (with or without a virtual host), nginx JSON,
    Caddy, Cloudflare Logpush, or your own with --format. Reading the same log again adds
    nothing, even gzipped (the SHA-256 is of its content), and a line already stored from
    another file is not stored twice.

    \b
    Examples:
      optout logs ingest /var/log/nginx/access.log* --db crawl.db --site https://anna.example
      ssh web cat /var/log/caddy/access.log | optout logs ingest - --db crawl.db
      optout logs ingest access.log --db new.db --site https://anna.example \\
          --robots robots.txt --since 2026-10-01
    """
    console = make_console(stderr=True, markup=False, highlight=False)
    try:
        read = functools.partial(
            ingest, files, db_path, site=site, fmt=fmt, robots=robots, since=since,
            verify_dns=verify_dns,
        )  # fmt: skip
        report = _run(read, console, quiet)
    except IngestError as err:
        raise click.ClickException(str(err)) from err
    if not quiet:
        for line in summary_lines(report):
            console.print(line)
    if any(f.error for f in report.files):
        raise click.ClickException(
            "; ".join(f.error for f in report.files if f.error) + " (the other files were read)"
        )


def _run(read: Callable[..., IngestReport], console: Console, quiet: bool) -> IngestReport:
    """``read`` (the ingest, all but its progress callback given) with a progress bar."""
    progress = Progress(
        TextColumn("[bold]reading"),
        TextColumn("{task.fields[fields][name]}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[fields][lines]:,} lines"),
        TextColumn("{task.fields[fields][agents]:,} AI crawler lines"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )
    tasks: dict[int, TaskID] = {}

    def show(at: IngestProgress) -> None:
        if not tasks:
            progress.start()  # only once there is a file to show: no empty bar otherwise
        fields = {"name": at.name, "lines": at.lines, "agents": at.agent_lines}
        task = tasks.get(at.index)
        if task is None:
            task = tasks[at.index] = progress.add_task("log", total=at.total, fields=fields)
        progress.update(task, completed=at.position, fields=fields)

    failed = True
    try:
        report = read(progress=show)
        failed = False
    finally:
        if tasks:
            progress.live.transient = failed  # an error is one line: no half bar above it
            progress.stop()
    return report


def _file_line(f: FileReport) -> str:
    what = f"{f.name}"
    facts = [x for x in (f.compression if f.compression != "plain" else None, f.format) if x]
    if facts:
        what += f" ({', '.join(facts)})"
    if f.error:
        return f"{what}: not read: {f.error}"
    if f.already:
        return f"{what}: already ingested ({f.already[:16].replace('T', ' ')} UTC): nothing added"
    return (
        f"{what}: {counted(f.lines, 'line')}, {counted(f.agent_lines, 'AI crawler line')}"
        f" ({f.stored} new)"
    )


def _printable(text: str) -> str:
    """A log line fit for a terminal: control characters (an escape sequence planted in a
    User-Agent could rewrite the screen) shown as a backslash, x and two hex digits."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def summary_lines(report: IngestReport) -> list[str]:
    """The summary printed after an ingest: per file, then the totals."""
    out = [_file_line(f) for f in report.files]
    read = [f for f in report.files if not f.already and not f.error]
    if not read:
        return out
    total = report.total
    out.append(
        f"lines read: {total('lines'):,}; malformed: {total('malformed'):,}"
        + ("" if total("malformed") else " (none)")
    )
    for f in read:
        for sample in f.samples:
            raw = _printable(sample.raw)
            quoted = raw if len(raw) <= SAMPLE_CHARS else raw[:SAMPLE_CHARS] + "…"
            out.append(f"  {f.name}:{sample.number}: {sample.reason}: {quoted}")
        if f.malformed > len(f.samples):
            out.append(f"  … and {f.malformed - len(f.samples):,} more in {f.name}")
    out.append(
        f"AI crawler lines: {total('agent_lines'):,} (stored: {total('stored'):,} new);"
        f" verified: {total('verified'):,}, impersonators: {total('impersonators'):,},"
        f" unverifiable: {total('unverifiable'):,}"
    )
    out.append(
        f"violations: {total('violations'):,} hits disallowed by the robots.txt in force"
        + (
            f"; {total('impersonator_violations'):,} more by impersonators (not counted"
            " against any operator)"
            if total("impersonator_violations")
            else ""
        )
    )
    if total("unjudged"):
        out.append(
            f"not judged: {total('unjudged'):,} AI crawler hits at times no crawl of the site"
            " read its robots.txt (before the first crawl, or while it was unreachable): give"
            " --robots FILE --since DATE for those times, or crawl the site regularly"
        )
    others = sum((f.other_hosts for f in read), start=type(read[0].other_hosts)())
    if others:
        shown = ", ".join(f"{h or '(no host)'}: {n:,}" for h, n in others.most_common(3))
        out.append(
            f"not stored: {total('other_host_lines'):,} AI crawler lines for hosts that are not"
            f" sites of the database ({shown}); give --site ORIGIN to take them as one site"
        )
    if report.dns_lookups or report.dns_stopped:
        stopped = f"; {report.dns_stopped}" if report.dns_stopped else ""
        out.append(f"reverse DNS: {counted(report.dns_lookups, 'lookup')}{stopped}")
    if report.sites:
        out.append("sites: " + ", ".join(report.sites) + f" ({report.seconds:.1f} s)")
    return out
