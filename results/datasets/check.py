"""``optout datasets check``: which audited sites' URLs a dataset's URL lists hold.

The sites' page and image URLs and their origins come from one audited crawl
(:mod:`results.datasets.site_urls`); each shard is scanned by DuckDB
(:mod:`results.datasets.matcher`), one after the other, so a shard that cannot be read is
recorded with its error and the others are still scanned. Every shard's counts and kept
matches are written in one transaction as soon as it is scanned, and the check's row in
``dataset_checks`` is kept up to date, so an interrupted check leaves what it had found.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import duckdb
import sqlite_utils

from audits import TOOL_VERSION
from crawler.storage import StorageError, is_write_failure, now_iso, write_failure
from results.datasets.matcher import DuckMatcher, ShardError, SiteHits, choose_columns, shard_format
from results.datasets.shards import ShardListError, dataset_name, expand_shards
from results.datasets.site_urls import (
    DatasetError,
    iter_site_urls,
    resolve_audited_crawl,
    site_origins,
)
from results.datasets.store import open_datasets_db

DEFAULT_CAP: Final = 1000
"""Matching rows stored per site and check; the rest are counted."""


@dataclass(frozen=True)
class ShardReport:
    """One file of the check: what was read from it, or why it could not be."""

    index: int
    path: str
    shard: str
    format: str
    column: str | None
    caption_column: str | None
    rows: int
    url_matches: int
    origin_matches: int
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class SiteTotals:
    """One site's matches over the whole check."""

    origin: str
    url_matches: int
    origin_matches: int
    stored: int


@dataclass(frozen=True)
class CheckReport:
    check_id: int
    name: str
    crawl_id: int
    sites_checked: int
    site_urls: int
    cap: int
    files: tuple[ShardReport, ...]
    sites: tuple[SiteTotals, ...]
    """The sites with at least one match, most matches first."""
    seconds: float

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def errors(self) -> tuple[ShardReport, ...]:
        return tuple(f for f in self.files if f.error)


@dataclass(frozen=True)
class CheckProgress:
    """Where a check is: file ``index`` (from 1) of ``total``, started or finished."""

    index: int
    total: int
    shard: ShardReport | None
    """The file just finished; None when ``name`` has just started."""
    name: str


Progress = Callable[[CheckProgress], None]


class _Totals:
    def __init__(self) -> None:
        self.by_site: dict[str, list[int]] = {}

    def add(self, hits: SiteHits, stored: int) -> None:
        counts = self.by_site.setdefault(hits.origin, [0, 0, 0])
        counts[0] += hits.url_matches
        counts[1] += hits.origin_matches
        counts[2] += stored

    def stored(self, origin: str) -> int:
        return self.by_site.get(origin, [0, 0, 0])[2]

    def sites(self) -> tuple[SiteTotals, ...]:
        rows = [SiteTotals(o, c[0], c[1], c[2]) for o, c in self.by_site.items()]
        return tuple(sorted(rows, key=lambda s: (-s.url_matches, -s.origin_matches, s.origin)))


def _start(db: sqlite_utils.Database, name: str, crawl_id: int, files: int, cap: int) -> int:
    with db.conn:
        cursor = db.conn.execute(
            "INSERT INTO dataset_checks (name, crawl_id, files, file_count, sites, site_urls,"
            " cap, started_at, status, tool_version)"
            " VALUES (?, ?, '[]', ?, 0, 0, ?, ?, 'running', ?)",
            [name, crawl_id, files, cap, now_iso(), TOOL_VERSION],
        )
    return int(cursor.lastrowid or 0)


def _update(
    db: sqlite_utils.Database,
    check_id: int,
    files: Sequence[ShardReport],
    status: str = "running",
    seconds: float | None = None,
) -> None:
    done = status != "running"
    with db.conn:
        db.conn.execute(
            "UPDATE dataset_checks SET files = ?, errors = ?, rows_scanned = ?, url_matches = ?,"
            " origin_matches = ?, status = ?, finished_at = ?, seconds = ? WHERE id = ?",
            [
                json.dumps([asdict(f) for f in files], ensure_ascii=False),
                sum(1 for f in files if f.error),
                sum(f.rows for f in files),
                sum(f.url_matches for f in files),
                sum(f.origin_matches for f in files),
                status,
                now_iso() if done else None,
                seconds,
                check_id,
            ],
        )


