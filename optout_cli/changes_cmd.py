"""``optout changes``: what changed on the sites between crawls, as a table or as JSON.

The queries and rich's tables are imported when the command runs, so ``--help`` answers at
once (optout_cli/main.py)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from audits.core.uses import USES
from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.options import db_option, json_option

if TYPE_CHECKING:
    from results.history import AgentGroup, Change, FetchRef

_NAMES_SHOWN = 6


def _day(value: str | None) -> str:
    return (value or "")[:10] or "?"


def _evidence(before: FetchRef | None, after: FetchRef | None) -> str:
    if before is None and after is None:
        return "-"
    kind = (after or before).kind  # type: ignore[union-attr]
    old = str(before.fetch_id) if before else "none"
    new = str(after.fetch_id) if after else "none"
    return f"{kind} fetch {old} → {new}"


def _row(item: Change | AgentGroup) -> tuple[str, str, str, str]:
    """Subject, change, before → after and evidence of one line of the table."""
    from results.history import AgentGroup

    if isinstance(item, AgentGroup):
        shown = ", ".join(item.agents[:_NAMES_SHOWN])
        more = f", … ({len(item.agents)} agents)" if len(item.agents) > _NAMES_SHOWN else ""
        subject = f"agents: {shown}{more}"
        c = item.first
    else:
        subject, c = item.subject, item
    return (
        subject,
        c.change,
        f"{c.before or 'none'} → {c.after or 'none'}",
        _evidence(c.evidence_before, c.evidence_after),
    )


def scope_words(crawl_ids: list[int], since: datetime | None) -> str:
    """Which crawls, in words: 'crawl 3', or 'the 2 audited crawls since 2026-01-01'."""
    if since is None:
        return f"crawl {crawl_ids[0]}"
    return f"the {counted(len(crawl_ids), 'audited crawl')} since {since.date().isoformat()}"


def print_table(changes: list[Change], which: str) -> None:
    """The changes as one table, a section per site and crawl, agent changes folded."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from results.history import AgentGroup, fold_agent_changes

    # Crawled text may hold rich markup or :emoji: codes (``mechanism:train:…``): all plain.
    console = make_console(highlight=False, markup=False, emoji=False)
    if not changes:
        console.print(f"No changes found by {which}.")
        return
    sites = len({c.origin for c in changes})
    table = Table(
        title=f"{counted(len(changes), 'change')} on {counted(sites, 'site')} found by {which}",
        box=box.SIMPLE,
        title_justify="left",
    )
    for column in ("Site", "Crawls", "Subject", "Change", "Before → after", "Evidence"):
        table.add_column(column, overflow="fold")
    last: tuple[int, str] | None = None
    for item in fold_agent_changes(changes):
        c = item.first if isinstance(item, AgentGroup) else item
        key = (c.crawl_id, c.origin)
        site = crawls = ""
        if key != last:
            if last is not None:
                table.add_section()
            site = c.origin + (f"\n{c.name}" if c.name else "")
            crawls = (
                f"{c.previous_crawl_id} ({_day(c.previous_started_at)})"
                f" → {c.crawl_id} ({_day(c.crawl_started_at)})"
            )
            last = key
        table.add_row(*(Text(cell) for cell in (site, crawls, *_row(item))))
    console.print(table)


@click.command("changes")
@db_option("The SQLite file crawls were audited into.", must_exist=True)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Changes found by every audited crawl started on this day (UTC) or later.",
)
@click.option(
    "--crawl", type=click.IntRange(min=1), metavar="ID", help="Changes found by this crawl."
)
@click.option(
    "--site",
    "sites",
    multiple=True,
    metavar="SITE",
    help="Only this site: its origin, any address on it, or its host name.",
)
@click.option(
    "--kind", "kinds", multiple=True, metavar="KIND", help="Only sites of this kind (platform, …)."
)
@click.option(
    "--platform", "platforms", multiple=True, metavar="NAME", help="Only sites on this platform."
)
@click.option(
    "--use",
    "uses",
    multiple=True,
    type=click.Choice(USES),
    help="Only changes about this use (agent changes count as train).",
)
@json_option("A JSON list (stable order) instead.")
def changes(
    db_path: Path,
    since: datetime | None,
    crawl: int | None,
    sites: tuple[str, ...],
    kinds: tuple[str, ...],
    platforms: tuple[str, ...],
    uses: tuple[str, ...],
    as_json: bool,
) -> None:
    """What changed on each site since its previous audited crawl.

    By default the changes the latest audited crawl found; --crawl ID for another crawl,
    --since DAY for every crawl from that day on. Filters repeat (any of the values) and
    combine (all of the options). Each change names the fetch it rests on in both crawls
    (see the fetches table, or /DB/fetches/ID in `optout serve`).

    \b
    Examples:
      optout changes --db crawl.db
      optout changes --db crawl.db --since 2026-01-01 --kind platform --use train
      optout changes --db crawl.db --crawl 7 --json | jq '.[] | .origin'
    """
    from results.change_query import (
        BadSite,
        ChangeQueryError,
        crawls_to_show,
        open_read_only,
        stored_sites,
    )
    from results.history import ChangeFilter, list_changes

    if since is not None and crawl is not None:
        raise click.UsageError("give either --since or --crawl, not both")
    try:
        conn = open_read_only(db_path)
    except ChangeQueryError as err:
        raise click.ClickException(str(err)) from err
    try:
        crawl_ids = crawls_to_show(conn, crawl, since)
        selection = ChangeFilter(stored_sites(conn, sites), kinds, platforms, uses)
        found = list_changes(conn, crawl_ids, selection)
    except BadSite as err:
        raise click.BadParameter(str(err), param_hint="--site") from err
    except ChangeQueryError as err:
        raise click.ClickException(str(err)) from err
    except sqlite3.DatabaseError as err:
        raise click.ClickException(f"{db_path}: cannot be read ({err})") from err
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps([c.as_json() for c in found], indent=2, ensure_ascii=False))
    else:
        print_table(found, scope_words(crawl_ids, since))
