"""Checking sites now (``optout check``): crawl their origins in this process, in one crawl,
audit that crawl and read back each site's full report.

The crawl is one Scrapy reactor start (``crawler.run.run_crawl``); the audit and the report
after it are plain SQLite and Python, so the reactor's once-per-process limit is never reached.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scrapy.settings import Settings

from audits.fixes import SiteFixes
from crawler.network import stop_reason as network_stop_reason
from crawler.run import CrawlTally, crawl_settings, run_crawl
from crawler.storage import open_db
from results.derive import audit_crawl
from results.report_types import SiteReport
from results.robots_rows import full_report, load_report
from results.site_fixes import site_fixes

Stage = Literal["crawl", "audit"]


class CheckError(Exception):
    """No verdict could be made: the network is down, the check was stopped, or the audit
    produced no result for the site."""


def _no_display(_: Stage) -> AbstractContextManager[object]:
    return nullcontext()


@dataclass(frozen=True)
class SitesChecked:
    """One check's audited crawl of ``origins`` (in the order asked) in ``db_path``."""

    db_path: Path
    crawl_id: int
    origins: tuple[str, ...]

    def reports(self) -> Generator[tuple[str, SiteReport | None], None, None]:
        """Each origin with its stored report (None when the audit made none), read one at
        a time: a thousand full reports are never all in memory."""
        db = open_db(self.db_path)
        try:
            for origin in self.origins:
                row = db.execute(
                    "SELECT report FROM site_summary WHERE crawl_id = ? AND origin = ?",
                    [self.crawl_id, origin],
                ).fetchone()
                yield (
                    origin,
                    (full_report(db.conn, self.crawl_id, load_report(row[0])) if row else None),
                )
        finally:
            db.close()

    def fixes(self, origin: str) -> SiteFixes | None:
        """The site's fixes to paste (``results.site_fixes``), None when it has no fetch."""
        db = open_db(self.db_path)
        try:
            return site_fixes(db, self.crawl_id, origin)
        finally:
            db.close()


def check_sites(
    origins: Sequence[str],
    db_path: Path,
    work_dir: Path,
    overrides: Mapping[str, Any],
    *,
    stage: Callable[[Stage], AbstractContextManager[object]] = _no_display,
    crawl: Callable[[Settings], CrawlTally] = run_crawl,
) -> SitesChecked:
    """Crawl ``origins`` together in one crawl into ``db_path`` (the crawler's per-host
    politeness applies across them) and audit it; the result reads each site's report.
    ``stage`` wraps the crawl and the audit (to show which one runs); ``crawl`` runs the crawl
    (to show progress). Raises StorageError for a file that is not our database, CheckError
    when no verdict could be made."""
    open_db(db_path).close()  # a file that is not our database fails here, not mid-crawl
    seeds = work_dir / "seeds.csv"
    with seeds.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([["origin"], *([o] for o in origins)])
    settings = crawl_settings(
        OPTOUT_SEEDS=str(seeds), OPTOUT_DB=str(db_path), LOG_LEVEL="ERROR", **overrides
    )
    with stage("crawl"):
        tally = crawl(settings)
    db = open_db(db_path)
    try:
        crawl_id = tally.crawl_id
        if down := network_stop_reason(db_path, crawl_id):  # never a verdict from that
            raise CheckError(down)
        status = db.execute("SELECT status FROM crawls WHERE id = ?", [crawl_id]).fetchone()
        if crawl_id is None or tally.sites < 1 or not status or status[0] != "finished":
            what = origins[0] if len(origins) == 1 else f"{len(origins)} sites"
            raise CheckError(f"the check of {what} was stopped before it finished")
        with stage("audit"):
            audit_crawl(db, crawl_id)
    finally:
        db.close()
    return SitesChecked(db_path, crawl_id, tuple(origins))


def check_site(
    origin: str,
    db_path: Path,
    work_dir: Path,
    overrides: Mapping[str, Any],
    *,
    stage: Callable[[Stage], AbstractContextManager[object]] = _no_display,
) -> SiteReport:
    """Crawl and audit one origin into ``db_path``; returns its stored site report. ``stage``
    wraps the crawl and the audit (to show which one runs). Raises StorageError for a file
    that is not our database, CheckError when no verdict could be made."""
    checked = check_sites([origin], db_path, work_dir, overrides, stage=stage)
    with closing(checked.reports()) as reports:
        for _, report in reports:
            if report is not None:
                return report
    raise CheckError(f"the audit of {origin} produced no result")
