"""A crawl run in this process with rich's progress bar: sites done of the total, fetch
records and errors so far."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy.settings import Settings

from crawler.run import CrawlTally, run_crawl


def crawl_with_progress(
    settings: Settings,
    *,
    total: int,
    console: Console,
    show_progress: bool,
    spider: str = "optout",
) -> CrawlTally:
    """``crawler.run.run_crawl`` with a progress bar on ``console`` (none unless
    ``show_progress``)."""
    progress = Progress(
        TextColumn("[bold]crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sites · {task.fields[fetches]} fetches · {task.fields[errors]} errors"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=False,
    )
    with progress:
        task = progress.add_task("crawl", total=total, fetches=0, errors=0)

        def refresh(tally: CrawlTally) -> None:
            progress.update(
                task,
                completed=tally.sites,
                fetches=tally.fetches,
                errors=sum(tally.errors.values()),
            )

        tally = run_crawl(settings, spider=spider, on_item=refresh)
        refresh(tally)
    return tally
