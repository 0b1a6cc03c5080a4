"""Checking one site now (``optout check``): crawl its origin in this process, audit that
crawl and read back the site's full report.

The crawl is one Scrapy reactor start (``crawler.run.run_crawl``); the audit and the report
after it are plain SQLite and Python, so the reactor's once-per-process limit is never reached.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Literal

from crawler.network import stop_reason as network_stop_reason
from crawler.run import crawl_settings, run_crawl
from crawler.storage import open_db
from results.derive import audit_crawl
from results.report_types import SiteReport
from results.robots_rows import full_report, load_report

Stage = Literal["crawl", "audit"]


class CheckError(Exception):
    """No verdict could be made: the network is down, the check was stopped, or the audit
    produced no result for the site."""


def _no_display(_: Stage) -> AbstractContextManager[object]:
    return nullcontext()


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
    open_db(db_path).close()  # a file that is not our database fails here, not mid-crawl
    seeds = work_dir / "seed.csv"
    with seeds.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([["origin"], [origin]])
    settings = crawl_settings(
        OPTOUT_SEEDS=str(seeds), OPTOUT_DB=str(db_path), LOG_LEVEL="ERROR", **overrides
    )
    with stage("crawl"):
        tally = run_crawl(settings)
    db = open_db(db_path)
    try:
        crawl_id = tally.crawl_id
        if down := network_stop_reason(db_path, crawl_id):  # never a verdict from that
            raise CheckError(down)
        status = db.execute("SELECT status FROM crawls WHERE id = ?", [crawl_id]).fetchone()
        if crawl_id is None or tally.sites < 1 or not status or status[0] != "finished":
            raise CheckError(f"the check of {origin} was stopped before it finished")
        with stage("audit"):
            audit_crawl(db, crawl_id)
        row = db.execute(
            "SELECT report FROM site_summary WHERE crawl_id = ? AND origin = ?",
            [crawl_id, origin],
        ).fetchone()
        if row is None:
            raise CheckError(f"the audit of {origin} produced no result")
        report = full_report(db.conn, crawl_id, load_report(row[0]))
    finally:
        db.close()
    return report
