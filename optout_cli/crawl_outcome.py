"""What ``optout crawl`` says after a crawl, from the totals read back from the database
(``results.crawl_outcome``)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from crawler.words import counted
from results.crawl_outcome import CrawlTotals

NOTHING_TO_RESUME_EXIT = 3
"""Exit status of ``--resume`` when no crawl is left to continue (a scheduler may then start
a new crawl); an interrupted crawl or an error exits with 1."""


def print_outcome(console: Console, totals: CrawlTotals, seeds_total: int, db_path: Path) -> None:
    """The summary of a finished crawl, or the one line saying it stopped before it finished."""
    state = totals.state
    done = f"{state.sites_done} of {counted(seeds_total, 'site')} done"
    if not state.finished:
        console.print(
            f"crawl {state.crawl_id} stopped before it finished: {done};"
            " run the same command with --resume to continue",
            markup=False,
        )
        return
    console.print(
        f"crawl {state.crawl_id}: {done}, {counted(totals.fetches, 'fetch record')} in {db_path}",
        markup=False,
    )
    if totals.errors:
        errors = ", ".join(f"{name} {n}" for name, n in totals.errors.most_common())
        console.print(f"errors: {errors}", markup=False)
    if totals.skipped:
        skipped = ", ".join(f"{name} {n}" for name, n in totals.skipped.most_common())
        console.print(f"not fetched: {skipped}", markup=False)
    if totals.internal_errors:
        console.print(
            f"internal errors: {totals.internal_errors} answers could not be read and their"
            f" sites were finished with what they had (first: {totals.first_internal_error});"
            " please report it",
            markup=False,
        )