def _scan_shard(
    db: sqlite_utils.Database,
    matcher: DuckMatcher,
    check_id: int,
    name: str,
    index: int,
    path: Path,
    column: str | None,
    cap: int,
    totals: _Totals,
) -> ShardReport:
    """Scan one file and store what it holds in one transaction (nothing when it fails)."""
    started = time.monotonic()
    fmt = shard_format(path)
    chosen = None
    counted: list[tuple[SiteHits, int]] = []
    try:
        chosen = choose_columns(matcher.columns(path, fmt), column)
        rows = matcher.count_rows(path, fmt)
        with db.conn:
            for hits in matcher.scan(path, fmt, chosen, cap):
                keep = hits.samples[: max(0, cap - totals.stored(hits.origin))]
                db.conn.execute(
                    "INSERT INTO dataset_site_counts (check_id, file_index, dataset, shard,"
                    " origin, url_matches, origin_matches, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [check_id, index, name, path.name, hits.origin, hits.url_matches,
                     hits.origin_matches, len(keep)],
                )  # fmt: skip
                db.conn.executemany(
                    "INSERT INTO dataset_matches (check_id, dataset, shard, origin, dataset_url,"
                    " matched_url, match_kind, caption) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(check_id, name, path.name, hits.origin, s.dataset_url, s.matched_url,
                      s.match_kind, s.caption) for s in keep],
                )  # fmt: skip
                counted.append((hits, len(keep)))
    except ShardError as err:
        return ShardReport(
            index, str(path), path.name, fmt, chosen.url if chosen else None,
            chosen.caption if chosen else None, 0, 0, 0, time.monotonic() - started, str(err),
        )  # fmt: skip
    for hits, stored in counted:  # only once the transaction has committed
        totals.add(hits, stored)
    return ShardReport(
        index, str(path), path.name, fmt, chosen.url, chosen.caption, rows,
        sum(h.url_matches for h, _ in counted), sum(h.origin_matches for h, _ in counted),
        time.monotonic() - started,
    )  # fmt: skip


def check_dataset(
    db_path: str | Path,
    urls: Sequence[str],
    *,
    name: str | None = None,
    column: str | None = None,
    crawl: str | int | None = "latest",
    cap: int = DEFAULT_CAP,
    threads: int | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Scan the dataset shards ``urls`` (files, folders, globs) for the audited sites' URLs and
    origins, and record the check; DatasetError when it cannot run at all."""
    started = time.monotonic()
    if cap < 0:
        raise DatasetError("the cap on stored matches cannot be negative")
    path = Path(db_path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such database file")
    try:
        files = expand_shards(urls)
    except ShardListError as err:
        raise DatasetError(str(err)) from err
    label = name.strip() if name and name.strip() else dataset_name(files)
    try:
        db = open_datasets_db(path)
    except StorageError as err:
        raise DatasetError(str(err)) from err
    try:
        crawl_id = resolve_audited_crawl(db, crawl)
        return _run(db, files, label, crawl_id, column, cap, threads, progress, started)
    except sqlite3.Error as err:
        if is_write_failure(err):
            raise DatasetError(str(write_failure(path, err))) from err
        raise DatasetError(f"{path}: {err}") from err
    finally:
        db.close()


def _run(
    db: sqlite_utils.Database,
    files: Sequence[Path],
    name: str,
    crawl_id: int,
    column: str | None,
    cap: int,
    threads: int | None,
    progress: Progress | None,
    started: float,
) -> CheckReport:
    origins = site_origins(db.conn, crawl_id)
    if not origins:
        raise DatasetError(f"crawl {crawl_id} has no audited site to look for")
    check_id = _start(db, name, crawl_id, len(files), cap)
    reports: list[ShardReport] = []
    status = "failed"
    with tempfile.TemporaryDirectory(prefix="optout-datasets-") as workdir:
        matcher = DuckMatcher(Path(workdir), threads)
        try:
            try:
                site_urls = matcher.load_sites(origins, iter_site_urls(db.conn, crawl_id))
            except duckdb.Error as err:  # the temporary folder full or unwritable, most likely
                raise DatasetError(
                    f"the sites' URLs could not be loaded into DuckDB: {err}"
                ) from err
            with db.conn:
                db.conn.execute(
                    "UPDATE dataset_checks SET sites = ?, site_urls = ? WHERE id = ?",
                    [len(origins), site_urls, check_id],
                )
            totals = _Totals()
            for index, path in enumerate(files, start=1):
                if progress:
                    progress(CheckProgress(index, len(files), None, path.name))
                report = _scan_shard(db, matcher, check_id, name, index, path, column, cap, totals)
                reports.append(report)
                _update(db, check_id, reports)
                if progress:
                    progress(CheckProgress(index, len(files), report, path.name))
            status = "finished"
        finally:
            matcher.close()
            seconds = time.monotonic() - started
            _update(db, check_id, reports, status, seconds)
    return CheckReport(
        check_id, name, crawl_id, len(origins), site_urls, cap, tuple(reports),
        totals.sites(), seconds,
    )  # fmt: skip
